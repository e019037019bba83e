// Differential test (SPEC P10): thousands of random operation sequences applied to the model
// and to the implementation, comparing every observation and the whole state after every step.
// A mismatch prints the seed and the operation sequence up to it.
#include <gtest/gtest.h>

#include <cstdlib>

#include "harness/lockstep.h"
#include "harness/generate.h"
#include "tests/sanitized.h"

namespace apcb::impl {
namespace {

using harness::Lockstep;
using apcb::testing::env_count;
using apcb::testing::kUnderTsan;
using harness::GeneratorKnobs;
using harness::OpGenerator;
using harness::SeededEntropy;

TEST(impl_Differential, RandomSequencesAgreeWithTheModel) {
  const int sequences = env_count("APCB_DIFF_SEQUENCES", kUnderTsan ? 300 : 3000);
  const int length = env_count("APCB_DIFF_LENGTH", 60);
  long ops = 0;
  for (int seed = 0; seed < sequences; ++seed) {
    OpGenerator gen(SeededEntropy(static_cast<std::uint64_t>(seed)), GeneratorKnobs::mix());
    const model::HostParams params = gen.params();
    Lockstep ls(params, gen.config(), HostOptions{1});
    for (int i = 0; i < length; ++i) {
      ls.run(gen.next(ls.s));
      ++ops;
      if (!ls.mismatches.empty()) break;
    }
    ASSERT_TRUE(ls.mismatches.empty()) << "seed " << seed << "\n" << ls.report();
  }
  RecordProperty("operations", static_cast<int>(ops));
}

// Deep states: few IDs, queues bound to vfio_ap, guests attached, failing resets.
TEST(impl_Differential, FocusedSequencesAgreeWithTheModel) {
  const int sequences = env_count("APCB_DIFF_FOCUSED", kUnderTsan ? 300 : 3000);
  long events = 0;
  for (int seed = 0; seed < sequences; ++seed) {
    OpGenerator gen(SeededEntropy(static_cast<std::uint64_t>(seed)), GeneratorKnobs::focused());
    const model::HostParams params = gen.params();
    const model::Matrix cfg = gen.config();
    Lockstep ls(params, cfg, HostOptions{1});
    ls.run(harness::release_focused_adapters());
    for (int i = 0; i < 80 && ls.mismatches.empty(); ++i) events += static_cast<long>(ls.run(gen.next(ls.s)).events.size());
    ASSERT_TRUE(ls.mismatches.empty()) << "seed " << seed << "\n" << ls.report();
    ASSERT_TRUE(ls.violations.empty()) << "seed " << seed << ": " << ls.violations[0].property << " "
                                       << ls.violations[0].detail << "\n" << ls.history_text();
  }
  RecordProperty("events", static_cast<int>(events));
}

// Longer sequences with the structural invariants of the model checked at every step too.
TEST(impl_Differential, LongSequencesKeepTheInvariants) {
  const int sequences = env_count("APCB_DIFF_LONG_SEQUENCES", kUnderTsan ? 10 : 100);
  for (int seed = 0; seed < sequences; ++seed) {
    OpGenerator gen(SeededEntropy(1000000 + static_cast<std::uint64_t>(seed)), GeneratorKnobs::mix());
    const model::HostParams params = gen.params();
    Lockstep ls(params, gen.config(), HostOptions{1});
    for (int i = 0; i < 400 && ls.mismatches.empty(); ++i) ls.run(gen.next(ls.s));
    ASSERT_TRUE(ls.mismatches.empty()) << "seed " << seed << "\n" << ls.report();
    ASSERT_TRUE(ls.violations.empty()) << "seed " << seed << ": " << ls.violations[0].property << " "
                                       << ls.violations[0].detail << "\n" << ls.history_text();
  }
}

}  // namespace
}  // namespace apcb::impl
