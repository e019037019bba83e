// The CRYCB as a byte buffer (kernel-vfio-ap.md §5): the layout of APCB0 and APCB1, big-endian
// masks (the byte image is the MSB-0 bit string), format selection and the format bits of the
// designation, clear_masks, an interrupted commit, and the wrapping-key masks vfio_ap never
// touches.
#include <gtest/gtest.h>

#include <array>
#include <bit>

#include "impl/host.h"
#include "impl/kvm/kvm.h"
#include "harness/lockstep.h"
#include "harness/generate.h"
#include "tests/sanitized.h"

namespace apcb::impl {
namespace {

using kvm::Crycb;
using kvm::Kvm;
using kvm::KvmEnv;
using model::CrycbFormat;
using model::Errno;
using model::Mask;
using model::Matrix;

using Bytes = std::array<std::uint8_t, Crycb::kSize>;

Errno set(Kvm& g, const Matrix& m, FaultInjector* faults = nullptr) {
  Matrix old_apcb, new_apcb;
  return g.set_masks(m, faults, old_apcb, new_apcb);
}

// Bytes [from, to) of the buffer.
bool all_zero(const Bytes& b, std::size_t from, std::size_t to) {
  for (std::size_t i = from; i < to; ++i)
    if (b[i] != 0) return false;
  return true;
}

TEST(impl_Crycb, FormatComesFromMsax3AndApxaAndSitsInTheDesignation) {
  KvmEnv env;
  const Kvm f0(1, /*msax3=*/false, /*host_apxa=*/true, 1, env);
  const Kvm f1(2, true, false, 1, env);
  const Kvm f2(3, true, true, 1, env);
  EXPECT_EQ(f0.format(), CrycbFormat::format0);
  EXPECT_EQ(f1.format(), CrycbFormat::format1);
  EXPECT_EQ(f2.format(), CrycbFormat::format2);
  EXPECT_EQ(f0.crycbd() & 3U, 0U);
  EXPECT_EQ(f1.crycbd() & 3U, 1U);
  EXPECT_EQ(f2.crycbd() & 3U, 3U);
  EXPECT_EQ(f2.crycbd() & ~3U & 0xFFU, 0U);  // the origin is aligned
}

TEST(impl_Crycb, Apcb1HoldsAll256BitsBigEndianAt0x80) {
  KvmEnv env;
  Kvm g(1, true, true, 2, env);
  ASSERT_EQ(set(g, Matrix{Mask::of({0, 5, 255}), Mask::of({1, 64}), Mask::of({2, 200})}), Errno::ok);
  const Bytes b = g.crycb_bytes();
  EXPECT_EQ(b[0x80], 0x84);       // adapters 0 and 5: bits 7 and 2 of the first byte
  EXPECT_EQ(b[0x80 + 31], 0x01);  // adapter 255: the last bit of apm
  EXPECT_EQ(b[0xA0], 0x40);       // domain 1
  EXPECT_EQ(b[0xA0 + 8], 0x80);   // domain 64: first bit of aqm's second word
  EXPECT_EQ(b[0xC0], 0x20);       // control domain 2
  EXPECT_EQ(b[0xC0 + 25], 0x80);  // control domain 200
  int set_bits = 0;
  for (std::size_t i = 0x80; i < 0xE0; ++i) set_bits += std::popcount(b[i]);
  EXPECT_EQ(set_bits, 7);
  EXPECT_TRUE(all_zero(b, 0x00, 0x48));  // APCB0 and the reserved bytes untouched
  EXPECT_TRUE(all_zero(b, 0xE0, 0x100));
  EXPECT_EQ(g.apcb(), (Matrix{Mask::of({0, 5, 255}), Mask::of({1, 64}), Mask::of({2, 200})}));
}

TEST(impl_Crycb, Apcb0Holds64AdaptersAnd16DomainsAt0x00) {
  KvmEnv env;
  for (bool msax3 : {false, true}) {
    Kvm g(1, msax3, /*host_apxa=*/false, 1, env);
    ASSERT_EQ(set(g, Matrix{Mask::of({2, 63, 70}), Mask::of({3, 15, 20}), Mask::of({0, 15, 16})}), Errno::ok);
    const Bytes b = g.crycb_bytes();
    EXPECT_EQ(b[0x00], 0x20);  // adapter 2
    EXPECT_EQ(b[0x07], 0x01);  // adapter 63; 70 does not fit
    EXPECT_EQ(b[0x08], 0x10);  // domain 3
    EXPECT_EQ(b[0x09], 0x01);  // domain 15; 20 is beyond the 2 bytes set_masks copies
    EXPECT_TRUE(all_zero(b, 0x0A, 0x10));
    EXPECT_EQ(b[0x10], 0x80);  // control domain 0
    EXPECT_EQ(b[0x11], 0x01);  // control domain 15
    EXPECT_TRUE(all_zero(b, 0x12, 0x48));
    EXPECT_TRUE(all_zero(b, 0x80, 0x100));  // APCB1 untouched
    EXPECT_EQ(g.apcb(), (Matrix{Mask::of({2, 63}), Mask::of({3, 15}), Mask::of({0, 15})}));
  }
}

TEST(impl_Crycb, ClearMasksZeroesBothApcbsAndNothingElse) {
  KvmEnv env;
  Kvm g(1, true, true, 1, env);
  const Bytes fresh = g.crycb_bytes();
  ASSERT_EQ(set(g, Matrix{Mask::of({1}), Mask::of({2}), Mask::of({3})}), Errno::ok);
  Matrix old_apcb;
  ASSERT_EQ(g.clear_masks(nullptr, old_apcb), Errno::ok);
  EXPECT_EQ(old_apcb, (Matrix{Mask::of({1}), Mask::of({2}), Mask::of({3})}));
  EXPECT_EQ(g.crycb_bytes(), fresh);
}

TEST(impl_Crycb, AnInterruptedCommitLeavesTheBytesAsTheyWere) {
  KvmEnv env;
  for (bool apxa : {false, true}) {
    Kvm g(1, true, apxa, 2, env);
    ASSERT_EQ(set(g, Matrix{Mask::of({1}), Mask::of({2}), Mask::of({3})}), Errno::ok);
    const Bytes before = g.crycb_bytes();
    FaultInjector faults;
    faults.arm(FaultPoint::commit, 1);
    EXPECT_EQ(set(g, Matrix{Mask::of({4}), Mask::of({5}), Mask::of({6})}, &faults), Errno::eio);
    EXPECT_EQ(g.crycb_bytes(), before);
    Matrix old_apcb;
    faults.arm(FaultPoint::commit, 1);
    EXPECT_EQ(g.clear_masks(&faults, old_apcb), Errno::eio);
    EXPECT_EQ(g.crycb_bytes(), before);
  }
}

TEST(impl_Crycb, WrappingKeyMasksArePatternedAtCreationAndNeverChange) {
  KvmEnv env;
  Kvm g(7, true, true, 1, env);
  const Bytes fresh = g.crycb_bytes();
  EXPECT_FALSE(all_zero(fresh, Crycb::kDeaWrappingKeyMask, Crycb::kApcb1));
  for (int i = 0; i < 50; ++i) {
    ASSERT_EQ(set(g, Matrix{Mask::of({i, 255 - i}), Mask::of({i}), Mask::of({2 * i})}), Errno::ok);
    if (i % 7 == 0) {
      Matrix old_apcb;
      ASSERT_EQ(g.clear_masks(nullptr, old_apcb), Errno::ok);
    }
    const Bytes b = g.crycb_bytes();
    for (std::size_t k = Crycb::kDeaWrappingKeyMask; k < Crycb::kApcb1; ++k) ASSERT_EQ(b[k], fresh[k]);
  }
}

// Through the whole host: random operations never touch the wrapping-key masks or the
// reserved bytes, and the APCB bytes always decode to what the model says the guest has.
TEST(impl_Crycb, RandomOperationsNeverTouchTheWrappingKeyMasks) {
  const int sequences = apcb::testing::env_count("APCB_CRYCB_SEQUENCES", apcb::testing::kUnderTsan ? 40 : 400);
  for (int seed = 0; seed < sequences; ++seed) {
    harness::OpGenerator gen(harness::SeededEntropy(7000 + static_cast<std::uint64_t>(seed)), harness::GeneratorKnobs::mix());
    const model::HostParams params = gen.params();
    harness::Lockstep ls(params, gen.config(), HostOptions{1});
    ls.run(model::op::GuestCreate{0, true});
    ls.run(model::op::GuestCreate{1, seed % 2 == 0});
    std::vector<Bytes> fresh;
    for (model::GuestId id : {0U, 1U}) fresh.push_back(ls.host.guest(id)->crycb_bytes());
    for (int i = 0; i < 60; ++i) {
      ls.run(gen.next(ls.s));
      for (model::GuestId id : {0U, 1U}) {
        const Bytes b = ls.host.guest(id)->crycb_bytes();
        for (std::size_t k = 0x18; k < Crycb::kApcb1; ++k)
          ASSERT_EQ(b[k], fresh[id][k]) << "seed " << seed << " byte " << k << "\n" << ls.history_text();
        ASSERT_TRUE(all_zero(b, 0xE0, 0x100));
      }
    }
    ASSERT_TRUE(ls.mismatches.empty()) << ls.report();
  }
}

}  // namespace
}  // namespace apcb::impl
