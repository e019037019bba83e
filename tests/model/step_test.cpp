// Tests of model/step.h: the kernel documentation's examples (kernel-vfio-ap.md §7.2), the
// error precedence of every attribute, commits, resets and their order.
#include "model/step.h"

#include <gtest/gtest.h>

#include "model/invariants.h"
#include "model/render.h"
#include "tests/model/scenario.h"

namespace apcb::model {
namespace {

using harness::kMdev1;
using harness::kMdev2;
using harness::kMdev3;
using testing::Scenario;

const HostParams kApxa{true, 255, 255};
const HostParams kNoApxa{false, 63, 15};

std::vector<Commit> commits_of(const Observation& obs) {
  std::vector<Commit> out;
  for (const Event& e : obs.events)
    if (const auto* c = std::get_if<Commit>(&e)) out.push_back(*c);
  return out;
}
std::vector<Apqn> resets_of(const Observation& obs) {
  std::vector<Apqn> out;
  for (const Event& e : obs.events)
    if (const auto* r = std::get_if<Reset>(&e)) out.push_back(r->apqn);
  return out;
}

// The three-guest example: secure APQNs 05/06 × {0004, 0047, 00ab, 00ff} for vfio_ap.
class ThreeGuests : public ::testing::Test {
 protected:
  ThreeGuests()
      : sc(kApxa, Matrix{Mask::of({1, 2, 3, 4, 5, 6, 7}), Mask::of({0, 4, 0x47, 0xab, 0xff}),
                         Mask::all()}) {}
  void SetUp() override {
    ASSERT_EQ(sc.apmask("-5,-6"), Errno::ok);
    ASSERT_EQ(sc.aqmask("-4,-0x47,-0xab,-0xff"), Errno::ok);
    for (const char* u : {kMdev1, kMdev2, kMdev3}) ASSERT_EQ(sc.create(u), Errno::ok);
    ASSERT_EQ(sc.assign_adapter(kMdev1, "5"), Errno::ok);
    ASSERT_EQ(sc.assign_adapter(kMdev1, "6"), Errno::ok);
    ASSERT_EQ(sc.assign_domain(kMdev1, "4"), Errno::ok);
    ASSERT_EQ(sc.assign_domain(kMdev1, "0xab"), Errno::ok);
  }
  void TearDown() override { EXPECT_TRUE(sc.violations.empty()) << sc.violations[0].detail; }
  Scenario sc;
};

TEST_F(ThreeGuests, Mdev1MatrixAndGuestMatrix) {
  EXPECT_EQ(sc.matrix(kMdev1), "05.0004\n05.00ab\n06.0004\n06.00ab\n");
  EXPECT_EQ(sc.guest_matrix(kMdev1), sc.matrix(kMdev1));
}

TEST_F(ThreeGuests, Mdev1ApConfig) {
  EXPECT_EQ(sc.read(kMdev1, MdevView::ap_config),
            "0x0600000000000000000000000000000000000000000000000000000000000000,"
            "0x0800000000000000000000000000000000000000001000000000000000000000,"
            "0x0000000000000000000000000000000000000000000000000000000000000000\n");
}

TEST_F(ThreeGuests, Mdev2AndMdev3TakeTheOtherDomains) {
  EXPECT_EQ(sc.assign_adapter(kMdev2, "5"), Errno::ok);
  EXPECT_EQ(sc.assign_domain(kMdev2, "0x47"), Errno::ok);
  EXPECT_EQ(sc.assign_domain(kMdev2, "0xff"), Errno::ok);
  EXPECT_EQ(sc.matrix(kMdev2), "05.0047\n05.00ff\n");
  EXPECT_EQ(sc.read(kMdev2, MdevView::ap_config),
            "0x0400000000000000000000000000000000000000000000000000000000000000,"
            "0x0000000000000000010000000000000000000000000000000000000000000001,"
            "0x0000000000000000000000000000000000000000000000000000000000000000\n");
  EXPECT_EQ(sc.assign_adapter(kMdev3, "6"), Errno::ok);
  EXPECT_EQ(sc.assign_domain(kMdev3, "0x47"), Errno::ok);
  EXPECT_EQ(sc.assign_domain(kMdev3, "0xff"), Errno::ok);
  EXPECT_EQ(sc.matrix(kMdev3), "06.0047\n06.00ff\n");
  // 05.0004 belongs to mdev1.
  EXPECT_EQ(sc.assign_domain(kMdev2, "4"), Errno::eaddrinuse);
  EXPECT_EQ(sc.matrix(kMdev2), "05.0047\n05.00ff\n");
}

TEST_F(ThreeGuests, ReservedApqnRefusedAndRolledBack) {
  // (5,0) and (6,0) are not reserved: adapters 5 and 6 left apmask.
  EXPECT_EQ(sc.assign_domain(kMdev1, "0"), Errno::ok);
  // (7,0) is: adapter 7 ∈ apmask and domain 0 ∈ aqmask.
  EXPECT_EQ(sc.assign_adapter(kMdev1, "7"), Errno::eaddrnotavail);
  EXPECT_FALSE(sc.mdev(kMdev1).assigned.adapters.test(7));
  // Without domain 0, adapter 7 only meets domains 4 and 0xab, which are not reserved.
  EXPECT_EQ(sc.unassign_domain(kMdev1, "0"), Errno::ok);
  EXPECT_EQ(sc.assign_adapter(kMdev1, "7"), Errno::ok);
  // Over-provisioned: adapter 7's queues are bound to vfio_ap, so 7 reaches the guest too.
  EXPECT_EQ(sc.guest_matrix(kMdev1), "05.0004\n05.00ab\n06.0004\n06.00ab\n07.0004\n07.00ab\n");
}

TEST_F(ThreeGuests, IdBeyondMaximumIsNoDevice) {
  EXPECT_EQ(sc.assign_adapter(kMdev2, "256"), Errno::enodev);
  EXPECT_EQ(sc.assign_domain(kMdev2, "0x100"), Errno::enodev);
  EXPECT_EQ(sc.assign_control_domain(kMdev2, "256"), Errno::enodev);
}

// Before 6.19 in_use is asked about the newly set IDs crossed with the current other mask: on
// the model alone (impl/ follows latest).
TEST_F(ThreeGuests, MaskWriteReservingAnAssignedApqnIsBusyBefore6_19) {
  State s = sc.s;
  s.kernel = KernelVersion::v6_15;
  auto write = [&](BusMask which, const char* text) {
    return model::apply(s, op::BusMaskWrite{which, std::string(text) + "\n"}).result;
  };
  // Adapter 5 back to the host reserves (5, d) only for the domains still in aqmask, and
  // mdev1's domains 4 and 0xab are not: allowed.
  EXPECT_EQ(write(BusMask::apmask, "+5"), Errno::ok);
  // Now domain 4 back to the host would reserve 05.0004, which mdev1 holds.
  EXPECT_EQ(write(BusMask::aqmask, "+4"), Errno::ebusy);
  EXPECT_FALSE(s.aqmask.test(4));
  EXPECT_EQ(write(BusMask::apmask, "0xffffffffffffffff"), Errno::ok);  // adapters 0..63: 6 too
  EXPECT_EQ(write(BusMask::aqmask, "+0xab"), Errno::ebusy);
  // Reserving an unassigned APQN is fine: domain 0x47 is assigned to nobody yet.
  EXPECT_EQ(write(BusMask::aqmask, "+0x47"), Errno::ok);
  EXPECT_TRUE(check_state(s).empty());
}

// From 6.19 (6917f434fda3) in_use is asked about a newly set adapter with an all-ones aqmask:
// mdev1 holds adapter 5, so giving it back to the host is refused although none of its queues
// would be reserved; an ID no mdev holds is still fine.
TEST_F(ThreeGuests, MaskWriteNewlySettingAnAssignedAdapterIsBusyFrom6_19) {
  ASSERT_EQ(sc.s.kernel, KernelVersion::latest);
  EXPECT_EQ(sc.apmask("+5"), Errno::ebusy);
  EXPECT_FALSE(sc.s.apmask.test(5));
  EXPECT_EQ(sc.aqmask("+4"), Errno::ebusy);
  EXPECT_EQ(sc.aqmask("+0xab"), Errno::ebusy);
  EXPECT_EQ(sc.aqmask("+0x47"), Errno::ok);  // no mdev holds domain 0x47
}

TEST(SharingRules, DocumentedExamples) {
  const Matrix cfg{Mask::range(0, 15), Mask::range(0, 15), Mask{}};
  {
    Scenario sc(kApxa, cfg);
    ASSERT_EQ(sc.apmask("-1-4"), Errno::ok);
    sc.create(kMdev1);
    sc.create(kMdev2);
    for (const char* a : {"1", "2"}) EXPECT_EQ(sc.assign_adapter(kMdev1, a), Errno::ok);
    for (const char* d : {"5", "6"}) EXPECT_EQ(sc.assign_domain(kMdev1, d), Errno::ok);
    // {1,2}×{5,6} with {1,2}×{7}: valid.
    for (const char* a : {"1", "2"}) EXPECT_EQ(sc.assign_adapter(kMdev2, a), Errno::ok);
    EXPECT_EQ(sc.assign_domain(kMdev2, "7"), Errno::ok);
  }
  {
    Scenario sc(kApxa, cfg);
    ASSERT_EQ(sc.apmask("-1-4"), Errno::ok);
    sc.create(kMdev1);
    sc.create(kMdev2);
    for (const char* a : {"1", "2"}) sc.assign_adapter(kMdev1, a);
    for (const char* d : {"5", "6"}) sc.assign_domain(kMdev1, d);
    // {1,2}×{5,6} with {3,4}×{5,6}: valid.
    for (const char* a : {"3", "4"}) EXPECT_EQ(sc.assign_adapter(kMdev2, a), Errno::ok);
    for (const char* d : {"5", "6"}) EXPECT_EQ(sc.assign_domain(kMdev2, d), Errno::ok);
  }
  {
    Scenario sc(kApxa, cfg);
    ASSERT_EQ(sc.apmask("-1-4"), Errno::ok);
    sc.create(kMdev1);
    sc.create(kMdev2);
    for (const char* a : {"1", "2"}) sc.assign_adapter(kMdev1, a);
    for (const char* d : {"5", "6"}) sc.assign_domain(kMdev1, d);
    // {1,2}×{5,6} with {1}×{6,7}: invalid, APQN (1,6).
    EXPECT_EQ(sc.assign_adapter(kMdev2, "1"), Errno::ok);
    EXPECT_EQ(sc.assign_domain(kMdev2, "7"), Errno::ok);
    EXPECT_EQ(sc.assign_domain(kMdev2, "6"), Errno::eaddrinuse);
  }
}

// --- error precedence ----------------------------------------------------------------------

class Precedence : public ::testing::Test {
 protected:
  Precedence() : sc(kNoApxa, Matrix{Mask::range(0, 63), Mask::range(0, 15), Mask::range(0, 15)}) {
    sc.apmask("-8-15,-64");
    sc.create(kMdev1);
    sc.create(kMdev2);
    sc.assign_adapter(kMdev2, "8");
    sc.assign_domain(kMdev2, "1");
  }
  Scenario sc;
};

TEST_F(Precedence, ParseErrorBeatsRange) {
  for (MdevAttr attr : {MdevAttr::assign_adapter, MdevAttr::assign_domain,
                        MdevAttr::assign_control_domain, MdevAttr::unassign_adapter,
                        MdevAttr::unassign_domain, MdevAttr::unassign_control_domain}) {
    EXPECT_EQ(sc.write(kMdev1, attr, "999x\n"), Errno::einval);
    EXPECT_EQ(sc.write(kMdev1, attr, "99999999999999999999\n"), Errno::erange);
    EXPECT_EQ(sc.write(kMdev1, attr, "999\n"), Errno::enodev);
  }
}

TEST_F(Precedence, RangeUsesTheNonApxaMaxima) {
  EXPECT_EQ(sc.assign_adapter(kMdev1, "63"), Errno::ok);
  EXPECT_EQ(sc.assign_adapter(kMdev1, "64"), Errno::enodev);
  EXPECT_EQ(sc.assign_domain(kMdev1, "15"), Errno::eaddrnotavail);  // (63,15) reserved
  EXPECT_EQ(sc.assign_domain(kMdev1, "16"), Errno::enodev);
  EXPECT_EQ(sc.assign_control_domain(kMdev1, "16"), Errno::enodev);
  EXPECT_EQ(sc.unassign_adapter(kMdev1, "64"), Errno::enodev);
}

TEST_F(Precedence, ReservedBeatsInUse) {
  // Adapter 8 with domain 1 is mdev2's; adapter 0 with domain 1 is reserved. Both at once:
  // the reservation is reported.
  sc.assign_domain(kMdev1, "1");
  EXPECT_EQ(sc.write(kMdev1, MdevAttr::ap_config,
                     "0x8080000000000000,0x4000,0x0\n"),  // adapters 0 and 8, domain 1
            Errno::eaddrnotavail);
  EXPECT_EQ(sc.assign_adapter(kMdev1, "8"), Errno::eaddrinuse);
}

TEST_F(Precedence, ApConfigChecksOwnershipBeforeRange) {
  // Adapter 64 is out of range on this host, and adapter 8 × domain 1 is in use.
  const std::string both = "0x0080000000000000" "8000000000000000,0x4000,0x0\n";
  EXPECT_EQ(sc.write(kMdev1, MdevAttr::ap_config, both), Errno::eaddrinuse);
  EXPECT_EQ(sc.write(kMdev1, MdevAttr::ap_config, "0x00000000000000008,0x4000,\n"),
            Errno::enodev);
  EXPECT_EQ(sc.write(kMdev1, MdevAttr::ap_config, "0x1,0x2"), Errno::einval);
  EXPECT_TRUE(sc.mdev(kMdev1).assigned.empty());
}

TEST_F(Precedence, AlreadyAssignedIsASuccessWithoutEffect) {
  EXPECT_EQ(sc.assign_adapter(kMdev2, "8"), Errno::ok);
  EXPECT_EQ(sc.assign_adapter(kMdev2, "010"), Errno::ok);  // octal 8
  EXPECT_EQ(sc.unassign_adapter(kMdev1, "8"), Errno::ok);  // never assigned here
  EXPECT_EQ(sc.assign_control_domain(kMdev1, "3"), Errno::ok);
  EXPECT_EQ(sc.assign_control_domain(kMdev1, "3"), Errno::ok);
  EXPECT_EQ(sc.mdev(kMdev1).assigned.control_domains, Mask::of({3}));
}

TEST_F(Precedence, ControlDomainsNeedNoOwnershipAndMayBeShared) {
  EXPECT_EQ(sc.assign_control_domain(kMdev1, "1"), Errno::ok);
  EXPECT_EQ(sc.assign_control_domain(kMdev2, "1"), Errno::ok);
}

TEST_F(Precedence, UnknownMdevIsNoEntry) {
  EXPECT_EQ(sc.assign_adapter(kMdev3, "1"), Errno::enoent);
  EXPECT_EQ(sc.run(op::ReadMdev{kMdev3, MdevView::matrix}).result, Errno::enoent);
}

// --- lifecycle, commits and resets ---------------------------------------------------------

class Attached : public ::testing::Test {
 protected:
  Attached() : sc(kApxa, Matrix{Mask::of({3, 4}), Mask::of({1, 2}), Mask::of({1, 2})}) {
    sc.apmask("-3-4");
    sc.create(kMdev1);
    sc.run(op::GuestCreate{7, true});
    sc.assign_adapter(kMdev1, "3");
    sc.assign_adapter(kMdev1, "4");
    sc.assign_domain(kMdev1, "1");
    sc.assign_domain(kMdev1, "2");
  }
  void TearDown() override { EXPECT_TRUE(sc.violations.empty()) << sc.violations[0].detail; }
  Scenario sc;
};

TEST_F(Attached, AttachCommitsTheShadowAndDetachClearsThenResets) {
  Observation attach = sc.run(op::GuestAttach{kMdev1, 7});
  ASSERT_EQ(attach.result, Errno::ok);
  ASSERT_EQ(commits_of(attach).size(), 1U);
  EXPECT_EQ(commits_of(attach)[0].apcb.adapters, Mask::of({3, 4}));
  EXPECT_TRUE(resets_of(attach).empty());

  Observation detach = sc.run(op::GuestDetach{kMdev1});
  ASSERT_EQ(detach.events.size(), 5U);
  EXPECT_TRUE(std::get<Commit>(detach.events[0]).apcb.empty());
  EXPECT_EQ(resets_of(detach),
            (std::vector<Apqn>{{3, 1}, {3, 2}, {4, 1}, {4, 2}}));
  EXPECT_TRUE(sc.s.find_guest(7)->apcb.empty());
  // The shadow is kept for guest_matrix.
  EXPECT_EQ(sc.guest_matrix(kMdev1), "03.0001\n03.0002\n04.0001\n04.0002\n");
}

TEST_F(Attached, SecondMdevForTheSameGuestIsNotPermitted) {
  sc.create(kMdev2);
  ASSERT_EQ(sc.run(op::GuestAttach{kMdev1, 7}).result, Errno::ok);
  EXPECT_EQ(sc.run(op::GuestAttach{kMdev2, 7}).result, Errno::eperm);
  EXPECT_EQ(sc.run(op::GuestAttach{kMdev1, 7}).result, Errno::ebusy);
  EXPECT_EQ(sc.run(op::MdevRemove{kMdev1}).result, Errno::ebusy);
}

TEST_F(Attached, UnassignAdapterCommitsBeforeResettingItsQueues) {
  sc.run(op::GuestAttach{kMdev1, 7});
  Observation obs = sc.run(op::AttrWrite{kMdev1, MdevAttr::unassign_adapter, "3\n"});
  ASSERT_EQ(obs.events.size(), 4U);  // the commit, its signal (6.15), two resets
  EXPECT_EQ(std::get<Commit>(obs.events[0]).apcb.adapters, Mask::of({4}));
  EXPECT_EQ(std::get<Signal>(obs.events[1]).guest, 7U);
  EXPECT_EQ(resets_of(obs), (std::vector<Apqn>{{3, 1}, {3, 2}}));
}

TEST_F(Attached, UnbindingAQueueUnplugsItsWholeAdapter) {
  sc.run(op::GuestAttach{kMdev1, 7});
  Observation obs = sc.run(op::QueueUnbind{{4, 2}, Driver::vfio_ap});
  ASSERT_EQ(obs.result, Errno::ok);
  ASSERT_FALSE(obs.events.empty());
  EXPECT_EQ(std::get<Commit>(obs.events[0]).apcb.adapters, Mask::of({3}));
  EXPECT_EQ(resets_of(obs), (std::vector<Apqn>{{4, 1}, {4, 2}}));
  EXPECT_EQ(sc.run(op::ReadQueueStatus{{4, 2}}).result, Errno::enoent);
  EXPECT_EQ(sc.run(op::ReadQueueStatus{{4, 1}}).output, "assigned\n");
  EXPECT_EQ(sc.run(op::ReadQueueStatus{{3, 1}}).output, "in use\n");
  // Binding it again runs the full filter, and the adapter comes back.
  Observation bind = sc.run(op::QueueBind{{4, 2}, Driver::vfio_ap});
  ASSERT_EQ(commits_of(bind).size(), 1U);
  EXPECT_EQ(commits_of(bind)[0].apcb.adapters, Mask::of({3, 4}));
}

TEST_F(Attached, ControlDomainsCommitWhenTheyChange) {
  sc.run(op::GuestAttach{kMdev1, 7});
  EXPECT_EQ(commits_of(sc.run(op::AttrWrite{kMdev1, MdevAttr::assign_control_domain, "2\n"})).size(), 1U);
  // Control domain 5 is not in the host configuration: assigned, but not in the shadow.
  EXPECT_TRUE(commits_of(sc.run(op::AttrWrite{kMdev1, MdevAttr::assign_control_domain, "5\n"})).empty());
  EXPECT_EQ(sc.read(kMdev1, MdevView::control_domains), "0002\n0005\n");
  EXPECT_EQ(commits_of(sc.run(op::AttrWrite{kMdev1, MdevAttr::unassign_control_domain, "2\n"})).size(), 1U);
}

TEST_F(Attached, ReleaseClearsTheCrycbButKeepsTheShadow) {
  sc.run(op::GuestAttach{kMdev1, 7});
  Observation rel = sc.run(op::GuestRelease{kMdev1});
  ASSERT_EQ(commits_of(rel).size(), 1U);
  EXPECT_TRUE(commits_of(rel)[0].apcb.empty());
  EXPECT_EQ(sc.run(op::VcpuObserve{7}).output, render_apcb(Matrix{}));
  EXPECT_FALSE(sc.mdev(kMdev1).shadow.empty());
}

// --- the PQAP(AQIC) hook (vfio_ap_mdev_set_kvm / unset_kvm, handle_pqap) --------------------

TEST_F(Attached, AqicReachesTheAttachedMdevAndAFailedOpenLeavesTheHook) {
  const std::string none = render_aqic("", response::q_not_avail);
  EXPECT_EQ(sc.run(op::GuestAqic{7, {3, 1}}).output, none);  // no open yet: KVM answers
  ASSERT_EQ(sc.run(op::GuestAttach{kMdev1, 7}).result, Errno::ok);
  EXPECT_EQ(sc.run(op::GuestAqic{7, {3, 1}}).output, render_aqic(kMdev1, response::normal));
  // 03.0005 is not in kMdev1's queue table: its handler answers Q_NOT_AVAIL.
  EXPECT_EQ(sc.run(op::GuestAqic{7, {3, 5}}).output, render_aqic(kMdev1, response::q_not_avail));
  ASSERT_EQ(sc.create(kMdev2), Errno::ok);
  EXPECT_EQ(sc.run(op::GuestAttach{kMdev2, 7}).result, Errno::eperm);
  EXPECT_EQ(sc.run(op::GuestAqic{7, {3, 1}}).output, render_aqic(kMdev1, response::normal));
  ASSERT_EQ(sc.run(op::GuestDetach{kMdev1}).result, Errno::ok);
  EXPECT_EQ(sc.run(op::GuestAqic{7, {3, 1}}).output, none);
  EXPECT_EQ(sc.run(op::GuestAqic{8, {3, 1}}).result, Errno::enoent);
}

TEST_F(Attached, AqicOnAFormat0GuestBeyondApcb0IsASpecificationException) {
  sc.run(op::GuestCreate{9, false});
  EXPECT_EQ(sc.run(op::GuestAqic{9, {64, 1}}).output, render_aqic_specification_exception());
  EXPECT_EQ(sc.run(op::GuestAqic{9, {3, 16}}).output, render_aqic_specification_exception());
  EXPECT_EQ(sc.run(op::GuestAqic{9, {63, 15}}).output, render_aqic("", response::q_not_avail));
  // Format 2 (MSAX3 with APXA) names every adapter and domain.
  EXPECT_EQ(sc.run(op::GuestAqic{7, {64, 16}}).output, render_aqic("", response::q_not_avail));
}

// --- 6.15 guest notification (07d89045bffe and its follow-up; model/README.md) ---------------

std::vector<GuestId> signals_of(const Observation& obs) {
  std::vector<GuestId> out;
  for (const Event& e : obs.events)
    if (const auto* g = std::get_if<Signal>(&e)) out.push_back(g->guest);
  return out;
}

TEST_F(Attached, EveryCommitButTheOpensAndTheClosesIsFollowedBySignal) {
  // The open commits through update_guest_apcb too, but no eventfd can be registered yet.
  Observation attach = sc.run(op::GuestAttach{kMdev1, 7});
  ASSERT_EQ(commits_of(attach).size(), 1U);
  EXPECT_TRUE(signals_of(attach).empty());
  // An assignment that commits signals right after its commit, before any reset.
  Observation unassign = sc.run(op::AttrWrite{kMdev1, MdevAttr::unassign_adapter, "4\n"});
  ASSERT_GE(unassign.events.size(), 2U);
  EXPECT_TRUE(std::holds_alternative<Commit>(unassign.events[0]));
  EXPECT_EQ(std::get<Signal>(unassign.events[1]).guest, 7U);
  EXPECT_EQ(signals_of(unassign).size(), 1U);
  // Every call signals, whether or not the APCB changed: control domain 2 is committed twice
  // below (assign, unassign) and each commit has its signal.
  const Observation cd = sc.run(op::AttrWrite{kMdev1, MdevAttr::assign_control_domain, "2\n"});
  EXPECT_EQ(commits_of(cd).size(), signals_of(cd).size());
  EXPECT_EQ(signals_of(cd), std::vector<GuestId>{7});
  // A write that commits nothing signals nothing.
  EXPECT_TRUE(sc.run(op::AttrWrite{kMdev1, MdevAttr::assign_control_domain, "2\n"}).events.empty());
  // The request clears the CRYCB, then signals.
  Observation rel = sc.run(op::GuestRelease{kMdev1});
  ASSERT_EQ(rel.events.size(), 2U);
  EXPECT_TRUE(std::get<Commit>(rel.events[0]).apcb.empty());
  EXPECT_EQ(std::get<Signal>(rel.events[1]).guest, 7U);
  // The close clears without a signal (the follow-up removed it from unset_kvm).
  Observation detach = sc.run(op::GuestDetach{kMdev1});
  EXPECT_EQ(commits_of(detach).size(), 1U);
  EXPECT_TRUE(signals_of(detach).empty());
}

TEST_F(Attached, KernelsBefore615NeverSignal) {
  for (KernelVersion v : kernel_versions()) {
    State old = sc.s;  // the model alone: impl/ follows only the latest kernel
    old.kernel = v;
    std::size_t signals = 0;
    for (const Op& op : {Op{op::GuestAttach{kMdev1, 7}}, Op{op::AttrWrite{kMdev1, MdevAttr::unassign_adapter, "4\n"}},
                         Op{op::QueueUnbind{{3, 2}, Driver::vfio_ap}}, Op{op::GuestRelease{kMdev1}},
                         Op{op::GuestDetach{kMdev1}}})
      signals += signals_of(model::apply(old, op)).size();
    EXPECT_EQ(signals > 0, behaviour(v).signals_guest_config_change) << kernel_version_name(v);
    EXPECT_EQ(behaviour(v).signals_guest_config_change,
              v == KernelVersion::v6_15 || v == KernelVersion::v6_19 || v == KernelVersion::latest)
        << kernel_version_name(v);
  }
}

TEST_F(Attached, DeviceResetResetsEveryLinkedQueueInPlace) {
  sc.run(op::GuestAttach{kMdev1, 7});
  Observation obs = sc.run(op::DeviceReset{kMdev1});
  EXPECT_TRUE(commits_of(obs).empty());
  EXPECT_EQ(resets_of(obs).size(), 4U);
}

// vfio_ap_mdev_reset_queues answers -EIO when any reset queue's response code is non-zero,
// the passable DECONFIGURED and CHECKSTOPPED included, after every queue was reset: the
// resets and the statuses they record stay (model::completed), as the kernel comparison showed
// (tests/traces/kernel-device-reset-eio.trace).
TEST_F(Attached, DeviceResetAnswersEioAfterItsResetsWhenAResponseIsNonZero) {
  sc.run(op::GuestAttach{kMdev1, 7});
  for (std::uint8_t rc : {response::deconfigured, response::checkstopped, response::q_not_avail}) {
    sc.run(op::ResetResponse{{3, 1}, rc});
    Observation obs = sc.run(op::DeviceReset{kMdev1});
    EXPECT_EQ(obs.result, Errno::eio) << int{rc};
    EXPECT_TRUE(commits_of(obs).empty());
    EXPECT_EQ(resets_of(obs), (std::vector<Apqn>{{3, 1}, {3, 2}, {4, 1}, {4, 2}}));
    EXPECT_EQ(sc.s.last_response_of({3, 1}), rc);
  }
  // The last EIO recorded (3,1) as Q_NOT_AVAIL: the next full filter takes adapter 3 out.
  Observation filter = sc.run(op::AttrWrite{kMdev1, MdevAttr::ap_config, "0x18,0x60,0x60\n"});
  ASSERT_EQ(filter.result, Errno::ok);
  ASSERT_EQ(commits_of(filter).size(), 1U);
  EXPECT_EQ(commits_of(filter)[0].apcb.adapters, Mask::of({4}));
  sc.run(op::ResetResponse{{3, 1}, response::normal});
  EXPECT_EQ(sc.run(op::DeviceReset{kMdev1}).result, Errno::ok);
  // No such mdev: a failure before any reset.
  const Observation none = sc.run(op::DeviceReset{kMdev2});
  EXPECT_EQ(none.result, Errno::enoent);
  EXPECT_TRUE(none.events.empty());
}

// From 6.6 (dd174833e44e, 411b0109daa5, 9261f0438835) a reset that answers RESET IN PROGRESS,
// BUSY or STATE CHANGE IN PROGRESS is polled until it completes: the queue's final status is
// NORMAL, so the device reset answers 0 and the queue stays passable, as the real 6.12 driver
// showed (tests/traces/kernel-transient-reset-completes.trace). Earlier the model kept the
// transient answer as the final status (EIO, the adapter filtered).
TEST_F(Attached, DeviceResetWaitsOutATransientAnswer) {
  sc.run(op::GuestAttach{kMdev1, 7});
  for (std::uint8_t rc : {response::reset_in_progress, response::busy,
                          response::state_change_in_progress}) {
    // A failed status first, which the completed reset replaces.
    sc.run(op::ResetResponse{{3, 1}, response::q_not_avail});
    ASSERT_EQ(sc.run(op::DeviceReset{kMdev1}).result, Errno::eio);
    sc.run(op::ResetResponse{{3, 1}, rc});
    Observation obs = sc.run(op::DeviceReset{kMdev1});
    EXPECT_EQ(obs.result, Errno::ok) << int{rc};
    EXPECT_EQ(resets_of(obs), (std::vector<Apqn>{{3, 1}, {3, 2}, {4, 1}, {4, 2}}));
    EXPECT_EQ(sc.s.last_response_of({3, 1}), response::normal) << int{rc};
  }
  // The next full filter keeps adapter 3.
  Observation filter = sc.run(op::AttrWrite{kMdev1, MdevAttr::ap_config, "0x18,0x60,0x60\n"});
  ASSERT_EQ(filter.result, Errno::ok);
  EXPECT_EQ(sc.mdev(kMdev1).shadow.adapters, Mask::of({3, 4}));
}

TEST_F(Attached, ApConfigUnplugsAdaptersThenDomainsThenFilters) {
  sc.run(op::GuestAttach{kMdev1, 7});
  // Keep adapter 4 and domain 2 only: two intermediate commits, then the final one is not
  // needed because the filter finds nothing new.
  Observation obs = sc.run(op::AttrWrite{kMdev1, MdevAttr::ap_config,
                                         "0x08,0x20,0x0\n"});  // adapter 4, domain 2
  ASSERT_EQ(obs.result, Errno::ok);
  std::vector<Commit> commits = commits_of(obs);
  ASSERT_EQ(commits.size(), 2U);
  EXPECT_EQ(commits[0].apcb.adapters, Mask::of({4}));
  EXPECT_EQ(commits[0].apcb.domains, Mask::of({1, 2}));
  EXPECT_EQ(commits[1].apcb.domains, Mask::of({2}));
  // Adapter 3's queues go after the first commit, (4,1) after the second.
  EXPECT_EQ(resets_of(obs), (std::vector<Apqn>{{3, 1}, {3, 2}, {4, 1}}));
  EXPECT_EQ(sc.matrix(kMdev1), "04.0002\n");
}

TEST(CrycbFormat, ApcbZeroTruncatesTo64AdaptersAnd16Domains) {
  Scenario sc(kApxa, Matrix{Mask::of({2, 70}), Mask::of({3, 20}), Mask::of({3, 20})});
  sc.apmask("-2,-70");
  sc.create(kMdev1);
  sc.run(op::GuestCreate{1, /*msax3=*/false});
  for (const char* a : {"2", "70"}) sc.assign_adapter(kMdev1, a);
  for (const char* d : {"3", "20"}) sc.assign_domain(kMdev1, d);
  for (const char* c : {"3", "20"}) sc.assign_control_domain(kMdev1, c);
  Observation obs = sc.run(op::GuestAttach{kMdev1, 1});
  EXPECT_EQ(sc.s.find_guest(1)->format, CrycbFormat::format0);
  ASSERT_EQ(commits_of(obs).size(), 1U);
  EXPECT_EQ(commits_of(obs)[0].apcb, (Matrix{Mask::of({2}), Mask::of({3}), Mask::of({3})}));
  EXPECT_EQ(crycb_format(true, false), CrycbFormat::format1);
  EXPECT_EQ(crycb_format(true, true), CrycbFormat::format2);
  EXPECT_TRUE(sc.violations.empty());
}

TEST(MdevLifecycle, CreateValidatesAndLowercasesTheUuid) {
  Scenario sc(kApxa, Matrix{});
  EXPECT_EQ(sc.create("not-a-uuid"), Errno::einval);
  EXPECT_EQ(sc.create("AAAAAAAA-1111-1111-1111-111111111111"), Errno::ok);
  EXPECT_NE(sc.s.find_mdev("aaaaaaaa-1111-1111-1111-111111111111"), nullptr);
  EXPECT_EQ(sc.create("aaaaaaaa-1111-1111-1111-111111111111"), Errno::eexist);
  EXPECT_EQ(sc.run(op::MdevRemove{"aaaaaaaa-1111-1111-1111-111111111111"}).result, Errno::ok);
  EXPECT_TRUE(sc.s.mdevs.empty());
}

TEST(MatrixDevice, FeaturesAreAdvertisedFrom612On) {
  State s = State::initial(kApxa, Matrix{});
  const Observation latest = model::apply(s, op::ReadFeatures{});
  EXPECT_EQ(latest.result, Errno::ok);
  EXPECT_EQ(latest.output, "guest_matrix hotplug ap_config\n");
  s.kernel = KernelVersion::v6_12;
  EXPECT_EQ(model::apply(s, op::ReadFeatures{}).output, "guest_matrix hotplug ap_config\n");
  s.kernel = KernelVersion::v6_1;  // 2d8721364ce8 is 6.12: no such file before
  const Observation old = model::apply(s, op::ReadFeatures{});
  EXPECT_EQ(old.result, Errno::enoent);
  EXPECT_EQ(old.output, "");
}

TEST(QueueBinding, BindRespectsTheBusMasks) {
  Scenario sc(kApxa, Matrix{Mask::of({1}), Mask::of({1, 2}), Mask{}});
  sc.apmask("-1");
  sc.aqmask("-2");  // (1,1) and (1,2) both go to vfio_ap: adapter 1 is out of apmask
  EXPECT_EQ(sc.run(op::QueueUnbind{{1, 1}, Driver::default_driver}).result, Errno::enodev);
  EXPECT_EQ(sc.run(op::QueueUnbind{{1, 1}, Driver::vfio_ap}).result, Errno::ok);
  EXPECT_EQ(sc.run(op::QueueUnbind{{1, 1}, Driver::vfio_ap}).result, Errno::enodev);
  EXPECT_EQ(sc.run(op::QueueBind{{1, 1}, Driver::default_driver}).result, Errno::enodev);
  EXPECT_EQ(sc.run(op::QueueBind{{1, 1}, Driver::vfio_ap}).result, Errno::ok);
  EXPECT_EQ(sc.run(op::QueueBind{{1, 1}, Driver::vfio_ap}).result, Errno::ebusy);
  EXPECT_EQ(sc.run(op::QueueBind{{9, 9}, Driver::vfio_ap}).result, Errno::enodev);
  EXPECT_EQ(sc.run(op::ReadQueueStatus{{1, 1}}).output, "unassigned\n");
  // Giving adapter 1 back to the host rebinds both queues to the default driver, resetting
  // them on the way out of vfio_ap.
  Observation obs = sc.run(op::BusMaskWrite{BusMask::apmask, "+1\n"});
  EXPECT_EQ(resets_of(obs), (std::vector<Apqn>{{1, 1}}));  // (1,2) stays: domain 2 left aqmask
  EXPECT_EQ(sc.s.driver({1, 1}), Driver::default_driver);
  EXPECT_EQ(sc.s.driver({1, 2}), Driver::vfio_ap);
  EXPECT_TRUE(sc.violations.empty());
}

// The AP bus scans adapters 0..ap_max_adapter_id and domains 0..ap_max_domain_id only (63/15
// without APXA, else Na/Nd when non-zero: ap_init_qci_info), so a configured APQN beyond them
// has no queue device, whatever the QCI masks say (tests/traces/kernel-nonapxa-no-queue-beyond-max.trace).
TEST(QueueBinding, NoQueueDeviceBeyondTheBusMaximumIds) {
  {
    Scenario sc(HostParams{false, 63, 15}, Matrix{Mask::of({5, 0x40, 0x80}), Mask::of({1, 16}), Mask{}});
    sc.apmask("-5,-64,-128");
    EXPECT_EQ(sc.s.driver({5, 1}), Driver::vfio_ap);
    for (Apqn q : {Apqn{0x80, 1}, Apqn{0x40, 1}, Apqn{5, 16}}) {
      EXPECT_EQ(sc.s.driver(q), Driver::none);
      EXPECT_EQ(sc.run(op::QueueUnbind{q, Driver::vfio_ap}).result, Errno::enodev);
      EXPECT_EQ(sc.run(op::QueueBind{q, Driver::vfio_ap}).result, Errno::enodev);
      EXPECT_EQ(sc.run(op::ReadQueueStatus{q}).result, Errno::enoent);
    }
    // Moving them between the drivers by the masks resets nothing: there is nothing to move.
    EXPECT_TRUE(sc.run(op::BusMaskWrite{BusMask::apmask, "+64,+128\n"}).events.empty());
    // Nor does a configuration change that brings or takes them.
    EXPECT_TRUE(sc.run(op::ConfigChange{Matrix{Mask::of({5, 0x41}), Mask::of({1, 17}), Mask{}}}).events.empty());
    EXPECT_EQ(sc.s.driver({0x41, 1}), Driver::none);
    EXPECT_EQ(sc.s.driver({5, 1}), Driver::vfio_ap);
  }
  {
    // APXA with Na = 64, Nd = 16: 64.16 exists, 65.x and x.17 do not.
    Scenario sc(HostParams{true, 64, 16}, Matrix{Mask::of({64, 65}), Mask::of({16, 17}), Mask{}});
    EXPECT_EQ(sc.s.driver({64, 16}), Driver::default_driver);
    EXPECT_EQ(sc.run(op::QueueUnbind{{64, 16}, Driver::default_driver}).result, Errno::ok);
    EXPECT_EQ(sc.run(op::QueueUnbind{{65, 16}, Driver::default_driver}).result, Errno::enodev);
    EXPECT_EQ(sc.run(op::QueueUnbind{{64, 17}, Driver::default_driver}).result, Errno::enodev);
  }
  {
    // APXA with Na = Nd = 0: the bus keeps its defaults 63/15 (the sysfs maxima are 0).
    Scenario sc(HostParams{true, 0, 0}, Matrix{Mask::of({63, 64}), Mask::of({15, 16}), Mask{}});
    EXPECT_EQ(sc.s.driver({63, 15}), Driver::default_driver);
    EXPECT_EQ(sc.s.driver({64, 15}), Driver::none);
    EXPECT_EQ(sc.s.driver({63, 16}), Driver::none);
  }
}

}  // namespace
}  // namespace apcb::model

namespace apcb::model {
namespace {

// The kernel's mdev list is newest first (list_add at the head), so one host configuration
// change commits to the newest mdev's guest first.
TEST(HostEvents, ConfigChangeVisitsTheNewestMdevFirst) {
  testing::Scenario sc(HostParams{true, 255, 255},
                       Matrix{Mask::of({1, 2}), Mask::of({1, 2}), Mask{}});
  sc.apmask("-1-2");
  sc.create(harness::kMdev1);
  sc.create(harness::kMdev2);
  sc.run(op::GuestCreate{1, true});
  sc.run(op::GuestCreate{2, true});
  sc.assign_adapter(harness::kMdev1, "1");
  sc.assign_domain(harness::kMdev1, "1");
  sc.assign_adapter(harness::kMdev2, "2");
  sc.assign_domain(harness::kMdev2, "2");
  sc.run(op::GuestAttach{harness::kMdev1, 1});
  sc.run(op::GuestAttach{harness::kMdev2, 2});
  Observation obs = sc.run(op::ConfigChange{Matrix{Mask{}, Mask::of({1, 2}), Mask{}}});
  // Each commit is followed by its guest's signal (6.15).
  ASSERT_EQ(obs.events.size(), 4U);
  EXPECT_EQ(std::get<Commit>(obs.events[0]).guest, 2U);
  EXPECT_EQ(std::get<Signal>(obs.events[1]).guest, 2U);
  EXPECT_EQ(std::get<Commit>(obs.events[2]).guest, 1U);
  EXPECT_EQ(std::get<Signal>(obs.events[3]).guest, 1U);
  Observation back = sc.run(op::ConfigChange{Matrix{Mask::of({1, 2}), Mask::of({1, 2}), Mask{}}});
  ASSERT_EQ(back.events.size(), 4U);
  EXPECT_EQ(std::get<Commit>(back.events[0]).guest, 2U);
  EXPECT_EQ(std::get<Signal>(back.events[1]).guest, 2U);
  EXPECT_TRUE(sc.violations.empty());
}

}  // namespace
}  // namespace apcb::model

namespace apcb::model {
namespace {

// The 6.19 AP bus driver_override regime (d38a87d7c064, 46030379f13c, 6917f434fda3): queue
// 05.0004 given to vfio_ap by an override while both masks stay all ones.
class DriverOverride : public ::testing::Test {
 protected:
  DriverOverride() : s(State::initial(HostParams{}, Matrix{Mask::of({5}), Mask::of({4, 6}), Mask::of({4})})) {}
  Observation run(const Op& op) {
    const Observation obs = apply(s, op);
    const std::vector<Violation> v = check_state(s);
    EXPECT_TRUE(v.empty()) << v.front().property << ": " << v.front().detail;
    return obs;
  }
  Errno write(const std::string& text, Apqn q = {5, 4}) { return run(op::DriverOverrideWrite{q, text}).result; }
  std::string read(Apqn q = {5, 4}) { return run(op::DriverOverrideRead{q}).output; }
  // Override, unbind from the default driver, bind to vfio_ap.
  void give_to_vfio(Apqn q = {5, 4}) {
    ASSERT_EQ(write("vfio_ap\n", q), Errno::ok);
    ASSERT_EQ(run(op::QueueUnbind{q, Driver::default_driver}).result, Errno::ok);
    ASSERT_EQ(run(op::QueueBind{q, Driver::vfio_ap}).result, Errno::ok);
  }
  Errno assign(MdevAttr attr, const std::string& text) {
    return run(op::AttrWrite{harness::kMdev1, attr, text}).result;
  }
  State s;
};

TEST_F(DriverOverride, WritingAnOverrideRebindsNothingAndTheReadShowsIt) {
  EXPECT_EQ(read(), "\n");
  EXPECT_EQ(write("vfio_ap\n"), Errno::ok);
  EXPECT_EQ(read(), "vfio_ap\n");
  EXPECT_EQ(s.driver({5, 4}), Driver::default_driver);
  // The value ends at its first newline; a newline alone clears it; no bytes change nothing.
  EXPECT_EQ(write("vfio_ap\nrest"), Errno::ok);
  EXPECT_EQ(read(), "vfio_ap\n");
  EXPECT_EQ(write(""), Errno::ok);
  EXPECT_EQ(read(), "vfio_ap\n");
  EXPECT_EQ(write("\n"), Errno::ok);
  EXPECT_EQ(read(), "\n");
  EXPECT_FALSE(s.any_override());
}

TEST_F(DriverOverride, AnOverrideBindsTheQueueToVfioApWithAllOnesMasksAndItReachesTheGuest) {
  ASSERT_EQ(write("vfio_ap\n"), Errno::ok);
  EXPECT_EQ(run(op::QueueBind{{5, 4}, Driver::vfio_ap}).result, Errno::ebusy);  // still bound
  ASSERT_EQ(run(op::QueueUnbind{{5, 4}, Driver::default_driver}).result, Errno::ok);
  EXPECT_EQ(run(op::QueueBind{{5, 4}, Driver::default_driver}).result, Errno::enodev);
  ASSERT_EQ(run(op::QueueBind{{5, 4}, Driver::vfio_ap}).result, Errno::ok);
  EXPECT_EQ(s.driver({5, 4}), Driver::vfio_ap);
  EXPECT_FALSE(s.owned_by_default({5, 4}));
  EXPECT_TRUE(s.owned_by_default({5, 6}));  // no override: the all-ones masks reserve it
  ASSERT_EQ(run(op::MdevCreate{harness::kMdev1}).result, Errno::ok);
  ASSERT_EQ(assign(MdevAttr::assign_adapter, "5\n"), Errno::ok);
  ASSERT_EQ(assign(MdevAttr::assign_domain, "4\n"), Errno::ok);
  EXPECT_EQ(assign(MdevAttr::assign_domain, "6\n"), Errno::eaddrnotavail);
  ASSERT_EQ(run(op::GuestCreate{1, true}).result, Errno::ok);
  ASSERT_EQ(run(op::GuestAttach{harness::kMdev1, 1}).result, Errno::ok);
  EXPECT_EQ(s.find_guest(1)->apcb.adapters, Mask::of({5}));
  EXPECT_EQ(s.find_guest(1)->apcb.domains, Mask::of({4}));
}

TEST_F(DriverOverride, WithoutAnOverrideAllOnesMasksReserveEveryApqn) {
  ASSERT_EQ(run(op::MdevCreate{harness::kMdev1}).result, Errno::ok);
  ASSERT_EQ(assign(MdevAttr::assign_adapter, "5\n"), Errno::ok);
  EXPECT_EQ(assign(MdevAttr::assign_domain, "4\n"), Errno::eaddrnotavail);
  // Written but not yet rebound: the queue is still the default driver's.
  ASSERT_EQ(write("vfio_ap\n"), Errno::ok);
  EXPECT_EQ(assign(MdevAttr::assign_domain, "4\n"), Errno::eaddrnotavail);
}

TEST_F(DriverOverride, AnOverrideWriteIsRefusedUnlessBothMasksAreAllOnes) {
  ASSERT_EQ(run(op::BusMaskWrite{BusMask::aqmask, "-7\n"}).result, Errno::ok);
  const State before = s;
  EXPECT_EQ(write("vfio_ap\n"), Errno::einval);
  EXPECT_EQ(s, before);
  ASSERT_EQ(run(op::BusMaskWrite{BusMask::aqmask, "+7\n"}).result, Errno::ok);
  EXPECT_EQ(write("vfio_ap\n"), Errno::ok);
}

// 46030379f13c, read in the source: apmask_store/aqmask_store answer -EINVAL while the bus's
// override count is not zero, before the text is parsed.
TEST_F(DriverOverride, AMaskWriteIsRefusedWhileAnyOverrideIsSet) {
  ASSERT_EQ(write("cex4queue\n", {5, 6}), Errno::ok);
  EXPECT_EQ(s.override_count, 1U);
  const State before = s;
  EXPECT_EQ(run(op::BusMaskWrite{BusMask::apmask, "-5\n"}).result, Errno::einval);
  EXPECT_EQ(run(op::BusMaskWrite{BusMask::apmask, "not a mask"}).result, Errno::einval);
  EXPECT_EQ(s, before);
  ASSERT_EQ(write("\n", {5, 6}), Errno::ok);
  EXPECT_EQ(run(op::BusMaskWrite{BusMask::apmask, "-5\n"}).result, Errno::ok);
}

TEST_F(DriverOverride, TooLongAValueOrAMissingQueueIsRefused) {
  EXPECT_EQ(write(std::string(kDriverOverrideMax, 'v')), Errno::einval);
  EXPECT_EQ(write(std::string(kDriverOverrideMax - 1, 'v')), Errno::ok);
  EXPECT_EQ(write("vfio_ap\n", {6, 4}), Errno::enoent);  // no queue device 06.0004
  EXPECT_EQ(run(op::DriverOverrideRead{{6, 4}}).result, Errno::enoent);
}

TEST_F(DriverOverride, AnOverrideNamingNoDriverLetsNoDriverBind) {
  ASSERT_EQ(write("nosuchdriver\n"), Errno::ok);
  ASSERT_EQ(run(op::QueueUnbind{{5, 4}, Driver::default_driver}).result, Errno::ok);
  EXPECT_EQ(run(op::QueueBind{{5, 4}, Driver::default_driver}).result, Errno::enodev);
  EXPECT_EQ(run(op::QueueBind{{5, 4}, Driver::vfio_ap}).result, Errno::enodev);
  // Unbound with an override: vfio_ap may hold it (ap_owned_by_def_drv answers 0).
  EXPECT_FALSE(s.owned_by_default({5, 4}));
}

TEST_F(DriverOverride, AQueueDeviceThatGoesTakesItsOverrideWithIt) {
  give_to_vfio();
  ASSERT_EQ(run(op::ConfigChange{Matrix{Mask::of({5}), Mask::of({6}), Mask::of({4})}}).result, Errno::ok);
  EXPECT_FALSE(s.any_override());
  EXPECT_EQ(s.override_bound[5], Mask{});
  ASSERT_EQ(run(op::ConfigChange{Matrix{Mask::of({5}), Mask::of({4, 6}), Mask::of({4})}}).result, Errno::ok);
  EXPECT_EQ(s.driver({5, 4}), Driver::default_driver);  // a new device: the masks decide
  EXPECT_EQ(read(), "\n");
}

// The count the bus keeps is changed only by driver_override_store (46030379f13c, read in the
// source): the override that left with its device still counts, so every mask write is refused
// from then on although no device has an override (the kernel's leak, modelled as it is).
TEST_F(DriverOverride, AQueueDeviceThatGoesWithItsOverrideLeavesMaskWritesRefused) {
  ASSERT_EQ(write("cex4queue\n", {5, 6}), Errno::ok);
  ASSERT_EQ(run(op::ConfigChange{Matrix{Mask::of({5}), Mask::of({4}), Mask::of({4})}}).result, Errno::ok);
  EXPECT_FALSE(s.any_override());
  EXPECT_EQ(s.override_count, 1U);
  EXPECT_TRUE(s.masks_locked());
  EXPECT_EQ(run(op::BusMaskWrite{BusMask::apmask, "-5\n"}).result, Errno::einval);
  // Setting and clearing an override on a device moves the count by one each way.
  ASSERT_EQ(write("vfio_ap\n", {5, 4}), Errno::ok);
  EXPECT_EQ(s.override_count, 2U);
  ASSERT_EQ(write("zcrypt\n", {5, 4}), Errno::ok);  // replacing one is no new override
  EXPECT_EQ(s.override_count, 2U);
  ASSERT_EQ(write("\n", {5, 4}), Errno::ok);
  EXPECT_EQ(s.override_count, 1U);
  ASSERT_EQ(write("\n", {5, 4}), Errno::ok);  // clearing none changes nothing
  EXPECT_EQ(s.override_count, 1U);
}

// After the override regime a queue bound to vfio_ap and assigned sits under all-ones masks;
// a mask write asks in_use only about the IDs it newly sets (46030379f13c's apmask_commit and
// aqmask_commit, 6917f434fda3), none here, so the assigned queue goes to the default driver
// with no veto (finding F2; this test asserted a veto until the source was read).
TEST_F(DriverOverride, AfterTheOverrideIsClearedAMaskWriteReservesAnAssignedQueueWithNoVeto) {
  give_to_vfio();
  ASSERT_EQ(run(op::MdevCreate{harness::kMdev1}).result, Errno::ok);
  ASSERT_EQ(assign(MdevAttr::assign_adapter, "5\n"), Errno::ok);
  ASSERT_EQ(assign(MdevAttr::assign_domain, "4\n"), Errno::ok);
  ASSERT_EQ(write("\n"), Errno::ok);
  EXPECT_EQ(s.driver({5, 4}), Driver::vfio_ap);  // clearing rebinds nothing
  State reserved = s;
  EXPECT_EQ(model::apply(reserved, op::BusMaskWrite{BusMask::aqmask, "-7\n"}).result, Errno::ok);
  EXPECT_EQ(reserved.driver({5, 4}), Driver::default_driver);
  EXPECT_TRUE(reserved.find_mdev(harness::kMdev1)->assigned.adapters.test(5));
  // Releasing the queue's own adapter is no reservation of it: the bindings follow the masks.
  ASSERT_EQ(run(op::BusMaskWrite{BusMask::apmask, "-5\n"}).result, Errno::ok);
  EXPECT_EQ(s.driver({5, 4}), Driver::vfio_ap);
  EXPECT_EQ(s.override_bound[5], Mask{});
}

}  // namespace
}  // namespace apcb::model
