// libFuzzer harness: parse_kstrtoul (the assign/unassign attributes' number reader).
//
// Properties: the result and errno equal an oracle built on std::from_chars; every accepted
// value reads back from its decimal, hex and octal spellings; accepted input is made only of
// the grammar's bytes; appending a byte after an accepted number is rejected.
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

#include "fuzz/oracle.h"
#include "model/parse.h"

namespace {

using apcb::model::Errno;
using apcb::model::parse_kstrtoul;

struct Expected {
  Errno error = Errno::ok;
  std::uint64_t value = 0;
};

Expected oracle(std::string_view text) {
  std::string_view s = apcb::fuzz::before_nul(text);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  int base = 10;
  std::size_t start = 0;
  if (!s.empty() && s.front() == '0') {
    const bool hex = s.size() >= 3 && (s[1] == 'x' || s[1] == 'X') && apcb::fuzz::is_hex(s[2]);
    base = hex ? 16 : 8;
    start = hex ? 2 : 0;
  }
  std::uint64_t value = 0;
  const char* const first = s.data() + start;
  const char* const last = s.data() + s.size();
  const auto [ptr, ec] = std::from_chars(first, last, value, base);
  if (ec == std::errc::invalid_argument) return {Errno::einval, 0};
  if (ec == std::errc::result_out_of_range) return {Errno::erange, 0};
  std::string_view rest(ptr, static_cast<std::size_t>(last - ptr));
  if (!rest.empty() && rest.front() == '\n') rest.remove_prefix(1);
  if (!rest.empty()) return {Errno::einval, 0};
  return {Errno::ok, value};
}

std::string to_base(std::uint64_t v, int base) {
  char buf[80];
  const auto r = std::to_chars(buf, buf + sizeof buf, v, base);
  return std::string(buf, r.ptr);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const auto parsed = parse_kstrtoul(text);

  const Expected expected = oracle(text);
  APCB_FUZZ_CHECK(parsed.error == expected.error);
  if (!parsed.ok()) return 0;
  APCB_FUZZ_CHECK(parsed.value == expected.value);

  const std::string_view seen = apcb::fuzz::before_nul(text);
  for (char c : seen)
    APCB_FUZZ_CHECK(apcb::fuzz::is_hex(c) || c == 'x' || c == 'X' || c == '+' || c == '\n');
  // Bytes that can never continue an accepted input (after a final '\n' not even a digit or a
  // second '\n'): appending one must make the write fail. Skipped when a NUL already cut the
  // input, since the kernel never sees what follows it.
  if (seen.size() == text.size()) {
    std::string junk = " g,-.";
    if (seen.back() == '\n') junk += "\n8";
    for (char c : junk) APCB_FUZZ_CHECK(!parse_kstrtoul(text + c).ok());
  }

  const std::uint64_t v = parsed.value;
  for (const std::string& spelling :
       {to_base(v, 10), "+" + to_base(v, 10), to_base(v, 10) + "\n", "0x" + to_base(v, 16),
        "0X" + to_base(v, 16) + "\n", "0" + to_base(v, 8)}) {
    const auto again = parse_kstrtoul(spelling);
    APCB_FUZZ_CHECK(again.ok() && again.value == v);
  }
  return 0;
}
