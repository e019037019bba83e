// The transition relation: every operation of the alphabet as a function from a symbolic
// pre-state to a symbolic post-state and result, mirroring model/step.cpp.
//
// step.cpp is sequential (loops over queues in ascending order, one probe and one filter per
// queue); here each operation is in closed form, per adapter row. Each closed form below says
// why it equals the loop it replaces. Three facts carry most of the weight:
//   * a reset only writes last_ok := hw_ok on the reset queues, so a batch of resets is one
//     row update whatever its order, and it commutes with commits (which touch only CRYCBs);
//   * only a filter reads last_ok, so resets matter only when a filter follows them;
//   * a probe inside a bulk operation (host configuration change, bus-mask write) never
//     filters: the queue's owner has pending adds, or there is no owner (argued at each).
#include <optional>
#include <stdexcept>
#include <type_traits>

#include "model/z3/encoding.h"

namespace apcb::model::z3enc {

class TransitionBuilder {
 public:
  TransitionBuilder(Encoder& enc, const SymState& pre) : enc_(enc), c_(enc.ctx()), pre_(pre) {}

  Transition operator()(const sop::ConfigChange& o);
  Transition operator()(const sop::QueueBind& o);
  Transition operator()(const sop::QueueUnbind& o);
  Transition operator()(const sop::ResetResponse& o);
  Transition operator()(const sop::BusMaskWrite& o);
  Transition operator()(const sop::MdevCreate& o);
  Transition operator()(const sop::MdevRemove& o);
  Transition operator()(const sop::AttrWrite& o);
  Transition operator()(const sop::ApConfigWrite& o);
  Transition operator()(const sop::DeviceReset& o);
  Transition operator()(const sop::GuestCreate& o);
  Transition operator()(const sop::GuestAttach& o);
  Transition operator()(const sop::GuestDetach& o);
  Transition operator()(const sop::GuestRelease& o);
  Transition operator()(const sop::VcpuObserve& o);
  Transition operator()(const sop::ReadMdev& o);
  Transition operator()(const sop::ReadBusMask& o);
  Transition operator()(const sop::ReadQueueStatus& o);
  Transition operator()(const sop::DriverOverrideWrite& o);
  Transition operator()(const sop::DriverOverrideRead& o);

 private:
  // A check of the operation, in step.cpp's order: the first whose condition holds decides the
  // result. An `ok` check is a no-op success ("already assigned"): result 0, state unchanged.
  // A check stops the operation with the pre-state unless it names the state it `leaves`: the
  // one failure that changes the state (an open's EPERM before 4400270ec034 moves the guest's
  // PQAP hook), kept as the kernel has it so that P6 is proved, not assumed.
  struct Check {
    z3::expr cond;
    Errno result;
    std::optional<SymState> leaves = std::nullopt;
  };

  z3::expr zero() const { return enc_.zero(); }
  z3::expr tt() const { return c_.bool_val(true); }
  z3::expr ff() const { return c_.bool_val(false); }
  SymMdev& mdev(SymState& s, int k) const { return s.mdevs.at(static_cast<std::size_t>(k)); }
  const SymMdev& mdev(const SymState& s, int k) const {
    return s.mdevs.at(static_cast<std::size_t>(k));
  }
  int slots() const { return enc_.shape().mdevs; }
  int guest_slots() const { return enc_.shape().guests; }

  static z3::expr differs(const SymMatrix& a, const SymMatrix& b) {
    return a.adapters != b.adapters || a.domains != b.domains ||
           a.control_domains != b.control_domains;
  }

  // The transition: result from the checks; post = pre when a check holds, else `success`
  // with result `completion` (0, or for a device reset the EIO its resets may report).
  Transition finish(const std::vector<Check>& checks, const SymState& success);
  Transition finish(const std::vector<Check>& checks, const SymState& success,
                    const z3::expr& completion);
  SymState merge(const z3::expr& c, const SymState& t, const SymState& e) const;
  static z3::expr pick(const z3::expr& c, const z3::expr& t, const z3::expr& e) {
    if (z3::eq(t, e)) return t;
    return z3::ite(c, t, e);
  }
  static SymMatrix pick(const z3::expr& c, const SymMatrix& t, const SymMatrix& e) {
    return SymMatrix{pick(c, t.adapters, e.adapters), pick(c, t.domains, e.domains),
                     pick(c, t.control_domains, e.control_domains)};
  }

  // The mdev slot number `k` as a hook term (SymGuest::hook).
  z3::expr mdev_slot(int k) const {
    return c_.bv_val(static_cast<std::uint64_t>(k), static_cast<unsigned>(enc_.mdev_bits()));
  }

  SymMdev empty_mdev(bool present) const {
    return SymMdev{c_.bool_val(present),
                   SymMatrix{zero(), zero(), zero()},
                   SymMatrix{zero(), zero(), zero()},
                   ff(),
                   c_.bv_val(0, static_cast<unsigned>(enc_.guest_bits())),
                   ff()};
  }

  // The first present slot (creation order) whose assigned matrix holds (a, d): owner_of.
  std::vector<z3::expr> owners(const SymState& s, const z3::expr& a, const z3::expr& d) const;

  // --- effects (step.cpp's private helpers) ---------------------------------------------------
  // commit(m) when `cond`: an attached mdev's guest gets the truncated shadow; released clears.
  void commit_if(SymState& s, int k, const z3::expr& cond) const;
  // clear_crycb(m) when `cond` (precondition: attached).
  void clear_crycb_if(SymState& s, int k, const z3::expr& cond) const;
  // reset_all over a set given per row: last_ok[x] := hw_ok[x] on the domains row(x).
  void reset_rows(SymState& s, const std::function<z3::expr(const z3::expr&)>& row) const;
  // Resets of every linked queue of k (unset_kvm, device reset, mdev removal).
  void reset_linked(SymState& s, int k) const;
  // The domains of adapter x (an index term) a filter checks: every one with the full filter;
  // before 6.8 (KernelBehaviour::full_filter) only the delta's (Scope), see encoding.h.
  using Scope = std::function<z3::expr(const z3::expr&)>;
  // A fresh constant defined as F.A of mdev k in state `s`, or with `scope` (the delta filter)
  // the adapters a ∈ M.A ∩ cfgA whose domains in M.Q ∩ cfgQ ∩ scope(a) are all passable.
  z3::expr define_filter(const SymState& s, int k, const Scope& scope = {});
  // The scope of an assignment's filter: adapters × domains (masks), or none (everything) with
  // the full filter.
  Scope scope_of(const z3::expr& adapters, const z3::expr& domains) const;
  // A fresh constant defined as the adapters a with some linked queue (a, d) of mdev k whose
  // reset ends with a non-zero response, in state `s` (vfio_ap_mdev_reset_queues' -EIO).
  z3::expr define_nonzero_resets(const SymState& s, int k);
  // refilter (when `do_aq`) and filter_cdoms (when `do_c`), then one commit if the shadow
  // changed, then resets of the adapters the filter took out that were plugged before
  // (refilter_and_commit; the scan-complete loop body).
  void refilter_and_commit(SymState& s, int k, const z3::expr& do_aq, const z3::expr& do_c,
                           const Scope& scope = {});
  // hot_unplug(m, adapters, ids) / hot_unplug(m, domains, ids).
  void hot_unplug_adapters(SymState& s, int k, const z3::expr& ids) const;
  void hot_unplug_domains(SymState& s, int k, const z3::expr& ids) const;
  // remove_queue(q) for a queue bound to vfio_ap.
  void remove_queue(SymState& s, const z3::expr& a, const z3::expr& d) const;
  // validate_masks(k, candidate) as two checks (EADDRNOTAVAIL, then EADDRINUSE).
  void validate_masks(std::vector<Check>& checks, const SymState& s, int k,
                      const SymMatrix& candidate);

  // Records a reset batch: for every adapter x, the domains r(x) (with `x` the bound name
  // in `r`); `s` is the state right after the batch. The function kept substitutes into the
  // term, so it outlives the builder (the builder's own lambdas capture `this`).
  void record_resets(const z3::expr& x, const z3::expr& r, const SymState& s) const;

  Encoder& enc_;
  z3::context& c_;
  const SymState& pre_;
  std::vector<Definition> defs_;
  // The operation's commits and resets so far (model::Observation's events, in order).
  mutable std::vector<SymEvent> events_;
  // Row → Bool: where the successful operation leaves the closed form (Transition::covered);
  // unset for every operation but a bus-mask write.
  std::function<z3::expr(const z3::expr&)> uncovered_;
};

// --- plumbing ----------------------------------------------------------------------------------

SymState TransitionBuilder::merge(const z3::expr& c, const SymState& t, const SymState& e) const {
  SymState s = t;
  s.cfg = pick(c, t.cfg, e.cfg);
  for (auto f : kSymStateValues) s.*f = pick(c, t.*f, e.*f);
  for (auto f : kSymStateRows) s.*f = pick(c, t.*f, e.*f);
  s.mdevs.clear();
  s.guests.clear();
  for (std::size_t k = 0; k < t.mdevs.size(); ++k) {
    const SymMdev& x = t.mdevs[k];
    const SymMdev& y = e.mdevs[k];
    s.mdevs.push_back(SymMdev{pick(c, x.present, y.present), pick(c, x.assigned, y.assigned),
                              pick(c, x.shadow, y.shadow), pick(c, x.attached, y.attached),
                              pick(c, x.guest, y.guest), pick(c, x.released, y.released)});
  }
  for (std::size_t g = 0; g < t.guests.size(); ++g) {
    const SymGuest& x = t.guests[g];
    const SymGuest& y = e.guests[g];
    s.guests.push_back(SymGuest{pick(c, x.present, y.present), pick(c, x.msax3, y.msax3),
                                pick(c, x.apcb, y.apcb), pick(c, x.hooked, y.hooked),
                                pick(c, x.hook, y.hook), pick(c, x.hook_freed, y.hook_freed)});
  }
  return s;
}

Transition TransitionBuilder::finish(const std::vector<Check>& checks, const SymState& success) {
  return finish(checks, success, enc_.errno_value(Errno::ok));
}

Transition TransitionBuilder::finish(const std::vector<Check>& checks, const SymState& success,
                                     const z3::expr& completion) {
  z3::expr result = completion;
  z3::expr stop = ff();
  z3::expr failed = ff();
  // The state a stopping check leaves: the pre-state, or what the deciding check `leaves`.
  SymState stopped = pre_;
  for (auto it = checks.rbegin(); it != checks.rend(); ++it) {
    result = z3::ite(it->cond, enc_.errno_value(it->result), result);
    stopped = merge(it->cond, it->leaves ? *it->leaves : pre_, stopped);
    stop = it->cond || stop;
    // The first check that holds decides; an `ok` check stops without failing.
    failed = it->result == Errno::ok ? (!it->cond && failed) : (it->cond || failed);
  }
  // A check that holds stops the operation before any commit or reset (P6): no event takes
  // place, and every in-progress state is the pre-state (a check that `leaves` a state changes
  // it without an event).
  if (!stop.is_false())
    for (SymEvent& e : events_) {
      e.happens = e.happens && !stop;
      e.state = merge(stop, pre_, e.state);
    }
  // `failed` is built like `stop` (the same term when no check is a no-op success), so a
  // proof that assumes it meets the very condition the post-state is selected by.
  std::function<z3::expr(const z3::expr&)> covered = [tt = tt()](const z3::expr&) { return tt; };
  if (uncovered_)
    covered = [stop, uncovered = uncovered_](const z3::expr& y) { return stop || !uncovered(y); };
  return Transition{merge(stop, stopped, success), result, failed, std::move(defs_),
                    std::move(events_), std::move(covered)};
}

namespace {
// `body`, a term over the row variable `x`, as a function of the row: y ↦ body[x := y].
std::function<z3::expr(const z3::expr&)> row_function(const z3::expr& x, const z3::expr& body) {
  return [x, body](const z3::expr& y) {
    z3::expr_vector src(x.ctx());
    z3::expr_vector dst(x.ctx());
    src.push_back(x);
    dst.push_back(y);
    z3::expr copy = body;  // substitute is not const in z3++
    return copy.substitute(src, dst);
  };
}
}  // namespace

void TransitionBuilder::record_resets(const z3::expr& x, const z3::expr& r,
                                      const SymState& s) const {
  events_.push_back(SymEvent{SymEvent::Kind::reset, tt(), -1, false,
                             c_.bv_val(0, static_cast<unsigned>(enc_.guest_bits())),
                             row_function(x, r), s});
}

std::vector<z3::expr> TransitionBuilder::owners(const SymState& s, const z3::expr& a,
                                                const z3::expr& d) const {
  std::vector<z3::expr> out;
  z3::expr taken = ff();
  for (int k = 0; k < slots(); ++k) {
    const SymMdev& m = mdev(s, k);
    const z3::expr holds =
        m.present && enc_.bit(m.assigned.adapters, a) && enc_.bit(m.assigned.domains, d);
    out.push_back(holds && !taken);
    taken = taken || holds;
  }
  return out;
}

void TransitionBuilder::commit_if(SymState& s, int k, const z3::expr& cond) const {
  SymMdev& m = mdev(s, k);
  const z3::expr doit = cond && m.attached;
  for (int g = 0; g < guest_slots(); ++g) {
    SymGuest& guest = s.guests[static_cast<std::size_t>(g)];
    guest.apcb =
        pick(doit && enc_.guest_is(m.guest, g), enc_.truncate(m.shadow, guest.msax3), guest.apcb);
  }
  m.released = m.released && !doit;
  events_.push_back(SymEvent{SymEvent::Kind::commit, doit, k, false, m.guest, {}, s});
}

void TransitionBuilder::clear_crycb_if(SymState& s, int k, const z3::expr& cond) const {
  SymMdev& m = mdev(s, k);
  for (int g = 0; g < guest_slots(); ++g) {
    SymGuest& guest = s.guests[static_cast<std::size_t>(g)];
    guest.apcb = pick(cond && m.attached && enc_.guest_is(m.guest, g),
                      SymMatrix{zero(), zero(), zero()}, guest.apcb);
  }
  events_.push_back(SymEvent{SymEvent::Kind::commit, cond && m.attached, k, true, m.guest, {}, s});
}

void TransitionBuilder::reset_rows(SymState& s,
                                   const std::function<z3::expr(const z3::expr&)>& row) const {
  // The bound variable's name only has to differ from the constants of the body.
  const z3::expr x = c_.bv_const("row!x", static_cast<unsigned>(enc_.index_bits()));
  const z3::expr r = row(x);
  s.last_ok = z3::lambda(x, (z3::select(s.last_ok, x) & ~r) | (z3::select(s.hw_ok, x) & r));
  record_resets(x, r, s);
}

void TransitionBuilder::reset_linked(SymState& s, int k) const {
  const SymState snap = s;
  reset_rows(s, [this, snap, k](const z3::expr& x) { return enc_.linked_row(snap, k, x); });
}

z3::expr TransitionBuilder::define_filter(const SymState& s, int k, const Scope& scope) {
  const std::string name = "F!" + std::to_string(enc_.next_definition_++);
  const z3::expr var = c_.bv_const(name.c_str(), static_cast<unsigned>(enc_.width()));
  const Encoder* enc = &enc_;
  const SymMdev& m = s.mdevs[static_cast<std::size_t>(k)];
  if (!scope) {
    defs_.push_back(Definition{var,
                               [enc, s, k](const z3::expr& i) { return enc->filter_bit(s, k, i); },
                               m.assigned.adapters & s.cfg.adapters});
    return var;
  }
  // The delta filter (step.cpp filter_matrix before 6.8): a ∈ M.A ∩ cfgA and every domain of
  // M.Q ∩ cfgQ within the scope's row of a is passable.
  defs_.push_back(Definition{var,
                             [enc, s, k, scope](const z3::expr& i) {
                               const SymMdev& mm = s.mdevs[static_cast<std::size_t>(k)];
                               const z3::expr checked =
                                   mm.assigned.domains & s.cfg.domains & scope(i);
                               return enc->bit(mm.assigned.adapters & s.cfg.adapters, i) &&
                                      (checked & ~enc->passable_row(s, k, i)) == enc->zero();
                             },
                             m.assigned.adapters & s.cfg.adapters});
  return var;
}

TransitionBuilder::Scope TransitionBuilder::scope_of(const z3::expr& adapters,
                                                     const z3::expr& domains) const {
  if (enc_.behaviour().full_filter) return {};
  const Encoder* enc = &enc_;
  return [enc, adapters, domains](const z3::expr& x) {
    return z3::ite(enc->bit(adapters, x), domains, enc->zero());
  };
}

z3::expr TransitionBuilder::define_nonzero_resets(const SymState& s, int k) {
  const std::string name = "F!" + std::to_string(enc_.next_definition_++);
  const z3::expr var = c_.bv_const(name.c_str(), static_cast<unsigned>(enc_.width()));
  const Encoder* enc = &enc_;
  const SymMdev& m = s.mdevs[static_cast<std::size_t>(k)];
  defs_.push_back(Definition{var,
                             [enc, s, k](const z3::expr& i) {
                               return (enc->linked_row(s, k, i) & enc->nonzero_row(s, i)) !=
                                      enc->zero();
                             },
                             m.assigned.adapters & s.cfg.adapters});
  return var;
}

void TransitionBuilder::refilter_and_commit(SymState& s, int k, const z3::expr& do_aq,
                                            const z3::expr& do_c, const Scope& scope) {
  const SymState snap = s;
  SymMdev& m = mdev(s, k);
  const SymMatrix before = m.shadow;
  // filter_matrix: F.A (a definition), F.Q = M.Q ∩ cfgQ; filter_cdoms: M.C ∩ cfgC.
  const z3::expr fa = do_aq.is_false() ? zero() : define_filter(snap, k, scope);
  const z3::expr fq = m.assigned.domains & s.cfg.domains;
  const z3::expr fc = m.assigned.control_domains & s.cfg.control_domains;
  // Adapters the filter took out that were in the shadow: their queues in the new shadow's
  // domains are reset after the commit.
  const z3::expr filtered =
      pick(do_aq, m.assigned.adapters & s.cfg.adapters & before.adapters & ~fa, zero());
  m.shadow = SymMatrix{pick(do_aq, fa, before.adapters), pick(do_aq, fq, before.domains),
                       pick(do_c, fc, before.control_domains)};
  commit_if(s, k, differs(m.shadow, before));
  const z3::expr new_q = m.shadow.domains;
  // Before 6.8 (filter_resets_unplugged) the filter resets nothing.
  if (do_aq.is_false() || !enc_.behaviour().filter_resets_unplugged) return;
  reset_rows(s, [this, snap, k, filtered, new_q](const z3::expr& x) {
    return z3::ite(enc_.bit(filtered, x), enc_.linked_row(snap, k, x) & new_q, enc_.zero());
  });
}

void TransitionBuilder::hot_unplug_adapters(SymState& s, int k, const z3::expr& ids) const {
  // Queues (a, d), a ∈ ids ∩ S.A, d ∈ S.Q, linked: listed before the IDs leave the shadow.
  const SymState snap = s;
  SymMdev& m = mdev(s, k);
  const z3::expr gone = ids & m.shadow.adapters;
  const z3::expr shadow_q = m.shadow.domains;
  m.shadow.adapters = m.shadow.adapters & ~ids;
  commit_if(s, k, gone != zero());
  reset_rows(s, [this, snap, k, gone, shadow_q](const z3::expr& x) {
    return z3::ite(enc_.bit(gone, x), enc_.linked_row(snap, k, x) & shadow_q, enc_.zero());
  });
}

void TransitionBuilder::hot_unplug_domains(SymState& s, int k, const z3::expr& ids) const {
  // Queues (a, d), d ∈ ids ∩ S.Q, a ∈ S.A, linked.
  const SymState snap = s;
  SymMdev& m = mdev(s, k);
  const z3::expr gone = ids & m.shadow.domains;
  const z3::expr shadow_a = m.shadow.adapters;
  m.shadow.domains = m.shadow.domains & ~ids;
  commit_if(s, k, gone != zero());
  reset_rows(s, [this, snap, k, gone, shadow_a](const z3::expr& x) {
    return z3::ite(enc_.bit(shadow_a, x), enc_.linked_row(snap, k, x) & gone, enc_.zero());
  });
}

void TransitionBuilder::remove_queue(SymState& s, const z3::expr& a, const z3::expr& d) const {
  // Only row a changes: the owner's resets are (a, d') for the shadow's domains d', a plain
  // reset is (a, d), and the queue object's status is dropped (passable) at the end.
  const SymState snap = s;
  const std::vector<z3::expr> own = owners(snap, a, d);
  const z3::expr last = z3::select(snap.last_ok, a);
  const z3::expr hw = z3::select(snap.hw_ok, a);
  const z3::expr q = enc_.onehot(d);
  z3::expr in_guest_any = ff();
  z3::expr resets = zero();
  for (int k = 0; k < slots(); ++k) {
    const SymMdev& m0 = mdev(snap, k);
    const z3::expr in_guest = own[static_cast<std::size_t>(k)] && enc_.bit(m0.shadow.adapters, a) &&
                              enc_.bit(m0.shadow.domains, d);
    resets = resets | z3::ite(in_guest, enc_.linked_row(snap, k, a) & m0.shadow.domains, zero());
    in_guest_any = in_guest_any || in_guest;
    SymMdev& m = mdev(s, k);
    m.shadow.adapters = pick(in_guest, m.shadow.adapters & ~enc_.onehot(a), m.shadow.adapters);
    commit_if(s, k, in_guest);
  }
  const z3::expr present = enc_.bit(enc_.present_row(snap, a), d);
  // Before 6.8 (unbind_resets_adapter) only the queue itself is reset, and only while present.
  const z3::expr reset = enc_.behaviour().unbind_resets_adapter
                             ? z3::ite(in_guest_any, resets, z3::ite(present, q, zero()))
                             : z3::ite(present, q, zero());
  const z3::expr row = ((last & ~reset) | (hw & reset)) | q;
  s.last_ok = z3::store(s.last_ok, a, row);
  const z3::expr x = c_.bv_const("row!x", static_cast<unsigned>(enc_.index_bits()));
  record_resets(x, z3::ite(x == a, reset, zero()), s);
}

void TransitionBuilder::validate_masks(std::vector<Check>& checks, const SymState& s, int k,
                                       const SymMatrix& cand) {
  // Host-owned APQNs: without an override that is "reserved", one test on the masks. With one
  // (6.19), ownership is per queue (Encoder::owned_row), so the test is per adapter of the
  // candidate: a definition, like a filter vector.
  const z3::expr reserved =
      (cand.adapters & s.apmask) != zero() && (cand.domains & s.aqmask) != zero();
  z3::expr host_owned = reserved;
  if (enc_.behaviour().queue_driver_override) {
    const std::string name = "F!" + std::to_string(enc_.next_definition_++);
    const z3::expr var = c_.bv_const(name.c_str(), static_cast<unsigned>(enc_.width()));
    const Encoder* enc = &enc_;
    const SymState snap = s;
    const z3::expr domains = cand.domains;
    defs_.push_back(Definition{var,
                               [enc, snap, domains](const z3::expr& i) {
                                 return (domains & enc->owned_row(snap, i)) != enc->zero();
                               },
                               cand.adapters});
    host_owned = z3::ite(enc_.any_override(s), (var & cand.adapters) != zero(), reserved);
  }
  checks.push_back(Check{host_owned, Errno::eaddrnotavail});
  z3::expr shared = ff();
  for (int j = 0; j < slots(); ++j) {
    if (j == k) continue;
    const SymMdev& o = mdev(s, j);
    shared = shared || (o.present && (cand.adapters & o.assigned.adapters) != zero() &&
                        (cand.domains & o.assigned.domains) != zero());
  }
  checks.push_back(Check{shared, Errno::eaddrinuse});
}

// --- host operations ---------------------------------------------------------------------------

Transition TransitionBuilder::operator()(const sop::ConfigChange& o) {
  // step.cpp: (1) on_config_changed: shadow −= removed IDs, commit if changed, pending adds;
  // (2) cfg := cur; (3) remove the vfio_ap queues that left; (4) drop unbound marks of queues
  // that left; (5) probe the arriving queues; (6) on_scan_complete.
  SymState s = pre_;
  const SymMatrix prev = pre_.cfg;
  const SymMatrix& cur = o.cfg;
  const SymMatrix removed{prev.adapters & ~cur.adapters, prev.domains & ~cur.domains,
                          prev.control_domains & ~cur.control_domains};
  const SymMatrix added{cur.adapters & ~prev.adapters, cur.domains & ~prev.domains,
                        cur.control_domains & ~prev.control_domains};
  std::vector<z3::expr> pend_aq(static_cast<std::size_t>(slots()), ff());
  std::vector<z3::expr> pend_c(static_cast<std::size_t>(slots()), ff());
  std::vector<z3::expr> pend_a(static_cast<std::size_t>(slots()), zero());
  std::vector<z3::expr> pend_q(static_cast<std::size_t>(slots()), zero());
  // The kernel's mdev list is newest first (step.cpp): slots, in creation order, backwards.
  // Under P3 the order changes no state, only the order of the commits (the events).
  const KernelBehaviour& kb = enc_.behaviour();
  for (int k = slots() - 1; k >= 0; --k) {
    SymMdev& m = mdev(s, k);
    const SymMatrix before = m.shadow;
    // vfio_ap_mdev_cfg_remove; before the 2026 fix the control domains removed were "removed
    // minus assigned" (removal_unplugs_assigned_control_domains).
    const SymMatrix rem{removed.adapters & m.assigned.adapters,
                        removed.domains & m.assigned.domains,
                        kb.removal_unplugs_assigned_control_domains
                            ? removed.control_domains & m.assigned.control_domains
                            : removed.control_domains & ~m.assigned.control_domains};
    m.shadow = SymMatrix{before.adapters & ~rem.adapters, before.domains & ~rem.domains,
                         before.control_domains & ~rem.control_domains};
    // The commit: when the shadow changed; before the 2026 fix when a mask removed from stayed
    // non-empty (bitmap_andnot's return, removal_commits_emptied_shadow).
    const z3::expr commit =
        kb.removal_commits_emptied_shadow
            ? differs(m.shadow, before)
            : (rem.adapters != zero() && m.shadow.adapters != zero()) ||
                  (rem.domains != zero() && m.shadow.domains != zero()) ||
                  (rem.control_domains != zero() && m.shadow.control_domains != zero());
    commit_if(s, k, m.present && commit);
    pend_aq[static_cast<std::size_t>(k)] =
        m.present && ((added.adapters & m.assigned.adapters) != zero() ||
                      (added.domains & m.assigned.domains) != zero());
    pend_c[static_cast<std::size_t>(k)] =
        m.present && (added.control_domains & m.assigned.control_domains) != zero();
    pend_a[static_cast<std::size_t>(k)] = added.adapters & m.assigned.adapters;
    pend_q[static_cast<std::size_t>(k)] = added.domains & m.assigned.domains;
  }
  s.cfg = cur;
  // (3) A leaving queue (a, d) has a ∈ removedA or d ∈ removedQ; an mdev holding it has
  // a ∈ M.A and d ∈ M.Q, so (1) took it out of that shadow: remove_queue finds it in no guest,
  // and it is no longer configured, so it is not reset. Only its status is dropped.
  // (5) An arriving queue (a, d) has a ∈ addedA or d ∈ addedQ; an mdev holding it therefore
  // has a pending adapter or domain add, so its probe defers the filter. The probe only drops
  // the (fresh) queue's status, and only if it binds to vfio_ap (not reserved).
  const SymState& p = pre_;
  // The queue devices of the new configuration: within the bus's maximum IDs.
  SymState next_cfg = p;
  next_cfg.cfg = cur;
  auto cur_row = [this, next_cfg](const z3::expr& x) { return enc_.present_row(next_cfg, x); };
  const z3::expr x = c_.bv_const("row!x", static_cast<unsigned>(enc_.index_bits()));
  const z3::expr arriving = cur_row(x) & ~enc_.present_row(p, x);
  const z3::expr leaving_vfio = enc_.vfio_row(p, x) & ~cur_row(x);
  s.last_ok = z3::lambda(
      x, z3::select(p.last_ok, x) | leaving_vfio | (arriving & ~enc_.reserved_row(p, x)));
  // (4) then (5): an adapter that left loses every mark, one that stayed keeps those of
  // domains that stayed; an arriving queue's mark is cleared before its probe.
  const z3::expr ub = z3::select(p.unbound, x);
  s.unbound =
      z3::lambda(x, z3::ite(enc_.bit(prev.adapters, x),
                            z3::ite(enc_.bit(cur.adapters, x), ub & cur.domains, zero()), ub) &
                        ~arriving);
  // (3)–(4), 6.19: a queue device keeps its driver_override and its override binding only if
  // it was present before and is after (a leaving device takes them, an arriving one is new).
  if (kb.queue_driver_override) {
    const z3::expr stays = enc_.present_row(p, x) & cur_row(x);
    s.overrides = z3::lambda(x, z3::select(p.overrides, x) & stays);
    s.override_bound = z3::lambda(x, z3::select(p.override_bound, x) & stays);
  }
  // (6) Each mdev with pending adds, newest first, filters the state the previous ones left
  // (their resets can change what the next filter sees only when mdevs share queues, but the
  // order costs nothing to keep).
  // Before 6.8 the filter checks pending adapters × every domain ∪ every adapter × pending
  // domains (the delta filter's scope).
  for (int k = slots() - 1; k >= 0; --k) {
    Scope scope;
    if (!kb.full_filter) {
      const Encoder* enc = &enc_;
      const z3::expr pa = pend_a[static_cast<std::size_t>(k)];
      const z3::expr pq = pend_q[static_cast<std::size_t>(k)];
      scope = [enc, pa, pq](const z3::expr& y) {
        return z3::ite(enc->bit(pa, y), enc->ones(), pq);
      };
    }
    refilter_and_commit(s, k, pend_aq[static_cast<std::size_t>(k)],
                        pend_c[static_cast<std::size_t>(k)], scope);
  }
  return finish({}, s);
}

Transition TransitionBuilder::operator()(const sop::QueueBind& o) {
  const SymState& p = pre_;
  const z3::expr present = enc_.bit(enc_.present_row(p, o.adapter), o.domain);
  const z3::expr unbound = enc_.bit(z3::select(p.unbound, o.adapter), o.domain);
  const z3::expr reserved = enc_.bit(p.apmask, o.adapter) && enc_.bit(p.aqmask, o.domain);
  z3::expr refused = tt();  // Driver::none
  if (o.driver == Driver::default_driver) refused = !reserved;
  if (o.driver == Driver::vfio_ap) refused = reserved;
  const bool regime = enc_.behaviour().queue_driver_override;
  // 6.19 ap_device_probe: a queue with a driver_override binds the driver it names and no other,
  // whatever the masks say.
  if (regime && o.driver != Driver::none)
    refused = z3::ite(enc_.bit(z3::select(p.overrides, o.adapter), o.domain),
                      !enc_.bit(enc_.override_names_row(p, o.adapter, o.driver), o.domain), refused);
  std::vector<Check> checks{
      {!present, Errno::enodev}, {!unbound, Errno::ebusy}, {refused, Errno::enodev}};
  SymState s = pre_;
  const z3::expr q = enc_.onehot(o.domain);
  s.unbound = z3::store(p.unbound, o.adapter, z3::select(p.unbound, o.adapter) & ~q);
  // Bound to vfio_ap although the masks reserve it: by its override (State::override_bound).
  if (regime && o.driver == Driver::vfio_ap)
    s.override_bound = z3::store(p.override_bound, o.adapter,
                                 z3::select(p.override_bound, o.adapter) |
                                     z3::ite(reserved, q, zero()));
  if (o.driver == Driver::vfio_ap) {
    // probe_queue: a fresh queue object (status dropped), then the owner's full filter (the
    // owner has no pending adds between operations).
    s.last_ok = z3::store(p.last_ok, o.adapter, z3::select(p.last_ok, o.adapter) | q);
    const std::vector<z3::expr> own = owners(s, o.adapter, o.domain);
    for (int k = 0; k < slots(); ++k)
      refilter_and_commit(s, k, own[static_cast<std::size_t>(k)], ff());
  }
  return finish(checks, s);
}

Transition TransitionBuilder::operator()(const sop::QueueUnbind& o) {
  const SymState& p = pre_;
  z3::expr bound_to_it = ff();  // Driver::none is never "the driver it is bound to"
  if (o.driver == Driver::default_driver)
    bound_to_it = enc_.bit(enc_.default_row(p, o.adapter), o.domain);
  if (o.driver == Driver::vfio_ap) bound_to_it = enc_.bit(enc_.vfio_row(p, o.adapter), o.domain);
  std::vector<Check> checks{{!bound_to_it, Errno::enodev}};
  SymState s = pre_;
  if (o.driver == Driver::vfio_ap) remove_queue(s, o.adapter, o.domain);
  s.unbound =
      z3::store(s.unbound, o.adapter, z3::select(s.unbound, o.adapter) | enc_.onehot(o.domain));
  if (enc_.behaviour().queue_driver_override)
    s.override_bound = z3::store(s.override_bound, o.adapter,
                                 z3::select(s.override_bound, o.adapter) & ~enc_.onehot(o.domain));
  return finish(checks, s);
}

Transition TransitionBuilder::operator()(const sop::ResetResponse& o) {
  SymState s = pre_;
  const z3::expr row = z3::select(pre_.hw_ok, o.adapter);
  const z3::expr zrow = z3::select(pre_.hw_zero, o.adapter);
  const z3::expr q = enc_.onehot(o.domain);
  s.hw_ok = z3::store(pre_.hw_ok, o.adapter, z3::ite(o.passable, row | q, row & ~q));
  // NORMAL is passable: a zero answer that is not passable is no State's, and is kept out.
  s.hw_zero = z3::store(pre_.hw_zero, o.adapter,
                        z3::ite(o.passable && o.zero, zrow | q, zrow & ~q));
  return finish({}, s);
}

Transition TransitionBuilder::operator()(const sop::BusMaskWrite& o) {
  const SymState& p = pre_;
  const bool is_apmask = o.mask == BusMask::apmask;
  const z3::expr& current = is_apmask ? p.apmask : p.aqmask;
  // The in_use veto, asked only when the write sets a new ID: the newly set IDs crossed with
  // the other mask, from 6.19 (6917f434fda3) an all-ones one (step.cpp).
  const bool regime = enc_.behaviour().queue_driver_override;
  const z3::expr newly = o.value & ~current;
  const z3::expr other = regime ? enc_.ones() : (is_apmask ? p.aqmask : p.apmask);
  const z3::expr apm = is_apmask ? newly : other;
  const z3::expr aqm = is_apmask ? other : newly;
  z3::expr in_use = ff();
  for (int k = 0; k < slots(); ++k) {
    const SymMdev& m = mdev(p, k);
    in_use = in_use || (m.present && (m.assigned.adapters & apm) != zero() &&
                        (m.assigned.domains & aqm) != zero());
  }
  std::vector<Check> checks;
  // 6.19 (46030379f13c): no mask write while the bus counts an override (EINVAL). Every State
  // counts at least its overrides, so "or an override is set" changes nothing there (lower()
  // keeps other states outside); it keeps the symbolic count, which the induction cannot tie to
  // the number of overrides, from letting a write leave overrides behind in the mask regime.
  if (regime) checks.push_back({enc_.masks_locked(p) || enc_.any_override(p), Errno::einval});
  checks.push_back({newly != zero() && in_use, Errno::ebusy});
  // Reprobing. In the mask regime a queue going to the default driver is newly reserved, so
  // after the veto no mdev holds it: remove_queue resets it (it is configured) and drops its
  // status — net, status passable. A queue coming to vfio_ap was reserved, so (assumptions():
  // no assigned APQN is reserved) no mdev holds it: probe_queue only drops its status. No mdev
  // is refiltered and nothing is committed. A write that leaves the 6.19 driver_override
  // regime sets no new ID, so nothing vetoes it: a queue an mdev holds may go either way.
  // Going to the default driver while outside every shadow, it is only reset, as here; in a
  // shadow (unplug, commit) or coming to vfio_ap (refilter, commit) it is `uncovered_`.
  SymState s = pre_;
  const z3::expr new_apm = is_apmask ? o.value : p.apmask;
  const z3::expr new_aqm = is_apmask ? p.aqmask : o.value;
  const z3::expr x = c_.bv_const("row!x", static_cast<unsigned>(enc_.index_bits()));
  const z3::expr will_reserve = z3::ite(enc_.bit(new_apm, x), new_aqm, zero());
  const z3::expr to_default = enc_.vfio_row(p, x) & will_reserve;
  // (6.19: a queue bound to the default driver while an mdev holds it, which only the
  // driver_override regime reaches, is outside the encoding: Encoder::assumptions.)
  const z3::expr to_vfio = enc_.default_row(p, x) & ~will_reserve;
  // The queues going to the default driver are reset (remove_queue, ascending) before the mask
  // changes; the probes that follow reset nothing.
  record_resets(x, to_default, pre_);
  if (regime) {
    z3::expr moves = ff();
    for (int k = 0; k < slots(); ++k) {
      const SymMdev& m = mdev(p, k);
      moves = moves || (m.present && ((enc_.bit(m.shadow.adapters, x) &&
                                       (to_default & m.shadow.domains) != zero()) ||
                                      (enc_.bit(m.assigned.adapters, x) &&
                                       (to_vfio & m.assigned.domains) != zero())));
    }
    uncovered_ = row_function(x, moves);
  }
  s.last_ok = z3::lambda(x, z3::select(p.last_ok, x) | to_default | to_vfio);
  (is_apmask ? s.apmask : s.aqmask) = o.value;
  (is_apmask ? s.apmask_high : s.aqmask_high) = o.high;
  // Every bound queue now has the driver the masks name (no override is set).
  if (regime) s.override_bound = z3::const_array(enc_.index_sort(), zero());
  return finish(checks, s);
}

// --- mdev operations ---------------------------------------------------------------------------

Transition TransitionBuilder::operator()(const sop::MdevCreate& o) {
  SymState s = pre_;
  mdev(s, o.slot) = empty_mdev(true);
  return finish({{mdev(pre_, o.slot).present, Errno::eexist}}, s);
}

Transition TransitionBuilder::operator()(const sop::MdevRemove& o) {
  const SymMdev& m = mdev(pre_, o.slot);
  SymState s = pre_;
  reset_linked(s, o.slot);
  mdev(s, o.slot) = empty_mdev(false);
  // A hook into this mdev (an open of it failed, before 4400270ec034) is left dangling.
  for (SymGuest& g : s.guests)
    g.hook_freed = g.hook_freed || (g.hooked && enc_.mdev_is(g.hook, o.slot));
  return finish({{!m.present, Errno::enoent}, {m.attached, Errno::ebusy}}, s);
}

Transition TransitionBuilder::operator()(const sop::DeviceReset& o) {
  // vfio_ap_mdev_reset_queues: reset every linked queue, then -EIO when one of them ended with
  // a non-zero response code. The EIO comes after the resets: it is no check, the post-state
  // holds the resets either way.
  SymState s = pre_;
  reset_linked(s, o.slot);
  const z3::expr nonzero = define_nonzero_resets(pre_, o.slot);
  const z3::expr completion = z3::ite(nonzero != zero(), enc_.errno_value(Errno::eio),
                                      enc_.errno_value(Errno::ok));
  return finish({{!mdev(pre_, o.slot).present, Errno::enoent}}, s, completion);
}

Transition TransitionBuilder::operator()(const sop::AttrWrite& o) {
  const SymMdev& m = mdev(pre_, o.slot);
  const HostParams& hp = enc_.shape().params;
  int max = hp.adm_max();
  if (o.attr == MdevAttr::assign_adapter || o.attr == MdevAttr::unassign_adapter)
    max = hp.apm_max();
  if (o.attr == MdevAttr::assign_domain || o.attr == MdevAttr::unassign_domain) max = hp.aqm_max();
  if (o.attr == MdevAttr::ap_config)
    throw std::invalid_argument("z3enc: ap_config writes are sop::ApConfigWrite");
  std::vector<Check> checks{
      {!m.present, Errno::enoent},
      {z3::ugt(o.value, c_.bv_val(static_cast<std::uint64_t>(max), 64)), Errno::enodev}};
  // In range, so the value is an ID below the width.
  const z3::expr id = o.value.extract(static_cast<unsigned>(enc_.index_bits() - 1), 0);
  const z3::expr one = enc_.onehot(id);
  SymState s = pre_;
  SymMdev& sm = mdev(s, o.slot);
  switch (o.attr) {
    case MdevAttr::assign_adapter:
    case MdevAttr::assign_domain: {
      const bool adapter = o.attr == MdevAttr::assign_adapter;
      checks.push_back(
          {enc_.bit(adapter ? m.assigned.adapters : m.assigned.domains, id), Errno::ok});
      SymMatrix cand = m.assigned;
      (adapter ? cand.adapters : cand.domains) = (adapter ? cand.adapters : cand.domains) | one;
      validate_masks(checks, pre_, o.slot, cand);
      sm.assigned = cand;
      refilter_and_commit(s, o.slot, tt(), ff(),
                          adapter ? scope_of(one, enc_.ones()) : scope_of(enc_.ones(), one));
      break;
    }
    case MdevAttr::unassign_adapter:
      checks.push_back({!enc_.bit(m.assigned.adapters, id), Errno::ok});
      hot_unplug_adapters(s, o.slot, one);
      mdev(s, o.slot).assigned.adapters = m.assigned.adapters & ~one;
      break;
    case MdevAttr::unassign_domain:
      checks.push_back({!enc_.bit(m.assigned.domains, id), Errno::ok});
      hot_unplug_domains(s, o.slot, one);
      mdev(s, o.slot).assigned.domains = m.assigned.domains & ~one;
      break;
    case MdevAttr::assign_control_domain: {
      checks.push_back({enc_.bit(m.assigned.control_domains, id), Errno::ok});
      sm.assigned.control_domains = m.assigned.control_domains | one;
      const z3::expr c = sm.assigned.control_domains & pre_.cfg.control_domains;
      const z3::expr changed = c != m.shadow.control_domains;
      sm.shadow.control_domains = c;
      commit_if(s, o.slot, changed);
      break;
    }
    case MdevAttr::unassign_control_domain: {
      checks.push_back({!enc_.bit(m.assigned.control_domains, id), Errno::ok});
      sm.assigned.control_domains = m.assigned.control_domains & ~one;
      sm.shadow.control_domains = m.shadow.control_domains & ~one;
      commit_if(s, o.slot, enc_.bit(m.shadow.control_domains, id));
      break;
    }
    case MdevAttr::ap_config:
      break;
  }
  return finish(checks, s);
}

Transition TransitionBuilder::operator()(const sop::ApConfigWrite& o) {
  const SymMdev& m = mdev(pre_, o.slot);
  const HostParams& hp = enc_.shape().params;
  std::vector<Check> checks{{!m.present, Errno::enoent}};
  // Before 6.10 (ap_config_attribute) there is no such file.
  if (!enc_.behaviour().ap_config_attribute) return finish({{tt(), Errno::enoent}}, pre_);
  validate_masks(checks, pre_, o.slot, o.value);
  // The range check comes after the ownership checks here (step.cpp write_ap_config).
  const z3::expr outside = (o.value.adapters & ~enc_.range(0, hp.apm_max())) != zero() ||
                           (o.value.domains & ~enc_.range(0, hp.aqm_max())) != zero() ||
                           (o.value.control_domains & ~enc_.range(0, hp.adm_max())) != zero();
  checks.push_back({outside, Errno::enodev});
  // Unplug removed adapters, then removed domains (each: commit if changed, then resets), then
  // install the new matrix, full filter + control domains, commit if changed, reset filtered.
  // The unplug resets touch rows of removed adapters and columns of removed domains, which the
  // filter of the new matrix never reads; the builder applies them in order anyway.
  SymState s = pre_;
  hot_unplug_adapters(s, o.slot, m.assigned.adapters & ~o.value.adapters);
  hot_unplug_domains(s, o.slot, m.assigned.domains & ~o.value.domains);
  mdev(s, o.slot).assigned = o.value;
  refilter_and_commit(s, o.slot, tt(), tt());
  return finish(checks, s);
}

// --- guest operations --------------------------------------------------------------------------

Transition TransitionBuilder::operator()(const sop::GuestCreate& o) {
  SymState s = pre_;
  s.guests.at(static_cast<std::size_t>(o.slot)) =
      SymGuest{tt(), o.msax3, SymMatrix{zero(), zero(), zero()}, ff(), mdev_slot(0), ff()};
  return finish({{pre_.guests.at(static_cast<std::size_t>(o.slot)).present, Errno::eexist}}, s);
}

Transition TransitionBuilder::operator()(const sop::GuestAttach& o) {
  const SymMdev& m = mdev(pre_, o.mdev);
  const SymGuest& g = pre_.guests.at(static_cast<std::size_t>(o.guest));
  z3::expr taken = ff();
  for (const SymMdev& other : pre_.mdevs)
    taken = taken || (other.present && other.attached && enc_.guest_is(other.guest, o.guest));
  // set_kvm registers m's PQAP hook with the guest: after the EPERM check from 4400270ec034,
  // before it (and not withdrawn on the EPERM) until then.
  auto hooked = [&](SymState st) {
    SymGuest& sg = st.guests.at(static_cast<std::size_t>(o.guest));
    sg.hooked = tt();
    sg.hook = mdev_slot(o.mdev);
    sg.hook_freed = ff();
    return st;
  };
  SymState s = hooked(pre_);
  SymMdev& sm = mdev(s, o.mdev);
  sm.attached = tt();
  sm.guest =
      c_.bv_val(static_cast<std::uint64_t>(o.guest), static_cast<unsigned>(enc_.guest_bits()));
  // set_kvm commits the shadow as it is.
  commit_if(s, o.mdev, tt());
  Check eperm{taken, Errno::eperm};
  if (!enc_.behaviour().failed_attach_keeps_hook) eperm.leaves = hooked(pre_);
  return finish({{!m.present || !g.present, Errno::enoent}, {m.attached, Errno::ebusy}, eperm},
                s);
}

Transition TransitionBuilder::operator()(const sop::GuestDetach& o) {
  const SymMdev& m = mdev(pre_, o.slot);
  SymState s = pre_;
  // unset_kvm withdraws the guest's hook first, whatever mdev it names (before 4400270ec034 one
  // whose open failed).
  for (int g = 0; g < guest_slots(); ++g) {
    SymGuest& sg = s.guests[static_cast<std::size_t>(g)];
    const z3::expr mine = m.attached && enc_.guest_is(m.guest, g);
    sg.hooked = sg.hooked && !mine;
    sg.hook_freed = sg.hook_freed && !mine;
  }
  clear_crycb_if(s, o.slot, tt());
  reset_linked(s, o.slot);
  SymMdev& sm = mdev(s, o.slot);
  sm.attached = ff();
  sm.guest = c_.bv_val(0, static_cast<unsigned>(enc_.guest_bits()));
  sm.released = ff();
  return finish({{!m.present, Errno::enoent}, {!m.attached, Errno::einval}}, s);
}

Transition TransitionBuilder::operator()(const sop::GuestRelease& o) {
  const SymMdev& m = mdev(pre_, o.slot);
  SymState s = pre_;
  // Before 6.15 (request_clears_crycb) the request only signals user space.
  if (enc_.behaviour().request_clears_crycb) {
    clear_crycb_if(s, o.slot, tt());
    mdev(s, o.slot).released = tt();
  }
  return finish({{!m.present, Errno::enoent}, {!m.attached, Errno::einval}}, s);
}

// --- reads -------------------------------------------------------------------------------------

Transition TransitionBuilder::operator()(const sop::VcpuObserve& o) {
  return finish({{!pre_.guests.at(static_cast<std::size_t>(o.guest)).present, Errno::enoent}},
                pre_);
}

Transition TransitionBuilder::operator()(const sop::ReadMdev& o) {
  // Before 6.10 (ap_config_attribute) there is no ap_config file to read.
  if (o.ap_config && !enc_.behaviour().ap_config_attribute)
    return finish({{tt(), Errno::enoent}}, pre_);
  return finish({{!mdev(pre_, o.slot).present, Errno::enoent}}, pre_);
}

Transition TransitionBuilder::operator()(const sop::ReadBusMask&) { return finish({}, pre_); }

// 6.19 driver_override_store (step.cpp): ENOENT without the attribute or the queue device; a
// write of no bytes changes nothing; EINVAL unless both masks are all ones, then for a value
// of a page less one byte or more; else the override is set (or cleared). Nothing is reprobed.
Transition TransitionBuilder::operator()(const sop::DriverOverrideWrite& o) {
  if (!enc_.behaviour().queue_driver_override) return finish({{tt(), Errno::enoent}}, pre_);
  const SymState& p = pre_;
  const z3::expr present = enc_.bit(enc_.present_row(p, o.adapter), o.domain);
  std::vector<Check> checks{{!present, Errno::enoent},
                            {o.empty, Errno::ok},
                            {!enc_.all_ones_masks(p), Errno::einval},
                            {o.too_long, Errno::einval}};
  SymState s = pre_;
  const z3::expr q = enc_.onehot(o.domain);
  auto put = [&](z3::expr& rows, bool set) {
    const z3::expr row = z3::select(rows, o.adapter);
    rows = z3::store(rows, o.adapter, set ? row | q : row & ~q);
  };
  // ap_driver_override_ctr follows the attribute's set/cleared transitions, and only here.
  const z3::expr had = enc_.bit(z3::select(p.overrides, o.adapter), o.domain);
  const z3::expr one = c_.bv_val(1, 64);
  s.override_count = o.name == sop::OverrideName::clear
                         ? z3::ite(had, p.override_count - one, p.override_count)
                         : z3::ite(had, p.override_count, p.override_count + one);
  put(s.overrides, o.name != sop::OverrideName::clear);
  if (o.name != sop::OverrideName::clear) {
    put(s.override_vfio, o.name == sop::OverrideName::vfio_ap);
    put(s.override_default, o.name == sop::OverrideName::default_driver);
  }
  return finish(checks, s);
}

// 6.19 driver_override_show: the text read is an observation; nothing changes.
Transition TransitionBuilder::operator()(const sop::DriverOverrideRead& o) {
  if (!enc_.behaviour().queue_driver_override) return finish({{tt(), Errno::enoent}}, pre_);
  const z3::expr present = enc_.bit(enc_.present_row(pre_, o.adapter), o.domain);
  return finish({{!present, Errno::enoent}}, pre_);
}

Transition TransitionBuilder::operator()(const sop::ReadQueueStatus& o) {
  const z3::expr bound = enc_.bit(enc_.vfio_row(pre_, o.adapter), o.domain);
  return finish({{!bound, Errno::enoent}}, pre_);
}

// --- Encoder entry points ------------------------------------------------------------------------

Transition Encoder::step(const SymState& pre, const SymOp& op) {
  if (static_cast<int>(pre.mdevs.size()) != shape_.mdevs ||
      static_cast<int>(pre.guests.size()) != shape_.guests)
    throw std::invalid_argument("z3enc: a state of another shape");
  auto slot_ok = [](int slot, int n) {
    if (slot < 0 || slot >= n) throw std::invalid_argument("z3enc: slot out of range");
  };
  std::visit(
      [&](const auto& o) {
        using T = std::decay_t<decltype(o)>;
        if constexpr (std::is_same_v<T, sop::GuestAttach>) {
          slot_ok(o.mdev, shape_.mdevs);
          slot_ok(o.guest, shape_.guests);
        } else if constexpr (std::is_same_v<T, sop::GuestCreate>) {
          slot_ok(o.slot, shape_.guests);
        } else if constexpr (std::is_same_v<T, sop::VcpuObserve>) {
          slot_ok(o.guest, shape_.guests);
        } else if constexpr (requires { o.slot; }) {
          slot_ok(o.slot, shape_.mdevs);
        }
      },
      op);
  TransitionBuilder b(*this, pre);
  return std::visit(b, op);
}

z3::expr Encoder::definitions(const Transition& t) const {
  z3::expr_vector all(*ctx_);
  for (const Definition& d : t.defs) all.push_back(d.var == vector_of(d.bit, d.support));
  return conjunction(all);
}

z3::expr Encoder::definitions_at(const Transition& t, const z3::expr& idx) const {
  z3::expr_vector all(*ctx_);
  for (const Definition& d : t.defs) all.push_back(bit(d.var, idx) == d.bit(idx));
  return conjunction(all);
}

namespace {

// Applies f to every term of a state.
SymState map_state(const SymState& s, const std::function<z3::expr(const z3::expr&)>& f) {
  auto mat = [&](const SymMatrix& m) {
    return SymMatrix{f(m.adapters), f(m.domains), f(m.control_domains)};
  };
  SymState out = s;
  out.cfg = mat(s.cfg);
  for (auto field : kSymStateValues) out.*field = f(s.*field);
  for (auto field : kSymStateRows) out.*field = f(s.*field);
  out.mdevs.clear();
  out.guests.clear();
  for (const SymMdev& m : s.mdevs)
    out.mdevs.push_back(SymMdev{f(m.present), mat(m.assigned), mat(m.shadow), f(m.attached),
                                f(m.guest), f(m.released)});
  for (const SymGuest& g : s.guests)
    out.guests.push_back(SymGuest{f(g.present), f(g.msax3), mat(g.apcb), f(g.hooked), f(g.hook),
                                  f(g.hook_freed)});
  return out;
}

}  // namespace

Transition Encoder::close(const Transition& t) const {
  z3::expr_vector src(*ctx_);
  z3::expr_vector dst(*ctx_);
  for (const Definition& d : t.defs) {
    // The support may mention earlier definitions: close it first, so that it is known.
    z3::expr support = d.support;
    if (!src.empty()) support = support.substitute(src, dst);
    z3::expr full = vector_of(d.bit, support.simplify());
    if (!src.empty()) full = full.substitute(src, dst);
    src.push_back(d.var);
    dst.push_back(full.simplify());
  }
  auto f = [&](const z3::expr& e) {
    z3::expr copy = e;  // substitute is not const in z3++
    return src.empty() ? copy : copy.substitute(src, dst);
  };
  std::vector<SymEvent> events;
  for (const SymEvent& e : t.events) {
    SymEvent c{e.kind, f(e.happens), e.mdev, e.clear, f(e.guest), e.resets, map_state(e.state, f)};
    if (e.resets && !src.empty())
      c.resets = [inner = e.resets, src, dst](const z3::expr& y) {
        z3::expr r = inner(y);
        z3::expr_vector from = src;  // substitute takes non-const references in z3++
        z3::expr_vector to = dst;
        return r.substitute(from, to);
      };
    events.push_back(std::move(c));
  }
  return Transition{map_state(t.post, f), f(t.result), f(t.failed), {}, std::move(events),
                    [src, dst, inner = t.covered](const z3::expr& y) {
                      z3::expr r = inner(y);
                      z3::expr_vector from = src;  // substitute takes non-const references
                      z3::expr_vector to = dst;
                      return from.empty() ? r : r.substitute(from, to);
                    }};
}

z3::expr Encoder::relation(const SymState& pre, const SymOp& op, const SymState& post,
                           const z3::expr& result) {
  const Transition t = step(pre, op);
  return definitions(t) && equal(post, t.post) && result == t.result;
}

}  // namespace apcb::model::z3enc
