// libFuzzer harness: the assurance ledger (readers/ledger.h), the floor CI compares every run with.
//
// Properties:
// - parse_ledger never throws or crashes; an error names a line >= 1 and a column >= 1, says
//   "not a ledger" (or names the JSON fault, marked "(not a ledger)"), and carries no raw
//   control or non-ASCII byte;
// - what it accepts is an object whose "checks" is an array of objects, each with string
//   "layer" and "item" and every bound a number >= 0: the shape verify's floor comparison
//   reads without a second check;
// - an accepted ledger, printed as verify --write-ledger prints it (dump(2)), reads back
//   accepted and equal: a ledger apcb writes is a ledger apcb reads.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "fuzz/oracle.h"
#include "readers/ledger.h"


extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = apcb::readers::parse_ledger(text, "f.json");
  if (auto* e = std::get_if<apcb::trace::TraceError>(&parsed)) {
    APCB_FUZZ_CHECK(e->line >= 1 && e->column >= 1);
    APCB_FUZZ_CHECK(e->message.find("not a ledger") != std::string::npos);
    APCB_FUZZ_CHECK(apcb::fuzz::printable_ascii(e->message));
    return 0;
  }
  const nlohmann::json& ledger = std::get<nlohmann::json>(parsed);
  APCB_FUZZ_CHECK(ledger.is_object() && ledger.contains("checks") && ledger.at("checks").is_array());
  for (const nlohmann::json& c : ledger.at("checks")) {
    APCB_FUZZ_CHECK(c.is_object() && c.at("layer").is_string() && c.at("item").is_string());
    for (const char* field : {"width", "bound", "seeds", "budget"})
      APCB_FUZZ_CHECK(!c.contains(field) || (c.at(field).is_number() && c.at(field).get<double>() >= 0));
  }
  auto again = apcb::readers::parse_ledger(ledger.dump(2) + "\n", "again.json");
  APCB_FUZZ_CHECK(std::holds_alternative<nlohmann::json>(again));
  APCB_FUZZ_CHECK(std::get<nlohmann::json>(again) == ledger);
  return 0;
}
