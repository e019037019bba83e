#include "impl/kvm/crycb.h"

#include <bit>
#include <cstring>

namespace apcb::impl::kvm {

using model::CrycbFormat;
using model::Mask;

namespace {

// Big-endian image of a 64-bit value, in the host's memory order.
constexpr std::uint64_t to_big_endian(std::uint64_t v) {
  if constexpr (std::endian::native == std::endian::little) return __builtin_bswap64(v);
  return v;
}

constexpr std::uint64_t kTop16 = 0xFFFF000000000000ULL;

}  // namespace

std::uint64_t Crycb::load(std::size_t offset) const {
  return to_big_endian(words_[offset / 8].load(std::memory_order_relaxed));
}

void Crycb::store(std::size_t offset, std::uint64_t value) {
  words_[offset / 8].store(to_big_endian(value), std::memory_order_relaxed);
  if (recorder_ != nullptr)
    recorder_->record(guest_, ProtocolEvent::Kind::write, static_cast<int>(offset / 8));
}

void Crycb::fill_wrapping_key_masks(std::uint64_t seed) {
  // splitmix64: any fixed pattern will do; it only has to be recognisable later.
  std::uint64_t x = seed;
  for (std::size_t off = kDeaWrappingKeyMask; off < kApcb1; off += 8) {
    x += 0x9E3779B97F4A7C15ULL;
    std::uint64_t z = x;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    store(off, z ^ (z >> 31));
  }
}

void Crycb::write_apcb1_mask(std::size_t field, const Mask& m) {
  for (int w = 0; w < Mask::kWords; ++w)
    store(kApcb1 + field + 8 * static_cast<std::size_t>(w), m.word(w));
}

void Crycb::write_apcb0_16(std::size_t offset, const Mask& m) {
  store(offset, (load(offset) & ~kTop16) | (m.word(0) & kTop16));
}

void Crycb::write_apm(CrycbFormat format, const Mask& apm) {
  if (format == CrycbFormat::format2)
    write_apcb1_mask(0x00, apm);
  else
    store(kApcb0 + 0x00, apm.word(0));
}

void Crycb::write_aqm(CrycbFormat format, const Mask& aqm) {
  if (format == CrycbFormat::format2)
    write_apcb1_mask(0x20, aqm);
  else
    write_apcb0_16(kApcb0 + 0x08, aqm);
}

void Crycb::write_adm(CrycbFormat format, const Mask& adm) {
  if (format == CrycbFormat::format2)
    write_apcb1_mask(0x40, adm);
  else
    write_apcb0_16(kApcb0 + 0x10, adm);
}

void Crycb::clear_apcbs() {
  for (std::size_t off = kApcb0; off < kApcb0 + 0x20; off += 8) store(off, 0);
  for (std::size_t off = kApcb1; off < kApcb1 + 0x80; off += 8) store(off, 0);
}

model::Matrix Crycb::read_apcb(CrycbFormat format) const {
  model::Matrix m;
  if (format == CrycbFormat::format2) {
    Mask::Words a{}, q{}, c{};
    for (std::size_t w = 0; w < 4; ++w) {
      a[w] = load(kApcb1 + 0x00 + 8 * w);
      q[w] = load(kApcb1 + 0x20 + 8 * w);
      c[w] = load(kApcb1 + 0x40 + 8 * w);
    }
    m.adapters = Mask(a);
    m.domains = Mask(q);
    m.control_domains = Mask(c);
  } else {
    // APCB0 architecturally holds 64 adapters and 16 (control) domains.
    m.adapters = Mask(Mask::Words{load(kApcb0 + 0x00), 0, 0, 0});
    m.domains = Mask(Mask::Words{load(kApcb0 + 0x08) & kTop16, 0, 0, 0});
    m.control_domains = Mask(Mask::Words{load(kApcb0 + 0x10) & kTop16, 0, 0, 0});
  }
  return m;
}

std::array<std::uint8_t, Crycb::kSize> Crycb::bytes() const {
  std::array<std::uint8_t, kSize> out{};
  for (std::size_t w = 0; w < kWords; ++w) {
    const std::uint64_t raw = words_[w].load(std::memory_order_relaxed);
    std::memcpy(out.data() + 8 * w, &raw, 8);
  }
  return out;
}

}  // namespace apcb::impl::kvm
