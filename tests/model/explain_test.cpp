// Tests of model/explain.h: every reason on the kernel documentation's scenarios
// (kernel-vfio-ap.md §7.2–§7.3) with its exact text, the lszcrypt -d grid, the failure
// explanations, and a random-run property: a row says IN_GUEST exactly when the guest's CRYCB
// holds it, and a row out of the shadow says SHADOW_STALE exactly when the full filter passes it.
#include "model/explain.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "model/filter.h"
#include "harness/generate.h"
#include "model/invariants.h"
#include "model/step.h"

namespace apcb::model {
namespace {

constexpr const char* kMdev1 = "11111111-1111-1111-1111-111111111111";
constexpr const char* kMdev2 = "22222222-2222-2222-2222-222222222222";

// A model-only driver that runs operations the way an administrator types them and checks,
// after each, the properties every state has (structural P2/P7, P1, P3, P4, P6, P8). Kept
// local rather than shared with the lockstep scenarios: some tests here edit the state by hand
// to build what only an inconsistent snapshot holds, which an implementation run in lockstep
// could not follow.
class Host {
 public:
  Host(const HostParams& params, const Matrix& cfg) : s(State::initial(params, cfg)) {}
  Observation run(const Op& op) {
    const State before = s;
    Observation obs = apcb::model::apply(s, op);
    for (const Violation& v : check_state(s, Strength::structural)) violations.push_back(v);
    for (const Violation& v : check_unplug_before_reset(before, op, obs)) violations.push_back(v);
    for (const Violation& v : check_failure_atomicity(before, s, op, obs)) violations.push_back(v);
    return obs;
  }
  Errno write(const std::string& uuid, MdevAttr attr, const std::string& text) {
    return run(op::AttrWrite{uuid, attr, text}).result;
  }
  Errno assign_adapter(const std::string& u, const std::string& v) { return write(u, MdevAttr::assign_adapter, v + "\n"); }
  Errno assign_domain(const std::string& u, const std::string& v) { return write(u, MdevAttr::assign_domain, v + "\n"); }
  Errno unassign_domain(const std::string& u, const std::string& v) { return write(u, MdevAttr::unassign_domain, v + "\n"); }
  Errno assign_control_domain(const std::string& u, const std::string& v) {
    return write(u, MdevAttr::assign_control_domain, v + "\n");
  }
  Errno create(const std::string& uuid) { return run(op::MdevCreate{uuid}).result; }
  Errno apmask(const std::string& t) { return run(op::BusMaskWrite{BusMask::apmask, t + "\n"}).result; }
  Errno aqmask(const std::string& t) { return run(op::BusMaskWrite{BusMask::aqmask, t + "\n"}).result; }
  const Mdev& mdev(const std::string& uuid) const { return *s.find_mdev(uuid); }

  State s;
  std::vector<Violation> violations;
};

const HostParams kApxa{true, 255, 255};

// The verdict of one APQN row of mdev `uuid`.
Verdict row(const Host& sc, const char* uuid, int a, int d) {
  return explain_apqn(sc.s, sc.mdev(uuid), Apqn{static_cast<ApId>(a), static_cast<ApId>(d)});
}
Verdict control(const Host& sc, const char* uuid, int c) {
  return explain_control_domain(sc.s, sc.mdev(uuid), static_cast<ApId>(c));
}

// The three-guest example: 05/06 × {0004, 0047, 00ab, 00ff} secured for vfio_ap; mdev1 holds
// 05,06 × 0004,00ab and control domain 00ab, mdev2 holds 05 × 0047,00ff.
class ExplainThreeGuests : public ::testing::Test {
 protected:
  ExplainThreeGuests()
      : sc(kApxa, Matrix{Mask::of({1, 2, 3, 4, 5, 6, 7}), Mask::of({0, 4, 0x47, 0xab, 0xff}), Mask::all()}) {}
  void SetUp() override {
    ASSERT_EQ(sc.apmask("-5,-6"), Errno::ok);
    ASSERT_EQ(sc.aqmask("-4,-0x47,-0xab,-0xff"), Errno::ok);
    ASSERT_EQ(sc.create(kMdev1), Errno::ok);
    ASSERT_EQ(sc.create(kMdev2), Errno::ok);
    for (const char* a : {"5", "6"}) ASSERT_EQ(sc.assign_adapter(kMdev1, a), Errno::ok);
    for (const char* d : {"4", "0xab"}) ASSERT_EQ(sc.assign_domain(kMdev1, d), Errno::ok);
    ASSERT_EQ(sc.assign_control_domain(kMdev1, "0xab"), Errno::ok);
    ASSERT_EQ(sc.assign_adapter(kMdev2, "5"), Errno::ok);
    for (const char* d : {"0x47", "0xff"}) ASSERT_EQ(sc.assign_domain(kMdev2, d), Errno::ok);
  }
  void attach() {
    ASSERT_EQ(sc.run(op::GuestCreate{1, true}).result, Errno::ok);
    ASSERT_EQ(sc.run(op::GuestAttach{kMdev1, 1}).result, Errno::ok);
  }
  void TearDown() override { EXPECT_TRUE(sc.violations.empty()) << sc.violations[0].detail; }
  Host sc;
};

TEST_F(ExplainThreeGuests, NoGuestAttached) {
  const Verdict v = row(sc, kMdev1, 5, 4);
  EXPECT_EQ(v.reason, Reason::no_guest);
  EXPECT_EQ(describe(v), "in the shadow, but no guest is attached (a guest gets it when it opens the mdev)");
  EXPECT_EQ(control(sc, kMdev1, 0xab).reason, Reason::no_guest);
}

TEST_F(ExplainThreeGuests, InGuest) {
  attach();
  const Verdict v = row(sc, kMdev1, 6, 0xab);
  EXPECT_TRUE(v.has());
  EXPECT_EQ(reason_code(v.reason), "IN_GUEST");
  EXPECT_EQ(describe(v), "in guest 1's CRYCB");
  EXPECT_EQ(describe(control(sc, kMdev1, 0xab)), "in guest 1's CRYCB");
}

TEST_F(ExplainThreeGuests, CandidateInOtherMdev) {
  const Verdict v = row(sc, kMdev1, 5, 0x47);
  EXPECT_EQ(v.reason, Reason::in_other_mdev);
  EXPECT_EQ(describe(v), "assigned to another mdev, 22222222-2222-2222-2222-222222222222");
}

TEST_F(ExplainThreeGuests, CandidateNotAssigned) {
  // 06.0047 is free: adapter 6 is assigned here, domain 0x47 is not.
  EXPECT_EQ(describe(row(sc, kMdev1, 6, 0x47)), "domain 0047 is not assigned to this mdev");
  // 07.0004: adapter 7 is configured and free, but not assigned here.
  EXPECT_EQ(describe(row(sc, kMdev1, 7, 4)), "adapter 07 is not assigned to this mdev");
}

TEST_F(ExplainThreeGuests, CandidateHostOwned) {
  // (7, 0) is still reserved: adapter 7 is in apmask and domain 0 in aqmask.
  ASSERT_EQ(sc.assign_adapter(kMdev1, "7"), Errno::ok);
  const Verdict v = row(sc, kMdev1, 7, 0);
  EXPECT_EQ(v.reason, Reason::host_owned);
  EXPECT_EQ(describe(v), "reserved for the host drivers: adapter 07 is set in apmask and domain 0000 in aqmask");
}

TEST_F(ExplainThreeGuests, RowsCoverAssignedAndCandidates) {
  const MdevExplanation e = explain_mdev(sc.s, sc.mdev(kMdev1));
  // Adapters 01..07 (configured or assigned) × assigned domains, plus the assigned adapters ×
  // every configured domain: 5 × 2 + 2 × 5 = 20 APQNs, and the one control domain.
  EXPECT_EQ(e.apqns.size(), 20u);
  EXPECT_EQ(e.control_domains.size(), 1u);
  for (std::size_t i = 1; i < e.apqns.size(); ++i) EXPECT_LT(e.apqns[i - 1].apqn, e.apqns[i].apqn);
  const MdevExplanation only = explain_mdev(sc.s, sc.mdev(kMdev1), /*assigned_only=*/true);
  ASSERT_EQ(only.apqns.size(), 4u);
  for (const ApqnRow& r : only.apqns) EXPECT_TRUE(r.assigned);
}

TEST_F(ExplainThreeGuests, GuestReleased) {
  attach();
  ASSERT_EQ(sc.run(op::GuestRelease{kMdev1}).result, Errno::ok);
  const Verdict v = row(sc, kMdev1, 5, 4);
  EXPECT_EQ(v.reason, Reason::guest_released);
  EXPECT_EQ(describe(v),
            "in the shadow, but guest 1 was asked to release the device: its CRYCB is cleared until the next commit");
}

TEST_F(ExplainThreeGuests, NotCommittedWhenTheCrycbLags) {
  attach();
  sc.s.find_guest(1)->apcb = Matrix{};  // a state P4 forbids: only a broken snapshot has it
  const Verdict v = row(sc, kMdev1, 5, 4);
  EXPECT_EQ(v.reason, Reason::not_committed);
  EXPECT_EQ(describe(v), "in the shadow, but guest 1's CRYCB does not hold it: the shadow was not committed");
  sc.violations.clear();
}

TEST_F(ExplainThreeGuests, NotBoundAndWholeAdapterFiltered) {
  ASSERT_EQ(sc.run(op::QueueUnbind{Apqn{6, 0xab}, Driver::vfio_ap}).result, Errno::ok);
  const Verdict self = row(sc, kMdev1, 6, 0xab);
  EXPECT_EQ(self.reason, Reason::not_bound);
  EXPECT_EQ(describe(self), "APQN 06.00ab is not bound to vfio_ap (no driver: unbound, or its probe failed)");
  const Verdict sib = row(sc, kMdev1, 6, 4);
  EXPECT_EQ(sib.reason, Reason::adapter_filtered_unbound);
  EXPECT_EQ(sib.witness, (Apqn{6, 0xab}));
  EXPECT_EQ(describe(sib),
            "adapter 06 is filtered out: APQN 06.00ab is not bound to vfio_ap (no driver: unbound, or its probe failed)");
  EXPECT_EQ(row(sc, kMdev1, 5, 4).reason, Reason::no_guest);
}

TEST_F(ExplainThreeGuests, ResetFailedFiltersTheAdapterAtTheNextFullFilter) {
  attach();
  ASSERT_EQ(sc.run(op::ResetResponse{Apqn{5, 4}, response::q_not_avail}).result, Errno::ok);
  // Closing resets every linked queue; 05.0004 answers Q_NOT_AVAIL. The shadow keeps adapter 5
  // (finding F1) until the next full filter, which an assignment runs.
  ASSERT_EQ(sc.run(op::GuestDetach{kMdev1}).result, Errno::ok);
  EXPECT_EQ(row(sc, kMdev1, 5, 4).reason, Reason::no_guest);
  ASSERT_EQ(sc.assign_domain(kMdev1, "0"), Errno::ok);
  const Verdict self = row(sc, kMdev1, 5, 4);
  EXPECT_EQ(self.reason, Reason::reset_failed);
  EXPECT_EQ(self.response, response::q_not_avail);
  EXPECT_EQ(describe(self), "the last reset of APQN 05.0004 answered 0x01 (Q_NOT_AVAIL)");
  const Verdict sib = row(sc, kMdev1, 5, 0xab);
  EXPECT_EQ(sib.reason, Reason::adapter_filtered_reset);
  EXPECT_EQ(describe(sib), "adapter 05 is filtered out: the last reset of APQN 05.0004 answered 0x01 (Q_NOT_AVAIL)");
  sc.violations.clear();  // F1 breaks the spec-strength P7 only; check_state is structural here
}

// A transient answer (BUSY) is a reset still in progress, which the driver waits out (6.6+):
// the reset completes NORMAL, so it is no failed reset and the next full filter keeps the
// adapter (tests/traces/kernel-transient-reset-completes.trace).
TEST_F(ExplainThreeGuests, TransientResetAnswerIsNoFailedReset) {
  attach();
  ASSERT_EQ(sc.run(op::ResetResponse{Apqn{5, 4}, response::busy}).result, Errno::ok);
  ASSERT_EQ(sc.run(op::GuestDetach{kMdev1}).result, Errno::ok);
  EXPECT_EQ(sc.s.last_response_of(Apqn{5, 4}), response::normal);
  ASSERT_EQ(sc.assign_domain(kMdev1, "0"), Errno::ok);
  EXPECT_EQ(row(sc, kMdev1, 5, 4).reason, Reason::no_guest);
  EXPECT_EQ(row(sc, kMdev1, 5, 0xab).reason, Reason::no_guest);
}

// A reset-response sequence whose poll gives up (Q_NOT_AVAIL after BUSY) keeps the ZAPQ's BUSY
// from 6.6: a failed reset, named with why a transient code stayed
// (tests/traces/reset-sequence-busy-polls-complete.trace).
TEST_F(ExplainThreeGuests, TransientStatusKeptWhenThePollGivesUpIsAFailedReset) {
  attach();
  ASSERT_EQ(sc.run(op::ResetResponse{Apqn{5, 4}, response::busy, {response::q_not_avail}}).result, Errno::ok);
  ASSERT_EQ(sc.run(op::GuestDetach{kMdev1}).result, Errno::ok);
  EXPECT_EQ(sc.s.last_response_of(Apqn{5, 4}), response::busy);
  ASSERT_EQ(sc.assign_domain(kMdev1, "0"), Errno::ok);
  const Verdict v = row(sc, kMdev1, 5, 4);
  EXPECT_EQ(v.reason, Reason::reset_failed);
  EXPECT_EQ(describe(v), "the last reset of APQN 05.0004 answered 0x05 (BUSY) and the driver's check that it "
                         "completed gave up, keeping that status");
  sc.violations.clear();  // F1 breaks the spec-strength P7 only; check_state is structural here
}

// Under 6.1 the in-progress answer is kept because the driver does not wait (one ZAPQ retry):
// the same sequence shape that completes from 6.6 (0x02,0x02 then NORMAL) is a failed reset.
TEST_F(ExplainThreeGuests, InProgressStatusKeptBefore6_6NamesTheMissingWait) {
  sc.s.kernel = KernelVersion::v6_1;
  attach();
  ASSERT_EQ(sc.run(op::ResetResponse{Apqn{5, 4}, response::reset_in_progress, {response::reset_in_progress}}).result,
            Errno::ok);
  ASSERT_EQ(sc.run(op::GuestDetach{kMdev1}).result, Errno::ok);
  EXPECT_EQ(sc.s.last_response_of(Apqn{5, 4}), response::reset_in_progress);
  ASSERT_EQ(sc.assign_domain(kMdev1, "0"), Errno::ok);
  const Verdict v = row(sc, kMdev1, 5, 4);
  EXPECT_EQ(v.reason, Reason::reset_failed);
  EXPECT_EQ(describe(v), "the last reset of APQN 05.0004 answered 0x02 (RESET_IN_PROGRESS) and, before Linux 6.6, "
                         "the driver does not wait for a reset in progress");
  sc.violations.clear();
}

// From 6.6 a sequence that polls through BUSY completes: no failed reset.
TEST_F(ExplainThreeGuests, BusyPollsThatCompleteAreNoFailedReset) {
  attach();
  ASSERT_EQ(sc.run(op::ResetResponse{Apqn{5, 4}, response::busy, {response::busy, response::normal}}).result,
            Errno::ok);
  ASSERT_EQ(sc.run(op::GuestDetach{kMdev1}).result, Errno::ok);
  EXPECT_EQ(sc.s.last_response_of(Apqn{5, 4}), response::normal);
  ASSERT_EQ(sc.assign_domain(kMdev1, "0"), Errno::ok);
  EXPECT_EQ(row(sc, kMdev1, 5, 4).reason, Reason::no_guest);
}

TEST_F(ExplainThreeGuests, FailuresNameTheirWitness) {
  const State before = sc.s;
  const op::AttrWrite clash{kMdev2, MdevAttr::assign_domain, "4\n"};
  ASSERT_EQ(sc.write(kMdev2, MdevAttr::assign_domain, "4\n"), Errno::eaddrinuse);
  EXPECT_EQ(explain_failure(before, clash, Errno::eaddrinuse),
            "APQN 05.0004 is already assigned to mdev 11111111-1111-1111-1111-111111111111");
  ASSERT_EQ(sc.assign_domain(kMdev1, "0"), Errno::ok);
  const State with0 = sc.s;
  ASSERT_EQ(sc.assign_adapter(kMdev1, "7"), Errno::eaddrnotavail);
  EXPECT_EQ(explain_failure(with0, op::AttrWrite{kMdev1, MdevAttr::assign_adapter, "7\n"}, Errno::eaddrnotavail),
            "APQN 07.0000 would be reserved for the host drivers (adapter 07 is set in apmask and domain 0000 in aqmask)");
  EXPECT_EQ(explain_failure(with0, op::AttrWrite{kMdev1, MdevAttr::assign_adapter, "256"}, Errno::enodev),
            "adapter 256 is beyond the highest adapter ID the host allows (255)");
  EXPECT_EQ(explain_failure(with0, op::AttrWrite{kMdev1, MdevAttr::assign_adapter, "5 6\n"}, Errno::einval),
            "'5 6\\n' is not a number kstrtoul accepts (decimal, 0x hex or 0 octal, at most one trailing newline)");
  EXPECT_EQ(explain_failure(with0, op::MdevCreate{kMdev1}, Errno::eexist),
            "an mdev 11111111-1111-1111-1111-111111111111 already exists");
  EXPECT_EQ(explain_failure(with0, op::BusMaskWrite{BusMask::apmask, "+5\n"}, Errno::ebusy),
            "APQN 05.0000 is assigned to mdev 11111111-1111-1111-1111-111111111111 and would be reserved for the host drivers");
  EXPECT_EQ(explain_failure(with0, op::MdevCreate{kMdev1}, Errno::ok), "");
}

// The 6.19 driver_override regime (issue 16): ownership comes from a queue's own override, the
// masks are locked while any override is set, and each explanation says which rule applies and
// what the fix is (an override and a rebind, not a mask write).
TEST(Explain, DriverOverrideRegimeNamesItsRule) {
  Host sc(kApxa, Matrix{Mask::of({5}), Mask::of({4, 6}), Mask::of({4})});
  ASSERT_EQ(sc.create(kMdev1), Errno::ok);
  const Apqn q54{5, 4};
  const Apqn q56{5, 6};
  // 05.0004 to vfio_ap by its override and a rebind; 05.0006 stays the host's.
  ASSERT_EQ(sc.run(op::DriverOverrideWrite{q54, "vfio_ap\n"}).result, Errno::ok);
  ASSERT_EQ(sc.run(op::QueueUnbind{q54, Driver::default_driver}).result, Errno::ok);
  ASSERT_EQ(sc.run(op::QueueBind{q54, Driver::vfio_ap}).result, Errno::ok);
  ASSERT_EQ(sc.s.driver(q54), Driver::vfio_ap);
  ASSERT_EQ(sc.assign_adapter(kMdev1, "5"), Errno::ok);
  // A candidate without an override under locked masks: the fix is an override.
  const Verdict v56 = row(sc, kMdev1, 5, 6);
  EXPECT_EQ(v56.reason, Reason::host_owned);
  EXPECT_TRUE(v56.override_regime);
  EXPECT_EQ(describe(v56),
            "reserved for the host drivers: apmask and aqmask are all ones and cannot change while driver_overrides "
            "are set (the 6.19 driver_override regime), and APQN 05.0006 has no driver_override; `echo vfio_ap > "
            "/sys/bus/ap/devices/05.0006/driver_override`, then unbind and bind it, gives it to vfio_ap");
  // The overridden queue is vfio_ap's: assigning its domain works, the other one is refused.
  const State before = sc.s;
  ASSERT_EQ(sc.assign_domain(kMdev1, "6"), Errno::eaddrnotavail);
  EXPECT_EQ(explain_failure(before, op::AttrWrite{kMdev1, MdevAttr::assign_domain, "6\n"}, Errno::eaddrnotavail),
            "APQN 05.0006 would be reserved for the host drivers: apmask and aqmask are all ones and cannot change "
            "while driver_overrides are set (the 6.19 driver_override regime), and APQN 05.0006 has no "
            "driver_override; `echo vfio_ap > /sys/bus/ap/devices/05.0006/driver_override`, then unbind and bind "
            "it, gives it to vfio_ap");
  ASSERT_EQ(sc.assign_domain(kMdev1, "4"), Errno::ok);
  EXPECT_EQ(row(sc, kMdev1, 5, 4).reason, Reason::no_guest);
  // Masks are locked while the override is set.
  const State locked = sc.s;
  ASSERT_EQ(sc.apmask("-5"), Errno::einval);
  EXPECT_EQ(explain_failure(locked, op::BusMaskWrite{BusMask::apmask, "-5\n"}, Errno::einval),
            "APQN 05.0004 (and 0 other queue(s)) has a driver_override: the 6.19 AP bus refuses apmask and aqmask "
            "writes (EINVAL) while its override count is not zero (clear them with `echo > .../driver_override` "
            "first)");
  // An override that names the default driver keeps a bound queue the host's, by the override.
  ASSERT_EQ(sc.run(op::DriverOverrideWrite{q56, "cex4queue\n"}).result, Errno::ok);
  EXPECT_EQ(describe(row(sc, kMdev1, 5, 6)),
            "the host's: APQN 05.0006 has driver_override 'cex4queue' and is bound to the host's default driver "
            "(6.19: an override, not the masks, decides)");
  // Unbound with an override naming vfio_ap: binding it is the fix.
  ASSERT_EQ(sc.run(op::QueueUnbind{q54, Driver::vfio_ap}).result, Errno::ok);
  EXPECT_EQ(describe(row(sc, kMdev1, 5, 4)),
            "APQN 05.0004 is not bound to vfio_ap (no driver: unbound, or its probe failed); its driver_override "
            "names vfio_ap: binding it gives it to vfio_ap");
  // Writing an override under a cleared mask bit, and before 6.19.
  Host masks(kApxa, Matrix{Mask::of({5}), Mask::of({4}), Mask::of({4})});
  ASSERT_EQ(masks.apmask("-5"), Errno::ok);
  const State cleared = masks.s;
  ASSERT_EQ(masks.run(op::DriverOverrideWrite{q54, "vfio_ap\n"}).result, Errno::einval);
  EXPECT_EQ(explain_failure(cleared, op::DriverOverrideWrite{q54, "vfio_ap\n"}, Errno::einval),
            "a driver_override can be written only while apmask and aqmask are both all ones (6.19 46030379f13c), "
            "and apmask is not");
  State old = State::initial(kApxa, Matrix{Mask::of({5}), Mask::of({4}), Mask::of({4})});
  old.kernel = KernelVersion::v6_12;
  EXPECT_EQ(explain_failure(old, op::DriverOverrideWrite{q54, "vfio_ap\n"}, Errno::enoent),
            "the 6.12 profile has no driver_override attribute (6.19 d38a87d7c064)");
  EXPECT_TRUE(sc.violations.empty()) << sc.violations.front().detail;
  EXPECT_TRUE(masks.violations.empty());
}

TEST(Explain, NotInHostConfiguration) {
  Host sc(kApxa, Matrix{Mask::of({5}), Mask::of({4}), Mask::of({4})});
  ASSERT_EQ(sc.apmask("-5,-9"), Errno::ok);
  ASSERT_EQ(sc.aqmask("-2,-4"), Errno::ok);
  ASSERT_EQ(sc.create(kMdev1), Errno::ok);
  for (const char* a : {"5", "9"}) ASSERT_EQ(sc.assign_adapter(kMdev1, a), Errno::ok);
  for (const char* d : {"2", "4"}) ASSERT_EQ(sc.assign_domain(kMdev1, d), Errno::ok);
  for (const char* c : {"4", "8"}) ASSERT_EQ(sc.assign_control_domain(kMdev1, c), Errno::ok);
  EXPECT_EQ(describe(row(sc, kMdev1, 9, 4)), "adapter 09 is not in the host's AP configuration (ap_adapter_mask)");
  EXPECT_EQ(describe(row(sc, kMdev1, 5, 2)), "domain 0002 is not in the host's AP configuration (ap_usage_domain_mask)");
  const Verdict c = control(sc, kMdev1, 8);
  EXPECT_EQ(c.reason, Reason::not_in_host_config);
  EXPECT_EQ(describe(c), "control domain 0008 is not in the host's AP configuration (ap_control_domain_mask)");
  EXPECT_EQ(row(sc, kMdev1, 5, 4).reason, Reason::no_guest);
  EXPECT_TRUE(sc.violations.empty());
}

TEST(Explain, ExceedsTheHostsMaximumIds) {
  // Without APXA the maxima are 63/15, whatever the QCI masks hold beyond them.
  Host sc(HostParams{false, 63, 15}, Matrix{Mask::of({5, 0x46}), Mask::of({4, 0x20}), Mask::of({4})});
  ASSERT_EQ(sc.apmask("-5,-0x46"), Errno::ok);
  ASSERT_EQ(sc.aqmask("-4,-0x20"), Errno::ok);
  ASSERT_EQ(sc.create(kMdev1), Errno::ok);
  ASSERT_EQ(sc.assign_adapter(kMdev1, "5"), Errno::ok);
  ASSERT_EQ(sc.assign_domain(kMdev1, "4"), Errno::ok);
  const Verdict a = row(sc, kMdev1, 0x46, 4);
  EXPECT_EQ(a.reason, Reason::exceeds_max_id);
  EXPECT_EQ(describe(a), "adapter 46 is beyond the highest adapter ID the host allows (3f)");
  EXPECT_EQ(describe(row(sc, kMdev1, 5, 0x20)), "domain 0020 is beyond the highest domain ID the host allows (000f)");
  EXPECT_EQ(describe(control(sc, kMdev1, 0x10)),
            "control domain 0010 is beyond the highest control domain ID the host allows (000f)");
  EXPECT_TRUE(sc.violations.empty());
}

TEST(Explain, ExceedsTheGuestsCrycbFormat) {
  // An APXA host, a guest without MSAX3: CRYCB format 0, adapters 0..63, domains 0..15.
  Host sc(kApxa, Matrix{Mask::of({5, 0x40}), Mask::of({4, 0x20}), Mask::of({4, 0x20})});
  ASSERT_EQ(sc.apmask("-5,-0x40"), Errno::ok);
  ASSERT_EQ(sc.aqmask("-4,-0x20"), Errno::ok);
  ASSERT_EQ(sc.create(kMdev1), Errno::ok);
  for (const char* a : {"5", "0x40"}) ASSERT_EQ(sc.assign_adapter(kMdev1, a), Errno::ok);
  for (const char* d : {"4", "0x20"}) ASSERT_EQ(sc.assign_domain(kMdev1, d), Errno::ok);
  for (const char* c : {"4", "0x20"}) ASSERT_EQ(sc.assign_control_domain(kMdev1, c), Errno::ok);
  ASSERT_EQ(sc.run(op::GuestCreate{1, false}).result, Errno::ok);
  ASSERT_EQ(sc.run(op::GuestAttach{kMdev1, 1}).result, Errno::ok);
  EXPECT_TRUE(row(sc, kMdev1, 5, 4).has());
  const Verdict d = row(sc, kMdev1, 5, 0x20);
  EXPECT_EQ(d.reason, Reason::exceeds_crycb_format);
  EXPECT_EQ(describe(d), "in the shadow, but guest 1's CRYCB format 0 holds domains up to 000f only, not 0020");
  EXPECT_EQ(describe(row(sc, kMdev1, 0x40, 4)),
            "in the shadow, but guest 1's CRYCB format 0 holds adapters up to 3f only, not 40");
  EXPECT_EQ(describe(control(sc, kMdev1, 0x20)),
            "in the shadow, but guest 1's CRYCB format 0 holds control domains up to 000f only, not 0020");
  EXPECT_TRUE(control(sc, kMdev1, 4).has());
  EXPECT_TRUE(sc.violations.empty());
}

TEST(Explain, StaleShadowAfterUnassignDomain) {
  // kernel-vfio-ap.md §3.6 / §7.3.4: adapter 0x10 is filtered because 10.0005 is unbound;
  // unassigning domain 5 leaves the shadow without 0x10 although F now passes it.
  Host sc(kApxa, Matrix{Mask::of({0x10}), Mask::of({5, 6}), Mask{}});
  ASSERT_EQ(sc.apmask("-0x10"), Errno::ok);
  ASSERT_EQ(sc.aqmask("-5,-6"), Errno::ok);
  ASSERT_EQ(sc.create(kMdev1), Errno::ok);
  ASSERT_EQ(sc.assign_adapter(kMdev1, "0x10"), Errno::ok);
  for (const char* d : {"5", "6"}) ASSERT_EQ(sc.assign_domain(kMdev1, d), Errno::ok);
  ASSERT_EQ(sc.run(op::QueueUnbind{Apqn{0x10, 5}, Driver::vfio_ap}).result, Errno::ok);
  EXPECT_EQ(row(sc, kMdev1, 0x10, 6).reason, Reason::adapter_filtered_unbound);
  ASSERT_EQ(sc.unassign_domain(kMdev1, "5"), Errno::ok);
  const Verdict v = row(sc, kMdev1, 0x10, 6);
  EXPECT_EQ(v.reason, Reason::shadow_stale);
  EXPECT_EQ(describe(v),
            "stale shadow (S ⊊ F): the full filter passes it, but the kernel has not refiltered since an unassign, "
            "unbind, host configuration removal or a reset that ended passable (the resets after a filter of the "
            "queues it took out, 6.8 f848cba767e5)");
  EXPECT_EQ(describe(row(sc, kMdev1, 0x10, 5)), "domain 0005 is not assigned to this mdev");
  EXPECT_TRUE(sc.violations.empty());
}

TEST(Explain, ReservedSiblingIsBoundToTheDefaultDriver) {
  // Only a snapshot that breaks P3 can hold this: an assigned APQN reserved for the host.
  Host sc(kApxa, Matrix{Mask::of({5}), Mask::of({4, 0xab}), Mask{}});
  ASSERT_EQ(sc.apmask("-5"), Errno::ok);
  ASSERT_EQ(sc.create(kMdev1), Errno::ok);
  ASSERT_EQ(sc.aqmask("-4,-0xab"), Errno::ok);
  ASSERT_EQ(sc.assign_adapter(kMdev1, "5"), Errno::ok);
  for (const char* d : {"4", "0xab"}) ASSERT_EQ(sc.assign_domain(kMdev1, d), Errno::ok);
  sc.s.aqmask.set(0xab);
  sc.s.apmask.set(5);
  sc.s.mdevs[0].shadow.adapters = Mask{};
  const Verdict own = row(sc, kMdev1, 5, 0xab);
  EXPECT_EQ(own.reason, Reason::host_owned);
  const Verdict sib = row(sc, kMdev1, 5, 4);
  EXPECT_EQ(sib.reason, Reason::adapter_filtered_unbound);
  EXPECT_EQ(describe(sib),
            "adapter 05 is filtered out: APQN 05.00ab is not bound to vfio_ap (it is bound to the host's default driver)");
}

// Found by fuzz_snapshot: a snapshot whose guest_matrix holds a domain outside the host
// configuration (P1 broken) has a guest holding it; the verdict must say so, not blame the
// configuration, because the GUEST column is the fact explain explains.
TEST(Explain, FuzzShadowOutsideTheConfigurationStillSaysInGuest) {
  Host sc(kApxa, Matrix{Mask::of({5}), Mask::of({4, 0xab}), Mask{}});
  ASSERT_EQ(sc.apmask("-5"), Errno::ok);
  ASSERT_EQ(sc.aqmask("-4,-0xab"), Errno::ok);
  ASSERT_EQ(sc.create(kMdev1), Errno::ok);
  ASSERT_EQ(sc.assign_adapter(kMdev1, "5"), Errno::ok);
  for (const char* d : {"4", "0xab"}) ASSERT_EQ(sc.assign_domain(kMdev1, d), Errno::ok);
  ASSERT_EQ(sc.run(op::GuestCreate{1, true}).result, Errno::ok);
  ASSERT_EQ(sc.run(op::GuestAttach{kMdev1, 1}).result, Errno::ok);
  sc.s.cfg.domains.clear(0xab);  // what a snapshot inferring its configuration can hold
  EXPECT_TRUE(row(sc, kMdev1, 5, 0xab).has());
  // Out of the shadow, the configuration is still the first reason.
  sc.s.mdevs[0].shadow.domains.clear(0xab);
  EXPECT_EQ(row(sc, kMdev1, 5, 0xab).reason, Reason::not_in_host_config);
}

TEST(Explain, DomainGridHasTheLszcryptLayout) {
  Matrix apcb;
  apcb.domains = Mask::of({4, 0xab});
  apcb.control_domains = Mask::of({4, 0x11});
  const std::string grid = render_domain_grid(apcb);
  const std::string expected_head =
      "DOMAIN 00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f\n"
      "------------------------------------------------------\n"
      "    00  .  .  .  .  B  .  .  .  .  .  .  .  .  .  .  .\n"
      "    10  .  C  .  .  .  .  .  .  .  .  .  .  .  .  .  .\n";
  EXPECT_EQ(grid.substr(0, expected_head.size()), expected_head);
  EXPECT_NE(grid.find("    a0  .  .  .  .  .  .  .  .  .  .  .  U  .  .  .  .\n"), std::string::npos);
  const std::string expected_tail =
      "    f0  .  .  .  .  .  .  .  .  .  .  .  .  .  .  .  .\n"
      "------------------------------------------------------\n"
      "C: Control domain\n"
      "U: Usage domain\n"
      "B: Both (Control + Usage domain)\n";
  EXPECT_EQ(grid.substr(grid.size() - expected_tail.size()), expected_tail);
  EXPECT_EQ(std::count(grid.begin(), grid.end(), '\n'), 2 + 16 + 1 + 3);
}

TEST(Explain, RenderingShowsTablesAndGrid) {
  Host sc(kApxa, Matrix{Mask::of({5}), Mask::of({4}), Mask::of({4})});
  ASSERT_EQ(sc.apmask("-5"), Errno::ok);
  ASSERT_EQ(sc.aqmask("-4"), Errno::ok);
  ASSERT_EQ(sc.create(kMdev1), Errno::ok);
  ASSERT_EQ(sc.assign_adapter(kMdev1, "5"), Errno::ok);
  ASSERT_EQ(sc.assign_domain(kMdev1, "4"), Errno::ok);
  ASSERT_EQ(sc.assign_control_domain(kMdev1, "4"), Errno::ok);
  ASSERT_EQ(sc.run(op::GuestCreate{7, true}).result, Errno::ok);
  ASSERT_EQ(sc.run(op::GuestAttach{kMdev1, 7}).result, Errno::ok);
  const std::string text = render_explanation(explain_mdev(sc.s, sc.mdev(kMdev1)));
  const std::string head =
      "mdev 11111111-1111-1111-1111-111111111111: guest 7 attached\n"
      "  assigned  adapters=05 domains=0004 control=0004\n"
      "  shadow    adapters=05 domains=0004 control=0004\n"
      "  guest     adapters=05 domains=0004 control=0004\n"
      "\n"
      "APQN     ASSIGNED SHADOW GUEST REASON                   WHY\n"
      "05.0004  yes      yes    yes   IN_GUEST                 in guest 7's CRYCB\n"
      "\n"
      "CONTROL  SHADOW GUEST REASON                   WHY\n"
      "0004     yes    yes   IN_GUEST                 in guest 7's CRYCB\n"
      "\n"
      "Domains of guest 7 (lszcrypt -d layout):\n"
      "DOMAIN 00 01";
  EXPECT_EQ(text.substr(0, head.size()), head);
}

// The explanation agrees with the model on random runs: IN_GUEST exactly when the guest's
// CRYCB holds the APQN (or control domain), and for an assigned APQN out of the shadow,
// SHADOW_STALE exactly when the full filter F passes it.
TEST(Explain, AgreesWithTheModelOnRandomRuns) {
  int rows = 0;
  int stale = 0;
  for (std::uint64_t seed = 1; seed <= 2000; ++seed) {
    harness::OpGenerator gen(harness::SeededEntropy(seed), harness::GeneratorKnobs::defaults());
    const HostParams params = gen.params();
    State s = State::initial(params, gen.config());
    for (int i = 0; i < 200; ++i) {
      const Op op = gen.next(s);
      model::apply(s, op);
      for (const Mdev& m : s.mdevs) {
        const Guest* g = m.guest ? s.find_guest(*m.guest) : nullptr;
        const Matrix f = filter_matrix(s, m);
        for (const ApqnRow& r : explain_mdev(s, m).apqns) {
          ++rows;
          const bool held = g != nullptr && g->apcb.adapters.test(r.apqn.adapter) && g->apcb.domains.test(r.apqn.domain);
          ASSERT_EQ(r.verdict.has(), held) << "seed " << seed << " step " << i << " " << describe(r.verdict);
          if (r.assigned && !r.in_shadow) {
            const bool in_f = f.adapters.test(r.apqn.adapter) && f.domains.test(r.apqn.domain);
            ASSERT_EQ(r.verdict.reason == Reason::shadow_stale, in_f) << "seed " << seed << " step " << i;
            stale += in_f ? 1 : 0;
          }
        }
        m.assigned.control_domains.for_each([&](ApId c) {
          const bool held = g != nullptr && g->apcb.control_domains.test(c);
          EXPECT_EQ(explain_control_domain(s, m, c).has(), held);
        });
      }
    }
  }
  EXPECT_GT(rows, 1000);
  EXPECT_GT(stale, 0) << "the random runs never reached a stale shadow";
}

// From 6.19 (6917f434fda3) the veto asks about a newly reserved adapter with an all-ones
// aqmask: the explanation names that, since the APQN it names would stay vfio_ap's
// (tests/traces/mask-veto-asks-every-domain-of-a-newly-reserved-adapter.trace).
TEST(Explain, MaskVetoOfANewlyReservedAdapterNamesTheAllOnesAqmask) {
  State s = State::initial(HostParams{}, Matrix{Mask::of({5}), Mask::of({4, 6}), Mask::of({4})});
  for (const Op& o : std::vector<Op>{op::BusMaskWrite{BusMask::aqmask, "-4\n"},
                                     op::BusMaskWrite{BusMask::apmask, "-5\n"}, op::MdevCreate{kMdev1},
                                     op::AttrWrite{kMdev1, MdevAttr::assign_adapter, "5\n"},
                                     op::AttrWrite{kMdev1, MdevAttr::assign_domain, "4\n"}})
    ASSERT_EQ(model::apply(s, o).result, Errno::ok);
  const op::BusMaskWrite plus5{BusMask::apmask, "+5\n"};
  State after = s;
  ASSERT_EQ(model::apply(after, plus5).result, Errno::ebusy);
  EXPECT_EQ(explain_failure(s, plus5, Errno::ebusy),
            "APQN 05.0004 is assigned to mdev 11111111-1111-1111-1111-111111111111: the write newly reserves "
            "adapter 5, and from 6.19 the AP bus asks vfio_ap about it with an all-ones aqmask (6917f434fda3), "
            "so it is in use although 05.0004 would stay vfio_ap's");
  s.kernel = KernelVersion::v6_15;  // the current aqmask: no veto there
  EXPECT_EQ(model::apply(s, plus5).result, Errno::ok);
}

}  // namespace
}  // namespace apcb::model
