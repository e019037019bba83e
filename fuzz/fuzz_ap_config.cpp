// libFuzzer harness: parse_ap_config (writes to an mdev's ap_config).
//
// Properties:
// - the result equals an oracle that finds the first three fields by separator positions and
//   checks each by string comparison (expected_hex_field);
// - only the first 201 bytes matter;
// - an accepted matrix's rendering reads back as the same matrix, also with arbitrary bytes
//   (this input) appended, since a rendering is exactly 201 bytes;
// - a rendering's fields, written one at a time as bus masks, give the same masks.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "fuzz/oracle.h"
#include "model/parse.h"
#include "model/render.h"

namespace {

using apcb::model::Mask;
using apcb::model::Matrix;
using apcb::model::parse_ap_config;
using apcb::model::render_ap_config;

// Hex strings of the three fields, or nullopt when the kernel answers EINVAL.
std::optional<std::string> oracle(std::string_view text) {
  const std::string_view s = apcb::fuzz::before_nul(text.substr(0, 201));
  std::size_t begin = 0;
  std::string hex;
  for (int field = 0; field < 3; ++field) {
    if (begin > s.size()) return std::nullopt;  // the previous field ended the input
    std::size_t end = begin;
    while (end < s.size() && s[end] != ',' && s[end] != '\n') ++end;
    const auto digits = apcb::fuzz::expected_hex_field(s.substr(begin, end - begin));
    if (!digits) return std::nullopt;
    hex += *digits;
    begin = end + 1;
  }
  return hex;
}

std::string hex_of(const Matrix& m) {
  return m.adapters.hex() + m.domains.hex() + m.control_domains.hex();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const auto parsed = parse_ap_config(text);

  const auto expected = oracle(text);
  APCB_FUZZ_CHECK(parsed.ok() == expected.has_value());
  APCB_FUZZ_CHECK(parsed.error ==
                  (parsed.ok() ? apcb::model::Errno::ok : apcb::model::Errno::einval));
  const auto truncated = parse_ap_config(text.substr(0, 201));
  APCB_FUZZ_CHECK(truncated.error == parsed.error && truncated.value == parsed.value);
  if (!parsed.ok()) return 0;
  const Matrix m = parsed.value;
  APCB_FUZZ_CHECK(hex_of(m) == *expected);

  const std::string rendered = render_ap_config(m);
  APCB_FUZZ_CHECK(rendered.size() == 201);
  const auto again = parse_ap_config(rendered);
  APCB_FUZZ_CHECK(again.ok() && again.value == m);
  const auto with_tail = parse_ap_config(rendered + text);
  APCB_FUZZ_CHECK(with_tail.ok() && with_tail.value == m);

  const Mask* const fields[] = {&m.adapters, &m.domains, &m.control_domains};
  for (int i = 0; i < 3; ++i) {
    const std::string field = rendered.substr(static_cast<std::size_t>(67 * i), 66);
    const auto alone = apcb::model::parse_bus_mask(field, Mask::all());
    APCB_FUZZ_CHECK(alone.ok() && alone.value == *fields[i]);
  }
  return 0;
}
