// The explanation of a guest's view. Every rule here restates one of the model's own rules
// (filter.h, state.h, step.cpp) as a question about a single APQN, so that explain can never
// disagree with what apply() computes: tests/model/explain_test.cpp checks that a row is
// IN_GUEST exactly when the guest's CRYCB holds it.
#include "model/explain.h"

#include <algorithm>
#include <array>
#include <utility>

#include "model/parse.h"
#include "model/printable.h"
#include "model/step.h"

namespace apcb::model {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

// printf("%0<width>x", value): the kernel's spelling of IDs (adapter %02x, domain %04x).
std::string hex(unsigned value, int width) {
  std::string out;
  for (int shift = 4 * (width - 1); shift >= 0; shift -= 4) out += kHexDigits[(value >> shift) & 0xF];
  return out;
}

std::string apqn_text(Apqn q) { return hex(q.adapter, 2) + "." + hex(q.domain, 4); }

std::string id_text(IdKind kind, int id) {
  switch (kind) {
    case IdKind::adapter: return "adapter " + hex(static_cast<unsigned>(id), 2);
    case IdKind::domain: return "domain " + hex(static_cast<unsigned>(id), 4);
    case IdKind::control_domain: return "control domain " + hex(static_cast<unsigned>(id), 4);
  }
  return "?";
}

std::string_view kind_word(IdKind kind) {
  switch (kind) {
    case IdKind::adapter: return "adapter";
    case IdKind::domain: return "domain";
    case IdKind::control_domain: return "control domain";
  }
  return "?";
}

Verdict make(Reason r, Apqn witness = {}) {
  Verdict v;
  v.reason = r;
  v.witness = witness;
  return v;
}

// HOST_OWNED for q, which State::owned_by_default holds: by its driver_override (6.19) or by
// the masks, and whether the host is in the override regime (what the fix is then).
Verdict host_owned_verdict(const State& s, Apqn q) {
  Verdict v = make(Reason::host_owned, q);
  if (const std::string* name = s.override_of(q)) v.driver_override = *name;
  v.override_regime = behaviour(s.kernel).queue_driver_override && s.any_override();
  return v;
}

Verdict id_verdict(Reason r, IdKind kind, int id, int limit = 0) {
  Verdict v = make(r);
  v.kind = kind;
  v.id = id;
  v.limit = limit;
  return v;
}

// The guest rules for something the shadow holds: does an attached, unreleased guest's CRYCB
// hold it? `in_format` says whether the guest's CRYCB format can express it at all, and
// `committed` whether its APCB does; `kind`/`id`/`limit` name what the format cannot hold.
template <typename InFormat, typename Committed>
Verdict guest_rules(const State& s, const Mdev& m, Apqn witness, InFormat in_format,
                    Committed committed) {
  if (!m.guest) return make(Reason::no_guest, witness);
  const Guest* g = s.find_guest(*m.guest);
  if (g == nullptr) return make(Reason::no_guest, witness);
  Verdict v = make(Reason::in_guest, witness);
  v.guest = g->id;
  v.format = g->format;
  if (m.released) {
    v.reason = Reason::guest_released;
    return v;
  }
  if (g->format != CrycbFormat::format2) {
    // APCB0: adapters 0..63, usage and control domains 0..15.
    if (auto [ok, kind, id, limit] = in_format(); !ok) {
      v.reason = Reason::exceeds_crycb_format;
      v.kind = kind;
      v.id = id;
      v.limit = limit;
      return v;
    }
  }
  if (!committed(g->apcb)) v.reason = Reason::not_committed;
  return v;
}

struct FormatCheck {
  bool ok;
  IdKind kind;
  int id;
  int limit;
};

}  // namespace

Verdict explain_apqn(const State& s, const Mdev& m, Apqn q) {
  const ApId a = q.adapter;
  const ApId d = q.domain;
  const bool assigned = m.assigned.adapters.test(a) && m.assigned.domains.test(d);
  // Nothing beyond the maxima can be assigned, shadowed or committed: the first word on it.
  if (a > s.params.apm_max()) return id_verdict(Reason::exceeds_max_id, IdKind::adapter, a, s.params.apm_max());
  if (d > s.params.aqm_max()) return id_verdict(Reason::exceeds_max_id, IdKind::domain, d, s.params.aqm_max());

  if (!assigned) {
    // A candidate: the first thing that keeps it out is what stops the administrator from
    // assigning it (the reservation, another mdev), else simply that it is not assigned.
    if (s.owned_by_default(q)) return host_owned_verdict(s, q);
    if (const Mdev* owner = s.owner_of(q); owner != nullptr && owner != &m) {
      Verdict v = make(Reason::in_other_mdev, q);
      v.other_mdev = owner->uuid;
      return v;
    }
    if (!m.assigned.adapters.test(a)) return id_verdict(Reason::not_assigned, IdKind::adapter, a);
    return id_verdict(Reason::not_assigned, IdKind::domain, d);
  }

  // The shadow is asked first: what the guest's CRYCB holds is the fact to explain, even in a
  // (snapshot) state where the shadow breaks P1 and holds an ID outside the configuration.
  if (m.shadow.adapters.test(a) && m.shadow.domains.test(d)) {
    return guest_rules(
        s, m, q,
        [&] {
          if (a > 63) return FormatCheck{false, IdKind::adapter, a, 63};
          if (d > 15) return FormatCheck{false, IdKind::domain, d, 15};
          return FormatCheck{true, IdKind::adapter, 0, 0};
        },
        [&](const Matrix& apcb) { return apcb.adapters.test(a) && apcb.domains.test(d); });
  }

  // Not in the shadow: why does the full filter F drop it, if it does?
  if (!s.cfg.adapters.test(a)) return id_verdict(Reason::not_in_host_config, IdKind::adapter, a);
  if (!s.cfg.domains.test(d)) return id_verdict(Reason::not_in_host_config, IdKind::domain, d);
  if (s.owned_by_default(q)) return host_owned_verdict(s, q);
  if (const Driver drv = s.driver(q); drv != Driver::vfio_ap) {
    Verdict v = make(Reason::not_bound, q);
    v.driver = drv;
    if (const std::string* name = s.override_of(q)) v.driver_override = *name;
    return v;
  }
  if (const std::uint8_t rc = s.last_response_of(q); !passable_status(s.kernel, rc)) {
    Verdict v = make(Reason::reset_failed, q);
    v.response = rc;
    v.reset_waited = behaviour(s.kernel).reset_waits_for_completion;
    return v;
  }
  // The whole-adapter rule: the lowest domain of Q0 = M.Q ∩ cfgQ whose APQN on this adapter
  // is not passable takes the adapter out (filter_matrix checks Q0 ⊆ passable_row).
  const Mask blocked = (m.assigned.domains & s.cfg.domains) - passable_row(s, m, a);
  if (const int w = blocked.first(); w >= 0) {
    const Apqn sib{a, static_cast<ApId>(w)};
    if (const Driver drv = s.driver(sib); drv != Driver::vfio_ap) {
      Verdict v = make(Reason::adapter_filtered_unbound, sib);
      v.driver = drv;
      return v;
    }
    Verdict v = make(Reason::adapter_filtered_reset, sib);
    v.response = s.last_response_of(sib);
    v.reset_waited = behaviour(s.kernel).reset_waits_for_completion;
    return v;
  }
  return make(Reason::shadow_stale, q);
}

Verdict explain_control_domain(const State& s, const Mdev& m, ApId c) {
  if (c > s.params.adm_max())
    return id_verdict(Reason::exceeds_max_id, IdKind::control_domain, c, s.params.adm_max());
  if (!m.assigned.control_domains.test(c)) return id_verdict(Reason::not_assigned, IdKind::control_domain, c);
  if (!m.shadow.control_domains.test(c)) {
    if (!s.cfg.control_domains.test(c))
      return id_verdict(Reason::not_in_host_config, IdKind::control_domain, c);
    return id_verdict(Reason::shadow_stale, IdKind::control_domain, c);
  }
  Verdict v = guest_rules(
      s, m, Apqn{},
      [&] {
        if (c > 15) return FormatCheck{false, IdKind::control_domain, c, 15};
        return FormatCheck{true, IdKind::control_domain, 0, 0};
      },
      [&](const Matrix& apcb) { return apcb.control_domains.test(c); });
  if (v.reason != Reason::exceeds_crycb_format) {
    v.kind = IdKind::control_domain;
    v.id = c;
  }
  return v;
}

MdevExplanation explain_mdev(const State& s, const Mdev& m, bool assigned_only) {
  MdevExplanation e;
  e.uuid = m.uuid;
  e.guest = m.guest;
  e.released = m.released;
  e.assigned = m.assigned;
  e.shadow = m.shadow;
  if (m.guest)
    if (const Guest* g = s.find_guest(*m.guest)) e.guest_apcb = g->apcb;
  const Mask adapters = assigned_only ? m.assigned.adapters : m.assigned.adapters | s.cfg.adapters;
  adapters.for_each([&](ApId a) {
    const bool mine = m.assigned.adapters.test(a);
    const Mask domains =
        assigned_only || !mine ? m.assigned.domains : m.assigned.domains | s.cfg.domains;
    domains.for_each([&](ApId d) {
      const Apqn q{a, d};
      ApqnRow row;
      row.apqn = q;
      row.assigned = mine && m.assigned.domains.test(d);
      row.in_shadow = m.shadow.adapters.test(a) && m.shadow.domains.test(d);
      row.verdict = explain_apqn(s, m, q);
      e.apqns.push_back(std::move(row));
    });
  });
  m.assigned.control_domains.for_each([&](ApId c) {
    e.control_domains.push_back(
        ControlRow{c, m.shadow.control_domains.test(c), explain_control_domain(s, m, c)});
  });
  return e;
}

std::string_view reason_code(Reason r) {
  switch (r) {
    case Reason::in_guest: return "IN_GUEST";
    case Reason::exceeds_max_id: return "EXCEEDS_MAX_ID";
    case Reason::not_in_host_config: return "NOT_IN_HOST_CONFIG";
    case Reason::host_owned: return "HOST_OWNED";
    case Reason::not_bound: return "NOT_BOUND_TO_VFIO_AP";
    case Reason::reset_failed: return "RESET_FAILED";
    case Reason::adapter_filtered_unbound: return "ADAPTER_FILTERED_UNBOUND";
    case Reason::adapter_filtered_reset: return "ADAPTER_FILTERED_RESET";
    case Reason::in_other_mdev: return "IN_OTHER_MDEV";
    case Reason::not_assigned: return "NOT_ASSIGNED";
    case Reason::shadow_stale: return "SHADOW_STALE";
    case Reason::no_guest: return "NO_GUEST";
    case Reason::guest_released: return "GUEST_RELEASED";
    case Reason::exceeds_crycb_format: return "EXCEEDS_CRYCB_FORMAT";
    case Reason::not_committed: return "NOT_COMMITTED";
  }
  return "?";
}

std::string_view response_name(std::uint8_t rc) {
  switch (rc) {
    case response::normal: return "NORMAL";
    case response::q_not_avail: return "Q_NOT_AVAIL";
    case response::reset_in_progress: return "RESET_IN_PROGRESS";
    case response::deconfigured: return "DECONFIGURED";
    case response::checkstopped: return "CHECKSTOPPED";
    case response::busy: return "BUSY";
    case response::invalid_address: return "INVALID_ADDRESS";
    case response::otherwise_changed: return "OTHERWISE_CHANGED";
    case response::state_change_in_progress: return "STATE_CHANGE_IN_PROGRESS";
    case response::assoc_secret_not_unique: return "ASSOC_SECRET_NOT_UNIQUE";
    case response::assoc_failed: return "ASSOC_FAILED";
    default: return "UNKNOWN";
  }
}

namespace {

std::string not_bound_text(Apqn q, Driver drv, const std::string& driver_override = {}) {
  std::string text = "APQN " + apqn_text(q) + " is not bound to vfio_ap " +
                     (drv == Driver::default_driver ? "(it is bound to the host's default driver)"
                                                    : "(no driver: unbound, or its probe failed)");
  if (driver_override == "vfio_ap") text += "; its driver_override names vfio_ap: binding it gives it to vfio_ap";
  return text;
}

// HOST_OWNED in words: by the queue's own driver_override, by the masks in the driver_override
// regime (where the fix is an override, not a mask write), or by the masks.
std::string host_owned_text(const Verdict& v) {
  const std::string apqn = apqn_text(v.witness);
  if (!v.driver_override.empty())
    return "the host's: APQN " + apqn + " has driver_override '" + printable(v.driver_override) +
           "' and is bound to the host's default driver (6.19: an override, not the masks, decides)";
  if (v.override_regime)
    return "reserved for the host drivers: apmask and aqmask are all ones and cannot change while "
           "driver_overrides are set (the 6.19 driver_override regime), and APQN " + apqn +
           " has no driver_override; `echo vfio_ap > /sys/bus/ap/devices/" + apqn +
           "/driver_override`, then unbind and bind it, gives it to vfio_ap";
  return "reserved for the host drivers: adapter " + hex(v.witness.adapter, 2) + " is set in apmask and domain " +
         hex(v.witness.domain, 4) + " in aqmask";
}

// A final status is what the reset answered. A transient one is no answer a completed reset
// gives: from 6.6 the driver polls until the reset completes, so it stays only when the check
// gave up (a poll answered Q_NOT_AVAIL or an unexpected code: response::final_status); before
// 6.6 the driver does not wait, so the in-progress answer is kept.
std::string reset_text(Apqn q, std::uint8_t rc, bool waited) {
  std::string out = "the last reset of APQN " + apqn_text(q) + " answered 0x" + hex(rc, 2) + " (" +
                    std::string(response_name(rc)) + ")";
  if (response::transient(rc))
    out += waited ? " and the driver's check that it completed gave up, keeping that status"
                  : " and, before Linux 6.6, the driver does not wait for a reset in progress";
  return out;
}

std::string format_text(CrycbFormat f) {
  switch (f) {
    case CrycbFormat::format0: return "format 0";
    case CrycbFormat::format1: return "format 1";
    case CrycbFormat::format2: return "format 2";
  }
  return "format ?";
}

}  // namespace

std::string describe(const Verdict& v) {
  const std::string guest = "guest " + std::to_string(v.guest);
  switch (v.reason) {
    case Reason::in_guest: return "in " + guest + "'s CRYCB";
    case Reason::exceeds_max_id:
      return id_text(v.kind, v.id) + " is beyond the highest " + std::string(kind_word(v.kind)) +
             " ID the host allows (" + hex(static_cast<unsigned>(v.limit), v.kind == IdKind::adapter ? 2 : 4) + ")";
    case Reason::not_in_host_config:
      return id_text(v.kind, v.id) + " is not in the host's AP configuration (" +
             (v.kind == IdKind::adapter  ? "ap_adapter_mask"
              : v.kind == IdKind::domain ? "ap_usage_domain_mask"
                                         : "ap_control_domain_mask") +
             ")";
    case Reason::host_owned: return host_owned_text(v);
    case Reason::not_bound: return not_bound_text(v.witness, v.driver, v.driver_override);
    case Reason::reset_failed: return reset_text(v.witness, v.response, v.reset_waited);
    case Reason::adapter_filtered_unbound:
      return "adapter " + hex(v.witness.adapter, 2) + " is filtered out: " + not_bound_text(v.witness, v.driver);
    case Reason::adapter_filtered_reset:
      return "adapter " + hex(v.witness.adapter, 2) + " is filtered out: " + reset_text(v.witness, v.response, v.reset_waited);
    case Reason::in_other_mdev: return "assigned to another mdev, " + v.other_mdev;
    case Reason::not_assigned: return id_text(v.kind, v.id) + " is not assigned to this mdev";
    case Reason::shadow_stale:
      return "stale shadow (S ⊊ F): the full filter passes it, but the kernel has not refiltered "
             "since an unassign, unbind, host configuration removal or a reset that ended passable (the "
             "resets after a filter of the queues it took out, 6.8 f848cba767e5)";
    case Reason::no_guest: return "in the shadow, but no guest is attached (a guest gets it when it opens the mdev)";
    case Reason::guest_released:
      return "in the shadow, but " + guest + " was asked to release the device: its CRYCB is cleared until the next commit";
    case Reason::exceeds_crycb_format:
      return "in the shadow, but " + guest + "'s CRYCB " + format_text(v.format) + " holds " +
             std::string(kind_word(v.kind)) + "s up to " +
             hex(static_cast<unsigned>(v.limit), v.kind == IdKind::adapter ? 2 : 4) + " only, not " +
             hex(static_cast<unsigned>(v.id), v.kind == IdKind::adapter ? 2 : 4);
    case Reason::not_committed:
      return "in the shadow, but " + guest + "'s CRYCB does not hold it: the shadow was not committed";
  }
  return "?";
}

std::string render_domain_grid(const Matrix& apcb) {
  const std::string rule(54, '-');
  std::string out = "DOMAIN";
  for (unsigned i = 0; i < 16; ++i) out += " " + hex(i, 2);
  out += "\n" + rule + "\n";
  for (unsigned row = 0; row < 16; ++row) {
    out += "    " + hex(row * 16, 2);
    for (unsigned col = 0; col < 16; ++col) {
      const auto d = static_cast<ApId>(row * 16 + col);
      const bool u = apcb.domains.test(d);
      const bool c = apcb.control_domains.test(d);
      out += "  ";
      out += u && c ? 'B' : u ? 'U' : c ? 'C' : '.';
    }
    out += "\n";
  }
  out += rule + "\n";
  out += "C: Control domain\nU: Usage domain\nB: Both (Control + Usage domain)\n";
  return out;
}

namespace {

std::string fields(const Matrix& m) {
  return "adapters=" + format_id_set(m.adapters, 2) + " domains=" + format_id_set(m.domains, 4) +
         " control=" + format_id_set(m.control_domains, 4);
}

std::string pad(std::string s, std::size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

std::string yes_no(bool b) { return b ? "yes" : "no"; }

}  // namespace

std::string render_explanation(const MdevExplanation& e) {
  std::string out = "mdev " + e.uuid + ": ";
  if (!e.guest)
    out += "no guest attached\n";
  else
    out += "guest " + std::to_string(*e.guest) + " attached" + (e.released ? " (release requested)" : "") + "\n";
  out += "  assigned  " + fields(e.assigned) + "\n";
  out += "  shadow    " + fields(e.shadow) + "\n";
  if (e.guest) out += "  guest     " + fields(e.guest_apcb) + "\n";
  out += "\n";
  constexpr std::size_t kCode = 25;
  if (e.apqns.empty()) {
    out += "No APQN: no adapter and domain are both assigned or configured.\n";
  } else {
    out += "APQN     ASSIGNED SHADOW GUEST " + pad("REASON", kCode) + "WHY\n";
    for (const ApqnRow& r : e.apqns)
      out += apqn_text(r.apqn) + "  " + pad(yes_no(r.assigned), 9) + pad(yes_no(r.in_shadow), 7) +
             pad(yes_no(r.verdict.has()), 6) + pad(std::string(reason_code(r.verdict.reason)), kCode) +
             describe(r.verdict) + "\n";
  }
  out += "\n";
  if (e.control_domains.empty()) {
    out += "No control domain is assigned.\n";
  } else {
    out += "CONTROL  SHADOW GUEST " + pad("REASON", kCode) + "WHY\n";
    for (const ControlRow& r : e.control_domains)
      out += hex(r.domain, 4) + "     " + pad(yes_no(r.in_shadow), 7) + pad(yes_no(r.verdict.has()), 6) +
             pad(std::string(reason_code(r.verdict.reason)), kCode) + describe(r.verdict) + "\n";
  }
  out += "\n";
  if (e.guest) {
    out += "Domains of guest " + std::to_string(*e.guest) + " (lszcrypt -d layout):\n";
    out += render_domain_grid(e.guest_apcb);
  } else {
    out += "No guest attached; the domains a guest would get at attach (the shadow, lszcrypt -d layout):\n";
    out += render_domain_grid(e.shadow);
  }
  return out;
}

namespace {

// The first APQN of candidate.A × candidate.Q that `pred` holds for, in ascending order.
template <typename Pred>
std::optional<Apqn> first_apqn(const Matrix& candidate, Pred pred) {
  std::optional<Apqn> found;
  candidate.adapters.for_each([&](ApId a) {
    if (found) return;
    candidate.domains.for_each([&](ApId d) {
      if (!found && pred(Apqn{a, d})) found = Apqn{a, d};
    });
  });
  return found;
}

std::string write_failure(const State& s, const op::AttrWrite& o, Errno result) {
  const Mdev* m = s.find_mdev(o.uuid);
  if (m == nullptr) return "there is no mdev " + o.uuid;
  const bool is_config = o.attr == MdevAttr::ap_config;
  const bool adapter = o.attr == MdevAttr::assign_adapter || o.attr == MdevAttr::unassign_adapter;
  const bool domain = o.attr == MdevAttr::assign_domain || o.attr == MdevAttr::unassign_domain;
  const IdKind kind = adapter ? IdKind::adapter : domain ? IdKind::domain : IdKind::control_domain;
  Matrix candidate = m->assigned;
  if (is_config) {
    const Parsed<Matrix> p = parse_ap_config(o.text);
    if (p.ok()) candidate = p.value;
  } else {
    const Parsed<std::uint64_t> v = parse_kstrtoul(o.text);
    if (v.ok() && v.value < 256) {
      const auto id = static_cast<ApId>(v.value);
      (adapter ? candidate.adapters : domain ? candidate.domains : candidate.control_domains).set(id);
    }
    if (result == Errno::enodev && v.ok()) {
      const int max = adapter ? s.params.apm_max() : domain ? s.params.aqm_max() : s.params.adm_max();
      return std::string(kind_word(kind)) + " " + std::to_string(v.value) + " is beyond the highest " +
             std::string(kind_word(kind)) + " ID the host allows (" + std::to_string(max) + ")";
    }
  }
  switch (result) {
    case Errno::einval:
      return is_config ? "'" + printable(o.text) + "' is not three hex masks apm,aqm,adm"
                       : "'" + printable(o.text) +
                             "' is not a number kstrtoul accepts (decimal, 0x hex or 0 octal, "
                             "at most one trailing newline)";
    case Errno::erange: return "'" + printable(o.text) + "' does not fit in 64 bits";
    case Errno::enodev: {
      // ap_config: the first ID above its maximum.
      const std::array<std::pair<const Mask*, std::pair<IdKind, int>>, 3> parts{{
          {&candidate.adapters, {IdKind::adapter, s.params.apm_max()}},
          {&candidate.domains, {IdKind::domain, s.params.aqm_max()}},
          {&candidate.control_domains, {IdKind::control_domain, s.params.adm_max()}},
      }};
      for (const auto& [mask, info] : parts) {
        const int beyond = (*mask - Mask::up_to(info.second)).first();
        if (beyond >= 0)
          return id_text(info.first, beyond) + " is beyond the highest " + std::string(kind_word(info.first)) +
                 " ID the host allows (" + hex(static_cast<unsigned>(info.second), info.first == IdKind::adapter ? 2 : 4) + ")";
      }
      return {};
    }
    case Errno::eaddrnotavail:
      if (auto q = first_apqn(candidate, [&](Apqn x) { return s.owned_by_default(x); })) {
        const Verdict v = host_owned_verdict(s, *q);
        if (!v.driver_override.empty() || v.override_regime) return "APQN " + apqn_text(*q) + " would be " + host_owned_text(v);
        return "APQN " + apqn_text(*q) + " would be reserved for the host drivers (adapter " + hex(q->adapter, 2) +
               " is set in apmask and domain " + hex(q->domain, 4) + " in aqmask)";
      }
      return {};
    case Errno::eaddrinuse:
      if (auto q = first_apqn(candidate, [&](Apqn x) {
            const Mdev* owner = s.owner_of(x);
            return owner != nullptr && owner != m;
          }))
        return "APQN " + apqn_text(*q) + " is already assigned to mdev " + s.owner_of(*q)->uuid;
      return {};
    default: return {};
  }
}

}  // namespace

std::string explain_failure(const State& before, const Op& op, Errno result) {
  if (result == Errno::ok) return {};
  if (const auto* w = std::get_if<op::AttrWrite>(&op)) return write_failure(before, *w, result);
  if (const auto* c = std::get_if<op::MdevCreate>(&op)) {
    if (result == Errno::einval) return "'" + printable(c->uuid) + "' is not a UUID (8-4-4-4-12 hex digits)";
    if (result == Errno::eexist) return "an mdev " + c->uuid + " already exists";
    return {};
  }
  if (const auto* r = std::get_if<op::MdevRemove>(&op)) {
    if (result == Errno::ebusy) return "mdev " + r->uuid + " is still open by a guest";
    if (result == Errno::enoent) return "there is no mdev " + r->uuid;
    return {};
  }
  if (const auto* d = std::get_if<op::DriverOverrideWrite>(&op)) {
    if (result == Errno::enoent)
      return behaviour(before.kernel).queue_driver_override
                 ? "there is no queue device " + apqn_text(d->apqn) + " (not in the host's AP configuration)"
                 : "the " + std::string(kernel_version_name(before.kernel)) +
                       " profile has no driver_override attribute (6.19 d38a87d7c064)";
    if (result != Errno::einval) return {};
    if (before.apmask != Mask::all() || before.aqmask != Mask::all())
      return std::string("a driver_override can be written only while apmask and aqmask are both all ones (6.19 "
                         "46030379f13c), and ") + (before.apmask != Mask::all() ? "apmask" : "aqmask") + " is not";
    return "the value is " + std::to_string(d->text.size()) + " bytes; the driver core takes at most " +
           std::to_string(kDriverOverrideMax - 1);
  }
  if (const auto* b = std::get_if<op::BusMaskWrite>(&op)) {
    if (result == Errno::einval && behaviour(before.kernel).queue_driver_override && before.masks_locked()) {
      const std::uint64_t set = before.driver_override.size();
      const std::uint64_t gone = before.override_count > set ? before.override_count - set : 0;
      const std::string leaked =
          gone == 0 ? std::string()
                    : std::to_string(gone) + " override(s) of queue devices that have since gone still count (" +
                          "46030379f13c lowers the count only in driver_override_store, so these stay until the AP " +
                          "bus is reinitialised)";
      if (before.any_override()) {
        const Apqn q = Apqn::unpack(before.driver_override.begin()->first);
        return "APQN " + apqn_text(q) + " (and " + std::to_string(before.driver_override.size() - 1) +
               " other queue(s)) has a driver_override: the 6.19 AP bus refuses apmask and aqmask writes (EINVAL) "
               "while its override count is not zero (clear them with `echo > .../driver_override` first)" +
               (leaked.empty() ? std::string() : "; also " + leaked);
      }
      return "no queue device has a driver_override, but the 6.19 AP bus refuses apmask and aqmask writes (EINVAL): " +
             leaked;
    }
    if (result == Errno::einval) return "'" + printable(b->text) + "' is neither a hex mask nor a +/- list";
    if (result != Errno::ebusy) return {};
    // step.cpp's veto: what the write asks in_use about.
    const bool is_apmask = b->mask == BusMask::apmask;
    const Parsed<Mask> p = parse_bus_mask(b->text, is_apmask ? before.apmask : before.aqmask);
    if (!p.ok()) return {};
    const bool all_ones_other = behaviour(before.kernel).queue_driver_override;
    const Matrix asked = mask_write_in_use_query(before, b->mask, p.value);
    for (const Mdev& m : before.mdevs) {
      auto q = first_apqn(m.assigned, [&](Apqn x) {
        return asked.adapters.test(x.adapter) && asked.domains.test(x.domain);
      });
      if (!q) continue;
      const std::string what = "APQN " + apqn_text(*q) + " is assigned to mdev " + m.uuid;
      const Mask& other_now = is_apmask ? before.aqmask : before.apmask;
      if (all_ones_other && !other_now.test(is_apmask ? q->domain : q->adapter))
        return what + ": the write newly reserves " + (is_apmask ? "adapter " : "domain ") +
               std::to_string(is_apmask ? q->adapter : q->domain) +
               ", and from 6.19 the AP bus asks vfio_ap about it with an all-ones " +
               (is_apmask ? "aqmask" : "apmask") + " (6917f434fda3), so it is in use although " +
               apqn_text(*q) + " would stay vfio_ap's";
      return what + " and would be reserved for the host drivers";
    }
    return {};
  }
  return {};
}

}  // namespace apcb::model
