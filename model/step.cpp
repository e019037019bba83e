// The transition function. Each operation validates everything that can fail before it
// changes anything, so a failed operation leaves the state untouched without a copy. (The one
// error that comes after the work, a device reset's EIO, is a completed operation's report:
// see completed() in step.h. The one failure that changes the state is a historical bug: an
// open's EPERM moving the guest's PQAP hook before 4400270ec034, GuestAttach below.)
#include "model/step.h"

#include <algorithm>
#include <cctype>
#include <vector>

#include "model/filter.h"
#include "model/parse.h"
#include "model/render.h"

namespace apcb::model {

Matrix mask_write_in_use_query(const State& s, BusMask which, const Mask& value) {
  const bool is_apmask = which == BusMask::apmask;
  const Mask newly = value - (is_apmask ? s.apmask : s.aqmask);
  if (newly.empty()) return Matrix{};
  const Mask other = behaviour(s.kernel).queue_driver_override ? Mask::all() : (is_apmask ? s.aqmask : s.apmask);
  return is_apmask ? Matrix{newly, other, Mask{}} : Matrix{other, newly, Mask{}};
}

bool valid_uuid(std::string_view text) {
  if (text.size() != 36) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? text[i] != '-' : !std::isxdigit(static_cast<unsigned char>(text[i]))) return false;
  }
  return true;
}

namespace {

// The bucket of a queue in vfio_ap's 256-bucket queue table: the kernel's hash_32 of the APQN
// (<linux/hash.h>, the golden-ratio multiplier) keeps the top 8 bits.
unsigned queue_table_bucket(Apqn q) {
  const std::uint32_t apqn = static_cast<std::uint32_t>(q.adapter) << 8 | q.domain;
  return static_cast<std::uint32_t>(apqn * 0x61C88647u) >> 24;
}

// Every ID: a filter scope that checks everything.
constexpr Mask kEveryId = Mask::up_to(255);

// The queues a filter checks. From 6.8 (KernelBehaviour::full_filter) every filter checks the
// whole matrix; before, an assignment checked only its delta (6.0's vfio_ap_mdev_filter_matrix
// took the new adapter × the matrix's domains, or the matrix's adapters × the new domain; scan
// complete took the added adapters × domains and adapters × added domains), after rebuilding
// the shadow's adapters from M ∩ cfg — so an adapter filtered earlier could come back.
struct FilterScope {
  Matrix first{kEveryId, kEveryId, Mask{}};  // default: everything
  Matrix second;                              // a second rectangle (scan complete)
  // The domains of adapter a that the filter checks.
  Mask row(ApId a) const {
    Mask out;
    if (first.adapters.test(a)) out |= first.domains;
    if (second.adapters.test(a)) out |= second.domains;
    return out;
  }
};

// One operation in progress: the state it changes and the events it has observed so far.
// Its helpers carry the names of the implementation's (impl/vfio_ap/driver.h, impl/ap_bus.h),
// which are the kernel's, so the two can be read side by side.
class Step {
 public:
  Step(State& s, Observation& obs) : s_(s), obs_(obs) {}

  Errno operator()(const op::ConfigChange& o) { return change_config(o.cfg); }
  Errno operator()(const op::QueueBind& o);
  Errno operator()(const op::QueueUnbind& o);
  Errno operator()(const op::ResetResponse& o);
  Errno operator()(const op::BusMaskWrite& o);
  Errno operator()(const op::MdevCreate& o);
  Errno operator()(const op::MdevRemove& o);
  Errno operator()(const op::AttrWrite& o);
  Errno operator()(const op::DeviceReset& o);
  Errno operator()(const op::GuestCreate& o);
  Errno operator()(const op::GuestAttach& o);
  Errno operator()(const op::GuestDetach& o);
  Errno operator()(const op::GuestRelease& o);
  Errno operator()(const op::VcpuObserve& o);
  Errno operator()(const op::ReadMdev& o);
  Errno operator()(const op::ReadBusMask& o);
  Errno operator()(const op::ReadQueueStatus& o);
  Errno operator()(const op::ReadFeatures& o);
  Errno operator()(const op::DriverOverrideWrite& o);
  Errno operator()(const op::DriverOverrideRead& o);
  Errno operator()(const op::GuestAqic& o);

 private:
  // --- commits and resets ------------------------------------------------------------------
  // vfio_ap_mdev_update_guest_apcb: commit the shadow to the attached guest, if any, and
  // (6.15) signal its AP-configuration-changed eventfd; `signal` is false for the open's commit,
  // which comes before user space can have registered that eventfd.
  void update_guest_apcb(Mdev& m, bool signal = true) {
    if (!m.guest) return;
    Guest& g = *s_.find_guest(*m.guest);
    g.apcb = truncate_to_format(m.shadow, g.format);
    m.released = false;
    obs_.events.push_back(Commit{g.id, g.apcb});
    if (signal) signal_guest_ap_cfg_changed(g.id);
  }
  // signal_guest_ap_cfg_changed (6.15; KernelBehaviour::signals_guest_config_change).
  void signal_guest_ap_cfg_changed(GuestId g) {
    if (behaviour(s_.kernel).signals_guest_config_change) obs_.events.push_back(Signal{g});
  }
  // set_kvm's `kvm->arch.crypto.pqap_hook = &matrix_mdev->pqap_hook`: g's PQAP(AQIC) reaches
  // m's handler from now on.
  void register_pqap_hook(Guest& g, const Mdev& m) {
    g.pqap_hook = m.uuid;
    g.pqap_hook_freed = false;
  }
  // kvm_arch_crypto_clear_masks on the attached guest.
  void clear_guest_apcb(Mdev& m) {
    Guest& g = *s_.find_guest(*m.guest);
    g.apcb = Matrix{};
    obs_.events.push_back(Commit{g.id, g.apcb});
  }
  // A reset (ZAPQ, waited for) of a queue vfio_ap holds: it ends with the status the profile's
  // walk of the hardware's answers keeps (response::final_status; from 6.6 a reset still in
  // progress is polled until it completes, KernelBehaviour::reset_waits_for_completion).
  void reset_queue(Apqn q) {
    obs_.events.push_back(Reset{q});
    set_reset_status(q, response::final_status(s_.kernel, s_.hw_answers_of(q)));
  }
  // The queue's reset status, which the model keeps as State::last_response (absent: normal).
  void set_reset_status(Apqn q, std::uint8_t rc) {
    if (rc == response::normal)
      s_.last_response.erase(q.packed());
    else
      s_.last_response[q.packed()] = rc;
  }
  // Resets the listed queues in the order given.
  void reset_list(const std::vector<Apqn>& queues) {
    for (Apqn q : queues) reset_queue(q);
  }
  // Every queue in m's queue table, ascending: unset_kvm, device reset and mdev removal.
  std::vector<Apqn> linked_queues(const Mdev& m) const {
    std::vector<Apqn> out;
    m.assigned.adapters.for_each([&](ApId a) {
      linked_row(s_, m, a).for_each([&](ApId d) { out.push_back(Apqn{a, d}); });
    });
    return out;
  }
  void reset_all_queues(const Mdev& m) { reset_list(linked_queues(m)); }
  // reset_queues_for_apids: the linked queues (a, d) with a ∈ apids and d ∈ the shadow's domains.
  void reset_queues_for_apids(const Mdev& m, const Mask& apids) {
    std::vector<Apqn> queues;
    apids.for_each([&](ApId a) {
      (linked_row(s_, m, a) & m.shadow.domains).for_each([&](ApId d) {
        queues.push_back(Apqn{a, d});
      });
    });
    reset_list(queues);
  }

  // --- the filters -------------------------------------------------------------------------
  // The scope of a filter run for an assignment: the delta before 6.8, everything after.
  FilterScope scope_of(const Mask& adapters, const Mask& domains) const {
    FilterScope scope;
    if (behaviour(s_.kernel).full_filter) return scope;
    scope.first = Matrix{adapters, domains, Mask{}};
    return scope;
  }
  // vfio_ap_mdev_filter_matrix: shadow A and Q := F.A and F.Q (model::filter_matrix, named
  // qualified: this member hides it), or the delta filter's answer within `scope` before 6.8;
  // `filtered` collects adapters the filter took away that were plugged before (their queues
  // must be reset). Returns whether the shadow's adapters or domains changed.
  bool filter_matrix(Mdev& m, Mask& filtered, const FilterScope& scope = {}) {
    Matrix f = model::filter_matrix(s_, m);
    if (!behaviour(s_.kernel).full_filter) {
      f.adapters = Mask{};
      (m.assigned.adapters & s_.cfg.adapters).for_each([&](ApId a) {
        if ((f.domains & scope.row(a)).subset_of(passable_row(s_, m, a))) f.adapters.set(a);
      });
    }
    const Matrix prev = m.shadow;
    // Before 6.8 (KernelBehaviour) the filter resets nothing, so it collects nothing.
    if (behaviour(s_.kernel).filter_resets_unplugged)
      filtered |= (m.assigned.adapters & s_.cfg.adapters & prev.adapters) - f.adapters;
    m.shadow.adapters = f.adapters;
    m.shadow.domains = f.domains;
    return m.shadow.adapters != prev.adapters || m.shadow.domains != prev.domains;
  }
  // vfio_ap_mdev_filter_cdoms: shadow C := M.C ∩ cfgC. Returns whether it changed.
  bool filter_cdoms(Mdev& m) {
    const Mask c = m.assigned.control_domains & s_.cfg.control_domains;
    const bool changed = c != m.shadow.control_domains;
    m.shadow.control_domains = c;
    return changed;
  }
  // Filter (within `scope`), then commit if the shadow changed, then reset adapters the filter
  // unplugged.
  void refilter_and_commit(Mdev& m, bool with_cdoms, const FilterScope& scope = {}) {
    Mask filtered;
    bool changed = filter_matrix(m, filtered, scope);
    if (with_cdoms) changed |= filter_cdoms(m);
    if (!changed) return;
    update_guest_apcb(m);
    reset_queues_for_apids(m, filtered);
  }

  // --- queue device callbacks --------------------------------------------------------------
  // vfio_ap_mdev_probe_queue for q, just bound to vfio_ap: a fresh queue object (reset status
  // zero) linked to the mdev whose matrix holds q, then a full filter unless that mdev awaits
  // scan complete for added adapters or domains.
  void probe_queue(Apqn q) {
    s_.last_response.erase(q.packed());
    Mdev* m = s_.owner_of(q);
    if (m == nullptr) return;
    if (m->pending_add.adapters.any() || m->pending_add.domains.any()) return;
    refilter_and_commit(*m, /*with_cdoms=*/false);
  }
  // vfio_ap_mdev_remove_queue for q, about to leave vfio_ap (still bound while this runs).
  // A queue in the guest takes its whole adapter out of the shadow (an APCB cannot drop one
  // APQN), commit, then every queue of that adapter the guest had is reset; a queue not in a
  // guest is reset only while it is still in the host configuration (ZAPQ on a de-configured
  // APQN fails).
  void remove_queue(Apqn q) {
    Mdev* m = s_.owner_of(q);
    const bool in_guest =
        m != nullptr && m->shadow.adapters.test(q.adapter) && m->shadow.domains.test(q.domain);
    if (in_guest) {
      m->shadow.adapters.clear(q.adapter);
      update_guest_apcb(*m);
      // From 6.8 a queue in the guest resets its adapter's guest queues; before, only this
      // queue is reset, and only while present (a ZAPQ of a deconfigured queue resets nothing).
      if (behaviour(s_.kernel).unbind_resets_adapter)
        reset_queues_for_apids(*m, Mask::single(q.adapter));
      else if (s_.present(q))
        reset_queue(q);
    } else if (s_.present(q)) {
      reset_queue(q);
    }
    s_.last_response.erase(q.packed());
  }
  // vfio_ap_on_cfg_changed: take removed IDs out of every shadow (one commit per mdev that
  // changed) and remember the assigned IDs that arrived. The kernel's mdev list is newest first.
  void on_config_changed(const Matrix& cur, const Matrix& prev);
  // vfio_ap_on_scan_complete: mdevs with pending adds are filtered once and committed once,
  // newest mdev first.
  void on_scan_complete();

  // --- validation shared by the assignment paths -------------------------------------------
  // vfio_ap_mdev_validate_masks on a candidate matrix for m: host-reserved APQNs first, then
  // APQNs another mdev holds.
  // Host ownership is ap_apqn_in_matrix_owned_by_def_drv's, APQN by APQN: the masks, or from
  // 6.19 a queue's driver_override (State::owned_by_default; identical without overrides).
  Errno validate_masks(const Mdev& m, const Matrix& candidate) const {
    bool host_owned = false;
    candidate.adapters.for_each([&](ApId a) {
      host_owned = host_owned || candidate.domains.intersects(s_.owned_row(a));
    });
    if (host_owned) return Errno::eaddrnotavail;
    for (const Mdev& other : s_.mdevs) {
      if (&other == &m) continue;
      if (candidate.adapters.intersects(other.assigned.adapters) &&
          candidate.domains.intersects(other.assigned.domains))
        return Errno::eaddrinuse;
    }
    return Errno::ok;
  }

  // --- attribute writes: operator()(AttrWrite) has parsed and range-checked the value, as
  // the sysfs layer does for the implementation (impl/vfio_ap/sysfs.h). --------------------
  Errno assign_adapter(Mdev& m, ApId apid);
  Errno assign_domain(Mdev& m, ApId apqi);
  Errno unassign_adapter(Mdev& m, ApId apid);
  Errno unassign_domain(Mdev& m, ApId apqi);
  Errno assign_control_domain(Mdev& m, ApId id);
  Errno unassign_control_domain(Mdev& m, ApId id);
  Errno write_ap_config(Mdev& m, const Matrix& next);
  // The hot unplug of adapters `apids` (domains `apqis`) from m, with m's assigned matrix
  // still holding them: the affected queues that the guest had are listed, the IDs leave the
  // shadow, one commit if it changed, then the listed queues are reset.
  void hot_unplug_adapters(Mdev& m, const Mask& apids);
  void hot_unplug_domains(Mdev& m, const Mask& apqis);

  // The AP bus's configuration change: on_config_changed, the scan, on_scan_complete.
  Errno change_config(const Matrix& cur);

  State& s_;
  Observation& obs_;
};

// Parses an ID attribute value and checks it against `max`: parse errors first (EINVAL or
// ERANGE), then the range (ENODEV).
Parsed<ApId> parse_id(std::string_view text, int max) {
  const Parsed<std::uint64_t> v = parse_kstrtoul(text);
  if (!v.ok()) return {0, v.error};
  if (v.value > static_cast<std::uint64_t>(max)) return {0, Errno::enodev};
  return {static_cast<ApId>(v.value), Errno::ok};
}

Errno Step::assign_adapter(Mdev& m, ApId apid) {
  if (m.assigned.adapters.test(apid)) return Errno::ok;
  Matrix candidate = m.assigned;
  candidate.adapters.set(apid);
  if (Errno e = validate_masks(m, candidate); e != Errno::ok) return e;
  m.assigned = candidate;  // links the new adapter's bound queues
  refilter_and_commit(m, /*with_cdoms=*/false, scope_of(Mask::single(apid), kEveryId));
  return Errno::ok;
}

Errno Step::assign_domain(Mdev& m, ApId apqi) {
  if (m.assigned.domains.test(apqi)) return Errno::ok;
  Matrix candidate = m.assigned;
  candidate.domains.set(apqi);
  if (Errno e = validate_masks(m, candidate); e != Errno::ok) return e;
  m.assigned = candidate;  // links the new domain's bound queues
  refilter_and_commit(m, /*with_cdoms=*/false, scope_of(kEveryId, Mask::single(apqi)));
  return Errno::ok;
}

void Step::hot_unplug_adapters(Mdev& m, const Mask& apids) {
  std::vector<Apqn> resets;  // adapter-major: ascending already
  (apids & m.shadow.adapters).for_each([&](ApId a) {
    m.shadow.domains.for_each([&](ApId d) {
      if (linked(s_, m, Apqn{a, d})) resets.push_back(Apqn{a, d});
    });
  });
  const Mask before = m.shadow.adapters;
  m.shadow.adapters -= apids;
  if (m.shadow.adapters != before) update_guest_apcb(m);
  reset_list(resets);
}

void Step::hot_unplug_domains(Mdev& m, const Mask& apqis) {
  std::vector<Apqn> resets;
  (apqis & m.shadow.domains).for_each([&](ApId d) {
    m.shadow.adapters.for_each([&](ApId a) {
      if (linked(s_, m, Apqn{a, d})) resets.push_back(Apqn{a, d});
    });
  });
  std::sort(resets.begin(), resets.end());  // domain-major above: the model resets ascending
  const Mask before = m.shadow.domains;
  m.shadow.domains -= apqis;
  if (m.shadow.domains != before) update_guest_apcb(m);
  reset_list(resets);
}

// The queues are unlinked only after the unplug has listed the ones to reset, so the unplug
// runs while the assigned matrix still holds the ID.
Errno Step::unassign_adapter(Mdev& m, ApId apid) {
  if (!m.assigned.adapters.test(apid)) return Errno::ok;
  hot_unplug_adapters(m, Mask::single(apid));
  m.assigned.adapters.clear(apid);
  return Errno::ok;
}

Errno Step::unassign_domain(Mdev& m, ApId apqi) {
  if (!m.assigned.domains.test(apqi)) return Errno::ok;
  hot_unplug_domains(m, Mask::single(apqi));
  m.assigned.domains.clear(apqi);
  return Errno::ok;
}

Errno Step::assign_control_domain(Mdev& m, ApId id) {
  if (m.assigned.control_domains.test(id)) return Errno::ok;
  m.assigned.control_domains.set(id);
  if (filter_cdoms(m)) update_guest_apcb(m);
  return Errno::ok;
}

Errno Step::unassign_control_domain(Mdev& m, ApId id) {
  if (!m.assigned.control_domains.test(id)) return Errno::ok;
  m.assigned.control_domains.clear(id);
  if (m.shadow.control_domains.test(id)) {
    m.shadow.control_domains.clear(id);
    update_guest_apcb(m);
  }
  return Errno::ok;
}

Errno Step::write_ap_config(Mdev& m, const Matrix& next) {
  if (Errno e = validate_masks(m, next); e != Errno::ok) return e;
  // The range check comes after the ownership checks here, unlike the single-ID attributes.
  if (!next.adapters.subset_of(Mask::up_to(s_.params.apm_max())) ||
      !next.domains.subset_of(Mask::up_to(s_.params.aqm_max())) ||
      !next.control_domains.subset_of(Mask::up_to(s_.params.adm_max())))
    return Errno::enodev;
  const Matrix old = m.assigned;
  hot_unplug_adapters(m, old.adapters - next.adapters);
  hot_unplug_domains(m, old.domains - next.domains);
  m.assigned = next;
  refilter_and_commit(m, /*with_cdoms=*/true);
  return Errno::ok;
}

// The mdev's sysfs store: the mdev must exist, then the value parses (ap_config as a whole),
// then a single ID is range-checked against its attribute's maximum.
Errno Step::operator()(const op::AttrWrite& o) {
  Mdev* m = s_.find_mdev(o.uuid);
  if (m == nullptr) return Errno::enoent;
  if (o.attr == MdevAttr::ap_config) {
    if (!behaviour(s_.kernel).ap_config_attribute) return Errno::enoent;  // before 6.10
    const Parsed<Matrix> parsed = parse_ap_config(o.text);
    if (!parsed.ok()) return parsed.error;
    return write_ap_config(*m, parsed.value);
  }
  int max = 0;
  switch (o.attr) {
    case MdevAttr::assign_adapter:
    case MdevAttr::unassign_adapter: max = s_.params.apm_max(); break;
    case MdevAttr::assign_domain:
    case MdevAttr::unassign_domain: max = s_.params.aqm_max(); break;
    case MdevAttr::assign_control_domain:
    case MdevAttr::unassign_control_domain: max = s_.params.adm_max(); break;
    default: return Errno::einval;
  }
  const Parsed<ApId> id = parse_id(o.text, max);
  if (!id.ok()) return id.error;
  switch (o.attr) {
    case MdevAttr::assign_adapter: return assign_adapter(*m, id.value);
    case MdevAttr::assign_domain: return assign_domain(*m, id.value);
    case MdevAttr::unassign_adapter: return unassign_adapter(*m, id.value);
    case MdevAttr::unassign_domain: return unassign_domain(*m, id.value);
    case MdevAttr::assign_control_domain: return assign_control_domain(*m, id.value);
    case MdevAttr::unassign_control_domain: return unassign_control_domain(*m, id.value);
    case MdevAttr::ap_config: break;
  }
  return Errno::einval;
}

void Step::on_config_changed(const Matrix& cur, const Matrix& prev) {
  const Matrix removed{prev.adapters - cur.adapters, prev.domains - cur.domains,
                       prev.control_domains - cur.control_domains};
  const Matrix added{cur.adapters - prev.adapters, cur.domains - prev.domains,
                     cur.control_domains - prev.control_domains};
  for (auto it = s_.mdevs.rbegin(); it != s_.mdevs.rend(); ++it) {
    Mdev& m = *it;
    const KernelBehaviour& k = behaviour(s_.kernel);
    const Matrix before = m.shadow;
    // vfio_ap_mdev_cfg_remove; before the 2026 fix the control domains' set was "removed
    // minus assigned", which leaves the assigned ones in the shadow (KernelBehaviour).
    const Matrix rem{removed.adapters & m.assigned.adapters, removed.domains & m.assigned.domains,
                     k.removal_unplugs_assigned_control_domains
                         ? removed.control_domains & m.assigned.control_domains
                         : removed.control_domains - m.assigned.control_domains};
    m.shadow.adapters -= rem.adapters;
    m.shadow.domains -= rem.domains;
    m.shadow.control_domains -= rem.control_domains;
    // vfio_ap_mdev_hot_unplug_cfg commits when the removal intersected the shadow; before the
    // 2026 fix, when a mask it removed from stayed non-empty (bitmap_andnot's return), so the
    // last adapter (domain, control domain) never left the guest.
    const bool commit =
        k.removal_commits_emptied_shadow
            ? m.shadow != before
            : (rem.adapters.any() && m.shadow.adapters.any()) ||
                  (rem.domains.any() && m.shadow.domains.any()) ||
                  (rem.control_domains.any() && m.shadow.control_domains.any());
    if (commit) update_guest_apcb(m);
    m.pending_add = Matrix{added.adapters & m.assigned.adapters,
                           added.domains & m.assigned.domains,
                           added.control_domains & m.assigned.control_domains};
  }
}

void Step::on_scan_complete() {
  for (auto it = s_.mdevs.rbegin(); it != s_.mdevs.rend(); ++it) {
    Mdev& m = *it;
    if (m.pending_add.empty()) continue;
    Mask filtered;
    bool changed = false;
    FilterScope scope = scope_of(m.pending_add.adapters, kEveryId);
    if (!behaviour(s_.kernel).full_filter) scope.second = Matrix{kEveryId, m.pending_add.domains, Mask{}};
    if (m.pending_add.adapters.any() || m.pending_add.domains.any())
      changed |= filter_matrix(m, filtered, scope);
    if (m.pending_add.control_domains.any()) changed |= filter_cdoms(m);
    m.pending_add = Matrix{};
    if (changed) {
      update_guest_apcb(m);
      reset_queues_for_apids(m, filtered);
    }
  }
}

Errno Step::change_config(const Matrix& cur) {
  const Matrix prev = s_.cfg;
  // Queue devices the scan will remove (bound to vfio_ap under the old configuration) and
  // probe (new APQNs within the bus's maximum IDs), ascending.
  const Mask bus_a = Mask::up_to(s_.params.bus_max_adapter());
  const Mask bus_q = Mask::up_to(s_.params.bus_max_domain());
  std::vector<Apqn> leaving;
  std::vector<Apqn> arriving;
  (prev.adapters & bus_a).for_each([&](ApId a) {
    (prev.domains & bus_q).for_each([&](ApId d) {
      const Apqn q{a, d};
      if (!(cur.adapters.test(a) && cur.domains.test(d)) && s_.bound_to_vfio(q))
        leaving.push_back(q);
    });
  });
  (cur.adapters & bus_a).for_each([&](ApId a) {
    (cur.domains & bus_q).for_each([&](ApId d) {
      if (!(prev.adapters.test(a) && prev.domains.test(d))) arriving.push_back(Apqn{a, d});
    });
  });

  on_config_changed(cur, prev);
  s_.cfg = cur;

  // The bus scan: queue devices of removed APQNs go (the removed IDs are no longer in any
  // shadow, so none is in a guest and none is still configured: no commit, no reset) ...
  for (Apqn q : leaving) remove_queue(q);
  prev.adapters.for_each([&](ApId a) {
    if (!cur.adapters.test(a)) s_.unbound[a] = Mask{};
    else s_.unbound[a] &= cur.domains;
  });
  // A queue device that goes takes its driver_override and its override binding with it (6.19);
  // one that arrives is a new device with neither. Both are kept only for queues present before
  // and after (a State only has them on present queues; the Z3 encoding states the same rule).
  const auto stays = [&](Apqn q) {
    return s_.present(q) && (prev.adapters & bus_a).test(q.adapter) && (prev.domains & bus_q).test(q.domain);
  };
  for (std::size_t a = 0; a < s_.override_bound.size(); ++a)
    Mask(s_.override_bound[a]).for_each([&](ApId d) {
      if (!stays(Apqn{static_cast<ApId>(a), d})) s_.override_bound[a].clear(d);
    });
  std::erase_if(s_.driver_override, [&](const auto& entry) { return !stays(Apqn::unpack(entry.first)); });
  // ... and new ones are probed by the driver their ownership names.
  for (Apqn q : arriving) {
    s_.unbound[q.adapter].clear(q.domain);
    if (s_.bound_to_vfio(q)) probe_queue(q);
  }

  on_scan_complete();
  return Errno::ok;
}

Errno Step::operator()(const op::QueueBind& o) {
  const Apqn q = o.apqn;
  if (!s_.present(q)) return Errno::enodev;
  if (s_.driver(q) != Driver::none) return Errno::ebusy;
  const bool wants_default = o.driver == Driver::default_driver;
  if (o.driver == Driver::none) return Errno::enodev;
  if (const std::string* name = s_.override_of(q)) {
    // 6.19 ap_device_probe: a queue with a driver_override binds the driver it names and no
    // other, whatever the masks say (d38a87d7c064).
    if (*name != driver_name(o.driver)) return Errno::enodev;
  } else if (wants_default != s_.reserved(q)) {
    // ap_device_probe refuses a driver the bus masks do not give the queue to.
    return Errno::enodev;
  }
  s_.unbound[q.adapter].clear(q.domain);
  if (o.driver == Driver::vfio_ap) {
    if (s_.reserved(q)) s_.override_bound[q.adapter].set(q.domain);
    probe_queue(q);
  }
  return Errno::ok;
}

Errno Step::operator()(const op::QueueUnbind& o) {
  const Apqn q = o.apqn;
  const Driver d = s_.driver(q);
  if (d == Driver::none || d != o.driver) return Errno::enodev;
  if (d == Driver::vfio_ap) remove_queue(q);
  s_.unbound[q.adapter].set(q.domain);
  s_.override_bound[q.adapter].clear(q.domain);
  return Errno::ok;
}

Errno Step::operator()(const op::ResetResponse& o) {
  if (o.response == response::normal && o.then.empty()) {
    s_.hw_response.erase(o.apqn.packed());
    return Errno::ok;
  }
  s_.hw_response[o.apqn.packed()] = o.answers();
  return Errno::ok;
}

Errno Step::operator()(const op::BusMaskWrite& o) {
  const bool is_apmask = o.mask == BusMask::apmask;
  const Mask& current = is_apmask ? s_.apmask : s_.aqmask;
  // 6.19 (46030379f13c): no mask write while the bus counts an override (EINVAL, before the
  // text is parsed; State::override_count).
  if (behaviour(s_.kernel).queue_driver_override && s_.masks_locked()) return Errno::einval;
  const Parsed<Mask> parsed = parse_bus_mask(o.text, current);
  if (!parsed.ok()) return parsed.error;
  // apmask_commit/aqmask_commit ask the drivers' in_use only when the write sets an ID the mask
  // did not have (only those can take a queue away from vfio_ap), about the newly set IDs
  // crossed with the other mask. From 6.19 (6917f434fda3, "Use all-bits-one apmask/aqmask for
  // vfio in_use() checks") the other mask is all ones, so a newly set adapter is in use when an
  // mdev assigns it and any domain: a queue an override gave to vfio_ap may sit outside the
  // other mask. A write that sets no new ID is never vetoed, which is how leaving the
  // driver_override regime (all-ones masks) reserves queues mdevs hold for the host: P3's
  // host half does not survive it (finding F2, model/README.md).
  const Matrix asked = mask_write_in_use_query(s_, o.mask, parsed.value);
  for (const Mdev& m : s_.mdevs)
    if (m.assigned.adapters.intersects(asked.adapters) && m.assigned.domains.intersects(asked.domains))
      return Errno::ebusy;
  // ap_bus_revise_bindings: the masks are set, then every bound queue whose owner changed is
  // reprobed, one at a time in device order (ascending here): vfio_ap's remove for a queue
  // leaving it, its probe for a queue joining it. While the walk runs, a queue not yet
  // reprobed keeps its driver: a queue still to leave vfio_ap is held by override_bound, one
  // still to join it by unbound, each released as the walk reaches it.
  const Mask new_apm = is_apmask ? parsed.value : s_.apmask;
  const Mask new_aqm = is_apmask ? s_.aqmask : parsed.value;
  struct Reprobe {
    Apqn q;
    Driver to;
  };
  std::vector<Reprobe> walk;
  s_.bus_adapters().for_each([&](ApId a) {
    s_.bus_domains().for_each([&](ApId d) {
      const Apqn q{a, d};
      const Driver now = s_.driver(q);
      const bool will_reserve = new_apm.test(a) && new_aqm.test(d);
      if (now == Driver::vfio_ap && will_reserve) walk.push_back({q, Driver::default_driver});
      if (now == Driver::default_driver && !will_reserve) walk.push_back({q, Driver::vfio_ap});
    });
  });
  // Every bound queue ends with the driver the masks name (no override is set).
  s_.override_bound = MaskRows{};
  for (const Reprobe& r : walk)
    (r.to == Driver::default_driver ? s_.override_bound : s_.unbound)[r.q.adapter].set(r.q.domain);
  (is_apmask ? s_.apmask : s_.aqmask) = parsed.value;
  for (const Reprobe& r : walk) {
    if (r.to == Driver::default_driver) {
      remove_queue(r.q);
      s_.override_bound[r.q.adapter].clear(r.q.domain);
    } else {
      s_.unbound[r.q.adapter].clear(r.q.domain);
      probe_queue(r.q);
    }
  }
  return Errno::ok;
}

Errno Step::operator()(const op::MdevCreate& o) {
  if (!valid_uuid(o.uuid)) return Errno::einval;
  std::string uuid = o.uuid;
  for (char& c : uuid) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (s_.find_mdev(uuid) != nullptr) return Errno::eexist;
  Mdev m;
  m.uuid = uuid;
  s_.mdevs.push_back(std::move(m));
  return Errno::ok;
}

Errno Step::operator()(const op::MdevRemove& o) {
  Mdev* m = s_.find_mdev(o.uuid);
  if (m == nullptr) return Errno::enoent;
  if (m->guest) return Errno::ebusy;  // removal waits for the device to be closed
  reset_all_queues(*m);
  // Without failed_attach_keeps_hook a guest's hook can point into this unattached mdev (its
  // failed open registered it); nothing withdraws it, so the kernel's pointer dangles.
  for (Guest& g : s_.guests)
    if (g.pqap_hook == m->uuid) g.pqap_hook_freed = true;
  s_.mdevs.erase(s_.mdevs.begin() + (m - s_.mdevs.data()));
  return Errno::ok;
}

Errno Step::operator()(const op::DeviceReset& o) {
  Mdev* m = s_.find_mdev(o.uuid);
  if (m == nullptr) return Errno::enoent;
  // vfio_ap_mdev_reset_queues: every queue of the queue table is reset, then the ioctl answers
  // -EIO when any of them ended with a non-zero response code (DECONFIGURED and CHECKSTOPPED
  // too, although those stay passable). The resets happened and their statuses are recorded:
  // this EIO reports how the completed operation went (completed() is true for it), not a
  // failure that undoes it.
  reset_all_queues(*m);
  const std::vector<Apqn> queues = linked_queues(*m);
  bool nonzero = false;
  for (Apqn q : queues) nonzero |= s_.last_response_of(q) != response::normal;
  if (behaviour(s_.kernel).device_reset == DeviceResetReport::ebusy_or_eio_per_queue) {
    // Before the 6.6 rework each queue's reset reported -EBUSY for these codes, -EIO for the
    // rest, and the ioctl returns the last error in the order it walks the queue table: its
    // hash buckets in ascending order (queues that share a bucket, newest link first, are an
    // order the model does not know: docs/kernel-divergences.md, 6.1-device-reset-mixed-order).
    Errno last = Errno::ok;
    std::vector<Apqn> walk = queues;
    std::stable_sort(walk.begin(), walk.end(), [](Apqn a, Apqn b) {
      return queue_table_bucket(a) < queue_table_bucket(b);
    });
    for (Apqn q : walk) {
      const std::uint8_t rc = s_.last_response_of(q);
      if (rc == response::normal) continue;
      const bool busy_class = rc == response::q_not_avail || rc == response::deconfigured ||
                              rc == response::checkstopped || rc == response::reset_in_progress;
      last = busy_class ? Errno::ebusy : Errno::eio;
    }
    return last;
  }
  return nonzero ? Errno::eio : Errno::ok;
}

Errno Step::operator()(const op::GuestCreate& o) {
  if (s_.find_guest(o.guest) != nullptr) return Errno::eexist;
  s_.guests.push_back(Guest{o.guest, o.msax3, crycb_format(o.msax3, s_.params.apxa), Matrix{}, std::nullopt, false});
  return Errno::ok;
}

// set_kvm registers the mdev's PQAP hook with the guest (Guest::pqap_hook) and commits.
Errno Step::operator()(const op::GuestAttach& o) {
  Mdev* m = s_.find_mdev(o.uuid);
  Guest* g = s_.find_guest(o.guest);
  if (m == nullptr || g == nullptr) return Errno::enoent;
  if (m->guest) return Errno::ebusy;
  if (s_.attached_to(o.guest) != nullptr) {
    // Before 4400270ec034 the hook was registered before this check and not withdrawn on its
    // EPERM: the one failure that changes the state (against P6; invariants_hold is false).
    if (!behaviour(s_.kernel).failed_attach_keeps_hook) register_pqap_hook(*g, *m);
    return Errno::eperm;
  }
  register_pqap_hook(*g, *m);
  // set_kvm commits the shadow as it is: it was kept current while no guest was attached. No
  // signal: user space registers the eventfd on the device the open returns.
  m->guest = o.guest;
  update_guest_apcb(*m, /*signal=*/false);
  return Errno::ok;
}

Errno Step::operator()(const op::GuestDetach& o) {
  Mdev* m = s_.find_mdev(o.uuid);
  if (m == nullptr) return Errno::enoent;
  if (!m->guest) return Errno::einval;
  // unset_kvm: the guest loses every queue first, then every linked queue is reset. The
  // shadow stays (guest_matrix still shows it).
  // unset_kvm withdraws the guest's hook first, whatever mdev it points into (without
  // failed_attach_keeps_hook it can be one whose open failed).
  Guest& g = *s_.find_guest(*m->guest);
  g.pqap_hook.reset();
  g.pqap_hook_freed = false;
  clear_guest_apcb(*m);
  reset_all_queues(*m);
  m->guest.reset();
  m->released = false;
  return Errno::ok;
}

Errno Step::operator()(const op::GuestRelease& o) {
  Mdev* m = s_.find_mdev(o.uuid);
  if (m == nullptr) return Errno::enoent;
  if (!m->guest) return Errno::einval;
  // Before 6.15 the request only signals user space (6.1 has no request callback at all).
  if (!behaviour(s_.kernel).request_clears_crycb) return Errno::ok;
  clear_guest_apcb(*m);
  signal_guest_ap_cfg_changed(*m->guest);  // then the request eventfd, which is not observed
  m->released = true;
  return Errno::ok;
}

Errno Step::operator()(const op::VcpuObserve& o) {
  const Guest* g = s_.find_guest(o.guest);
  if (g == nullptr) return Errno::enoent;
  obs_.output = render_apcb(g->apcb);
  return Errno::ok;
}

Errno Step::operator()(const op::ReadMdev& o) {
  const Mdev* m = s_.find_mdev(o.uuid);
  if (m == nullptr) return Errno::enoent;
  switch (o.view) {
    case MdevView::matrix: obs_.output = render_matrix(m->assigned, s_.params); break;
    case MdevView::guest_matrix: obs_.output = render_matrix(m->shadow, s_.params); break;
    case MdevView::control_domains:
      obs_.output = render_control_domains(m->assigned, s_.params);
      break;
    case MdevView::ap_config:
      if (!behaviour(s_.kernel).ap_config_attribute) return Errno::enoent;  // before 6.10
      obs_.output = render_ap_config(m->assigned);
      break;
  }
  return Errno::ok;
}

Errno Step::operator()(const op::ReadBusMask& o) {
  obs_.output = render_bus_mask(o.mask == BusMask::apmask ? s_.apmask : s_.aqmask);
  return Errno::ok;
}

Errno Step::operator()(const op::ReadQueueStatus& o) {
  if (!s_.bound_to_vfio(o.apqn)) return Errno::enoent;
  obs_.output = render_queue_status(s_, o.apqn);
  return Errno::ok;
}

// 6.19 driver_override_store (d38a87d7c064, 46030379f13c) with the driver core's
// driver_set_override: no such file before 6.19 or without the queue device; a write of no
// bytes never reaches the store; EINVAL unless both bus masks are all ones, and for a value of
// a page less one byte or more; the value ends at its first NUL or newline, and an empty one
// clears the override. Nothing is reprobed: the queue keeps its driver until unbound and bound.
Errno Step::operator()(const op::DriverOverrideWrite& o) {
  if (!behaviour(s_.kernel).queue_driver_override || !s_.present(o.apqn)) return Errno::enoent;
  if (o.text.empty()) return Errno::ok;
  if (s_.apmask != Mask::all() || s_.aqmask != Mask::all()) return Errno::einval;
  if (o.text.size() >= kDriverOverrideMax) return Errno::einval;
  const std::string name = o.text.substr(0, o.text.find_first_of(std::string_view("\0\n", 2)));
  const bool had = s_.override_of(o.apqn) != nullptr;
  if (name.empty())
    s_.driver_override.erase(o.apqn.packed());
  else
    s_.driver_override[o.apqn.packed()] = name;
  // ap_driver_override_ctr follows the attribute's set/cleared transitions, and only here.
  if (had && name.empty()) --s_.override_count;
  if (!had && !name.empty()) ++s_.override_count;
  return Errno::ok;
}

// 6.19 driver_override_show: the name and a newline, or a newline alone.
Errno Step::operator()(const op::DriverOverrideRead& o) {
  if (!behaviour(s_.kernel).queue_driver_override || !s_.present(o.apqn)) return Errno::enoent;
  const std::string* name = s_.override_of(o.apqn);
  obs_.output = (name != nullptr ? *name : std::string()) + "\n";
  return Errno::ok;
}

// Kernels before 6.12 have no such file.
Errno Step::operator()(const op::ReadFeatures&) {
  if (!behaviour(s_.kernel).matrix_features) return Errno::enoent;
  obs_.output = render_features();
  return Errno::ok;
}

// A guest's PQAP(AQIC) with IR=0, as KVM (arch/s390/kvm/priv.c handle_pqap) and the vfio_ap
// driver's hook (vfio_ap_ops.c handle_pqap) answer it. KVM first checks the instruction: a
// guest whose CRYCB is format 0 or 1 (no APXA for it) naming an adapter above 63 or a domain
// above 15 gets a specification exception and no hook runs. Then, with no hook registered, KVM
// answers Q_NOT_AVAIL itself. The hook (Guest::pqap_hook) is the one set_kvm registered and
// unset_kvm cleared: with failed_attach_keeps_hook the mdev attached to the guest; before
// 4400270ec034 possibly an mdev whose open for the guest failed. The handler answers
// Q_NOT_AVAIL when its mdev has no KVM (`!matrix_mdev->kvm`) or the APQN is not in the mdev's
// queue table (linked: assigned and bound to vfio_ap), else the answer of AQIC disabling
// interruptions on that queue, NORMAL: a linked queue is configured, and apcb's `host
// reset-response` says what a reset answers, nothing else. A hook into a removed mdev
// (pqap_hook_freed) is a use after free in the kernel, whose outcome no source defines; the
// model answers as the mdev was when it went (no KVM: Q_NOT_AVAIL, its uuid as the handler)
// and docs/kernel-versions.md says so. The model assumes what QEMU sets up for a vfio-ap guest: AP
// instructions interpreted (APIE), AP-queue interruption control (facility 65) and adapter
// interruption virtualisation (AIV), so the hook, not user space, handles the intercept.
Errno Step::operator()(const op::GuestAqic& o) {
  const Guest* g = s_.find_guest(o.guest);
  if (g == nullptr) return Errno::enoent;
  if (g->format != CrycbFormat::format2 && (o.apqn.adapter > 63 || o.apqn.domain > 15)) {
    obs_.output = render_aqic_specification_exception();
    return Errno::ok;
  }
  if (!g->pqap_hook) {
    obs_.output = render_aqic("", response::q_not_avail);
    return Errno::ok;
  }
  const Mdev* hooked = g->pqap_hook_freed ? nullptr : s_.find_mdev(*g->pqap_hook);
  const bool in_table = hooked != nullptr && hooked->guest && linked(s_, *hooked, o.apqn);
  obs_.output = render_aqic(*g->pqap_hook, in_table ? response::normal : response::q_not_avail);
  return Errno::ok;
}

}  // namespace

bool completed(const Op& op, Errno result) {
  return result == Errno::ok ||
         (std::holds_alternative<op::DeviceReset>(op) && (result == Errno::eio || result == Errno::ebusy));
}

Observation apply(State& s, const Op& op) {
  Observation obs;
  Step step(s, obs);
  obs.result = std::visit(step, op);
  return obs;
}

}  // namespace apcb::model
