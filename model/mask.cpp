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

}  // namespace apcb::model
