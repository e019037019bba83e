// apcb impl — the CRYCB (struct kvm_s390_crypto_cb) as the byte buffer the hardware reads.
//
// Layout (arch/s390/include/asm/kvm_host.h, kernel-vfio-ap.md §5.1), 0x100 bytes:
//   0x00 APCB0: apm u64 @0x00, aqm u64 @0x08, adm u64 @0x10, reserved @0x18
//   0x48 DEA wrapping-key verification pattern (24 bytes)
//   0x60 AES wrapping-key verification pattern (32 bytes)
//   0x80 APCB1: apm 4×u64 @0x00, aqm 4×u64 @0x20, adm 4×u64 @0x40, reserved 4×u64 @0x60
// Masks are stored big-endian, as on s390, so the byte image is the architected MSB-0 bit
// string: ID i is bit 7 − i%8 of byte i/8 of the mask. The buffer is read concurrently by
// vCPU threads; every access is a relaxed atomic 8-byte load or store, so a reader racing a
// writer (the deliberately non-atomic test protocol) sees stale or new words, never undefined
// behaviour. Ordering between a commit and the vCPUs comes from the block protocol (vcpu.h).
#ifndef APCB_IMPL_KVM_CRYCB_H_
#define APCB_IMPL_KVM_CRYCB_H_

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

#include "impl/kvm/protocol_log.h"
#include "model/state.h"

namespace apcb::impl::kvm {

class Crycb {
 public:
  static constexpr std::size_t kSize = 0x100;
  static constexpr std::size_t kApcb0 = 0x00;
  static constexpr std::size_t kDeaWrappingKeyMask = 0x48;
  static constexpr std::size_t kAesWrappingKeyMask = 0x60;
  static constexpr std::size_t kApcb1 = 0x80;

  Crycb() = default;
  Crycb(const Crycb&) = delete;
  Crycb& operator=(const Crycb&) = delete;

  // Fills the two wrapping-key verification patterns with bytes derived from `seed`, as KVM
  // does with random bytes at VM creation. Nothing in vfio_ap touches them afterwards.
  // Example: c.fill_wrapping_key_masks(7); bytes 0x48..0x7f are then non-zero, the APCBs untouched.
  void fill_wrapping_key_masks(std::uint64_t seed);

  // The writes of kvm_arch_crypto_set_masks, one mask at a time: with APCB1 (format 2) all 256
  // bits; with APCB0 (formats 0/1) apm IDs 0..63 (8 bytes) and aqm/adm IDs 0..15 (2 bytes),
  // leaving the rest of those words as they were.
  // Example: write_apm(CrycbFormat::format2, Mask::single(0)) sets the top bit of byte 0x80.
  void write_apm(model::CrycbFormat format, const model::Mask& apm);
  void write_aqm(model::CrycbFormat format, const model::Mask& aqm);
  void write_adm(model::CrycbFormat format, const model::Mask& adm);
  // kvm_arch_crypto_clear_masks: APCB0 and APCB1 all zero.
  // Example: c.clear_apcbs(); c.read_apcb(any format) is empty.
  void clear_apcbs();

  // Under test: every word stored from now on is recorded as a write of guest `guest`
  // (protocol_log.h); null stops recording.
  // Example: record_stores(&r, 1); write_apm(format2, m) records writes of words 16..19.
  void record_stores(ProtocolRecorder* recorder, model::GuestId guest) {
    recorder_ = recorder;
    guest_ = guest;
  }

  // The APCB the format designates, as a guest's AP instructions see it.
  // Example: a new Crycb reads back an empty Matrix in every format.
  model::Matrix read_apcb(model::CrycbFormat format) const;
  // The whole buffer, byte for byte.
  // Example: a new Crycb's bytes() are all zero.
  std::array<std::uint8_t, kSize> bytes() const;

 private:
  static constexpr std::size_t kWords = kSize / 8;
  // The 64-bit value (MSB-0 word) at byte offset `offset`, converted from big-endian.
  std::uint64_t load(std::size_t offset) const;
  void store(std::size_t offset, std::uint64_t value);
  void write_apcb1_mask(std::size_t field, const model::Mask& m);
  void write_apcb0_16(std::size_t offset, const model::Mask& m);

  alignas(256) std::array<std::atomic<std::uint64_t>, kWords> words_{};
  ProtocolRecorder* recorder_ = nullptr;
  model::GuestId guest_ = 0;
};

}  // namespace apcb::impl::kvm

#endif  // APCB_IMPL_KVM_CRYCB_H_
