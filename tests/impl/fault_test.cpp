// Failure atomicity (SPEC rule 8, P6) under every fault injection point: for every operation
// of many random sequences, each fault point the operation reaches is made to fail in turn;
// each failure must return the point's errno, report no event and leave the whole host (model
// projection, queue tables, queue objects, CRYCB bytes) exactly as before. Then the operation
// runs without a fault and must agree with the model.
#include <gtest/gtest.h>

#include <array>

#include "impl/fault.h"
#include "impl/host.h"
#include "harness/lockstep.h"
#include "harness/generate.h"
#include "tests/sanitized.h"

namespace apcb::impl {
namespace {

using model::Errno;
using model::Mask;
using model::Matrix;
using harness::describe;
using harness::kMdev1;

// Runs `op` once per fault point it reaches, failing there; returns how often it failed.
// Then runs it for real on both engines. Appends to `failures` on any broken expectation.
int run_with_every_fault(Host& host, model::State& model_state, const model::Op& op,
                         std::array<int, kFaultPoints>& fired, std::vector<std::string>& failures) {
  int failed = 0;
  for (std::uint32_t nth = 1;; ++nth) {
    const HostState before = host.full_state();
    host.faults().arm_any(nth);
    const model::Observation obs = host.apply(op);
    host.faults().disarm();
    const std::optional<FaultPoint> point = host.faults().take_fired();
    if (!point) {
      // No nth fault point: the operation ran to completion, so compare it with the model.
      const model::Observation expected = model::apply(model_state, op);
      if (!model::equivalent(expected, obs))
        failures.push_back("after faults, model " + describe(expected) + " / impl " + describe(obs));
      const HostState after = host.full_state();
      if (!(after.state == model_state)) failures.push_back("after faults, state:" + harness::state_diff(model_state, after.state));
      return failed;
    }
    ++failed;
    ++fired[static_cast<std::size_t>(*point)];
    const std::string where = std::string(fault_point_name(*point)) + " #" + std::to_string(nth);
    if (obs.result != fault_errno(*point)) failures.push_back(where + ": result " + describe(obs));
    if (!obs.events.empty() || !obs.output.empty()) failures.push_back(where + ": events or output reported");
    const HostState after = host.full_state();
    if (!(after == before)) {
      failures.push_back(where + ": the host changed:" + harness::state_diff(before.state, after.state) +
                         (after.qtables != before.qtables ? " qtables" : "") +
                         (after.vfio_queues != before.vfio_queues ? " queue-objects" : "") +
                         (after.crycbs != before.crycbs ? " crycb-bytes" : "") +
                         (after.live_queue_objects != before.live_queue_objects ? " pool" : ""));
    }
    for (const std::string& p : host.check_structure()) failures.push_back(where + ": " + p);
    if (nth > 100000) {
      failures.push_back("fault points never run out");
      return failed;
    }
  }
}

TEST(impl_FailureAtomicity, EveryFaultPointOfRandomSequencesChangesNothing) {
  const int sequences = apcb::testing::env_count("APCB_FAULT_SEQUENCES", apcb::testing::kUnderTsan ? 60 : 600);
  std::array<int, kFaultPoints> fired{};
  long failed_ops = 0;
  for (int seed = 0; seed < sequences; ++seed) {
    // Even seeds: the wide mix; odd seeds: the focused preset (deep states, resets).
    harness::OpGenerator wide(harness::SeededEntropy(50000 + static_cast<std::uint64_t>(seed)), harness::GeneratorKnobs::mix());
    harness::OpGenerator deep(harness::SeededEntropy(50000 + static_cast<std::uint64_t>(seed)), harness::GeneratorKnobs::focused());
    const bool focused = seed % 2 == 1;
    const model::HostParams params = focused ? deep.params() : wide.params();
    const Matrix cfg = focused ? deep.config() : wide.config();
    model::State model_state = model::State::initial(params, cfg);
    Host host(params, cfg, HostOptions{1});
    std::vector<model::Op> history;
    for (int i = 0; i < 50; ++i) {
      history.push_back(!focused ? wide.next(model_state)
                                 : i == 0 ? harness::release_focused_adapters() : deep.next(model_state));
      std::vector<std::string> failures;
      failed_ops += run_with_every_fault(host, model_state, history.back(), fired, failures);
      if (!failures.empty()) {
        std::string ops;
        for (std::size_t k = 0; k < history.size(); ++k) ops += "  " + std::to_string(k) + ": " + describe(history[k]) + "\n";
        FAIL() << "seed " << seed << ": " << failures[0] << "\noperations:\n" << ops;
      }
    }
  }
  for (int p = 0; p < kFaultPoints; ++p)
    EXPECT_GT(fired[static_cast<std::size_t>(p)], 0) << fault_point_name(static_cast<FaultPoint>(p)) << " never fired";
  RecordProperty("failed_operations", static_cast<int>(failed_ops));
  for (int p = 0; p < kFaultPoints; ++p)
    RecordProperty(std::string("fired_") + std::string(fault_point_name(static_cast<FaultPoint>(p))),
                   fired[static_cast<std::size_t>(p)]);
}

// A host where mdev1 holds adapters 3,4 × domains 1,2 and is attached to guest 7.
class impl_Faults : public ::testing::Test {
 protected:
  impl_Faults() : ls(model::HostParams{true, 255, 255}, Matrix{Mask::of({3, 4}), Mask::of({1, 2}), Mask::of({1, 2})}) {
    ls.apmask("-3-4");
    ls.create(kMdev1);
    ls.run(model::op::GuestCreate{7, true});
    for (const char* a : {"3", "4"}) ls.assign_adapter(kMdev1, a);
    for (const char* d : {"1", "2"}) ls.assign_domain(kMdev1, d);
    ls.run(model::op::GuestAttach{kMdev1, 7});
  }
  void TearDown() override { EXPECT_TRUE(ls.report().empty()) << ls.report(); }

  // Fails `op` at the nth reach of `point`, checks nothing changed (vCPU view included).
  void fail_at(const model::Op& op, FaultPoint point, std::uint32_t nth) {
    const HostState before = ls.host.full_state();
    const model::Matrix seen_before = ls.host.guest(7)->observe();
    ls.host.faults().arm(point, nth);
    const model::Observation obs = ls.host.apply(op);
    ls.host.faults().disarm();
    ASSERT_EQ(ls.host.faults().take_fired(), point);
    EXPECT_EQ(obs.result, fault_errno(point));
    EXPECT_TRUE(obs.events.empty());
    EXPECT_TRUE(ls.host.full_state() == before);
    EXPECT_EQ(ls.host.guest(7)->observe(), seen_before);
  }
  harness::Lockstep ls;
};

TEST_F(impl_Faults, ResetAbortAfterTheUnplugCommitRestoresTheGuest) {
  // unassign_adapter 3: commit (adapter 4 only), then reset 03.0001: abort it.
  fail_at(model::op::AttrWrite{kMdev1, model::MdevAttr::unassign_adapter, "3\n"}, FaultPoint::reset, 1);
  fail_at(model::op::AttrWrite{kMdev1, model::MdevAttr::unassign_adapter, "3\n"}, FaultPoint::reset, 2);
  ls.unassign_adapter(kMdev1, "3");  // and without a fault it agrees with the model
}

TEST_F(impl_Faults, InterruptedCommitsOfAnApConfigWriteAreAllUndone) {
  const model::Op op = model::op::AttrWrite{kMdev1, model::MdevAttr::ap_config, "0x08,0x20,0x0\n"};
  fail_at(op, FaultPoint::commit, 1);  // the adapter unplug's commit
  fail_at(op, FaultPoint::commit, 2);  // the domain unplug's commit, after the first one
  ls.run(op);
}

TEST_F(impl_Faults, QueueAllocationDuringAConfigurationChange) {
  // Adapter 5 arrives; adapter 3 leaves (a commit) before the new queues are probed.
  ls.run(model::op::BusMaskWrite{model::BusMask::apmask, "-5\n"});
  ls.assign_adapter(kMdev1, "5");
  const model::Op op = model::op::ConfigChange{Matrix{Mask::of({4, 5}), Mask::of({1, 2}), Mask::of({1, 2})}};
  fail_at(op, FaultPoint::queue_alloc, 1);
  fail_at(op, FaultPoint::queue_alloc, 2);
  ls.run(op);
  EXPECT_EQ(ls.guest_matrix(kMdev1), "04.0001\n04.0002\n05.0001\n05.0002\n");
}

// Two EIOs of a device reset: the kernel's, after every reset, when a queue answered a non-zero
// response code (the resets and their statuses stay: model::completed), and an injected reset
// fault's, which aborts the operation half-way (everything is rolled back, nothing reported).
TEST_F(impl_Faults, DeviceResetEioKeepsItsResetsAndAnAbortedOneIsUndone) {
  ls.run(model::op::ResetResponse{{4, 2}, model::response::checkstopped});
  fail_at(model::op::DeviceReset{kMdev1}, FaultPoint::reset, 1);
  fail_at(model::op::DeviceReset{kMdev1}, FaultPoint::reset, 4);
  const model::Observation obs = ls.run(model::op::DeviceReset{kMdev1});
  EXPECT_EQ(obs.result, Errno::eio);
  EXPECT_EQ(obs.events.size(), 4U);
  const HostState after = ls.host.full_state();
  EXPECT_EQ(after.state.last_response_of({4, 2}), model::response::checkstopped);
}

TEST_F(impl_Faults, DetachAndRemovalFailHalfWayAndChangeNothing) {
  fail_at(model::op::GuestDetach{kMdev1}, FaultPoint::commit, 1);
  fail_at(model::op::GuestDetach{kMdev1}, FaultPoint::reset, 3);
  ls.run(model::op::GuestDetach{kMdev1});
  const HostState before = ls.host.full_state();
  ls.host.faults().arm(FaultPoint::reset, 4);
  EXPECT_EQ(ls.host.apply(model::op::MdevRemove{kMdev1}).result, Errno::eio);
  ls.host.faults().disarm();
  (void)ls.host.faults().take_fired();
  EXPECT_TRUE(ls.host.full_state() == before);
  ls.host.faults().arm(FaultPoint::mdev_alloc, 1);
  EXPECT_EQ(ls.host.apply(model::op::MdevCreate{harness::kMdev2}).result, Errno::enomem);
  ls.host.faults().disarm();
  (void)ls.host.faults().take_fired();
  EXPECT_TRUE(ls.host.full_state() == before);
  ls.run(model::op::MdevRemove{kMdev1});
}

}  // namespace
}  // namespace apcb::impl
