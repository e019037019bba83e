#include "model/mask.h"

namespace apcb::model {

std::string Mask::hex() const {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(64, '0');
  for (int w = 0; w < kWords; ++w)
    for (int nibble = 0; nibble < 16; ++nibble)
      out[static_cast<std::size_t>(w * 16 + nibble)] =
          kDigits[(words_[static_cast<std::size_t>(w)] >> (60 - 4 * nibble)) & 0xF];
  return out;
}

namespace {
std::string hex_id(int id, int digits) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(static_cast<std::size_t>(digits), '0');
  for (int i = digits - 1; i >= 0 && id != 0; --i, id /= 16) out[static_cast<std::size_t>(i)] = kDigits[id % 16];
  return out;
}
}  // namespace

std::string format_id_set(const Mask& m, int digits) {
  if (m.empty()) return "-";
  std::string out;
  int id = m.first();
  while (id >= 0 && id < Mask::kBits) {
    int end = id;
    while (end + 1 < Mask::kBits && m.test(static_cast<ApId>(end + 1))) ++end;
    if (!out.empty()) out += ",";
    out += hex_id(id, digits);
    if (end > id + 1) out += "-" + hex_id(end, digits);
    else if (end == id + 1) out += "," + hex_id(end, digits);
    id = end + 1;
    while (id < Mask::kBits && !m.test(static_cast<ApId>(id))) ++id;
  }
  return out;
}

}  // namespace apcb::model
