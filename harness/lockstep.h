// apcb harness — runs every operation on the model and on the implementation side by side and
// checks, after each one, that they agree: observations equivalent (model::equivalent), the
// implementation's state projection equal to the model's state, each queue table equal to the
// model's Linked_m, the implementation's internal structure consistent, and the model's
// structural invariants. Its interface mirrors tests/model/scenario.h, so the model's
// scenario tests read the same here.
#ifndef APCB_HARNESS_LOCKSTEP_H_
#define APCB_HARNESS_LOCKSTEP_H_

#include <cstdio>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "impl/fault.h"
#include "impl/host.h"
#include "model/invariants.h"
#include "model/op.h"
#include "model/step.h"
#include "trace/trace.h"

namespace apcb::harness {

inline constexpr const char* kMdev1 = "11111111-1111-1111-1111-111111111111";
inline constexpr const char* kMdev2 = "22222222-2222-2222-2222-222222222222";
inline constexpr const char* kMdev3 = "33333333-3333-3333-3333-333333333333";

// `text` in double quotes, with newlines and double quotes escaped (other bytes as they are),
// for one-line mismatch reports.
//
// Example: quoted("05.\n") == "\"05.\\n\""
inline std::string quoted(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '\n') out += "\\n";
    else if (c == '"') out += "\\\"";
    else out += c;
  }
  return out + "\"";
}

// The APQN as the sysfs files write it: two hex digits, a dot, four hex digits.
//
// Example: hex_apqn(model::Apqn{5, 0xab}) == "05.00ab"
inline std::string hex_apqn(model::Apqn q) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02x.%04x", q.adapter, q.domain);
  return buf;
}

// A matrix on one line, each mask as Mask::hex() (64 hex digits).
//
// Example: describe(model::Matrix{}) == "{A=000…0 Q=000…0 C=000…0}" (64 zeros each).
inline std::string describe(const model::Matrix& m) {
  return "{A=" + m.adapters.hex() + " Q=" + m.domains.hex() + " C=" + m.control_domains.hex() + "}";
}

// One line per operation, enough to rebuild it: its trace step (one vocabulary everywhere).
//
// Example: describe(model::Op{model::op::VcpuObserve{1}}) == "vcpu read 1".
inline std::string describe(const model::Op& op) { return trace::format_op(op); }

// An observation on one line: the errno name, the output quoted, then each event.
//
// Example: describe(model::Observation{model::Errno::ok, "05.\n", {}}) == "0 out=\"05.\\n\""
inline std::string describe(const model::Observation& obs) {
  std::string out = std::string(model::errno_name(obs.result));
  if (!obs.output.empty()) out += " out=" + quoted(obs.output);
  for (const model::Event& e : obs.events) {
    if (const auto* c = std::get_if<model::Commit>(&e))
      out += " commit(g" + std::to_string(c->guest) + "," + describe(c->apcb) + ")";
    else if (const auto* g = std::get_if<model::Signal>(&e))
      out += " signal(g" + std::to_string(g->guest) + ")";
    else
      out += " reset(" + hex_apqn(std::get<model::Reset>(e).apqn) + ")";
  }
  return out;
}

// Where two states differ, in words (first difference per field): each differing field's name
// after a space; "" when the states are equal in every field compared.
//
// Example: state_diff(s, s) == ""; after an apmask write, state_diff(before, after) == " apmask"
inline std::string state_diff(const model::State& a, const model::State& b) {
  std::ostringstream out;
  if (!(a.cfg == b.cfg)) out << " cfg";
  if (a.apmask != b.apmask) out << " apmask";
  if (a.aqmask != b.aqmask) out << " aqmask";
  if (a.unbound != b.unbound) out << " unbound";
  if (a.hw_response != b.hw_response) out << " hw_response";
  if (a.last_response != b.last_response) out << " last_response";
  if (a.mdevs.size() != b.mdevs.size()) {
    out << " mdev-count(" << a.mdevs.size() << " vs " << b.mdevs.size() << ")";
  } else {
    for (std::size_t i = 0; i < a.mdevs.size(); ++i) {
      const model::Mdev& x = a.mdevs[i];
      const model::Mdev& y = b.mdevs[i];
      if (x.uuid != y.uuid) out << " mdev" << i << ".uuid";
      if (!(x.assigned == y.assigned)) out << " mdev" << i << ".assigned";
      if (!(x.shadow == y.shadow)) out << " mdev" << i << ".shadow " << describe(x.shadow) << " vs " << describe(y.shadow);
      if (!(x.pending_add == y.pending_add)) out << " mdev" << i << ".pending";
      if (x.guest != y.guest) out << " mdev" << i << ".guest";
      if (x.released != y.released) out << " mdev" << i << ".released";
    }
  }
  if (a.guests != b.guests) out << " guests";
  return out.str();
}

// The model and impl::Host driven side by side from one host. Mismatches and the model's
// invariant violations accumulate in `mismatches` and `violations` (nothing throws). Not
// thread-safe.
//
// Example:
//   Lockstep ls(model::HostParams{true, 255, 255}, cfg);
//   ls.create(kMdev1); ls.assign_adapter(kMdev1, "5");
//   EXPECT_EQ(ls.report(), ""); EXPECT_TRUE(ls.violations.empty());
class Lockstep {
 public:
  // Every how many steps check_step compares the whole implementation state with the model's
  // (observations and the model's invariants are checked at every step regardless). 1 in the
  // tests; fuzz_ops raises it for speed and checks once more at the end of each input.
  int state_check_period = 1;

  // Both sides start in the state `params` and `cfg` describe; `options` configure the
  // implementation only.
  //
  // Example: Lockstep ls(trace.params, trace.config, impl::HostOptions{1});
  Lockstep(const model::HostParams& params, const model::Matrix& cfg, impl::HostOptions options = {})
      : s(model::State::initial(params, cfg)), host(params, cfg, options) {}

  // Runs `op` on both; returns the model's observation (equal to the implementation's when
  // `mismatches` stays empty).
  //
  // Example: ls.run(model::op::MdevCreate{kMdev1}).result == model::Errno::ok
  model::Observation run(const model::Op& op) { return check_step(op, host.apply(op)); }

  // Runs `op` on the implementation with a fault armed at the `nth` fault point of any kind
  // it reaches (impl/fault.h). When the fault fires, the implementation must answer that
  // point's errno, report no event or output and change nothing (the whole snapshot: queue
  // tables, queue objects, CRYCB bytes), and the model does not run the operation; then `op`
  // runs again without a fault on both, as run() does. When `op` reaches fewer than `nth`
  // fault points it ran to completion and is compared with the model as in run(). Either way
  // the net effect is the model's model::apply(op). Returns the model's observation and the
  // point that fired, if any.
  //
  // Example: ls.run_with_fault(op, 1).fired names the first fault point `op` reaches, if any.
  struct FaultedRun {
    model::Observation observation;
    std::optional<impl::FaultPoint> fired;
  };
  // See FaultedRun above. `nth` 0 arms nothing (impl/fault.h), which is run(op).
  //
  // Example: if (!ls.run_with_fault(op, 2).fired) the step reached fewer than 2 fault points.
  FaultedRun run_with_fault(const model::Op& op, std::uint32_t nth) {
    const impl::HostState before = host.full_state();
    host.faults().arm_any(nth);
    const model::Observation actual = host.apply(op);
    host.faults().disarm();
    const std::optional<impl::FaultPoint> fired = host.faults().take_fired();
    if (!fired) return FaultedRun{check_step(op, actual), std::nullopt};
    history.push_back(op);
    const std::string where = "injected fault " + std::string(impl::fault_point_name(*fired)) + " (#" + std::to_string(nth) + ")";
    if (actual.result != impl::fault_errno(*fired) || !actual.events.empty() || !actual.output.empty())
      mismatch(where + ": expected " + std::string(model::errno_name(impl::fault_errno(*fired))) +
               " and no event, impl " + describe(actual));
    const impl::HostState after = host.full_state();
    if (!(after == before))
      mismatch(where + ": the implementation changed:" + state_diff(before.state, after.state) +
               (after.qtables != before.qtables ? " qtables" : "") +
               (after.vfio_queues != before.vfio_queues ? " queue-objects" : "") +
               (after.crycbs != before.crycbs ? " crycb-bytes" : "") +
               (after.live_queue_objects != before.live_queue_objects ? " pool" : ""));
    for (const std::string& p : host.check_structure()) mismatch(where + ": structure: " + p);
    return FaultedRun{run(op), fired};
  }

  // Records `op`, applies it to the model and compares the model's observation with `actual`
  // (what the implementation observed running `op`), then the states and the invariants.
  // Returns the model's observation.
  //
  // Example: ls.check_step(op, plugin_instance->apply(op).value());  // the plugin as the impl side
  model::Observation check_step(const model::Op& op, const model::Observation& actual) {
    history.push_back(op);
    // P6 needs the model's whole state before the step only when the step fails, and the
    // implementation has already answered: when the model answers otherwise, the observation
    // mismatch below fails the run anyway. P8 needs only the guests.
    std::optional<model::State> before;
    if (actual.result != model::Errno::ok) before = s;
    const std::vector<model::Guest> guests_before = s.guests;
    model::Observation expected = model::apply(s, op);
    if (!model::equivalent(expected, actual))
      mismatch("observation: model " + describe(expected) + " / impl " + describe(actual));
    if (++steps_since_state_check_ >= state_check_period) {
      steps_since_state_check_ = 0;
      check_states();
    }
    for (const model::Violation& v : model::check_state(s, model::Strength::structural)) violations.push_back(v);
    for (const model::Violation& v : model::check_unplug_before_reset(guests_before, op, expected)) violations.push_back(v);
    if (before)
      for (const model::Violation& v : model::check_failure_atomicity(*before, s, op, expected)) violations.push_back(v);
    return expected;
  }

  // Compares the implementation's snapshot with the model state (and the queue tables with
  // Linked_m) and checks its structure; records a mismatch if they differ. Runs after every
  // `state_check_period` steps; a caller with a period above 1 calls it once more at the end.
  //
  // Example: ls.state_check_period = 8; ...; ls.check_states(); EXPECT_EQ(ls.report(), "");
  void check_states() {
    const impl::HostState snap = host.full_state();
    if (!(snap.state == s)) mismatch("state:" + state_diff(s, snap.state));
    for (std::size_t i = 0; i < s.mdevs.size() && i < snap.qtables.size(); ++i) {
      std::vector<std::uint16_t> linked;
      const model::Mdev& m = s.mdevs[i];
      m.assigned.adapters.for_each([&](model::ApId a) {
        model::linked_row(s, m, a).for_each([&](model::ApId d) { linked.push_back(model::Apqn{a, d}.packed()); });
      });
      if (snap.qtables[i].second != linked) mismatch("queue table of " + m.uuid + " differs from Linked_m");
    }
    for (const std::string& p : host.check_structure()) mismatch("structure: " + p);
  }

  // The operations run so far, one "  INDEX: step line" per line, for reports.
  //
  // Example: after ls.create(kMdev1), history_text() == "  0: echo 11111111-… > …/vfio_ap-passthrough/create\n"
  std::string history_text() const {
    std::string out;
    for (std::size_t i = 0; i < history.size(); ++i)
      out += "  " + std::to_string(i) + ": " + describe(history[i]) + "\n";
    return out;
  }

  // The Scenario vocabulary (tests/model/scenario.h): each runs one operation as run() does
  // and answers its errno (or, for the reads, its output). write: `text` to `attr` of `uuid`,
  // as is (no newline added).
  //
  // Example: ls.write(kMdev1, model::MdevAttr::assign_adapter, "5\n") does what ls.assign_adapter(kMdev1, "5") does.
  model::Errno write(const std::string& uuid, model::MdevAttr attr, const std::string& text) {
    return run(model::op::AttrWrite{uuid, attr, text}).result;
  }
  // echo `v` > assign_adapter (a newline added).
  //
  // Example: ls.assign_adapter(kMdev1, "5") == model::Errno::ok
  model::Errno assign_adapter(const std::string& uuid, const std::string& v) {
    return write(uuid, model::MdevAttr::assign_adapter, v + "\n");
  }
  // echo `v` > assign_domain. Example: ls.assign_domain(kMdev1, "0x4") writes "0x4\n".
  model::Errno assign_domain(const std::string& uuid, const std::string& v) {
    return write(uuid, model::MdevAttr::assign_domain, v + "\n");
  }
  // echo `v` > unassign_adapter. Example: ls.unassign_adapter(kMdev1, "5") == model::Errno::ok after assigning it.
  model::Errno unassign_adapter(const std::string& uuid, const std::string& v) {
    return write(uuid, model::MdevAttr::unassign_adapter, v + "\n");
  }
  // echo `v` > unassign_domain. Example: ls.unassign_domain(kMdev1, "4") == model::Errno::ok
  model::Errno unassign_domain(const std::string& uuid, const std::string& v) {
    return write(uuid, model::MdevAttr::unassign_domain, v + "\n");
  }
  // echo `v` > assign_control_domain. Example: ls.assign_control_domain(kMdev1, "4")
  model::Errno assign_control_domain(const std::string& uuid, const std::string& v) {
    return write(uuid, model::MdevAttr::assign_control_domain, v + "\n");
  }
  // Creates the mdev `uuid`. Example: ls.create(kMdev1) == model::Errno::ok
  model::Errno create(const std::string& uuid) { return run(model::op::MdevCreate{uuid}).result; }
  // echo `text` > /sys/bus/ap/apmask. Example: ls.apmask("-5") == model::Errno::ok
  model::Errno apmask(const std::string& text) {
    return run(model::op::BusMaskWrite{model::BusMask::apmask, text + "\n"}).result;
  }
  // echo `text` > /sys/bus/ap/aqmask. Example: ls.aqmask("-4") == model::Errno::ok
  model::Errno aqmask(const std::string& text) {
    return run(model::op::BusMaskWrite{model::BusMask::aqmask, text + "\n"}).result;
  }
  // cat of the mdev's `view`: its output ("" when the read fails).
  //
  // Example: after ls.assign_adapter(kMdev1, "5") alone, ls.read(kMdev1, model::MdevView::matrix) == "05.\n"
  std::string read(const std::string& uuid, model::MdevView view) {
    return run(model::op::ReadMdev{uuid, view}).output;
  }
  // read(uuid, matrix). Example: ls.matrix(kMdev1) == "05.\n" with adapter 5 alone assigned.
  std::string matrix(const std::string& uuid) { return read(uuid, model::MdevView::matrix); }
  // read(uuid, guest_matrix): the shadow APCB, guest or not. Example: ls.guest_matrix(kMdev1) == "05.\n"
  std::string guest_matrix(const std::string& uuid) { return read(uuid, model::MdevView::guest_matrix); }
  // The model's mdev `uuid`; it must exist (undefined behaviour otherwise), so check
  // s.find_mdev first when it may not.
  //
  // Example: ls.mdev(kMdev1).assigned.adapters.test(5)
  const model::Mdev& mdev(const std::string& uuid) const { return *s.find_mdev(uuid); }

  // Empty when the implementation agreed with the model at every step; else each mismatch on
  // a line, then "operations:" and history_text(). Invariant violations are not in it.
  //
  // Example: EXPECT_EQ(ls.report(), "") << "the implementation diverged";
  std::string report() const {
    if (mismatches.empty()) return "";
    std::string out;
    for (const std::string& m : mismatches) out += m + "\n";
    return out + "operations:\n" + history_text();
  }

  model::State s;  // the model's state
  impl::Host host;       // the implementation
  std::vector<model::Op> history;
  std::vector<std::string> mismatches;
  std::vector<model::Violation> violations;

 private:
  int steps_since_state_check_ = 0;
  void mismatch(const std::string& what) {
    mismatches.push_back("step " + std::to_string(history.size() - 1) + " (" +
                         (history.empty() ? std::string("-") : describe(history.back())) + "): " + what);
  }
};

}  // namespace apcb::harness

#endif  // APCB_HARNESS_LOCKSTEP_H_
