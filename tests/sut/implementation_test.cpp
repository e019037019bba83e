// sut/implementation.h: a plugin and the same plugin as a command are one Implementation to
// compare(); the callback sees every step and can keep going past a divergence.
#include "sut/implementation.h"

#include <gtest/gtest.h>

#include "trace/load.h"

namespace apcb::sut {
namespace {

using std::chrono::seconds;

trace::Trace filter_delta_bug() {
  auto t = trace::load_trace(std::string(APCB_TESTS_DIR) + "/traces/filter-delta-bug.trace");
  EXPECT_TRUE(t);
  return *t;
}

TEST(Implementation, PluginAndCommandDivergeAtTheSameStep) {
  const trace::Trace t = filter_delta_bug();
  auto plugin = make_plugin_implementation(APCB_BUGGY_SUT, seconds(10));
  auto command = make_command_implementation(std::string(APCB_AS_COMMAND) + " " + APCB_BUGGY_SUT, seconds(10));
  const Comparison a = first_divergence(*plugin, t, harness::EngineKind::impl, model::KernelVersion::latest);
  const Comparison b = first_divergence(*command, t, harness::EngineKind::impl, model::KernelVersion::latest);
  ASSERT_TRUE(a.divergence && b.divergence);
  EXPECT_EQ(a.divergence->step, 11u);  // step 12, the unbind whose commit the plugin loses
  EXPECT_EQ(b.divergence->step, a.divergence->step);
  EXPECT_EQ(b.divergence->theirs.observation, a.divergence->theirs.observation);
  EXPECT_EQ(*b.divergence->reference, *a.divergence->reference);
  EXPECT_EQ(b.divergence->before, a.divergence->before);
  EXPECT_EQ(differing_parts(a.divergence->theirs.observation, *a.divergence->reference),
            (DifferingParts{false, false, true}));
  EXPECT_EQ(a.name, "buggy example (unbind loses its commit)");
  EXPECT_EQ(command->options(), "--sut-cmd '" + std::string(APCB_AS_COMMAND) + " " + APCB_BUGGY_SUT + "'");
}

// A caller that keeps going (check --all) sees every step, and the walk ends with finish().
TEST(Implementation, CompareCanKeepGoingPastADivergence) {
  const trace::Trace t = filter_delta_bug();
  auto plugin = make_plugin_implementation(APCB_BUGGY_SUT, seconds(10));
  std::size_t seen = 0, divergent = 0;
  const Comparison r = compare(*plugin, t, harness::EngineKind::model, model::KernelVersion::latest,
                               [&](const ComparedStep& s) {
                                 EXPECT_EQ(s.step, seen);
                                 ++seen;
                                 divergent += s.diverges ? 1 : 0;
                                 return true;
                               });
  EXPECT_EQ(seen, t.steps.size());
  EXPECT_GE(divergent, 1u);
  EXPECT_FALSE(r.divergence);  // the callback never stopped the walk
  EXPECT_FALSE(r.stop);        // the plugin ended cleanly
  EXPECT_EQ(r.compared + r.skipped, t.steps.size());
}

TEST(Implementation, DescribeNamesTheDifferingParts) {
  EXPECT_EQ(describe(DifferingParts{true, false, true}), "result+events");
  EXPECT_EQ(describe(DifferingParts{}), "nothing");
  EXPECT_EQ(shell_quote("it's"), "'it'\\''s'");
}

}  // namespace
}  // namespace apcb::sut
