// tests/model/kernel_test.cpp mirrors model/kernel.h: the profiles' names, and each
// KernelBehaviour flag the model follows (model/step.cpp), against the newer behaviour.
#include "model/kernel.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "model/invariants.h"
#include "model/render.h"
#include "model/state.h"
#include "model/step.h"

namespace apcb::model {
namespace {

constexpr const char* kUuid = "11111111-1111-1111-1111-111111111111";
const HostParams kApxa{true, 255, 255};

TEST(KernelVersions, EveryNameRoundTripsAndTheListIsInReleaseOrder) {
  const auto& all = kernel_versions();
  ASSERT_EQ(all.size(), 10u);
  EXPECT_EQ(all.front(), KernelVersion::v6_0);
  EXPECT_EQ(all.back(), KernelVersion::latest);
  std::string names;
  for (KernelVersion v : all) {
    EXPECT_EQ(parse_kernel_version(kernel_version_name(v)), v);
    names += (names.empty() ? "" : ", ") + std::string(kernel_version_name(v));
  }
  EXPECT_EQ(names, kernel_version_names());
  EXPECT_EQ(parse_kernel_version("6.2"), std::nullopt);
  EXPECT_EQ(parse_kernel_version("6.1 "), std::nullopt);
  EXPECT_EQ(parse_kernel_version(""), std::nullopt);
}

// A flag, once a version has the newer behaviour, stays new in every mainline release after
// it; the Debian profiles (6.1, 6.12) carry back-ports, so they are checked by name.
TEST(KernelVersions, MainlineReleasesNeverLoseABehaviour) {
  const KernelVersion mainline[] = {KernelVersion::v6_0, KernelVersion::v6_6, KernelVersion::v6_8,
                                    KernelVersion::v6_9, KernelVersion::v6_10, KernelVersion::v6_15,
                                    KernelVersion::v6_19, KernelVersion::latest};
  auto flags = [](const KernelBehaviour& b) {
    return std::vector<bool>{b.full_filter, b.removal_unplugs_assigned_control_domains,
                             b.removal_commits_emptied_shadow, b.reset_waits_for_completion,
                             b.deconfigured_passable, b.checkstopped_passable, b.filter_resets_unplugged,
                             b.unbind_resets_adapter,
                             b.device_reset == DeviceResetReport::eio_if_any_nonzero, b.ap_config_attribute,
                             b.matrix_features, b.request_clears_crycb, b.signals_guest_config_change,
                             b.queue_driver_override, b.failed_attach_keeps_hook};
  };
  for (std::size_t i = 1; i < std::size(mainline); ++i) {
    const auto before = flags(behaviour(mainline[i - 1]));
    const auto after = flags(behaviour(mainline[i]));
    for (std::size_t f = 0; f < before.size(); ++f)
      EXPECT_TRUE(!before[f] || after[f]) << kernel_version_name(mainline[i]) << " loses flag " << f;
  }
  for (bool f : flags(behaviour(KernelVersion::latest))) EXPECT_TRUE(f);
  // Debian's 6.1 carries the 6.8 full filter and the 2026 cfg_remove fixes, nothing of 6.6.
  EXPECT_TRUE(behaviour(KernelVersion::v6_1).full_filter);
  EXPECT_TRUE(behaviour(KernelVersion::v6_1).removal_commits_emptied_shadow);
  EXPECT_FALSE(behaviour(KernelVersion::v6_1).reset_waits_for_completion);
  EXPECT_FALSE(behaviour(KernelVersion::v6_1).ap_config_attribute);
  // Debian's 6.12 carries the cfg_remove fixes, which mainline 6.15 and 6.19 lack.
  EXPECT_TRUE(behaviour(KernelVersion::v6_12).removal_unplugs_assigned_control_domains);
  EXPECT_FALSE(behaviour(KernelVersion::v6_15).removal_unplugs_assigned_control_domains);
  EXPECT_FALSE(behaviour(KernelVersion::v6_12).request_clears_crycb);
  // Both Debian kernels carry the back-port of 4400270ec034 (the hook after the EPERM check),
  // which every mainline profile up to 6.19 lacks.
  EXPECT_TRUE(behaviour(KernelVersion::v6_1).failed_attach_keeps_hook);
  EXPECT_TRUE(behaviour(KernelVersion::v6_12).failed_attach_keeps_hook);
  EXPECT_FALSE(behaviour(KernelVersion::v6_19).failed_attach_keeps_hook);
}

// The profiles where prove --kernel proves every obligation (docs/kernel-versions.md's table):
// exactly latest and Debian's 6.1 and 6.12.
TEST(KernelVersions, InvariantsHoldExactlyWhereProveProvesThem) {
  std::vector<std::string_view> holding;
  for (KernelVersion v : kernel_versions())
    if (invariants_hold(v)) holding.push_back(kernel_version_name(v));
  EXPECT_EQ(holding, (std::vector<std::string_view>{"6.1", "6.12", "latest"}));
}

// A host with adapters 0x14 and 0x16, domains 4-6, all free for vfio_ap, one mdev attached to
// guest 1: the state of kernel-vfio-ap.md §7.3 scenario 1 (tests/traces/filter-delta-bug.trace).
class Profile : public ::testing::Test {
 protected:
  Observation run(const Op& op) { return model::apply(s, op); }
  void start(KernelVersion v, const Matrix& cfg) {
    s = State::initial(kApxa, cfg);
    s.kernel = v;
    ASSERT_EQ(run(op::BusMaskWrite{BusMask::apmask, "-0x14,-0x16"}).result, Errno::ok);
    ASSERT_EQ(run(op::MdevCreate{kUuid}).result, Errno::ok);
    ASSERT_EQ(run(op::GuestCreate{1, true}).result, Errno::ok);
    ASSERT_EQ(run(op::GuestAttach{kUuid, 1}).result, Errno::ok);
  }
  Errno write(MdevAttr attr, const std::string& text) { return run(op::AttrWrite{kUuid, attr, text}).result; }
  Matrix guest() const { return s.guests.front().apcb; }
  State s;
};

TEST_F(Profile, DeltaFilterBefore68ReadmitsAnAdapterWithAnUnboundQueue) {
  for (KernelVersion v : {KernelVersion::v6_0, KernelVersion::v6_6, KernelVersion::v6_8}) {
    start(v, Matrix{Mask::of({0x14, 0x16}), Mask::of({4, 5, 6}), Mask{}});
    ASSERT_EQ(write(MdevAttr::assign_adapter, "0x14"), Errno::ok);
    ASSERT_EQ(write(MdevAttr::assign_adapter, "0x16"), Errno::ok);
    for (const char* d : {"4", "5", "6"}) ASSERT_EQ(write(MdevAttr::assign_domain, d), Errno::ok);
    ASSERT_EQ(write(MdevAttr::unassign_domain, "4"), Errno::ok);
    ASSERT_EQ(run(op::QueueUnbind{{0x16, 5}, Driver::vfio_ap}).result, Errno::ok);
    EXPECT_EQ(guest().adapters, Mask::of({0x14})) << kernel_version_name(v);
    ASSERT_EQ(write(MdevAttr::assign_domain, "4"), Errno::ok);
    // The delta (adapters × {4}) does not cover 16.0005: adapter 0x16 comes back unchecked.
    const bool delta = v != KernelVersion::v6_8;
    EXPECT_EQ(guest().adapters, delta ? Mask::of({0x14, 0x16}) : Mask::of({0x14})) << kernel_version_name(v);
  }
}

TEST_F(Profile, HostRemovalLeavesAssignedControlDomainsBeforeThe2026Fix) {
  for (KernelVersion v : {KernelVersion::v6_0, KernelVersion::v6_19, KernelVersion::v6_1, KernelVersion::latest}) {
    start(v, Matrix{Mask::of({0x14}), Mask::of({4}), Mask::of({4, 7})});
    ASSERT_EQ(write(MdevAttr::assign_adapter, "0x14"), Errno::ok);
    ASSERT_EQ(write(MdevAttr::assign_domain, "4"), Errno::ok);
    ASSERT_EQ(write(MdevAttr::assign_control_domain, "4"), Errno::ok);
    ASSERT_EQ(write(MdevAttr::assign_control_domain, "7"), Errno::ok);
    ASSERT_EQ(run(op::ConfigChange{Matrix{Mask::of({0x14}), Mask::of({4}), Mask::of({4})}}).result, Errno::ok);
    const bool fixed = behaviour(v).removal_unplugs_assigned_control_domains;
    EXPECT_EQ(guest().control_domains, fixed ? Mask::of({4}) : Mask::of({4, 7})) << kernel_version_name(v);
  }
}

TEST_F(Profile, HostRemovalOfTheLastAdapterIsNotCommittedBeforeThe2026Fix) {
  for (KernelVersion v : {KernelVersion::v6_0, KernelVersion::v6_15, KernelVersion::v6_12, KernelVersion::latest}) {
    start(v, Matrix{Mask::of({0x14}), Mask::of({4}), Mask{}});
    ASSERT_EQ(write(MdevAttr::assign_adapter, "0x14"), Errno::ok);
    ASSERT_EQ(write(MdevAttr::assign_domain, "4"), Errno::ok);
    ASSERT_EQ(guest().adapters, Mask::of({0x14}));
    const Observation obs = run(op::ConfigChange{Matrix{Mask{}, Mask::of({4}), Mask{}}});
    ASSERT_EQ(obs.result, Errno::ok);
    const bool fixed = behaviour(v).removal_commits_emptied_shadow;
    // The shadow loses the adapter either way; before the fix the guest keeps it.
    EXPECT_EQ(s.mdevs.front().shadow.adapters, Mask{}) << kernel_version_name(v);
    EXPECT_EQ(guest().adapters, fixed ? Mask{} : Mask::of({0x14})) << kernel_version_name(v);
    const auto commits = std::count_if(obs.events.begin(), obs.events.end(),
                                       [](const Event& e) { return std::holds_alternative<Commit>(e); });
    EXPECT_EQ(commits, fixed ? 1 : 0) << kernel_version_name(v);
  }
}

constexpr const char* kOther = "22222222-2222-2222-2222-222222222222";

// KernelBehaviour::failed_attach_keeps_hook: mdev kUuid is open for guest 1 with 14.0004 in its
// queue table; the open of mdev kOther for guest 1 fails with EPERM. Before 4400270ec034 the
// guest's PQAP(AQIC) then reaches kOther's handler (no KVM: Q_NOT_AVAIL), a failed operation
// that changed the state (P6 reports it); with the fix (Debian 6.1 and 6.12, latest) it still
// reaches kUuid's. Either way the close of kUuid clears the hook.
TEST_F(Profile, FailedAttachLeavesTheAqicHookOnTheFailingMdevBeforeTheFix) {
  for (KernelVersion v : {KernelVersion::v6_0, KernelVersion::v6_19, KernelVersion::v6_1,
                          KernelVersion::v6_12, KernelVersion::latest}) {
    start(v, Matrix{Mask::of({0x14, 0x16}), Mask::of({4}), Mask{}});
    ASSERT_EQ(write(MdevAttr::assign_adapter, "0x14"), Errno::ok);
    ASSERT_EQ(write(MdevAttr::assign_domain, "4"), Errno::ok);
    ASSERT_EQ(run(op::MdevCreate{kOther}).result, Errno::ok);
    const State before = s;
    const Op open = op::GuestAttach{kOther, 1};
    const Observation failed = run(open);
    ASSERT_EQ(failed.result, Errno::eperm);
    const bool fixed = behaviour(v).failed_attach_keeps_hook;
    EXPECT_EQ(check_failure_atomicity(before, s, open, failed).size(), fixed ? 0u : 1u)
        << kernel_version_name(v);
    EXPECT_EQ(s.guests.front().pqap_hook, fixed ? kUuid : kOther) << kernel_version_name(v);
    EXPECT_EQ(run(op::GuestAqic{1, {0x14, 4}}).output,
              fixed ? render_aqic(kUuid, response::normal) : render_aqic(kOther, response::q_not_avail))
        << kernel_version_name(v);
    ASSERT_EQ(run(op::GuestDetach{kUuid}).result, Errno::ok);
    EXPECT_EQ(run(op::GuestAqic{1, {0x14, 4}}).output, render_aqic("", response::q_not_avail))
        << kernel_version_name(v);
  }
}

// Before the fix, removing the mdev whose failed open holds the hook leaves it dangling (a use
// after free in the kernel): the model answers as that mdev was when it went, and an mdev
// created later under the same uuid is not taken for it, even once it is open with the queue
// in its table (for another guest).
TEST_F(Profile, HookIntoARemovedMdevIsNotTakenForANewMdevOfTheSameUuid) {
  start(KernelVersion::v6_19, Matrix{Mask::of({0x14, 0x16}), Mask::of({4}), Mask{}});
  ASSERT_EQ(run(op::MdevCreate{kOther}).result, Errno::ok);
  ASSERT_EQ(run(op::GuestAttach{kOther, 1}).result, Errno::eperm);
  ASSERT_EQ(run(op::MdevRemove{kOther}).result, Errno::ok);
  EXPECT_TRUE(s.guests.front().pqap_hook_freed);
  ASSERT_EQ(run(op::MdevCreate{kOther}).result, Errno::ok);
  ASSERT_EQ(run(op::AttrWrite{kOther, MdevAttr::assign_adapter, "0x16"}).result, Errno::ok);
  ASSERT_EQ(run(op::AttrWrite{kOther, MdevAttr::assign_domain, "4"}).result, Errno::ok);
  ASSERT_EQ(run(op::GuestCreate{2, true}).result, Errno::ok);
  ASSERT_EQ(run(op::GuestAttach{kOther, 2}).result, Errno::ok);
  EXPECT_EQ(run(op::GuestAqic{2, {0x16, 4}}).output, render_aqic(kOther, response::normal));
  EXPECT_EQ(run(op::GuestAqic{1, {0x16, 4}}).output, render_aqic(kOther, response::q_not_avail));
}

// A failing mdev that is later opened for another guest has a KVM again: the first guest's
// stale hook then reaches a handler that looks in that mdev's queue table.
TEST_F(Profile, StaleHookAnswersFromTheQueueTableOnceItsMdevIsOpenElsewhere) {
  start(KernelVersion::v6_0, Matrix{Mask::of({0x14, 0x16}), Mask::of({4}), Mask{}});
  ASSERT_EQ(run(op::MdevCreate{kOther}).result, Errno::ok);
  ASSERT_EQ(run(op::AttrWrite{kOther, MdevAttr::assign_adapter, "0x16"}).result, Errno::ok);
  ASSERT_EQ(run(op::AttrWrite{kOther, MdevAttr::assign_domain, "4"}).result, Errno::ok);
  ASSERT_EQ(run(op::GuestAttach{kOther, 1}).result, Errno::eperm);
  EXPECT_EQ(run(op::GuestAqic{1, {0x16, 4}}).output, render_aqic(kOther, response::q_not_avail));
  ASSERT_EQ(run(op::GuestCreate{2, true}).result, Errno::ok);
  ASSERT_EQ(run(op::GuestAttach{kOther, 2}).result, Errno::ok);
  EXPECT_EQ(run(op::GuestAqic{1, {0x16, 4}}).output, render_aqic(kOther, response::normal));
  // Guest 2's own hook, set by the successful open, is the same mdev's.
  EXPECT_EQ(run(op::GuestAqic{2, {0x16, 4}}).output, render_aqic(kOther, response::normal));
}

TEST_F(Profile, ApConfigAttributeExistsFrom610On) {
  for (KernelVersion v : {KernelVersion::v6_9, KernelVersion::v6_10}) {
    start(v, Matrix{Mask::of({0x14}), Mask::of({4}), Mask{}});
    const bool exists = v == KernelVersion::v6_10;
    const Observation read = run(op::ReadMdev{kUuid, MdevView::ap_config});
    EXPECT_EQ(read.result, exists ? Errno::ok : Errno::enoent);
    const State before = s;
    EXPECT_EQ(write(MdevAttr::ap_config, std::string(64, '0') + "," + std::string(64, '0') + "," +
                                             std::string(64, '0')),
              exists ? Errno::ok : Errno::enoent);
    if (!exists) {
      EXPECT_EQ(s, before);
    }
  }
}

TEST_F(Profile, CheckstoppedIsPassableFrom69AndDeconfiguredFrom66) {
  EXPECT_FALSE(passable_status(KernelVersion::v6_1, response::deconfigured));
  EXPECT_TRUE(passable_status(KernelVersion::v6_6, response::deconfigured));
  EXPECT_FALSE(passable_status(KernelVersion::v6_8, response::checkstopped));
  EXPECT_TRUE(passable_status(KernelVersion::v6_9, response::checkstopped));
  EXPECT_TRUE(passable_status(KernelVersion::v6_0, response::normal));
  EXPECT_FALSE(passable_status(KernelVersion::latest, response::busy));
}

}  // namespace
}  // namespace apcb::model

namespace apcb::model {
namespace {

// 6.19 d38a87d7c064: the queue device's driver_override attribute exists from 6.19 on; before,
// the file does not exist (ENOENT for a write and a read, nothing changes).
TEST(DriverOverrideProfile, TheAttributeExistsFrom619On) {
  for (KernelVersion v : {KernelVersion::v6_12, KernelVersion::v6_15, KernelVersion::v6_19, KernelVersion::latest}) {
    State s = State::initial(HostParams{}, Matrix{Mask::of({5}), Mask::of({4}), Mask{}});
    s.kernel = v;
    const bool exists = v == KernelVersion::v6_19 || v == KernelVersion::latest;
    const State before = s;
    EXPECT_EQ(apply(s, op::DriverOverrideWrite{{5, 4}, "vfio_ap\n"}).result, exists ? Errno::ok : Errno::enoent)
        << kernel_version_name(v);
    const Observation read = apply(s, op::DriverOverrideRead{{5, 4}});
    EXPECT_EQ(read.result, exists ? Errno::ok : Errno::enoent) << kernel_version_name(v);
    EXPECT_EQ(read.output, exists ? "vfio_ap\n" : "") << kernel_version_name(v);
    if (!exists) {
      EXPECT_EQ(s, before) << kernel_version_name(v);
    }
    // From 6.19 a mask write is refused while an override is set; before, it goes through.
    EXPECT_EQ(apply(s, op::BusMaskWrite{BusMask::apmask, "-5\n"}).result, exists ? Errno::einval : Errno::ok)
        << kernel_version_name(v);
  }
}

}  // namespace
}  // namespace apcb::model
