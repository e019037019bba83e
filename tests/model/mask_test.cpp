// The 256-bit MSB-0 mask: word layout, single-ID operations, iteration and set algebra.
#include "model/mask.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace apcb::model {
namespace {

constexpr std::uint64_t kTopBit = 1ULL << 63;

TEST(MaskLayout, IdZeroIsMostSignificantBitOfWordZero) {
  const Mask m = Mask::single(0);
  EXPECT_EQ(m.word(0), kTopBit);
  EXPECT_EQ(m.word(1), 0U);
  EXPECT_EQ(m.word(2), 0U);
  EXPECT_EQ(m.word(3), 0U);
}

TEST(MaskLayout, Id63IsLeastSignificantBitOfWordZeroAnd64StartsWordOne) {
  EXPECT_EQ(Mask::single(63).word(0), 1U);
  EXPECT_EQ(Mask::single(63).word(1), 0U);
  EXPECT_EQ(Mask::single(64).word(0), 0U);
  EXPECT_EQ(Mask::single(64).word(1), kTopBit);
}

TEST(MaskLayout, Ids15And16StraddleTheSecondSixteenBitGroup) {
  // 15/16 is the APCB0 domain boundary: 15 is the last bit of the first 16.
  EXPECT_EQ(Mask::single(15).word(0), 1ULL << 48);
  EXPECT_EQ(Mask::single(16).word(0), 1ULL << 47);
}

TEST(MaskLayout, Id255IsLeastSignificantBitOfWordThree) {
  const Mask m = Mask::single(255);
  EXPECT_EQ(m.word(3), 1U);
  EXPECT_EQ(m.word(0) | m.word(1) | m.word(2), 0U);
}

TEST(MaskLayout, EveryIdMapsToWordIdDiv64BitSixtyThreeMinusIdMod64) {
  for (int id = 0; id < Mask::kBits; ++id) {
    const Mask m = Mask::single(static_cast<ApId>(id));
    for (int w = 0; w < Mask::kWords; ++w)
      EXPECT_EQ(m.word(w), w == id / 64 ? 1ULL << (63 - id % 64) : 0ULL) << "id " << id;
  }
}

TEST(MaskBits, SetTestClearAndAssign) {
  Mask m;
  EXPECT_TRUE(m.empty());
  m.set(5);
  m.set(200);
  EXPECT_TRUE(m.test(5));
  EXPECT_TRUE(m.test(200));
  EXPECT_FALSE(m.test(4));
  EXPECT_FALSE(m.test(6));
  m.clear(5);
  EXPECT_FALSE(m.test(5));
  EXPECT_TRUE(m.test(200));
  m.assign(7, true);
  m.assign(200, false);
  EXPECT_EQ(m, Mask::single(7));
  m.clear(7);
  m.clear(7);  // clearing a clear bit is harmless
  EXPECT_TRUE(m.empty());
  EXPECT_FALSE(m.any());
}

TEST(MaskBits, ConstructorsAllRangeUpToAndOf) {
  EXPECT_EQ(Mask::all().count(), 256);
  EXPECT_EQ(Mask::range(3, 5), Mask::of({3, 4, 5}));
  EXPECT_TRUE(Mask::range(5, 3).empty());
  EXPECT_EQ(Mask::up_to(63).word(0), ~0ULL);
  EXPECT_EQ(Mask::up_to(63).word(1), 0U);
  EXPECT_EQ(Mask::up_to(15).count(), 16);
  EXPECT_EQ(Mask::up_to(255), Mask::all());
}

// Mask::range builds a word at a time: it must equal setting lo..hi one ID at a time, for
// every pair (word boundaries, empty ranges and clipping included).
TEST(MaskBits, RangeEqualsSettingEachIdForEveryPair) {
  for (int lo = -2; lo <= 258; ++lo)
    for (int hi = -2; hi <= 258; ++hi) {
      Mask expected;
      for (int i = lo < 0 ? 0 : lo; i <= hi && i < 256; ++i) expected.set(static_cast<ApId>(i));
      ASSERT_EQ(Mask::range(lo, hi), expected) << "range(" << lo << ", " << hi << ")";
    }
}

TEST(MaskIteration, ForEachVisitsSetIdsInAscendingOrder) {
  const Mask m = Mask::of({255, 0, 64, 63, 16, 15, 128});
  std::vector<int> seen;
  m.for_each([&](ApId id) { seen.push_back(id); });
  EXPECT_EQ(seen, (std::vector<int>{0, 15, 16, 63, 64, 128, 255}));
  EXPECT_EQ(m.ids(), seen);
}

TEST(MaskIteration, ForEachOnEmptyAndFullMasks) {
  int calls = 0;
  Mask().for_each([&](ApId) { ++calls; });
  EXPECT_EQ(calls, 0);
  int expected = 0;
  Mask::all().for_each([&](ApId id) { EXPECT_EQ(id, expected++); });
  EXPECT_EQ(expected, 256);
}

TEST(MaskQueries, FirstIsLowestSetIdOrMinusOne) {
  EXPECT_EQ(Mask().first(), -1);
  EXPECT_EQ(Mask::single(0).first(), 0);
  EXPECT_EQ(Mask::of({200, 70}).first(), 70);
  EXPECT_EQ(Mask::single(255).first(), 255);
}

TEST(MaskQueries, CountAcrossWords) {
  EXPECT_EQ(Mask().count(), 0);
  EXPECT_EQ(Mask::of({0, 63, 64, 127, 128, 191, 192, 255}).count(), 8);
}

TEST(MaskHex, RendersSixtyFourLowerCaseDigitsIdZeroLeftmost) {
  EXPECT_EQ(Mask().hex(), std::string(64, '0'));
  EXPECT_EQ(Mask::all().hex(), std::string(64, 'f'));
  EXPECT_EQ(Mask::single(0).hex(), "8" + std::string(63, '0'));
  EXPECT_EQ(Mask::single(255).hex(), std::string(63, '0') + "1");
  // Adapter 5 only (ecosystem.md §1.1).
  EXPECT_EQ(Mask::single(5).hex(), "04" + std::string(62, '0'));
  EXPECT_EQ(Mask::range(0, 3).hex(), "f" + std::string(63, '0'));
  EXPECT_EQ(Mask::of({10, 11}).hex(), "0030" + std::string(60, '0'));
}

TEST(MaskAlgebra, IntersectionUnionDifferenceXorComplement) {
  const Mask a = Mask::of({1, 2, 3, 100});
  const Mask b = Mask::of({3, 4, 100, 255});
  EXPECT_EQ(a & b, Mask::of({3, 100}));
  EXPECT_EQ(a | b, Mask::of({1, 2, 3, 4, 100, 255}));
  EXPECT_EQ(a - b, Mask::of({1, 2}));
  EXPECT_EQ(a ^ b, Mask::of({1, 2, 4, 255}));
  EXPECT_EQ(~a & a, Mask());
  EXPECT_EQ((~a).count(), 252);
  Mask c = a;
  c &= b;
  EXPECT_EQ(c, a & b);
  c = a;
  c |= b;
  EXPECT_EQ(c, a | b);
  c = a;
  c -= b;
  EXPECT_EQ(c, a - b);
}

TEST(MaskAlgebra, SubsetAndIntersects) {
  const Mask a = Mask::of({1, 200});
  EXPECT_TRUE(a.subset_of(Mask::of({1, 2, 200})));
  EXPECT_FALSE(a.subset_of(Mask::single(1)));
  EXPECT_TRUE(Mask().subset_of(a));
  EXPECT_TRUE(a.intersects(Mask::single(200)));
  EXPECT_FALSE(a.intersects(Mask::single(2)));
  EXPECT_FALSE(Mask().intersects(Mask::all()));
}

TEST(MaskAlgebra, EqualityLooksAtEveryWord) {
  for (int id : {0, 63, 64, 127, 128, 191, 192, 255}) {
    const Mask m = Mask::single(static_cast<ApId>(id));
    EXPECT_NE(m, Mask()) << id;
    EXPECT_EQ(m, Mask::single(static_cast<ApId>(id))) << id;
    EXPECT_NE(m, Mask::single(static_cast<ApId>(id ^ 1))) << id;
  }
  static_assert(Mask::range(3, 200) == Mask::range(3, 200));
  static_assert(Mask::range(3, 200) != Mask::range(3, 201));
}

TEST(MaskRows, EqualityLooksAtEveryRowAndBit) {
  MaskRows a{}, b{};
  EXPECT_EQ(a, b);
  for (int row : {0, 1, 128, 255}) {
    for (int id : {0, 64, 255}) {
      b[static_cast<std::size_t>(row)].set(static_cast<ApId>(id));
      EXPECT_NE(a, b) << row << "," << id;
      a[static_cast<std::size_t>(row)].set(static_cast<ApId>(id));
      EXPECT_EQ(a, b) << row << "," << id;
    }
  }
}

TEST(MaskAlgebra, IsUsableInConstantExpressions) {
  constexpr Mask m = Mask::range(62, 65);
  static_assert(m.count() == 4);
  static_assert(m.word(0) == 3U && m.word(1) == (3ULL << 62));
  static_assert(Mask::single(9).first() == 9);
  SUCCEED();
}

}  // namespace
}  // namespace apcb::model
