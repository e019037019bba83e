// impl::ApqnTable: a value per APQN, rows allocated on first write.
#include "impl/apqn_table.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace apcb::impl {
namespace {

using model::Apqn;

TEST(ApqnTable, UnwrittenValuesReadAsValueInitialised) {
  ApqnTable<std::uint8_t> bytes;
  ApqnTable<const int*> pointers;
  for (int a : {0, 1, 255})
    for (int d : {0, 128, 255}) {
      const Apqn q{static_cast<model::ApId>(a), static_cast<model::ApId>(d)};
      EXPECT_EQ(bytes.get(q), 0U);
      EXPECT_EQ(pointers.get(q), nullptr);
    }
}

TEST(ApqnTable, WritesLandOnTheirOwnApqnOnly) {
  ApqnTable<std::uint8_t> t;
  t.at(Apqn{255, 255}) = 7;
  t.at(Apqn{0, 0}) = 1;
  t.at(Apqn{0, 255}) = 2;
  EXPECT_EQ(t.get(Apqn{255, 255}), 7U);
  EXPECT_EQ(t.get(Apqn{0, 0}), 1U);
  EXPECT_EQ(t.get(Apqn{0, 255}), 2U);
  // Same row, other domains; other rows of the same domain.
  EXPECT_EQ(t.get(Apqn{255, 254}), 0U);
  EXPECT_EQ(t.get(Apqn{0, 1}), 0U);
  EXPECT_EQ(t.get(Apqn{1, 0}), 0U);
  EXPECT_EQ(t.get(Apqn{254, 255}), 0U);
}

TEST(ApqnTable, ReferencesStayValidAsOtherRowsAreAdded) {
  // The undo log keeps references from at() across later writes.
  ApqnTable<std::uint8_t> t;
  std::uint8_t& first = t.at(Apqn{3, 4});
  for (int a = 0; a < 256; ++a) t.at(Apqn{static_cast<model::ApId>(a), 9}) = 1;
  first = 5;
  EXPECT_EQ(t.get(Apqn{3, 4}), 5U);
  EXPECT_EQ(t.get(Apqn{3, 9}), 1U);
}

}  // namespace
}  // namespace apcb::impl
