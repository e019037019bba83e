#include "model/parse.h"

#include <cstddef>
#include <limits>
#include <optional>

namespace apcb::model {
namespace {

// sysfs hands the store function a NUL-terminated copy of the written bytes and every kernel
// parser below reads it as a C string, so an embedded NUL ends the input for all of them.
std::string_view as_c_string(std::string_view bytes) {
  const std::size_t nul = bytes.find('\0');
  return nul == std::string_view::npos ? bytes : bytes.substr(0, nul);
}

// Value of a hex digit of either case, or -1. Deliberately not <cctype>: its answers depend on
// the locale and on the sign of `char`, the kernel's do not.
int digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_hex_digit(char c) { return digit_value(c) >= 0; }

// What the kernel's base-0 integer reader (shared by kstrtoul and simple_strtoul) makes of the
// start of `s`.
struct Number {
  std::uint64_t value = 0;  // modulo 2^64: simple_strtoul wraps, kstrtoul looks at `overflow`
  std::size_t end = 0;      // bytes consumed, radix prefix included; 0 when there is no digit
  std::size_t digits = 0;   // digits read after the radix prefix
  bool overflow = false;    // the exact value does not fit in 64 bits
};

Number read_base0(std::string_view s) {
  unsigned base = 10;
  std::size_t pos = 0;
  if (!s.empty() && s[0] == '0') {
    // "0x" counts as a prefix only when a hex digit follows; otherwise the number is the octal
    // "0" and the 'x' is left over for the caller to reject.
    if (s.size() >= 3 && (s[1] == 'x' || s[1] == 'X') && is_hex_digit(s[2])) {
      base = 16;
      pos = 2;
    } else {
      base = 8;
    }
  }
  Number n;
  const std::size_t first_digit = pos;
  for (; pos < s.size(); ++pos) {
    const int d = digit_value(s[pos]);
    if (d < 0 || static_cast<unsigned>(d) >= base) break;
    const auto digit = static_cast<std::uint64_t>(d);
    if (n.value > (std::numeric_limits<std::uint64_t>::max() - digit) / base) n.overflow = true;
    n.value = n.value * base + digit;
  }
  n.digits = pos - first_digit;
  n.end = n.digits == 0 ? 0 : pos;
  return n;
}

// strsep(&rest, ",\n"): the token up to the next ',' or '\n'; once no separator is left the
// remainder is the last token and the next call finds nothing.
std::optional<std::string_view> next_field(std::optional<std::string_view>& rest) {
  if (!rest) return std::nullopt;
  const std::string_view s = *rest;
  const std::size_t sep = s.find_first_of(",\n");
  if (sep == std::string_view::npos) {
    rest.reset();
    return s;
  }
  rest = s.substr(sep + 1);
  return s.substr(0, sep);
}

// ap_config_store keeps only this many bytes of the write (3 × "0x" + 64 digits + separator).
constexpr std::size_t kApConfigStrlen = 3 * (Mask::kBits / 4 + 3);

template <typename T>
Parsed<T> fail(Errno e) {
  Parsed<T> p;
  p.error = e;
  return p;
}

Parsed<Mask> parse_relative(std::string_view s, const Mask& current) {
  Mask m = current;
  std::size_t pos = 0;
  while (pos < s.size()) {
    const char sign = s[pos++];
    if (sign != '+' && sign != '-') return fail<Mask>(Errno::einval);
    const Number a = read_base0(s.substr(pos));
    // The comparison is on the wrapped value: the kernel reads numbers without overflow
    // detection, so 2^64 + 3 names ID 3.
    if (a.end == 0 || a.value >= static_cast<std::uint64_t>(Mask::kBits))
      return fail<Mask>(Errno::einval);
    pos += a.end;
    std::uint64_t last = a.value;
    if (pos < s.size() && s[pos] == '-') {
      ++pos;
      const Number z = read_base0(s.substr(pos));
      if (z.end == 0 || z.value < a.value || z.value >= static_cast<std::uint64_t>(Mask::kBits))
        return fail<Mask>(Errno::einval);
      pos += z.end;
      last = z.value;
    }
    for (std::uint64_t id = a.value; id <= last; ++id) m.assign(static_cast<ApId>(id), sign == '+');
    // The run of separators may be empty: "+1+2" is two terms.
    while (pos < s.size() && (s[pos] == ',' || s[pos] == '\n')) ++pos;
  }
  Parsed<Mask> out;
  out.value = m;
  return out;
}

}  // namespace

Parsed<std::uint64_t> parse_kstrtoul(std::string_view text) {
  std::string_view s = as_c_string(text);
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  const Number n = read_base0(s);
  // The kernel reports overflow before it looks at what follows the digits.
  if (n.overflow) return fail<std::uint64_t>(Errno::erange);
  if (n.end == 0) return fail<std::uint64_t>(Errno::einval);
  s.remove_prefix(n.end);
  if (!s.empty() && s[0] == '\n') s.remove_prefix(1);
  if (!s.empty()) return fail<std::uint64_t>(Errno::einval);
  Parsed<std::uint64_t> out;
  out.value = n.value;
  return out;
}

Parsed<Mask> parse_hex_mask(std::string_view field) {
  std::string_view s = as_c_string(field);
  // Only a lower-case 'x' is a prefix here (unlike the relative syntax's numbers): "0X5" reads
  // the digit 0 and then fails on 'X'.
  if (s.size() >= 2 && s[0] == '0' && s[1] == 'x')
    s.remove_prefix(2);
  else if (!s.empty() && s[0] == 'x')
    s.remove_prefix(1);
  Mask::Words words{};
  constexpr std::size_t kDigits = Mask::kBits / 4;
  std::size_t i = 0;
  for (; i < s.size() && is_hex_digit(s[i]); ++i) {
    if (i == kDigits) return fail<Mask>(Errno::einval);
    words[i / 16] |= static_cast<std::uint64_t>(digit_value(s[i])) << (60 - 4 * (i % 16));
  }
  s.remove_prefix(i);
  if (!s.empty() && s[0] == '\n') s.remove_prefix(1);
  if (!s.empty()) return fail<Mask>(Errno::einval);
  Parsed<Mask> out;
  out.value = Mask(words);
  return out;
}

Parsed<Mask> parse_bus_mask(std::string_view text, const Mask& current) {
  const std::string_view s = as_c_string(text);
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) return parse_relative(s, current);
  return parse_hex_mask(s);
}

Parsed<Matrix> parse_ap_config(std::string_view text) {
  std::optional<std::string_view> rest = as_c_string(text.substr(0, kApConfigStrlen));
  Matrix m;
  for (Mask* target : {&m.adapters, &m.domains, &m.control_domains}) {
    const std::optional<std::string_view> field = next_field(rest);
    if (!field) return fail<Matrix>(Errno::einval);
    const Parsed<Mask> parsed = parse_hex_mask(*field);
    if (!parsed.ok()) return fail<Matrix>(parsed.error);
    *target = parsed.value;
  }
  Parsed<Matrix> out;
  out.value = m;
  return out;
}

}  // namespace apcb::model
