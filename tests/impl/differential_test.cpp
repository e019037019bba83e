// Differential test (SPEC P10): thousands of random operation sequences applied to the model
// and to the implementation, comparing every observation and the whole state after every step.
// A mismatch prints the seed and the operation sequence up to it.
#include <gtest/gtest.h>

#include <cstdlib>

#include "harness/lockstep.h"
#include "tests/impl/random_mix.h"

namespace apcb::impl {
namespace {

using harness::Lockstep;
using testing::RandomMix;

TEST(impl_Differential, RandomSequencesAgreeWithTheModel) {
  const int sequences = testing::env_count("APCB_DIFF_SEQUENCES", testing::kUnderTsan ? 300 : 3000);
  const int length = testing::env_count("APCB_DIFF_LENGTH", 60);
  long ops = 0;
  for (int seed = 0; seed < sequences; ++seed) {
    RandomMix gen(static_cast<std::uint64_t>(seed));
    const model::HostParams params = gen.params();
    Lockstep ls(params, gen.config(), HostOptions{1});
    for (int i = 0; i < length; ++i) {
      ls.run(gen.next());
      ++ops;
      if (!ls.mismatches.empty()) break;
    }
    ASSERT_TRUE(ls.mismatches.empty()) << "seed " << seed << "\n" << ls.report();
  }
  RecordProperty("operations", static_cast<int>(ops));
}

// Deep states: few IDs, queues bound to vfio_ap, guests attached, failing resets.
TEST(impl_Differential, FocusedSequencesAgreeWithTheModel) {
  const int sequences = testing::env_count("APCB_DIFF_FOCUSED", testing::kUnderTsan ? 300 : 3000);
  long events = 0;
  for (int seed = 0; seed < sequences; ++seed) {
    testing::FocusedOps gen(static_cast<std::uint64_t>(seed));
    const model::HostParams params = gen.params();
    const model::Matrix cfg = gen.config();
    gen.set_config(cfg);
    Lockstep ls(params, cfg, HostOptions{1});
    ls.run(testing::FocusedOps::release_adapters());
    for (int i = 0; i < 80 && ls.mismatches.empty(); ++i) events += static_cast<long>(ls.run(gen.next()).events.size());
    ASSERT_TRUE(ls.mismatches.empty()) << "seed " << seed << "\n" << ls.report();
    ASSERT_TRUE(ls.violations.empty()) << "seed " << seed << ": " << ls.violations[0].property << " "
                                       << ls.violations[0].detail << "\n" << ls.history_text();
  }
  RecordProperty("events", static_cast<int>(events));
}

// Longer sequences with the structural invariants of the model checked at every step too.
TEST(impl_Differential, LongSequencesKeepTheInvariants) {
  const int sequences = testing::env_count("APCB_DIFF_LONG_SEQUENCES", testing::kUnderTsan ? 10 : 100);
  for (int seed = 0; seed < sequences; ++seed) {
    RandomMix gen(1000000 + static_cast<std::uint64_t>(seed));
    const model::HostParams params = gen.params();
    Lockstep ls(params, gen.config(), HostOptions{1});
    for (int i = 0; i < 400 && ls.mismatches.empty(); ++i) ls.run(gen.next());
    ASSERT_TRUE(ls.mismatches.empty()) << "seed " << seed << "\n" << ls.report();
    ASSERT_TRUE(ls.violations.empty()) << "seed " << seed << ": " << ls.violations[0].property << " "
                                       << ls.violations[0].detail << "\n" << ls.history_text();
  }
}

}  // namespace
}  // namespace apcb::impl
