// The generator family (harness/generate.h): the entropies, the presets' reach (every kind the
// weights allow is drawn, every read kind by defaults()), the knobs' effect, and determinism.
#include "harness/generate.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <set>
#include <string>
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
  // Without setup steps: the state below has no guest, and a setup step (a guest creation)
  // would replace half the draws.
  GeneratorKnobs k = GeneratorKnobs::defaults();
  k.setup_percent = 0;
  OpGenerator gen(SeededEntropy(2), k);
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

// The knobs that draw extra picks are off in every preset but defaults(): the fuzz decoder's
// byte layout (committed seeds, fuzz/corpus/fuzz_ops/reaches-*) and the property test's
// sequences stay what they were before the knobs existed.
TEST(harness_Generate, NewKnobsAreOffOutsideTheDefaults) {
  for (const GeneratorKnobs& k : {GeneratorKnobs::mix(), GeneratorKnobs::focused(), GeneratorKnobs::property(),
                                  GeneratorKnobs::fuzz()}) {
    EXPECT_EQ(k.toggle_member_percent, 0);
    EXPECT_EQ(k.fresh_mdev_percent, 0);
    EXPECT_EQ(k.follow_percent, 0);
    EXPECT_FALSE(k.every_reset_code);
    EXPECT_EQ(k.reset_sequence_percent, 0);
    EXPECT_FALSE(k.overflow_text);
    EXPECT_FALSE(k.mask_variants);
    EXPECT_EQ(k.setup_percent, 0);
    EXPECT_EQ(k.config_min_ids, 0);
    EXPECT_EQ(k.aim_percent, 0);
    EXPECT_EQ(k.assign_percent, 0);
    EXPECT_EQ(k.configured_percent, 0);
    EXPECT_NE(k.host, HostShape::machines);
  }
  int sum = 0;
  for (int w : GeneratorKnobs::fuzz().weights) sum += w;
  EXPECT_EQ(sum, 32);  // the kind byte is taken % 32
}

// `apcb gen` draws only hosts a machine has: never the APXA 64/16 test shape.
TEST(harness_Generate, DefaultsDrawOnlyMachineHostShapes) {
  std::array<int, 3> seen{};
  for (std::uint64_t seed = 1; seed <= 400; ++seed) {
    OpGenerator gen{SeededEntropy(seed)};
    const model::HostParams p = gen.params();
    if (p == model::HostParams{true, 255, 255}) ++seen[0];
    else if (p == model::HostParams{true, 255, 84}) ++seen[1];
    else if (p == model::HostParams{false, 63, 15}) ++seen[2];
    else ADD_FAILURE() << "host " << p.apxa << " " << int(p.na) << " " << int(p.nd);
  }
  for (int n : seen) EXPECT_GT(n, 50);
}

// Every reset response code the model distinguishes is drawn, 0x0A and 0x00 included.
TEST(harness_Generate, DefaultsDrawEveryResetCode) {
  GeneratorKnobs k = GeneratorKnobs::defaults();
  k.weights.fill(0);
  k.weight(model::OpKind::reset_response) = 1;
  OpGenerator gen(SeededEntropy(6), k);
  std::set<int> codes;          // of one-code reset responses
  std::set<int> answers;        // of sequences, every position
  std::set<std::size_t> lengths;
  int sequences = 0;
  for (int i = 0; i < 2000; ++i) {
    const auto r = std::get<model::op::ResetResponse>(gen.next());
    if (r.then.empty()) {
      codes.insert(r.response);
      continue;
    }
    ++sequences;
    lengths.insert(r.answers().size());
    for (std::uint8_t rc : r.answers()) answers.insert(rc);
  }
  EXPECT_EQ(codes, (std::set<int>{0, 1, 2, 3, 4, 5, 6, 7, 0x0A}));
  // reset_sequence_percent = 25: sequences of 2 to 5 answers, transient, SE and final codes.
  EXPECT_GT(sequences, 400);
  EXPECT_LT(sequences, 600);
  EXPECT_EQ(lengths, (std::set<std::size_t>{2, 3, 4, 5}));
  EXPECT_EQ(answers, (std::set<int>{0, 1, 2, 3, 4, 5, 0x0A, 0x35, 0x36}));
}

// Creations name a pool UUID no mdev has while one is left: three mdevs at once are common.
TEST(harness_Generate, DefaultsCreateFreshMdevs) {
  GeneratorKnobs k = GeneratorKnobs::defaults();
  k.weights.fill(0);
  k.weight(model::OpKind::mdev_create) = 1;
  OpGenerator gen(SeededEntropy(8), k);
  model::State s = model::State::initial(gen.params(), gen.config());
  for (int i = 0; i < 10; ++i) model::apply(s, gen.next(s));
  EXPECT_EQ(s.mdevs.size(), 3U);  // the pool, all created within 10 draws
}

// Configuration toggles take out IDs the configuration has, not only add drawn ones.
TEST(harness_Generate, DefaultsToggleOutConfiguredIds) {
  GeneratorKnobs k = GeneratorKnobs::defaults();
  k.weights.fill(0);
  k.weight(model::OpKind::config_change) = 1;
  OpGenerator gen(SeededEntropy(10), k);
  model::State s = model::State::initial(gen.params(), gen.config());
  int removed_one = 0, added_one = 0;
  for (int i = 0; i < 500; ++i) {
    const model::Matrix before = s.cfg;
    model::apply(s, gen.next(s));
    const int gone = (before.adapters - s.cfg.adapters).count() + (before.domains - s.cfg.domains).count() +
                     (before.control_domains - s.cfg.control_domains).count();
    const int come = (s.cfg.adapters - before.adapters).count() + (s.cfg.domains - before.domains).count() +
                     (s.cfg.control_domains - before.control_domains).count();
    removed_one += gone == 1 && come == 0 ? 1 : 0;
    added_one += come == 1 && gone == 0 ? 1 : 0;
  }
  EXPECT_GT(removed_one, 75);
  EXPECT_GT(added_one, 25);
}

// Reads follow the last mutation: after a write to one mdev, its views are read.
TEST(harness_Generate, DefaultsReadWhatTheLastMutationAffected) {
  GeneratorKnobs k = GeneratorKnobs::defaults();
  k.mdev_uuids = 15;
  OpGenerator gen(SeededEntropy(12), k);
  model::State s = model::State::initial(gen.params(), gen.config());
  for (int i = 0; i < 15; ++i) model::apply(s, model::op::MdevCreate{generator_uuid(i)});
  std::string last;
  int reads = 0, followed = 0;
  for (int i = 0; i < 3000; ++i) {
    const model::Op op = gen.next(s);
    if (const auto* r = std::get_if<model::op::ReadMdev>(&op); r != nullptr && !last.empty()) {
      ++reads;
      followed += r->uuid == last ? 1 : 0;
    }
    if (const auto* w = std::get_if<model::op::AttrWrite>(&op)) last = w->uuid;
    else if (model::is_mutating(op)) last.clear();
    model::apply(s, op);
  }
  // Without following, 1 in 15 reads would name the written mdev.
  EXPECT_GT(followed * 2, reads);
}

}  // namespace
}  // namespace apcb::harness
