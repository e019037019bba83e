// The generator family (harness/generate.h): the entropies, the presets' reach (every kind the
// weights allow is drawn, every read kind by defaults()), the knobs' effect, and determinism.
#include "harness/generate.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <vector>

#include "model/step.h"

namespace apcb::harness {
namespace {

// Counts per kind over `n` state-aware draws from `knobs` with seed 1.
std::array<int, kOpKinds> kinds(const GeneratorKnobs& knobs, int n) {
  OpGenerator gen(SeededEntropy(1), knobs);
  model::State s = model::State::initial(gen.params(), gen.config());
  std::array<int, kOpKinds> count{};
  for (int i = 0; i < n; ++i) {
    const model::Op op = gen.next(s);
    ++count[op.index()];
    model::apply(s, op);
  }
  return count;
}

TEST(harness_Generate, ByteEntropyReadsOneBytePerPickThenZeros) {
  const std::uint8_t b[] = {7, 9};
  ByteEntropy e(b, 2);
  EXPECT_EQ(e.pick(4), 3);
  EXPECT_FALSE(e.exhausted());
  EXPECT_EQ(e.pick(4), 1);
  EXPECT_TRUE(e.exhausted());
  EXPECT_EQ(e.pick(4), 0);
  EXPECT_EQ(e.consumed(), 2U);
}

TEST(harness_Generate, SameSeedSameOperations) {
  OpGenerator a(SeededEntropy(5)), b(SeededEntropy(5));
  EXPECT_EQ(a.params(), b.params());
  EXPECT_EQ(a.config(), b.config());
  for (int i = 0; i < 200; ++i) ASSERT_TRUE(a.next() == b.next()) << i;
}

TEST(harness_Generate, DefaultsDrawEveryKind) {
  const auto count = kinds(GeneratorKnobs::defaults(), 20000);
  for (std::size_t k = 0; k < kOpKinds; ++k) EXPECT_GT(count[k], 0) << "kind " << k;
}

TEST(harness_Generate, EveryPresetDrawsExactlyTheKindsItWeighs) {
  for (const GeneratorKnobs& knobs : {GeneratorKnobs::defaults(), GeneratorKnobs::mix(), GeneratorKnobs::focused(),
                                      GeneratorKnobs::property(), GeneratorKnobs::fuzz()}) {
    const auto count = kinds(knobs, 20000);
    for (std::size_t k = 0; k < kOpKinds; ++k) EXPECT_EQ(count[k] > 0, knobs.weights[k] > 0) << "kind " << k;
  }
}

TEST(harness_Generate, ZeroWeightNeverDraws) {
  GeneratorKnobs k = GeneratorKnobs::defaults();
  k.weights.fill(0);
  k.weight(model::OpKind::read_queue_status) = 1;  // alone
  const auto count = kinds(k, 500);
  EXPECT_EQ(count[static_cast<std::size_t>(model::OpKind::read_queue_status)], 500);
}

TEST(harness_Generate, ReadPercentSetsTheShareOfReads) {
  GeneratorKnobs k = GeneratorKnobs::defaults();
  k.read_percent = 50;
  OpGenerator gen(SeededEntropy(3), k);
  int reads = 0;
  for (int i = 0; i < 10000; ++i) reads += model::is_mutating(gen.next()) ? 0 : 1;
  EXPECT_NEAR(reads, 5000, 300);
}

TEST(harness_Generate, FocusedTogglesOneIdOfTheConfiguration) {
  GeneratorKnobs k = GeneratorKnobs::focused();
  k.weights.fill(0);
  k.weights[0] = 1;  // ConfigChange only
  OpGenerator gen(SeededEntropy(9), k);
  (void)gen.params();
  model::Matrix cfg = gen.config();
  for (int i = 0; i < 200; ++i) {
    const auto next = std::get<model::op::ConfigChange>(gen.next()).cfg;
    const int changed = (next.adapters ^ cfg.adapters).count() + (next.domains ^ cfg.domains).count() +
                        (next.control_domains ^ cfg.control_domains).count();
    EXPECT_LE(changed, 1) << i;  // 0: the toggled ID was beyond the host
    cfg = next;
  }
}

TEST(harness_Generate, TargetsNameTheExistingMdevDrawn) {
  OpGenerator gen(SeededEntropy(2));
  model::State s = model::State::initial(gen.params(), gen.config());
  model::apply(s, model::op::MdevCreate{generator_uuid(0)});
  int targeted = 0;
  for (int i = 0; i < 500; ++i) {
    (void)gen.next(s);
    if (!gen.targets().mdev.empty()) {
      EXPECT_EQ(gen.targets().mdev, generator_uuid(0));
      ++targeted;
    }
  }
  EXPECT_GT(targeted, 100);
}

TEST(harness_Generate, UuidPoolAndHostShapes) {
  EXPECT_EQ(generator_uuid(2), "33333333-3333-3333-3333-333333333333");
  EXPECT_EQ(generator_uuid(16), "00000000-0000-0000-0000-000000000010");
  GeneratorKnobs k = GeneratorKnobs::defaults();
  k.host = HostShape::non_apxa;
  OpGenerator gen(SeededEntropy(4), k);
  EXPECT_EQ(gen.params(), (model::HostParams{false, 63, 15}));
  for (int i = 0; i < 100; ++i) {
    const model::Matrix c = gen.config();
    EXPECT_FALSE(c.adapters.test(64));
    EXPECT_FALSE(c.domains.test(16));
  }
  EXPECT_EQ(within_host(model::Matrix{model::Mask::of({0, 64}), model::Mask::of({3}), model::Mask::of({3})},
                        model::HostParams{false, 63, 15}).adapters,
            model::Mask::of({0}));
}

}  // namespace
}  // namespace apcb::harness
