// libFuzzer harness: the allow list `apcb check --allow FILE` reads (readers/allow_list.h),
// and the glob matcher its entries use.
//
// Properties:
// - parse_allow_list never throws or crashes; an error names a line >= 1 and a column >= 1,
//   says "not an allow list" (or names the JSON fault, marked "(not an allow list)"), and
//   carries no raw control or non-ASCII byte;
// - an accepted list's entries have non-empty id, op, cause and reason, unique ids, each op
//   pattern matches at least one operation class, and each entry's line is >= 1;
// - glob_match agrees with itself: "*" matches anything, a pattern matches its own text when it
//   has no wildcard, and every accepted entry's patterns are matched in time linear in the
//   input (libFuzzer's -timeout catches a matcher that backtracks without bound).
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <variant>

#include "fuzz/oracle.h"
#include "model/op.h"
#include "readers/allow_list.h"


extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using apcb::readers::glob_match;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  // The matcher on raw bytes: the first half as a pattern, the second as a text.
  const std::string_view pattern = text.substr(0, size / 2), subject = text.substr(size / 2);
  APCB_FUZZ_CHECK(glob_match("*", subject));
  if (pattern.find_first_of("*?") == std::string_view::npos)
    APCB_FUZZ_CHECK(glob_match(pattern, subject) == (pattern == subject));
  (void)glob_match(pattern, subject);

  auto parsed = apcb::readers::parse_allow_list(text, "a.json");
  if (auto* e = std::get_if<apcb::trace::TraceError>(&parsed)) {
    APCB_FUZZ_CHECK(e->line >= 1 && e->column >= 1);
    APCB_FUZZ_CHECK(e->message.find("not an allow list") != std::string::npos);
    APCB_FUZZ_CHECK(apcb::fuzz::printable_ascii(e->message));
    return 0;
  }
  const auto& list = std::get<apcb::readers::AllowList>(parsed);
  std::set<std::string> ids;
  for (const auto& entry : list.entries) {
    APCB_FUZZ_CHECK(!entry.id.empty() && !entry.op.empty() && !entry.cause.empty() && !entry.reason.empty());
    APCB_FUZZ_CHECK(ids.insert(entry.id).second);
    APCB_FUZZ_CHECK(entry.line >= 1);
    bool names_one = false;
    for (const std::string& c : apcb::model::operation_classes()) names_one = names_one || glob_match(entry.op, c);
    APCB_FUZZ_CHECK(names_one);
    (void)entry.matches(subject, subject, subject, subject);
  }
  return 0;
}
