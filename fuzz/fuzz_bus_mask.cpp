// libFuzzer harness: parse_bus_mask (writes to /sys/bus/ap/apmask and aqmask).
//
// The input is the written text; the mask it applies to is derived from a hash of the text, so
// corpus files stay plain text and the fuzzer still sees varied current masks. Properties:
// - the result equals an oracle (absolute: string comparison; relative: a term reader built on
//   strtoull, wrapping modulo 2^64 as simple_strtoul does);
// - whether a write is accepted does not depend on the current mask;
// - an accepted mask's rendering reads back as the same mask, from any current mask;
// - the same mask written in the relative syntax (its runs as ranges, in decimal, hex or octal,
//   with varied separators, or as the complement's runs cleared from all ones) reads back too.
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fuzz/oracle.h"
#include "model/parse.h"
#include "model/render.h"

namespace {

using apcb::model::ApId;
using apcb::model::Mask;
using apcb::model::parse_bus_mask;

// simple_strtoul(p, &end, 0) for a number that starts with a digit, or nullopt when none does.
std::optional<std::pair<std::uint64_t, const char*>> read_number(const char* p) {
  if (*p < '0' || *p > '9') return std::nullopt;  // strtoull would skip spaces and signs
  errno = 0;
  char* end = nullptr;
  std::uint64_t value = std::strtoull(p, &end, 0);
  if (errno == ERANGE) {
    // The kernel does not saturate: redo the digits modulo 2^64.
    const bool hex = p[0] == '0' && (p[1] == 'x' || p[1] == 'X') && end - p > 2;
    const std::uint64_t base = hex ? 16 : p[0] == '0' ? 8 : 10;
    value = 0;
    for (const char* d = hex ? p + 2 : p; d != end; ++d) {
      const char c = apcb::fuzz::lower(*d);
      value = value * base + static_cast<std::uint64_t>(c <= '9' ? c - '0' : c - 'a' + 10);
    }
  }
  return std::make_pair(value, static_cast<const char*>(end));
}

std::optional<Mask> relative_oracle(const std::string& text, Mask m) {
  const char* p = text.c_str();
  while (*p != '\0') {
    const char sign = *p++;
    if (sign != '+' && sign != '-') return std::nullopt;
    const auto a = read_number(p);
    if (!a || a->first > 255) return std::nullopt;
    p = a->second;
    std::uint64_t z = a->first;
    if (*p == '-') {
      const auto b = read_number(p + 1);
      if (!b || b->first < a->first || b->first > 255) return std::nullopt;
      p = b->second;
      z = b->first;
    }
    for (std::uint64_t id = a->first; id <= z; ++id) m.assign(static_cast<ApId>(id), sign == '+');
    while (*p == ',' || *p == '\n') ++p;
  }
  return m;
}

std::optional<Mask> oracle(std::string_view text, const Mask& current) {
  const std::string s(apcb::fuzz::before_nul(text));
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) return relative_oracle(s, current);
  const auto hex = apcb::fuzz::expected_hex_field(s);
  if (!hex) return std::nullopt;
  const auto parsed = parse_bus_mask("0x" + *hex, Mask());
  // Compared through the rendering, not the parser: hex() is independent of it.
  APCB_FUZZ_CHECK(parsed.ok() && parsed.value.hex() == *hex);
  return parsed.value;
}

// The maximal runs [lo, hi] of set IDs, ascending.
std::vector<std::pair<int, int>> runs(const Mask& m) {
  std::vector<std::pair<int, int>> out;
  m.for_each([&](ApId id) {
    if (!out.empty() && out.back().second + 1 == id)
      out.back().second = id;
    else
      out.emplace_back(id, id);
  });
  return out;
}

std::string spell(int id, unsigned style) {
  char buf[16];
  switch (style % 4) {
    case 0:
      std::snprintf(buf, sizeof buf, "%d", id);
      break;
    case 1:
      std::snprintf(buf, sizeof buf, "0x%x", static_cast<unsigned>(id));
      break;
    case 2:
      std::snprintf(buf, sizeof buf, "0X%02X", static_cast<unsigned>(id));
      break;
    default:
      std::snprintf(buf, sizeof buf, "0%o", static_cast<unsigned>(id));
      break;
  }
  return buf;
}

// `start` followed by one term per run of `m` with `sign`; separators and number spellings
// vary with `seed`. A '-' term never follows without a separator: "+5-7" is one range.
std::string relative_spelling(const char* start, char sign, const Mask& m, std::uint64_t seed) {
  static constexpr const char* kSeparators[] = {",", "\n", ",,\n", ""};
  auto next = [&seed] {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<unsigned>(seed >> 33);
  };
  std::string out = start;
  for (const auto& [lo, hi] : runs(m)) {
    out += kSeparators[next() % (sign == '+' ? 4 : 3)];
    out += sign;
    out += spell(lo, next());
    if (hi != lo || next() % 2 == 0) {
      out += '-';
      out += spell(hi, next());
    }
  }
  if (next() % 2 == 0) out += '\n';
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const std::uint64_t hash = apcb::fuzz::fnv1a(text);
  const Mask current = apcb::fuzz::mask_from_seed(hash);
  const auto parsed = parse_bus_mask(text, current);

  const auto expected = oracle(text, current);
  APCB_FUZZ_CHECK(parsed.ok() == expected.has_value());
  APCB_FUZZ_CHECK(parse_bus_mask(text, ~current).ok() == parsed.ok());
  if (!parsed.ok()) return 0;
  const Mask result = parsed.value;
  APCB_FUZZ_CHECK(result == *expected);

  const Mask other = apcb::fuzz::mask_from_seed(hash >> 3);
  const auto rendered = parse_bus_mask(apcb::model::render_bus_mask(result), other);
  APCB_FUZZ_CHECK(rendered.ok() && rendered.value == result);

  const auto rebuilt = parse_bus_mask(relative_spelling("-0-255", '+', result, hash), other);
  APCB_FUZZ_CHECK(rebuilt.ok() && rebuilt.value == result);
  const auto carved = parse_bus_mask(relative_spelling("+0-255", '-', ~result, hash >> 7), other);
  APCB_FUZZ_CHECK(carved.ok() && carved.value == result);
  return 0;
}
