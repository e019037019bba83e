// Tests of model/filter.h and of where the model runs it: the five filter scenarios of
// kernel-vfio-ap.md §7.3, and finding F1 (model/README.md).
#include "model/filter.h"

#include <gtest/gtest.h>

#include "tests/model/scenario.h"

namespace apcb::model {
namespace {

using harness::kMdev1;
using testing::Scenario;

const HostParams kApxa{true, 255, 255};

// Scenario 1 (the bug fixed by "always filter entire AP matrix"): a delta filter that checks
// only the new domain lets adapter 0x16 back in although 16.0005 is unbound.
TEST(FilterScenarios, FullFilterKeepsAdapterWithUnboundQueueOut) {
  Scenario sc(kApxa, Matrix{Mask::of({0x14, 0x16}), Mask::of({4, 5, 6}), Mask{}});
  sc.apmask("-0x14,-0x16");
  sc.create(kMdev1);
  for (const char* a : {"0x14", "0x16"}) sc.assign_adapter(kMdev1, a);
  for (const char* d : {"4", "5", "6"}) sc.assign_domain(kMdev1, d);
  ASSERT_EQ(sc.guest_matrix(kMdev1),
            "14.0004\n14.0005\n14.0006\n16.0004\n16.0005\n16.0006\n");
  sc.unassign_domain(kMdev1, "4");
  ASSERT_EQ(sc.run(op::QueueUnbind{{0x16, 5}, Driver::vfio_ap}).result, Errno::ok);
  sc.assign_domain(kMdev1, "4");
  EXPECT_EQ(sc.guest_matrix(kMdev1), "14.0004\n14.0005\n14.0006\n");
  EXPECT_TRUE(shadow_equals_filter(sc.s, sc.mdev(kMdev1)));
  EXPECT_TRUE(sc.violations.empty());
}

// Scenario 2 (the bug fixed by "loop over the shadow APCB"): a domain assigned but not in the
// host configuration must not filter the adapter.
TEST(FilterScenarios, OverProvisionedDomainDoesNotFilterTheAdapter) {
  Scenario sc(kApxa, Matrix{Mask::of({0x10}), Mask::of({1}), Mask{}});
  sc.apmask("-0x10");
  sc.create(kMdev1);
  sc.assign_adapter(kMdev1, "0x10");
  sc.assign_domain(kMdev1, "1");
  sc.assign_domain(kMdev1, "2");
  EXPECT_EQ(sc.matrix(kMdev1), "10.0001\n10.0002\n");
  EXPECT_EQ(sc.guest_matrix(kMdev1), "10.0001\n");
  EXPECT_TRUE(sc.violations.empty());
}

// Scenario 3: adapters without domains pass (the ∀ over an empty domain set is vacuous).
TEST(FilterScenarios, AdaptersWithoutDomainsPass) {
  Scenario sc(kApxa, Matrix{Mask::of({5, 6}), Mask::of({1}), Mask{}});
  sc.create(kMdev1);
  sc.assign_adapter(kMdev1, "5");
  sc.assign_adapter(kMdev1, "6");
  EXPECT_EQ(sc.guest_matrix(kMdev1), "05.\n06.\n");
  // And domains without adapters.
  Scenario dom(kApxa, Matrix{Mask{}, Mask::of({4}), Mask{}});
  dom.create(kMdev1);
  dom.assign_domain(kMdev1, "4");
  EXPECT_EQ(dom.guest_matrix(kMdev1), ".0004\n");
  EXPECT_TRUE(sc.violations.empty());
}

// Scenario 4: unassigning a domain only clears bits; the adapter filtered because of that
// domain stays out until the next full filter. S ⊊ F in between, as the kernel has it.
TEST(FilterScenarios, UnassignDoesNotRefilter) {
  Scenario sc(kApxa, Matrix{Mask::of({0x10, 0x11}), Mask::of({4, 5}), Mask{}});
  sc.apmask("-0x10,-0x11");
  sc.create(kMdev1);
  ASSERT_EQ(sc.run(op::QueueUnbind{{0x10, 5}, Driver::vfio_ap}).result, Errno::ok);
  for (const char* a : {"0x10", "0x11"}) sc.assign_adapter(kMdev1, a);
  for (const char* d : {"4", "5"}) sc.assign_domain(kMdev1, d);
  ASSERT_EQ(sc.guest_matrix(kMdev1), "11.0004\n11.0005\n");
  sc.unassign_domain(kMdev1, "5");
  EXPECT_EQ(sc.guest_matrix(kMdev1), "11.0004\n");
  EXPECT_FALSE(shadow_equals_filter(sc.s, sc.mdev(kMdev1)));
  EXPECT_EQ(filter_matrix(sc.s, sc.mdev(kMdev1)).adapters, Mask::of({0x10, 0x11}));
  // Any full filter (here: assigning a control domain does not filter; a domain does).
  sc.assign_domain(kMdev1, "4");  // already assigned: a no-op, still stale
  EXPECT_FALSE(shadow_equals_filter(sc.s, sc.mdev(kMdev1)));
  // Binding 10.0005 again probes a queue no mdev holds any more: no filter either.
  sc.run(op::QueueBind{{0x10, 5}, Driver::vfio_ap});
  EXPECT_FALSE(shadow_equals_filter(sc.s, sc.mdev(kMdev1)));
  sc.assign_domain(kMdev1, "5");  // a real assignment: full filter
  EXPECT_EQ(sc.guest_matrix(kMdev1), "10.0004\n10.0005\n11.0004\n11.0005\n");
  EXPECT_TRUE(shadow_equals_filter(sc.s, sc.mdev(kMdev1)));
  EXPECT_TRUE(sc.violations.empty());
}

// Scenario 5: the host configuration loses the only plugged adapter; the guest's APCB must
// lose it too, with a commit (the fixed kernel commits even when the result is empty).
TEST(FilterScenarios, HostConfigRemovalOfTheOnlyAdapterEmptiesTheGuest) {
  Scenario sc(kApxa, Matrix{Mask::of({9}), Mask::of({2}), Mask::of({2})});
  sc.apmask("-9");
  sc.create(kMdev1);
  sc.run(op::GuestCreate{1, true});
  sc.assign_adapter(kMdev1, "9");
  sc.assign_domain(kMdev1, "2");
  sc.run(op::GuestAttach{kMdev1, 1});
  Observation obs = sc.run(op::ConfigChange{Matrix{Mask{}, Mask::of({2}), Mask::of({2})}});
  // One commit and its signal (6.15+); the de-configured queue is not reset.
  ASSERT_EQ(obs.events.size(), 2U);
  EXPECT_TRUE(std::get<Commit>(obs.events[0]).apcb.adapters.empty());
  EXPECT_TRUE(std::holds_alternative<Signal>(obs.events[1]));
  EXPECT_EQ(sc.guest_matrix(kMdev1), ".0002\n");
  // The adapter comes back: the queue is probed, the filter waits for scan complete, and the
  // guest gets it back with one commit (and its signal).
  Observation back = sc.run(op::ConfigChange{Matrix{Mask::of({9}), Mask::of({2}), Mask::of({2})}});
  ASSERT_EQ(back.events.size(), 2U);
  EXPECT_EQ(std::get<Commit>(back.events[0]).apcb.adapters, Mask::of({9}));
  EXPECT_TRUE(std::holds_alternative<Signal>(back.events[1]));
  EXPECT_TRUE(sc.violations.empty());
}

TEST(FilterScenarios, FailedResetFiltersTheAdapterAtTheNextFullFilter) {
  Scenario sc(kApxa, Matrix{Mask::of({1, 2}), Mask::of({3}), Mask{}});
  sc.apmask("-1-2");
  sc.create(kMdev1);
  sc.assign_adapter(kMdev1, "1");
  sc.assign_domain(kMdev1, "3");
  sc.run(op::ResetResponse{{1, 3}, response::q_not_avail});
  sc.run(op::ResetResponse{{2, 3}, response::deconfigured});  // passable
  sc.run(op::DeviceReset{kMdev1});  // (1,3) now has a failed reset status
  sc.assign_adapter(kMdev1, "2");   // full filter
  EXPECT_EQ(sc.guest_matrix(kMdev1), "02.0003\n");
  sc.run(op::DeviceReset{kMdev1});  // (2,3) answers DECONFIGURED: still passable
  sc.assign_control_domain(kMdev1, "1");
  sc.run(op::ResetResponse{{1, 3}, response::normal});
  sc.run(op::DeviceReset{kMdev1});  // (1,3) resets cleanly now
  sc.write(kMdev1, MdevAttr::ap_config, "0x60,0x10,0x40\n");  // same matrix: full filter
  EXPECT_EQ(sc.guest_matrix(kMdev1), "01.0003\n02.0003\n");
  EXPECT_TRUE(sc.violations.empty());
}

// Finding F1: a reset that does not unplug (guest detach, device reset) can leave an adapter
// whose queue's last reset failed in the shadow; the kernel does not refilter, and the next
// attach commits that shadow. SPEC's P2/P7 (with `passable`) fail; the structural forms hold.
TEST(FindingF1, DetachResetFailureLeavesTheAdapterInTheShadow) {
  Scenario sc(kApxa, Matrix{Mask::of({1}), Mask::of({3}), Mask{}});
  sc.apmask("-1");
  sc.create(kMdev1);
  sc.run(op::GuestCreate{1, true});
  sc.assign_adapter(kMdev1, "1");
  sc.assign_domain(kMdev1, "3");
  sc.run(op::GuestAttach{kMdev1, 1});
  sc.run(op::ResetResponse{{1, 3}, response::q_not_avail});
  sc.run(op::GuestDetach{kMdev1});
  Observation again = sc.run(op::GuestAttach{kMdev1, 1});
  ASSERT_EQ(again.events.size(), 1U);
  EXPECT_EQ(std::get<Commit>(again.events[0]).apcb.adapters, Mask::of({1}));
  std::vector<std::string> spec;
  for (const Violation& v : check_state(sc.s, Strength::spec)) spec.push_back(v.property);
  EXPECT_EQ(spec, (std::vector<std::string>{"P2.passable", "P7"}));
  EXPECT_TRUE(sc.violations.empty());  // the scenario checks the structural strength
}

}  // namespace
}  // namespace apcb::model
