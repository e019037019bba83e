#include "proofs/invariant.h"

namespace apcb::proofs::detail {

namespace {

z3::expr subset(const z3enc::Encoder& enc, const z3::expr& x, const z3::expr& y) {
  return (x & ~y) == enc.zero();
}

z3::expr meets(const z3enc::Encoder& enc, const z3enc::SymMatrix& x, const z3enc::SymMatrix& y) {
  return (x.adapters & y.adapters) != enc.zero() && (x.domains & y.domains) != enc.zero();
}

}  // namespace

std::string_view conjunct_name(Conjunct c) {
  switch (c) {
    case Conjunct::wf: return "wf";
    case Conjunct::p7_domains: return "P7.domains";
    case Conjunct::p1_control: return "P1.control";
    case Conjunct::p3_exclusive: return "P3.exclusive";
    case Conjunct::p3_not_reserved: return "P3.not_reserved";
    case Conjunct::p4: return "P4";
    case Conjunct::p7_adapters: return "P7.adapters";
  }
  return "?";
}

z3::expr inv_global(const z3enc::Encoder& enc, const z3enc::SymState& s, const Inv& inv) {
  z3::context& c = enc.ctx();
  z3::expr_vector all(c);
  all.push_back(c.bool_val(true));
  if (inv.has(Conjunct::wf)) all.push_back(enc.wf(s));
  for (const z3enc::SymMdev& m : s.mdevs) {
    if (inv.has(Conjunct::p7_domains))
      all.push_back(z3::implies(m.present,
                                m.shadow.domains == (m.assigned.domains & s.cfg.domains)));
    if (inv.has(Conjunct::p1_control))
      all.push_back(z3::implies(m.present, subset(enc, m.shadow.control_domains,
                                                  m.assigned.control_domains &
                                                      s.cfg.control_domains)));
  }
  if (inv.has(Conjunct::p3_exclusive))
    for (std::size_t k = 0; k < s.mdevs.size(); ++k)
      for (std::size_t j = k + 1; j < s.mdevs.size(); ++j)
        all.push_back(!(s.mdevs[k].present && s.mdevs[j].present &&
                        meets(enc, s.mdevs[k].assigned, s.mdevs[j].assigned)));
  // P3.not_reserved: what the encoding's step assumes (Encoder::assumptions: before 6.19 P3's
  // host half itself; from 6.19 the mask regime's facts), and at the spec strength P3's host
  // half in every profile (finding F2: from 6.19 it is not the kernel's).
  if (inv.has(Conjunct::p3_not_reserved)) {
    all.push_back(enc.assumptions(s));
    if (inv.strength == model::Strength::spec) all.push_back(enc.not_reserved(s));
  }
  return model::z3enc::conjunction(all);
}

z3::expr p4_at(const z3enc::Encoder& enc, const z3enc::SymState& s, const z3::expr& i) {
  z3::context& c = enc.ctx();
  z3::expr_vector all(c);
  all.push_back(c.bool_val(true));
  // The same case split as Encoder::p4, on one bit of each mask.
  auto same = [&](const z3enc::SymMatrix& x, const z3enc::SymMatrix& y) {
    return enc.bit(x.adapters, i) == enc.bit(y.adapters, i) &&
           enc.bit(x.domains, i) == enc.bit(y.domains, i) &&
           enc.bit(x.control_domains, i) == enc.bit(y.control_domains, i);
  };
  auto zero = [&](const z3enc::SymMatrix& x) {
    return !enc.bit(x.adapters, i) && !enc.bit(x.domains, i) && !enc.bit(x.control_domains, i);
  };
  for (int g = 0; g < static_cast<int>(s.guests.size()); ++g) {
    const z3enc::SymGuest& guest = s.guests[static_cast<std::size_t>(g)];
    z3::expr expect = zero(guest.apcb);
    for (const z3enc::SymMdev& m : s.mdevs) {
      const z3::expr mine = m.present && m.attached && enc.guest_is(m.guest, g);
      expect = z3::ite(mine,
                       z3::ite(m.released, zero(guest.apcb),
                               same(guest.apcb, enc.truncate(m.shadow, guest.msax3))),
                       expect);
    }
    all.push_back(z3::implies(guest.present, expect));
  }
  return model::z3enc::conjunction(all);
}

z3::expr inv_at(const z3enc::Encoder& enc, const z3enc::SymState& s, const z3::expr& a,
                const Inv& inv) {
  z3::expr_vector all(enc.ctx());
  all.push_back(enc.ctx().bool_val(true));
  if (inv.has(Conjunct::p4)) all.push_back(p4_at(enc, s, a));
  if (inv.has(Conjunct::p7_adapters))
    for (int k = 0; k < static_cast<int>(s.mdevs.size()); ++k)
      all.push_back(enc.p7_at(s, k, a, inv.strength));
  return model::z3enc::conjunction(all);
}

z3::expr inv_at_all(const z3enc::Encoder& enc, const z3enc::SymState& s,
                    const std::vector<z3::expr>& indices, const Inv& inv) {
  z3::expr_vector all(enc.ctx());
  all.push_back(inv_global(enc, s, inv));
  for (const z3::expr& i : indices) all.push_back(inv_at(enc, s, i, inv));
  return model::z3enc::conjunction(all);
}

z3::expr properties_at(const z3enc::Encoder& enc, const z3enc::SymState& s, const z3::expr& a,
                       model::Strength strength) {
  z3::expr_vector all(enc.ctx());
  all.push_back(enc.wf(s));
  for (int k = 0; k < static_cast<int>(s.mdevs.size()); ++k) {
    const z3enc::SymMdev& m = s.mdevs[static_cast<std::size_t>(k)];
    // P1 at a (adapters) and whole (domains, control domains); P7's domain and control-domain
    // halves are the same subsets.
    all.push_back(z3::implies(
        m.present,
        z3::implies(enc.bit(m.shadow.adapters, a),
                    enc.bit(m.assigned.adapters & s.cfg.adapters, a)) &&
            subset(enc, m.shadow.domains, m.assigned.domains & s.cfg.domains) &&
            subset(enc, m.shadow.control_domains,
                   m.assigned.control_domains & s.cfg.control_domains)));
    all.push_back(enc.p2_structural_at(s, k, a));
    if (strength == model::Strength::spec) all.push_back(enc.p2_passable_at(s, k, a));
    all.push_back(enc.p7_at(s, k, a, strength));
  }
  all.push_back(enc.p3(s, strength));
  all.push_back(p4_at(enc, s, a));
  return model::z3enc::conjunction(all);
}

z3::expr committed_ok_at(const z3enc::Encoder& enc, const z3enc::SymState& s, int k,
                         const z3enc::SymMatrix& c, const z3::expr& a) {
  const z3enc::SymMdev& m = s.mdevs[static_cast<std::size_t>(k)];
  return z3::implies(enc.bit(c.adapters, a),
                     enc.bit(m.assigned.adapters & s.cfg.adapters, a) &&
                         subset(enc, c.domains, enc.linked_row(s, k, a))) &&
         subset(enc, c.domains, m.assigned.domains & s.cfg.domains) &&
         subset(enc, c.control_domains, m.assigned.control_domains & s.cfg.control_domains);
}

z3::expr equal_at(const z3enc::Encoder& enc, const z3enc::SymState& a, const z3enc::SymState& b,
                  const z3::expr& x) {
  // Encoder::equal, with each array's row at x in place of the array.
  auto mat = [](const z3enc::SymMatrix& p, const z3enc::SymMatrix& q) {
    return p.adapters == q.adapters && p.domains == q.domains &&
           p.control_domains == q.control_domains;
  };
  z3::expr_vector all(enc.ctx());
  all.push_back(mat(a.cfg, b.cfg));
  for (auto f : z3enc::kSymStateValues) all.push_back(a.*f == b.*f);
  for (auto f : z3enc::kSymStateRows) all.push_back(z3::select(a.*f, x) == z3::select(b.*f, x));
  for (std::size_t k = 0; k < a.mdevs.size(); ++k) {
    const z3enc::SymMdev& p = a.mdevs[k];
    const z3enc::SymMdev& q = b.mdevs[k];
    all.push_back(p.present == q.present);
    all.push_back(z3::implies(p.present, mat(p.assigned, q.assigned) && mat(p.shadow, q.shadow) &&
                                             p.attached == q.attached &&
                                             z3::implies(p.attached, p.guest == q.guest) &&
                                             p.released == q.released));
  }
  for (std::size_t g = 0; g < a.guests.size(); ++g) {
    const z3enc::SymGuest& p = a.guests[g];
    const z3enc::SymGuest& q = b.guests[g];
    all.push_back(p.present == q.present);
    all.push_back(z3::implies(p.present, p.msax3 == q.msax3 && mat(p.apcb, q.apcb) &&
                                             z3enc::hooks_equal(p, q)));
  }
  return model::z3enc::conjunction(all);
}

z3::expr within(const z3enc::Encoder& enc, const z3::expr& m,
                const std::vector<z3::expr>& indices) {
  z3::expr allowed = enc.zero();
  for (const z3::expr& i : indices) allowed = allowed | enc.onehot(i);
  return (m & ~allowed) == enc.zero();
}

Witness witness(const z3enc::Encoder& enc, const std::string& prefix, const Inv& inv,
                bool constructible, bool override_bound) {
  z3::context& c = enc.ctx();
  const unsigned n = static_cast<unsigned>(enc.width());
  const unsigned ib = static_cast<unsigned>(enc.index_bits());
  Witness w{enc.fresh(prefix), c.bool_val(true), {}, {}, {}};
  z3enc::SymState& s = w.pre;
  auto idx = [&](const std::string& name) { return c.bv_const((prefix + "." + name).c_str(), ib); };
  auto row = [&](const std::string& name) { return c.bv_const((prefix + "." + name).c_str(), n); };
  // One symbolic row per array, over the default of State::initial.
  const z3::expr iu = idx("unbound.at");
  const z3::expr ru = row("unbound.row");
  const z3::expr ih = idx("hw.at");
  const z3::expr rh = row("hw.row");
  const z3::expr rz = row("hw.zero");
  const z3::expr il = idx("last.at");
  const z3::expr rl = row("last.row");
  s.unbound = z3::store(z3::const_array(enc.index_sort(), enc.zero()), iu, ru);
  s.hw_ok = z3::store(z3::const_array(enc.index_sort(), enc.ones()), ih, rh);
  s.hw_zero = z3::store(z3::const_array(enc.index_sort(), enc.ones()), ih, rz);
  s.last_ok = z3::store(z3::const_array(enc.index_sort(), enc.ones()), il, rl);
  // A witness has no driver_override and no override binding (6.19): its counterexamples are
  // of the mask regime.
  for (z3::expr* rows : {&s.overrides, &s.override_vfio, &s.override_default, &s.override_bound})
    *rows = z3::const_array(enc.index_sort(), enc.zero());
  s.override_count = c.bv_val(0, 64);
  const z3::expr io = idx("override_bound.at");
  const z3::expr ro = row("override_bound.row");
  if (override_bound)
    s.override_bound = z3::store(z3::const_array(enc.index_sort(), enc.zero()), io, ro);

  z3::expr_vector all(c);
  for (int k = 0; k < 6; ++k) w.pool.push_back(idx("pool" + std::to_string(k)));
  auto small = [&](const z3::expr& m) { all.push_back(within(enc, m, w.pool)); };
  if (override_bound) {
    small(ro);
    small(enc.onehot(io));
    // Bound: a queue of a configured adapter and domain, not unbound by hand.
    all.push_back(subset(enc, ro, enc.present_row(s, io)));
    all.push_back(z3::implies(io == iu, (ro & ru) == enc.zero()));
  }
  for (const z3::expr& m : {s.cfg.adapters, s.cfg.domains, s.cfg.control_domains, ru, ~rh, ~rz,
                            ~rl, enc.onehot(iu), enc.onehot(ih), enc.onehot(il)})
    small(m);
  // A bus mask names few IDs, or all of them while there is no mdev (the 6.19 driver_override
  // regime's masks, which an override write needs; construct() builds no assignment under
  // them).
  z3::expr no_mdev = c.bool_val(true);
  for (const z3enc::SymMdev& m : s.mdevs) no_mdev = no_mdev && !m.present;
  const z3::expr all_ones = s.apmask == enc.ones() && s.aqmask == enc.ones();
  for (const z3::expr& m : {s.apmask, s.aqmask})
    all.push_back(within(enc, m, w.pool) ||
                  (m == enc.ones() && (no_mdev || c.bool_val(override_bound))));
  if (override_bound) {
    all.push_back(z3::implies(ro != enc.zero(), all_ones));
    // Under all-ones masks an assignment needs queues an override gives to vfio_ap.
    if (constructible)
      for (const z3enc::SymMdev& m : s.mdevs)
        all.push_back(z3::implies(
            m.present && all_ones && m.assigned.adapters != enc.zero() &&
                m.assigned.domains != enc.zero(),
            m.assigned.adapters == enc.onehot(io) && subset(enc, m.assigned.domains, ro)));
  }
  // Below width 256: IDs beyond the width are in a mask exactly when it is all ones.
  all.push_back(s.apmask_high == (s.apmask == enc.ones()));
  all.push_back(s.aqmask_high == (s.aqmask == enc.ones()));
  // A State's zero answers are passable (NORMAL is).
  all.push_back(subset(enc, rz, rh));
  for (const z3enc::SymMdev& m : s.mdevs)
    for (const z3enc::SymMatrix* x : {&m.assigned, &m.shadow})
      for (const z3::expr& y : {x->adapters, x->domains, x->control_domains}) small(y);
  for (const z3enc::SymGuest& g : s.guests)
    for (const z3::expr& y : {g.apcb.adapters, g.apcb.domains, g.apcb.control_domains}) small(y);
  if (constructible) all.push_back(subset(enc, ru, enc.present_row(s, iu)));
  z3::expr linked_at_il = enc.zero();
  for (int k = 0; k < static_cast<int>(s.mdevs.size()); ++k) {
    const z3enc::SymMdev& m = s.mdevs[static_cast<std::size_t>(k)];
    linked_at_il = linked_at_il | z3::ite(m.present, enc.linked_row(s, k, il), enc.zero());
    std::vector<z3::expr> mine{idx("mdev" + std::to_string(k) + ".w0"),
                               idx("mdev" + std::to_string(k) + ".w1")};
    const z3::expr q0 = m.assigned.domains & s.cfg.domains;
    all.push_back(z3::implies(m.present, within(enc, m.assigned.adapters, mine) &&
                                             within(enc, m.shadow.adapters, mine)));
    if (constructible)
      all.push_back(z3::implies(
          m.present,
          m.shadow.domains == q0 &&
              m.shadow.control_domains == (m.assigned.control_domains & s.cfg.control_domains) &&
              (q0 != enc.zero() || m.shadow.adapters == (m.assigned.adapters & s.cfg.adapters)) &&
              z3::implies(m.released, m.attached)));
    // Before 6.15 (request_clears_crycb) a release request changes nothing: no mdev is released.
    if (constructible && !enc.behaviour().request_clears_crycb) all.push_back(!m.released);
    w.indices.insert(w.indices.end(), mine.begin(), mine.end());
    w.slot_indices.push_back(std::move(mine));
  }
  if (constructible) all.push_back(subset(enc, ~rl, linked_at_il));
  // construct() registers hooks only by successful opens: each guest's hook is its attached
  // mdev's, none without one (a hook an EPERM open moved is the counterexample's to make).
  if (constructible)
    for (int g = 0; g < static_cast<int>(s.guests.size()); ++g) {
      const z3enc::SymGuest& guest = s.guests[static_cast<std::size_t>(g)];
      z3::expr any = c.bool_val(false);
      for (int k = 0; k < static_cast<int>(s.mdevs.size()); ++k) {
        const z3enc::SymMdev& m = s.mdevs[static_cast<std::size_t>(k)];
        const z3::expr mine = m.present && m.attached && enc.guest_is(m.guest, g);
        all.push_back(z3::implies(mine, enc.mdev_is(guest.hook, k) && !guest.hook_freed));
        any = any || mine;
      }
      all.push_back(guest.hooked == any);
    }
  // From 6.19 the structural invariant allows an assigned APQN reserved for the host (finding
  // F2), which only leaving the driver_override regime reaches; construct() builds states by
  // assignments, which refuse such an APQN (EADDRNOTAVAIL).
  if (constructible) all.push_back(enc.not_reserved(s));
  all.push_back(inv_at_all(enc, s, w.indices, inv));
  // P4 per ID is asserted above at the adapters only; whole here, for every ID.
  if (inv.has(Conjunct::p4)) all.push_back(enc.p4(s));
  w.constraints = model::z3enc::conjunction(all);
  return w;
}

z3::expr exact_definitions(const z3enc::Encoder& enc, const z3enc::Transition& t,
                           const std::vector<z3::expr>& indices) {
  z3::expr_vector all(enc.ctx());
  all.push_back(enc.ctx().bool_val(true));
  for (const z3enc::Definition& d : t.defs) all.push_back((d.var & ~d.support) == enc.zero());
  for (const z3::expr& i : indices) all.push_back(enc.definitions_at(t, i));
  return model::z3enc::conjunction(all);
}

}  // namespace apcb::proofs::detail
