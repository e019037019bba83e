// apcb fuzzing — shared checks and independent oracles for the sysfs parser harnesses.
//
// The oracles restate each grammar a second way, on top of the C library's digit readers
// (std::from_chars, strtoull) and plain string comparison, so a harness catches a parser that
// disagrees with the kernel's rules rather than merely one that crashes.
#ifndef APCB_FUZZ_ORACLE_H_
#define APCB_FUZZ_ORACLE_H_

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "model/mask.h"

// Aborts (a libFuzzer crash, a failed ctest replay) with the failed condition, printing
// "FILE:LINE: property failed: COND" to stderr first; does nothing when `cond` holds.
//
// Example: APCB_FUZZ_CHECK(parsed == expected_hex_field(field));
#define APCB_FUZZ_CHECK(cond)                                                          \
  do {                                                                                 \
    if (!(cond)) {                                                                     \
      std::fprintf(stderr, "%s:%d: property failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                    \
    }                                                                                  \
  } while (0)

namespace apcb::fuzz {

// Whether an error message is safe to print: printable ASCII and line breaks only (the readers
// quote the input's bytes through model::printable, so no raw control or non-ASCII byte of a
// hostile file reaches a terminal).
//
// Example: printable_ascii("a.json:1:2: bad\n") == true; printable_ascii("\x1b[2J") == false
inline bool printable_ascii(std::string_view s) {
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c < 0x20 && c != '\n') || c >= 0x7f) return false;
  }
  return true;
}

// The kernel reads the write as a C string: an embedded NUL ends it. `s` itself when it has
// no NUL.
//
// Example: before_nul(std::string_view("5\0x", 3)) == "5"
inline std::string_view before_nul(std::string_view s) {
  const std::size_t nul = s.find('\0');
  return nul == std::string_view::npos ? s : s.substr(0, nul);
}

// Whether `c` is a hex digit in either case (locale-independent, unlike std::isxdigit).
//
// Example: is_hex('F') == true, is_hex('x') == false
inline bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// `c` lower-cased if it is an ASCII capital letter, else `c` (locale-independent).
//
// Example: lower('A') == 'a', lower('7') == '7'
inline char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// ap_hex2bitmap by string comparison: the expected Mask::hex() of a field, or nullopt when the
// kernel rejects it. Digits are the hex string itself, lower-cased and zero-padded on the right.
// Rejected: any byte after the digits but one trailing newline, or more than 64 digits.
//
// Example: expected_hex_field("0xA\n") == "a" + std::string(63, '0'); expected_hex_field("g") == std::nullopt
inline std::optional<std::string> expected_hex_field(std::string_view field) {
  std::string_view s = before_nul(field);
  if (s.substr(0, 2) == "0x")
    s.remove_prefix(2);
  else if (s.substr(0, 1) == "x")
    s.remove_prefix(1);
  std::string digits;
  while (!s.empty() && is_hex(s.front())) {
    digits += lower(s.front());
    s.remove_prefix(1);
  }
  if (s == "\n") s.remove_prefix(1);
  if (!s.empty() || digits.size() > 64) return std::nullopt;
  digits.resize(64, '0');
  return digits;
}

// A deterministic 256-bit mask drawn from `seed` (splitmix64), with the all-zero and all-ones
// masks over-represented because relative writes behave specially at the extremes.
//
// Example: mask_from_seed(0) == model::Mask(), mask_from_seed(1) == model::Mask::all()
inline model::Mask mask_from_seed(std::uint64_t seed) {
  switch (seed % 8) {
    case 0:
      return model::Mask();
    case 1:
      return model::Mask::all();
    default:
      break;
  }
  model::Mask::Words w{};
  for (auto& word : w) {
    seed += 0x9e3779b97f4a7c15ULL;
    std::uint64_t z = seed;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    word = z ^ (z >> 31);
  }
  return model::Mask(w);
}

// The 64-bit FNV-1a hash of `s`: a seed derived from a fuzz input, the same on every platform.
//
// Example: fnv1a("") == 0xcbf29ce484222325ULL
inline std::uint64_t fnv1a(std::string_view s) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

}  // namespace apcb::fuzz

#endif  // APCB_FUZZ_ORACLE_H_
