#include "model/invariants.h"

#include <cstdio>

#include "model/filter.h"
#include "model/step.h"

namespace apcb::model {
namespace {

std::string apqn_text(Apqn q) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02x.%04x", q.adapter, q.domain);
  return buf;
}

std::string mdev_text(const Mdev& m) { return "mdev " + m.uuid; }

void add(std::vector<Violation>& out, const char* property, std::string detail) {
  out.push_back(Violation{property, std::move(detail)});
}

void check_containment(const State& s, const Mdev& m, std::vector<Violation>& out) {
  if (!m.shadow.adapters.subset_of(m.assigned.adapters & s.cfg.adapters) ||
      !m.shadow.domains.subset_of(m.assigned.domains & s.cfg.domains) ||
      !m.shadow.control_domains.subset_of(m.assigned.control_domains & s.cfg.control_domains))
    add(out, "P1", mdev_text(m) + ": shadow not within assigned ∩ host configuration");
}

void check_bound_and_available(const State& s, const Mdev& m, Strength strength,
                               std::vector<Violation>& out) {
  bool reported_structural = false;
  bool reported_passable = false;
  m.shadow.adapters.for_each([&](ApId a) {
    const Mask missing_link = m.shadow.domains - linked_row(s, m, a);
    if (missing_link.any() && !reported_structural) {
      reported_structural = true;
      add(out, "P2",
          mdev_text(m) + ": APQN " + apqn_text(Apqn{a, static_cast<ApId>(missing_link.first())}) +
              " is in the shadow but not bound to vfio_ap, linked and configured");
    }
    const Mask failed = (m.shadow.domains & linked_row(s, m, a)) - passable_row(s, m, a);
    if (strength == Strength::spec && failed.any() && !reported_passable) {
      reported_passable = true;
      add(out, "P2.passable",
          mdev_text(m) + ": APQN " + apqn_text(Apqn{a, static_cast<ApId>(failed.first())}) +
              " is in the shadow but its last reset failed");
    }
  });
}

void check_exclusivity(const State& s, Strength strength, std::vector<Violation>& out) {
  for (std::size_t i = 0; i < s.mdevs.size(); ++i) {
    const Mdev& m = s.mdevs[i];
    // From 6.19 (KernelBehaviour::queue_driver_override) all-ones masks are the driver_override
    // regime: ownership is per queue and the kernel does not keep it for assigned APQNs (an
    // override may be cleared on a queue an mdev holds), so the reservation half of P3 speaks
    // of the mask regime only. Before 6.19 all-ones masks reserve everything: no assignment.
    // And the kernel does not keep it even there: the mask write that leaves the regime sets
    // no new ID, so no in_use veto stops it from reserving a queue an mdev holds (finding F2,
    // model/README.md). So from 6.19 the half is of the spec strength only.
    const bool override_regime = behaviour(s.kernel).queue_driver_override &&
                                 s.apmask == Mask::all() && s.aqmask == Mask::all();
    const bool reservation_kept =
        strength == Strength::spec || !behaviour(s.kernel).queue_driver_override;
    if (reservation_kept && !override_regime && m.assigned.adapters.intersects(s.apmask) &&
        m.assigned.domains.intersects(s.aqmask))
      add(out, "P3", mdev_text(m) + ": an assigned APQN is reserved for the host drivers");
    for (std::size_t j = i + 1; j < s.mdevs.size(); ++j) {
      const Mdev& n = s.mdevs[j];
      if (m.assigned.adapters.intersects(n.assigned.adapters) &&
          m.assigned.domains.intersects(n.assigned.domains))
        add(out, "P3", mdev_text(m) + " and " + mdev_text(n) + " share an APQN");
    }
  }
}

void check_commit_consistency(const State& s, std::vector<Violation>& out) {
  for (const Guest& g : s.guests) {
    const Mdev* owner = s.attached_to(g.id);
    const std::string who = "guest " + std::to_string(g.id);
    if (owner == nullptr) {
      if (!g.apcb.empty()) add(out, "P4", who + ": no mdev attached but the APCB is not zero");
    } else if (owner->released) {
      if (!g.apcb.empty()) add(out, "P4", who + ": released but the APCB is not zero");
    } else if (g.apcb != truncate_to_format(owner->shadow, g.format)) {
      add(out, "P4", who + ": APCB differs from the format-truncated shadow of " +
                         mdev_text(*owner));
    }
  }
}

void check_refinement(const State& s, const Mdev& m, Strength strength,
                      std::vector<Violation>& out) {
  Matrix f = filter_matrix(s, m);
  if (strength == Strength::structural) {
    // F with every linked queue passable.
    f.adapters = Mask{};
    (m.assigned.adapters & s.cfg.adapters).for_each([&](ApId a) {
      if (f.domains.subset_of(linked_row(s, m, a))) f.adapters.set(a);
    });
  }
  if (!m.shadow.adapters.subset_of(f.adapters) || !m.shadow.domains.subset_of(f.domains) ||
      !m.shadow.control_domains.subset_of(f.control_domains)) {
    const Mask extra = m.shadow.adapters - f.adapters;
    add(out, strength == Strength::spec ? "P7" : "P7.structural",
        mdev_text(m) + ": shadow not within the full filter" +
            (extra.any() ? " (adapter " + std::to_string(extra.first()) + ")" : std::string()));
  }
}

}  // namespace

std::vector<Violation> check_state(const State& s, Strength strength) {
  std::vector<Violation> out;
  for (const Mdev& m : s.mdevs) {
    check_containment(s, m, out);
    check_bound_and_available(s, m, strength, out);
    check_refinement(s, m, strength, out);
    if (!m.pending_add.empty()) add(out, "pending", mdev_text(m) + ": pending adds outlived the scan");
  }
  check_exclusivity(s, strength, out);
  check_commit_consistency(s, out);
  return out;
}

bool shadow_equals_filter(const State& s, const Mdev& m) { return m.shadow == filter_matrix(s, m); }

std::vector<Violation> check_unplug_before_reset(const State& before, const Op& op,
                                                 const Observation& obs) {
  return check_unplug_before_reset(before.guests, op, obs);
}

std::vector<Violation> check_unplug_before_reset(const std::vector<Guest>& guests_before,
                                                 const Op& op, const Observation& obs) {
  std::vector<Violation> out;
  if (std::holds_alternative<op::DeviceReset>(op)) return out;
  std::vector<Guest> guests = guests_before;
  for (const Event& e : obs.events) {
    if (const auto* c = std::get_if<Commit>(&e)) {
      for (Guest& g : guests)
        if (g.id == c->guest) g.apcb = c->apcb;
      continue;
    }
    if (std::holds_alternative<Signal>(e)) continue;  // a notification: the CRYCB is as it was
    const Apqn q = std::get<Reset>(e).apqn;
    for (const Guest& g : guests)
      if (g.apcb.adapters.test(q.adapter) && g.apcb.domains.test(q.domain))
        add(out, "P8", "queue " + apqn_text(q) + " reset while in guest " + std::to_string(g.id) +
                           "'s CRYCB");
  }
  return out;
}

std::vector<Violation> check_failure_atomicity(const State& before, const State& after,
                                               const Op& op, const Observation& obs) {
  std::vector<Violation> out;
  if (obs.result == Errno::ok) return out;
  if (completed(op, obs.result)) {
    // The one completed error, a device reset's EIO, reports a reset that ended abnormally:
    // there was one.
    bool reset = false;
    for (const Event& e : obs.events) reset |= std::holds_alternative<Reset>(e);
    if (!reset) add(out, "P6.completed", "a device reset answered EIO without resetting a queue");
    return out;
  }
  if (!(before == after)) add(out, "P6", "a failed operation changed the state");
  if (!obs.events.empty()) add(out, "P6", "a failed operation committed or reset");
  return out;
}

}  // namespace apcb::model
