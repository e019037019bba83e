// The obligations: what each proves or demonstrates, and how. proofs/README.md has the
// reasoning behind the invariant; each function here says what its queries are.
#include <cstdio>
#include <functional>
#include <map>
#include <stdexcept>
#include <type_traits>

#include "model/step.h"
#include "trace/trace.h"
#include "proofs/agreement.h"
#include "proofs/invariant.h"
#include "proofs/ops.h"
#include "proofs/protocol.h"
#include "proofs/protocol_unbounded.h"
#include "proofs/prover.h"
#include "proofs/proofs.h"
#include "proofs/replay.h"

namespace apcb::proofs {

std::string_view verdict_name(Verdict v) {
  switch (v) {
    case Verdict::holds: return "holds";
    case Verdict::fails: return "fails";
    case Verdict::unknown: return "unknown";
    case Verdict::timeout: return "timeout";
    case Verdict::error: return "error";
  }
  return "error";
}

std::string z3_version() {
  unsigned major = 0, minor = 0, build = 0, revision = 0;
  Z3_get_version(&major, &minor, &build, &revision);
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(build) + "." +
         std::to_string(revision);
}

namespace detail {
namespace {

using model::Strength;
using z3enc::SymEvent;
using z3enc::SymState;
using z3enc::Transition;

std::string secs(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f s", s);
  return buf;
}

std::string with_label(const OpKind& kind, const OpInstance& inst) {
  return inst.label.empty() ? kind.name : kind.name + "." + inst.label;
}

z3::expr index_const(Prover& p, const std::string& name) {
  return p.ctx().bv_const(name.c_str(), static_cast<unsigned>(p.enc().index_bits()));
}

// One operation instance on a fresh pre-state, with the invariant assumed where the proof
// needs it: at the goal's adapter `a` and at every adapter the operation names, the filter
// definitions likewise (proof-encoding.md: instantiate by hand).
struct Step {
  SymState pre;
  z3::expr a;
  Transition t;
  z3::expr hyps;
};

Step induction_step(Prover& p, const OpInstance& inst, const Inv& inv,
                    const std::vector<z3::expr>& more = {}) {
  z3enc::Encoder& enc = p.enc();
  SymState pre = enc.fresh("pre");
  const z3::expr a = index_const(p, "a");
  Transition t = enc.step(pre, inst.op);
  std::vector<z3::expr> at{a};
  at.insert(at.end(), inst.indices.begin(), inst.indices.end());
  at.insert(at.end(), more.begin(), more.end());
  z3::expr hyps = inv_at_all(enc, pre, at, inv);
  // covered: the rows where the encoding is the model's transition (Transition::covered).
  for (const z3::expr& i : at) hyps = hyps && enc.definitions_at(t, i) && t.covered(i);
  return Step{pre, a, std::move(t), hyps};
}

z3::expr inv_post(Prover& p, const Step& s, const Inv& inv) {
  return inv_global(p.enc(), s.t.post, inv) && inv_at(p.enc(), s.t.post, s.a, inv);
}

// --- init and safety ------------------------------------------------------------------------

// State::initial(params, cfg) for an arbitrary cfg: no mdev, no guest, every queue bound to the
// default driver (the bus masks all ones), no failed reset.
SymState initial_state(Prover& p) {
  z3enc::Encoder& enc = p.enc();
  SymState s = enc.fresh("init");
  s.apmask = enc.ones();
  s.aqmask = enc.ones();
  s.apmask_high = p.ctx().bool_val(true);
  s.aqmask_high = p.ctx().bool_val(true);
  s.unbound = z3::const_array(enc.index_sort(), enc.zero());
  // No driver_override and no override binding (6.19; constant in other profiles anyway).
  for (z3::expr* rows : {&s.overrides, &s.override_vfio, &s.override_default, &s.override_bound})
    *rows = z3::const_array(enc.index_sort(), enc.zero());
  s.override_count = p.ctx().bv_val(0, 64);
  s.hw_ok = z3::const_array(enc.index_sort(), enc.ones());
  s.hw_zero = z3::const_array(enc.index_sort(), enc.ones());
  s.last_ok = z3::const_array(enc.index_sort(), enc.ones());
  for (z3enc::SymMdev& m : s.mdevs) m.present = p.ctx().bool_val(false);
  for (z3enc::SymGuest& g : s.guests) g.present = p.ctx().bool_val(false);
  return s;
}

void init(Prover& p) {
  const SymState s = initial_state(p);
  const z3::expr a = index_const(p, "a");
  p.prove("init", p.ctx().bool_val(true), inv_at_all(p.enc(), s, {a}, Inv{}));
  p.prove("init_spec", p.ctx().bool_val(true), inv_at_all(p.enc(), s, {a}, Inv{Strength::spec, {}}));
}

void safety(Prover& p) {
  z3enc::Encoder& enc = p.enc();
  const SymState s = enc.fresh("s");
  const z3::expr a = index_const(p, "a");
  for (Strength strength : {Strength::structural, Strength::spec}) {
    const Inv inv{strength, {}};
    p.prove(strength == Strength::spec ? "spec" : "structural", inv_at_all(enc, s, {a}, inv),
            properties_at(enc, s, a, strength));
  }
  // P4 per ID is Encoder::p4 (whole masks): one direction at a symbolic ID, the other over
  // every ID of the width.
  p.prove("p4_pointwise", enc.p4(s), p4_at(enc, s, a));
  // The converse is bit-vector extensionality; checked where the conjunction is small.
  if (enc.width() <= 16) {
    z3::expr every = p.ctx().bool_val(true);
    for (int i = 0; i < enc.width(); ++i) every = every && p4_at(enc, s, enc.index(i));
    p.prove("p4_whole", every, enc.p4(s));
  }
}

// --- induction --------------------------------------------------------------------------------

void counterexample_for(Prover& p, const std::string& label, const std::string& kind,
                        std::size_t instance);

void inductive(Prover& p, const std::string& kind_name) {
  const OpKind kind = op_kind(p.enc(), "op", kind_name);
  for (std::size_t i = 0; i < kind.instances.size(); ++i) {
    const OpInstance& inst = kind.instances[i];
    const Step s = induction_step(p, inst, Inv{});
    if (!p.prove(with_label(kind, inst), s.hyps, inv_post(p, s, Inv{})) && !p.failed_otherwise())
      counterexample_for(p, with_label(kind, inst), kind_name, i);
  }
}

// --- P5, P6, P8 -----------------------------------------------------------------------------

void commit_counterexample(Prover& p, const std::string& label, const std::string& kind,
                           std::size_t instance);

// Every commit an operation makes (intermediate ones included) writes an APCB that satisfies
// P1–P2 in the state of that instant; a host configuration change's commits also lie within
// the new configuration.
void p5_commits(Prover& p) {
  z3enc::Encoder& enc = p.enc();
  int commits = 0;
  for (const OpKind& kind : op_kinds(enc, "op")) {
    for (const OpInstance& inst : kind.instances) {
      const Step s = induction_step(p, inst, Inv{});
      z3::expr_vector goal(p.ctx());
      goal.push_back(p.ctx().bool_val(true));
      for (const SymEvent& e : s.t.events) {
        if (e.kind != SymEvent::Kind::commit || e.clear) continue;
        ++commits;
        for (int g = 0; g < enc.shape().guests; ++g) {
          const z3enc::SymMatrix& c = e.state.guests[static_cast<std::size_t>(g)].apcb;
          z3::expr ok = committed_ok_at(enc, e.state, e.mdev, c, s.a);
          if (kind.name == "config_change")
            ok = ok && z3::implies(enc.bit(c.adapters, s.a), enc.bit(s.t.post.cfg.adapters, s.a)) &&
                 (c.domains & ~s.t.post.cfg.domains) == enc.zero() &&
                 (c.control_domains & ~s.t.post.cfg.control_domains) == enc.zero();
          goal.push_back(z3::implies(e.happens && enc.guest_is(e.guest, g), ok));
        }
      }
      if (goal.size() > 1 &&
          !p.prove(with_label(kind, inst), s.hyps, model::z3enc::conjunction(goal)) &&
          !p.failed_otherwise())
        commit_counterexample(p, with_label(kind, inst), kind.name,
                              static_cast<std::size_t>(&inst - kind.instances.data()));
    }
  }
  p.note(std::to_string(commits) + " commit sites");
}

// A commit replaces exactly one guest's whole triple (with the truncated shadow, or zeros) and
// no other CRYCB; a reset batch changes no CRYCB; after the last event no CRYCB changes; a
// failed operation leaves every CRYCB as it was (a completed one, a device reset's EIO
// included, leaves what its last event left). With the protocol below, every CRYCB state a
// vCPU can observe is one of these complete triples.
void p5_atomic(Prover& p) {
  z3enc::Encoder& enc = p.enc();
  for (const OpKind& kind : op_kinds(enc, "op")) {
    for (const OpInstance& inst : kind.instances) {
      const SymState pre = enc.fresh("pre");
      const Transition t = enc.step(pre, inst.op);
      // Equal masks, stated at an arbitrary ID i (so for every ID).
      const z3::expr i = index_const(p, "i");
      auto same = [&](const z3enc::SymMatrix& x, const z3enc::SymMatrix& y) {
        return enc.bit(x.adapters, i) == enc.bit(y.adapters, i) &&
               enc.bit(x.domains, i) == enc.bit(y.domains, i) &&
               enc.bit(x.control_domains, i) == enc.bit(y.control_domains, i);
      };
      z3::expr_vector goal(p.ctx());
      goal.push_back(p.ctx().bool_val(true));
      const SymState* before = &pre;
      for (const SymEvent& e : t.events) {
        for (int g = 0; g < enc.shape().guests; ++g) {
          const z3enc::SymGuest& was = before->guests[static_cast<std::size_t>(g)];
          const z3enc::SymGuest& now = e.state.guests[static_cast<std::size_t>(g)];
          const z3::expr unchanged = z3::implies(was.present, same(now.apcb, was.apcb));
          if (e.kind == SymEvent::Kind::reset) {
            goal.push_back(unchanged);
            continue;
          }
          const z3::expr mine = e.happens && enc.guest_is(e.guest, g);
          const z3enc::SymMatrix written =
              e.clear ? z3enc::SymMatrix{enc.zero(), enc.zero(), enc.zero()}
                      : enc.truncate(e.state.mdevs[static_cast<std::size_t>(e.mdev)].shadow,
                                     now.msax3);
          goal.push_back(z3::implies(mine, same(now.apcb, written)));
          goal.push_back(z3::implies(!mine, unchanged));
        }
        before = &e.state;
      }
      for (int g = 0; g < enc.shape().guests; ++g) {
        const z3enc::SymGuest& post = t.post.guests[static_cast<std::size_t>(g)];
        const z3enc::SymGuest& last = before->guests[static_cast<std::size_t>(g)];
        const z3enc::SymGuest& first = pre.guests[static_cast<std::size_t>(g)];
        goal.push_back(z3::implies(!t.failed && last.present, same(post.apcb, last.apcb)));
        goal.push_back(z3::implies(t.failed && first.present, same(post.apcb, first.apcb)));
      }
      p.prove(with_label(kind, inst), enc.wf(pre) && enc.assumptions(pre) && t.covered(i),
              model::z3enc::conjunction(goal));
    }
  }
}

void p6_counterexample(Prover& p, const std::string& label, const std::string& kind,
                       std::size_t instance);

// P6: an operation that fails changes no part of the state and neither commits nor resets.
// On every well-formed state, not only on the invariant's. "Fails" is the encoding's `failed`
// (stopped at a check with an errno), and it is proved to be exactly model::completed's
// complement: every errno is a failure except a device reset's EIO, which the operation
// answers after its resets (vfio_ap_mdev_reset_queues) and which therefore changes the state.
// The transitions do not build P6 in (Transition::failed): before 4400270ec034 an open failing
// with EPERM moves the guest's PQAP hook, and the proof fails there with a counterexample
// replayed on model::apply.
void p6(Prover& p) {
  z3enc::Encoder& enc = p.enc();
  if (p.enc().behaviour().device_reset == model::DeviceResetReport::ebusy_or_eio_per_queue)
    p.note("not encoded exactly in this kernel: a device reset's EBUSY or EIO (the encoding answers EIO; "
           "model/z3/encoding.h)");

  const z3::expr ok = enc.errno_value(model::Errno::ok);
  const z3::expr eio = enc.errno_value(model::Errno::eio);
  for (const OpKind& kind : op_kinds(enc, "op")) {
    for (const OpInstance& inst : kind.instances) {
      const SymState pre = enc.fresh("pre");
      const Transition t = enc.step(pre, inst.op);
      z3::expr quiet = p.ctx().bool_val(true);
      for (const SymEvent& e : t.events) quiet = quiet && !e.happens;
      // The arrays at an arbitrary row x: equal everywhere.
      const z3::expr x = index_const(p, "x");
      const z3::expr completed_error =
          kind.name == "device_reset" ? t.result == eio : p.ctx().bool_val(false);
      if (!p.prove(with_label(kind, inst), enc.wf(pre) && enc.assumptions(pre) && t.covered(x),
                   t.failed == (t.result != ok && !completed_error) &&
                       z3::implies(t.failed, equal_at(enc, t.post, pre, x) && quiet)) &&
          !p.failed_otherwise())
        p6_counterexample(p, with_label(kind, inst), kind.name,
                          static_cast<std::size_t>(&inst - kind.instances.data()));
    }
  }
}

// Bool: some reset batch of `events` resets (a, d) while (a, d) is in some guest's CRYCB.
z3::expr reset_in_use(const z3enc::Encoder& enc, const std::vector<SymEvent>& events,
                      const z3::expr& a, const z3::expr& d) {
  z3::expr any = enc.ctx().bool_val(false);
  for (const SymEvent& e : events) {
    if (e.kind != SymEvent::Kind::reset) continue;
    z3::expr in_guest = enc.ctx().bool_val(false);
    for (const z3enc::SymGuest& g : e.state.guests)
      in_guest = in_guest || (g.present && enc.bit(g.apcb.adapters, a) && enc.bit(g.apcb.domains, d));
    any = any || (e.happens && enc.bit(e.resets(a), d) && in_guest);
  }
  return any;
}

// P8: no queue is reset while it is in a guest's CRYCB (VFIO_DEVICE_RESET, the guest's own
// request, is exempt, as in model::check_unplug_before_reset).
void p8(Prover& p) {
  z3enc::Encoder& enc = p.enc();
  int batches = 0;
  for (const OpKind& kind : op_kinds(enc, "op")) {
    if (kind.name == "device_reset") continue;
    for (const OpInstance& inst : kind.instances) {
      // P4 at the domain too: the guest's CRYCB holds (a, d) through bit a of its adapters
      // and bit d of its domains.
      const z3::expr d = index_const(p, "d");
      const Step s = induction_step(p, inst, Inv{}, {d});
      int here = 0;
      for (const SymEvent& e : s.t.events) here += e.kind == SymEvent::Kind::reset;
      if (here == 0) continue;
      batches += here;
      p.prove(with_label(kind, inst), s.hyps, !reset_in_use(enc, s.t.events, s.a, d));
    }
  }
  p.note(std::to_string(batches) + " reset batches");
}

// --- the protocol -----------------------------------------------------------------------------

std::string bound_text(const ProtocolBound& b) {
  return std::to_string(b.vcpus) + " vCPUs × " + std::to_string(b.commits) + " commits × " +
         std::to_string(b.words) + " words × " + std::to_string(b.entries) + " SIE entries";
}

void protocol_holds(Prover& p) {
  std::size_t states = 0;
  std::string bounds;
  for (const ProtocolBound& b : {ProtocolBound{2, 2, 3, 2}, ProtocolBound{3, 2, 3, 1},
                                 ProtocolBound{2, 1, 12, 2}}) {
    const ProtocolResult r = check_protocol(Protocol::block_all, b);
    states += r.states;
    bounds += (bounds.empty() ? "" : "; ") + bound_text(b) + ": " + std::to_string(r.states) +
              " states, " + std::to_string(r.reads) + " reads";
    if (r.torn || r.deadlock) {
      std::string text;
      for (const std::string& line : r.schedule) text += line + "\n";
      p.save(".schedule", text);
      p.log(text);
      p.fail(std::string(r.torn ? "torn read" : "deadlock") + " within " + bound_text(b));
    }
  }
  p.note("no torn read, no deadlock in " + std::to_string(states) + " states: " + bounds);
}

void protocol_tears(Prover& p, Protocol protocol) {
  const ProtocolBound b{2, 2, 3, 2};
  const ProtocolResult r = check_protocol(protocol, b);
  if (!r.torn) {
    p.fail("no torn read found within " + bound_text(b) + " (the check has no teeth)");
    return;
  }
  std::string text = "# " + p.name() + ": a torn read within " + bound_text(b) +
                     " (interleavings are not expressible in the trace format)\n";
  for (std::size_t i = 0; i < r.schedule.size(); ++i)
    text += std::to_string(i + 1) + ". " + r.schedule[i] + "\n";
  p.save(".schedule", text);
  p.log(text);
  p.note("torn read found as expected after " + std::to_string(r.schedule.size()) +
         " steps (" + std::to_string(r.states) + " states explored)");
}

// --- satisfiable queries: a small search, a check at the full width -------------------------
//
// A witness or counterexample is searched for on the width-8 instance (same slots; a state of
// a host with IDs 0..7), where Z3 finds models in milliseconds, then lifted to the run's host
// (the same masks, the run's QCI maxima) and checked there by ground evaluation: the encoding
// at the run's width on the concrete state and operation (`claim`), model::apply, and the C++
// invariant checks. At full width Z3's own search takes seconds per model (bit-blasting every
// mask), and a concrete state checked at full width proves the same existential.

using Wanted = std::function<z3::expr(const z3enc::Encoder&, const Witness&, const Transition&,
                                      const z3::expr& a)>;

struct Search {
  std::string kind;           // the operation kind
  std::size_t instance = 0;   // which of its instances
  Inv inv;                    // the invariant the pre-state satisfies, whole
  bool constructible = true;  // the pre-state must be buildable from State::initial
  Mutation mutate;            // a deliberately wrong transition, or none
  Wanted wanted;              // what the model must show (at adapter index a)
  Claim claim;                // the same, whole and ground, at the run's width (may be empty)
  bool required = true;       // no model is a failure of the obligation
  bool override_bound = false;  // witness(): a row bound against the masks (6.19, F2)
};

z3enc::Shape search_shape(const Options& o) {
  const int w = std::min(8, o.width);
  const auto max = static_cast<model::ApId>(w - 1);
  return z3enc::Shape{w, o.mdevs, o.guests, model::HostParams{true, max, max}, o.kernel};
}

struct Found {
  Replay replay;
  bool claim = false;  // `claim` held on the lifted state at the run's width
  double seconds = 0;
};

// The invariant `inv` as one formula to evaluate on a ground state: whole masks, P4 whole,
// P7.adapters at every adapter of each shadow (Encoder::p7 would add containment of domains
// and control domains, which are other conjuncts).
z3::expr inv_whole(const z3enc::Encoder& enc, const SymState& s, const Inv& inv) {
  z3::expr f = inv_global(enc, s, inv);
  if (inv.has(Conjunct::p4)) f = f && enc.p4(s);
  if (!inv.has(Conjunct::p7_adapters)) return f;
  for (int k = 0; k < static_cast<int>(s.mdevs.size()); ++k) {
    const z3::expr shadow = s.mdevs[static_cast<std::size_t>(k)].shadow.adapters.simplify();
    const model::Mask ids = shadow.is_numeral() ? numeral_mask(shadow, enc.width())
                                                : model::Mask::up_to(enc.width() - 1);
    ids.for_each([&](model::ApId id) { f = f && enc.p7_at(s, k, enc.index(id), inv.strength); });
  }
  return f;
}

z3::expr succeeded(const z3enc::Encoder& enc, const Transition& t) {
  return t.result == enc.errno_value(model::Errno::ok);
}

// Ran to its end (model::completed): succeeded, or a device reset that reports EIO.
z3::expr completed(const Transition& t) { return !t.failed; }

std::optional<Found> certify(Prover& p, const std::string& label, const Search& s,
                             const std::vector<std::string>& comments) {
  z3::context c;
  z3enc::Encoder small(c, search_shape(p.options()));
  const OpKind kind = op_kind(small, "op", s.kind);
  const OpInstance& inst = kind.instances.at(s.instance);
  const Witness w = witness(small, "pre", s.inv, s.constructible, s.override_bound);
  Transition t = small.step(w.pre, inst.op);
  if (s.mutate) t = s.mutate(small, w.pre, t);
  const z3::expr a = c.bv_const("a", static_cast<unsigned>(small.index_bits()));
  std::vector<z3::expr> at = w.indices;
  at.push_back(a);
  at.insert(at.end(), inst.indices.begin(), inst.indices.end());
  z3::expr f = w.constraints && exact_definitions(small, t, at) && s.wanted(small, w, t, a);
  for (const z3::expr& i : at) f = f && t.covered(i);  // a witness the model can replay
  if (inst.slot >= 0)
    for (const z3::expr& m : inst.installs)
      f = f && within(small, m, w.slot_indices[static_cast<std::size_t>(inst.slot)]);
  for (const z3::expr& m : inst.masks) f = f && within(small, m, w.pool);
  const double t0 = now_seconds();
  const std::optional<z3::model> m = p.search(label, f, s.required);
  if (!m) return std::nullopt;
  const z3enc::Slots slots = slot_names(small.shape());
  model::State pre;
  model::Op op;
  try {
    pre = small.extract(w.pre, *m, slots);
    op = concrete_op(small, inst.op, [&](const z3::expr& e) { return m->eval(e, true); }, slots);
  } catch (const std::invalid_argument& e) {
    p.note(label + ": the model is no State (" + e.what() + ")");
    return std::nullopt;
  }
  pre.params = shape_of(p.options()).params;  // the same state on the run's host
  Found found;
  found.replay = replay(p.enc(), pre, op, s.mutate, s.claim, &found.claim, s.inv.strength, comments);
  found.seconds = now_seconds() - t0;
  const std::string file = p.save("." + label + ".trace", found.replay.trace);
  p.log("--- " + p.name() + " " + label + ": " + trace::format_op(found.replay.op) + " (" +
        found.replay.construction + ")" + (file.empty() ? "" : ", saved as " + file) + "\n" +
        found.replay.trace);
  return found;
}

std::string first_text(const std::vector<model::Violation>& v) {
  return v.empty() ? "none" : v.front().property + " (" + v.front().detail + ")";
}

// An induction that failed: the same violation over a pre-state that can be built, replayed
// on model::apply and saved as a trace.
void counterexample_for(Prover& p, const std::string& label, const std::string& kind,
                        std::size_t instance) {
  Search s{kind, instance, Inv{}, true, {},
           [](const z3enc::Encoder& e, const Witness&, const Transition& t, const z3::expr& a) {
             return !(inv_global(e, t.post, Inv{}) && inv_at(e, t.post, a, Inv{}));
           },
           [](const z3enc::Encoder& e, const SymState& pre, const Transition& t) {
             return inv_whole(e, pre, Inv{}) && !inv_whole(e, t.post, Inv{});
           }};
  // One counterexample per conjunct that the operation can break alone (the conjunct names a
  // kernel's bug: P4 a commit that did not happen, P1.control a control domain kept, P7.adapters
  // an adapter admitted unchecked); the first one found for any conjunct when none is alone.
  bool any = false;
  for (Conjunct c : kConjuncts) {
    const Inv rest{Strength::structural, c};
    Search alone{kind, instance, Inv{}, true, {},
                 [rest](const z3enc::Encoder& e, const Witness&, const Transition& t, const z3::expr& a) {
                   return !(inv_global(e, t.post, Inv{}) && inv_at(e, t.post, a, Inv{})) &&
                          inv_global(e, t.post, rest) && inv_at(e, t.post, a, rest);
                 },
                 [rest](const z3enc::Encoder& e, const SymState& pre, const Transition& t) {
                   return inv_whole(e, pre, Inv{}) && !inv_whole(e, t.post, Inv{}) &&
                          inv_whole(e, t.post, rest);
                 },
                 /*required=*/false};
    const std::string name(conjunct_name(c));
    const std::optional<Found> f =
        certify(p, label + "." + name, alone,
                {"# " + p.name() + ": Inv does not survive " + label + ": " + name + " alone breaks."});
    if (!f) continue;
    any = true;
    p.note(name + " alone: counterexample " + std::string(f->replay.matches ? "replays" : "does NOT replay") +
           " on model::apply (" + f->replay.construction + "); model::apply's post: " +
           (f->replay.post_violations.empty() ? std::string("keeps Inv (NOT confirmed)")
                                              : violations_text(f->replay.post_violations)));
  }
  if (any) return;
  const std::optional<Found> f = certify(p, label, s, {"# " + p.name() + ": Inv does not survive " + label + "."});
  if (!f) return;
  p.note("counterexample " + std::string(f->replay.matches ? "replays" : "does NOT replay") +
         " on model::apply (" + f->replay.construction + "); model::apply's post: " +
         (f->replay.post_violations.empty() ? std::string("keeps Inv (NOT confirmed)")
                                            : violations_text(f->replay.post_violations)));
}

// A commit that writes an APCB outside M ∩ cfg or with an APQN that is not linked (P5's P1–P2),
// over a pre-state that can be built, replayed on model::apply; the C++ check is the model's
// commits against its post-state (the instant of the operation's last commit).
void commit_counterexample(Prover& p, const std::string& label, const std::string& kind,
                           std::size_t instance) {
  Search s{kind, instance, Inv{}, true, {},
           [](const z3enc::Encoder& e, const Witness&, const Transition& t, const z3::expr& a) {
             z3::expr bad = e.ctx().bool_val(false);
             for (const SymEvent& ev : t.events) {
               if (ev.kind != SymEvent::Kind::commit || ev.clear) continue;
               for (int g = 0; g < e.shape().guests; ++g) {
                 const z3enc::SymMatrix& c = ev.state.guests[static_cast<std::size_t>(g)].apcb;
                 bad = bad || (ev.happens && e.guest_is(ev.guest, g) &&
                               !committed_ok_at(e, ev.state, ev.mdev, c, a));
               }
             }
             return bad;
           },
           {}};
  const std::optional<Found> f =
      certify(p, label, s, {"# " + p.name() + ": a commit of " + label + " writes an APQN that is not linked",
                            "# or an ID outside M ∩ cfg."});
  if (!f) return;
  const Replay& r = f->replay;
  std::string bad;
  for (const model::Event& ev : r.observation.events) {
    const auto* c = std::get_if<model::Commit>(&ev);
    if (c == nullptr || bad.size() > 0) continue;
    for (const model::Mdev& m : r.post.mdevs) {
      if (m.guest != c->guest) continue;
      c->apcb.adapters.for_each([&](model::ApId a) {
        const model::Mask outside = c->apcb.domains - model::linked_row(r.post, m, a);
        if (bad.empty() && (!m.assigned.adapters.test(a) || outside.any()))
          bad = "guest " + std::to_string(c->guest) + " is given adapter " + std::to_string(a) +
                " with a queue not linked to mdev " + m.uuid;
      });
      if (bad.empty() && !c->apcb.control_domains.subset_of(m.assigned.control_domains & r.post.cfg.control_domains))
        bad = "guest " + std::to_string(c->guest) + " is given a control domain outside M.C ∩ cfgC";
    }
  }
  if (!r.matches) p.note(label + ": the counterexample does NOT replay on model::apply");
  p.note(label + ": counterexample " + (r.matches ? "replays" : "does not replay") + " (" + r.construction +
         "); model::apply's commit: " + (bad.empty() ? "none out of M ∩ cfg or unlinked (NOT confirmed)" : bad));
}

// A failed operation that changes the state, commits or resets (against P6), over a pre-state
// of the invariant that can be built, replayed on model::apply, whose own P6 check
// (model::check_failure_atomicity) confirms it.
void p6_counterexample(Prover& p, const std::string& label, const std::string& kind,
                       std::size_t instance) {
  auto quiet = [](z3::context& c, const Transition& t) {
    z3::expr q = c.bool_val(true);
    for (const SymEvent& e : t.events) q = q && !e.happens;
    return q;
  };
  Search s{kind, instance, Inv{}, true, {},
           [quiet](const z3enc::Encoder& e, const Witness& w, const Transition& t, const z3::expr& a) {
             return t.failed && !(equal_at(e, t.post, w.pre, a) && quiet(e.ctx(), t));
           },
           [quiet](const z3enc::Encoder& e, const SymState& pre, const Transition& t) {
             return t.failed && !(e.equal(t.post, pre) && quiet(e.ctx(), t));
           }};
  const std::optional<Found> f =
      certify(p, label, s, {"# " + p.name() + ": " + label + " fails and changes the state, commits or resets (P6)."});
  if (!f) return;
  const Replay& r = f->replay;
  p.note(label + ": counterexample " + (r.matches ? "replays" : "does NOT replay") + " on model::apply (" +
         r.construction + ", " + std::string(model::errno_name(r.observation.result)) + "); model::apply's operation: " +
         (r.step_violations.empty() ? std::string("keeps P6 (NOT confirmed)") : violations_text(r.step_violations)) +
         (f->claim ? "" : "; NOT a counterexample at the run's width"));
}

// A finding's counterexample counts only when model::apply replays it exactly and, at the run's
// width, the encoding shows the violation it was searched for (the finding obligations).
void fail_unless_replayed_and_claimed(Prover& p, const Found& f) {
  if (!f.replay.matches) p.fail("the counterexample does not replay: model::apply and the encoding differ");
  if (!f.claim) p.fail("at the run's width the encoding does not show the violation");
}

// F1: the spec-strength invariant (P2 and P7 with "passable") is not inductive for `kind`:
// a reset that fails without unplugging leaves the adapter in the shadow. The operation
// completes (a device reset then answers EIO, and its resets stand).
void f1(Prover& p, const std::string& kind_name) {
  const Inv spec{Strength::spec, {}};
  Search s{kind_name, 0, spec, true, {},
           [spec](const z3enc::Encoder& e, const Witness&, const Transition& t, const z3::expr& a) {
             return completed(t) && !inv_at(e, t.post, a, spec);
           },
           [spec](const z3enc::Encoder& e, const SymState& pre, const Transition& t) {
             return inv_whole(e, pre, spec) && completed(t) && !e.p7(t.post, Strength::spec) &&
                    inv_whole(e, t.post, Inv{});
           }};
  const std::vector<std::string> comments{
      "# Finding F1 (model/README.md), found by `apcb prove` (" + p.name() + "):",
      "# the spec-strength P7 (S ⊆ F with `passable`) is not inductive for " + kind_name + ":",
      "# a reset that fails without unplugging leaves the adapter in the shadow."};
  const std::optional<Found> f = certify(p, kind_name, s, comments);
  if (!f) return;
  const Replay& r = f->replay;
  fail_unless_replayed_and_claimed(p, *f);
  if (!r.pre_violations.empty())
    p.fail("the pre-state breaks the spec invariant: " + violations_text(r.pre_violations));
  bool p7 = false;
  for (const model::Violation& v : r.post_violations) p7 |= v.property == "P7";
  if (!p7) p.fail("model::apply's post-state keeps P7: " + violations_text(r.post_violations));
  if (!model::check_state(r.post, Strength::structural).empty())
    p.fail("the post-state breaks even the structural invariant");
  if (!model::completed(r.op, r.observation.result))
    p.fail("model::apply fails the operation (" + std::string(model::errno_name(r.observation.result)) + ")");
  // The reset that breaks P7 ends non-passable, so non-zero: a device reset reports it.
  // (EBUSY or EIO before 6.6: DeviceResetReport::ebusy_or_eio_per_queue.)
  if (kind_name == "device_reset" &&
      !z3enc::result_agrees(r.pre.kernel, r.op, r.observation.result, model::Errno::eio))
    p.fail("the device reset answers " + std::string(model::errno_name(r.observation.result)) +
           ", not EIO, after a reset that ended non-passable");
  p.note("counterexample found in " + secs(f->seconds) + ", checked at width " +
         std::to_string(p.enc().width()) + ", replayed on model::apply and matched (" +
         r.construction + ", the operation answers " +
         std::string(model::errno_name(r.observation.result)) + "): " + first_text(r.post_violations));
}

// F2: from 6.19 P3's host half ("no assigned APQN is reserved for the host drivers") is not
// inductive for a bus-mask write: the write that leaves the driver_override regime sets no new
// ID, so no in_use veto (apmask_commit/aqmask_commit ask only about newly set IDs) stops it from
// reserving a queue an mdev holds. The half is therefore of the spec strength only from 6.19
// (model::Strength). Before 6.19 the obligation is the converse, at the run's width: no
// successful write that the encoding covers breaks the half.
void f2(Prover& p) {
  z3enc::Encoder& enc = p.enc();
  const Inv structural{Strength::structural, {}};
  if (!enc.behaviour().queue_driver_override) {
    for (const OpInstance& inst : op_kind(enc, "op", "bus_mask_write").instances) {
      const Step st = induction_step(p, inst, structural);
      p.prove(with_label(op_kind(enc, "op", "bus_mask_write"), inst), st.hyps && completed(st.t),
              enc.not_reserved(st.t.post));
    }
    p.note("before 6.19 every newly reserved APQN is asked about (in_use): the host half is kept");
    return;
  }
  Search s{"bus_mask_write", 0, structural, true, {},
           [](const z3enc::Encoder& e, const Witness&, const Transition& t, const z3::expr&) {
             return completed(t) && !e.not_reserved(t.post);
           },
           [](const z3enc::Encoder& e, const SymState& pre, const Transition& t) {
             return e.not_reserved(pre) && completed(t) && !e.not_reserved(t.post);
           },
           true,
           true};
  const std::vector<std::string> comments{
      "# Finding F2 (model/README.md), found by `apcb prove` (" + p.name() + "):",
      "# the write that leaves the driver_override regime sets no new ID, so no in_use veto",
      "# stops it from reserving an APQN an mdev holds: P3's host half breaks."};
  const std::optional<Found> f = certify(p, "bus_mask_write", s, comments);
  if (!f) return;
  const Replay& r = f->replay;
  fail_unless_replayed_and_claimed(p, *f);
  if (!model::check_state(r.pre, Strength::spec).empty())
    p.fail("the pre-state breaks the spec invariant: " +
           violations_text(model::check_state(r.pre, Strength::spec)));
  if (!r.post_violations.empty())
    p.fail("the post-state breaks the structural invariant: " + violations_text(r.post_violations));
  const std::vector<model::Violation> spec = model::check_state(r.post, Strength::spec);
  bool p3 = false;
  for (const model::Violation& v : spec) p3 |= v.property == "P3";
  if (!p3) p.fail("model::apply's post-state keeps P3's host half: " + violations_text(spec));
  if (r.observation.result != model::Errno::ok)
    p.fail("model::apply fails the write (" + std::string(model::errno_name(r.observation.result)) + ")");
  p.note("counterexample found in " + secs(f->seconds) + ", checked at width " +
         std::to_string(enc.width()) + ", replayed on model::apply and matched (" + r.construction +
         "): " + first_text(spec));
}

// The filter ignores binding and reset status (F.A := M.A ∩ cfgA, the kind of mistake
// proof-encoding.md's delta filter is): every definition's bit is its support's bit.
Transition mutant_filter(const z3enc::Encoder& enc, const SymState&, Transition t) {
  for (z3enc::Definition& d : t.defs) {
    const z3::expr support = d.support;
    const z3enc::Encoder* e = &enc;
    d.bit = [e, support](const z3::expr& i) { return e->bit(support, i); };
  }
  return t;
}

// Every reset batch that follows a commit sees the CRYCBs from before that commit: the queues
// are reset first and the guest loses them after.
Transition mutant_reset_first(const z3enc::Encoder&, const SymState& pre, Transition t) {
  for (std::size_t i = 1; i < t.events.size(); ++i)
    if (t.events[i].kind == SymEvent::Kind::reset && t.events[i - 1].kind == SymEvent::Kind::commit)
      t.events[i].state.guests = i >= 2 ? t.events[i - 2].state.guests : pre.guests;
  return t;
}

void mutant_filter_obligation(Prover& p) {
  z3enc::Encoder& enc = p.enc();
  const OpKind kind = op_kind(enc, "op", "assign_adapter");
  const OpInstance& inst = kind.instances.front();
  // 1. The obligation inductive.assign_adapter, at the run's width, under the mutant, fails.
  Step s = induction_step(p, inst, Inv{});
  s.t = mutant_filter(enc, s.pre, s.t);
  // The mutated definitions, instantiated afresh (induction_step instantiated the true ones).
  const z3::expr hyps = inv_at_all(enc, s.pre, {s.a, inst.indices.front()}, Inv{}) &&
                        enc.definitions_at(s.t, s.a) &&
                        enc.definitions_at(s.t, inst.indices.front());
  const double t0 = now_seconds();
  const z3::check_result r = p.check("inductive", hyps && !inv_post(p, s, Inv{}), "sat");
  if (r != z3::sat) {
    if (r == z3::unsat) p.fail("the mutant is not caught: inductive.assign_adapter still holds");
    return;
  }
  p.note("inductive.assign_adapter fails under the mutant (sat in " + secs(now_seconds() - t0) + ")");
  // 2. A counterexample that replays: the mutant's post breaks Inv, model::apply's does not.
  // Under the delta filter (before 6.8) the model itself re-admits an assigned adapter that is
  // out of the shadow; a pre-state whose shadow holds every assigned configured adapter shows
  // the mutant alone.
  Search search{"assign_adapter", 0, Inv{}, true, mutant_filter,
                [](const z3enc::Encoder& e, const Witness& w, const Transition& t, const z3::expr& a) {
                  z3::expr f = succeeded(e, t) &&
                               !(inv_global(e, t.post, Inv{}) && inv_at(e, t.post, a, Inv{}));
                  if (!e.behaviour().full_filter)
                    for (const z3enc::SymMdev& m : w.pre.mdevs)
                      f = f && z3::implies(m.present, m.shadow.adapters ==
                                                          (m.assigned.adapters & w.pre.cfg.adapters));
                  return f;
                },
                [](const z3enc::Encoder& e, const SymState& pre, const Transition& t) {
                  return inv_whole(e, pre, Inv{}) && succeeded(e, t) &&
                         !inv_whole(e, t.post, Inv{});
                }};
  const std::vector<std::string> comments{
      "# A deliberately wrong transition (" + p.name() + "): the filter ignores binding and",
      "# reset status. This trace is the correct model's run; the comments at the end show",
      "# the mutant's post-state."};
  const std::optional<Found> f = certify(p, "counterexample", search, comments);
  if (!f) return;
  const Replay& rp = f->replay;
  if (!f->claim) p.fail("at the run's width the mutant's post-state keeps Inv");
  if (rp.matches) p.fail("the mutant's post-state equals the model's: the counterexample is spurious");
  if (!rp.pre_violations.empty()) p.fail("the pre-state breaks Inv: " + violations_text(rp.pre_violations));
  if (!rp.post_violations.empty())
    p.fail("model::apply's post-state breaks Inv too: " + violations_text(rp.post_violations));
  if (rp.z3_post_violations.empty()) p.fail("the mutant's post-state keeps Inv by the C++ check");
  p.note("counterexample replayed (" + rp.construction + "): model::apply keeps Inv, the mutant's "
         "post breaks " + first_text(rp.z3_post_violations));
}

void mutant_reset_first_obligation(Prover& p) {
  z3enc::Encoder& enc = p.enc();
  // unassign_adapter commits, then resets the adapter's queues; the mutant swaps the two.
  const OpKind kind = op_kind(enc, "op", "unassign_adapter");
  const OpInstance& inst = kind.instances.front();
  const z3::expr d = index_const(p, "d");
  Step s = induction_step(p, inst, Inv{}, {d});
  s.t = mutant_reset_first(enc, s.pre, s.t);
  const z3::check_result r = p.check("p8", s.hyps && reset_in_use(enc, s.t.events, s.a, d), "sat");
  if (r == z3::unsat) p.fail("the mutant is not caught: P8 still holds for unassign_adapter");
  if (r != z3::sat) return;
  p.note("p8.unplug_before_reset fails for unassign_adapter under the mutant");
  Search search{"unassign_adapter", 0, Inv{}, true, mutant_reset_first,
                [](const z3enc::Encoder& e, const Witness&, const Transition& t, const z3::expr& a) {
                  const z3::expr dd = a.ctx().bv_const("d", static_cast<unsigned>(e.index_bits()));
                  return reset_in_use(e, t.events, a, dd);
                },
                {}};
  const std::vector<std::string> comments{
      "# A deliberately wrong transition (" + p.name() + "): queues are reset before the commit",
      "# that takes them out of the guest. This trace is the correct model's run (commit, then",
      "# reset); the mutant would reset first, while the guest still has the queue."};
  const std::optional<Found> f = certify(p, "counterexample", search, comments);
  if (!f) return;
  const Replay& rp = f->replay;
  if (!rp.matches) p.fail("the counterexample does not replay on model::apply");
  const auto p8_model = model::check_unplug_before_reset(rp.pre, rp.op, rp.observation);
  if (!p8_model.empty()) p.fail("model::apply breaks P8 too: " + violations_text(p8_model));
  // What the mutant does: the model's events with each reset moved before the commit it follows
  // (signals, which P8 does not read, left out so a reset follows its commit directly).
  model::Observation mutated = model::without_signals(rp.observation);
  for (std::size_t i = 1; i < mutated.events.size(); ++i)
    if (std::holds_alternative<model::Reset>(mutated.events[i]) &&
        std::holds_alternative<model::Commit>(mutated.events[i - 1]))
      std::swap(mutated.events[i], mutated.events[i - 1]);
  const auto p8_mutant = model::check_unplug_before_reset(rp.pre, rp.op, mutated);
  if (p8_mutant.empty()) p.fail("the mutant's event order keeps P8 by the C++ check");
  p.note("counterexample replayed (" + rp.construction + "): " + first_text(p8_mutant));
}

// --- non-vacuity ---------------------------------------------------------------------------

// Every operation is enabled and succeeds, changing the state when it can, in some state
// satisfying the invariant; each witness is replayed on model::apply and saved as a trace.
void enabled(Prover& p) {
  const model::KernelBehaviour& kb = p.enc().behaviour();
  std::string outside;
  for (const std::string& name : op_kind_names()) {
    // Before 6.10 there is no ap_config attribute (ENOENT always): no witness can exist.
    if (name == "ap_config" && !kb.ap_config_attribute) {
      outside += " ap_config (no such attribute before 6.10);";
      continue;
    }
    // Before 6.19 there is no driver_override attribute (ENOENT always).
    if ((name == "driver_override_write" || name == "driver_override_read") && !kb.queue_driver_override) {
      outside += " " + name + " (no such attribute before 6.19);";
      continue;
    }
    // Before 6.15 a release request succeeds and changes nothing (it only signals user space).
    const bool mutating = op_kind(p.enc(), "op", name).mutating &&
                          (name != "guest_release" || kb.request_clears_crycb);
    Search s{name, 0, Inv{}, true, {},
             [mutating](const z3enc::Encoder& e, const Witness& w, const Transition& t,
                        const z3::expr&) {
               z3::expr f = succeeded(e, t);
               const z3::expr x = e.ctx().bv_const("x", static_cast<unsigned>(e.index_bits()));
               if (mutating) f = f && !equal_at(e, t.post, w.pre, x);
               // In a kernel whose operation can break Inv, a witness that keeps it.
               if (e.shape().kernel != model::KernelVersion::latest) {
                 f = f && inv_global(e, t.post, Inv{}) && e.p4(t.post);
                 for (const z3::expr& i : w.indices) f = f && inv_at(e, t.post, i, Inv{});
               }
               return f;
             },
             [](const z3enc::Encoder& e, const SymState& pre, const Transition& t) {
               return inv_whole(e, pre, Inv{}) && succeeded(e, t) && inv_whole(e, t.post, Inv{});
             }};
    const std::vector<std::string> comments{"# Non-vacuity (" + p.name() + "): " + name +
                                            " succeeds" + (mutating ? " and changes the state" : "") +
                                            " in a state satisfying the invariant."};
    const std::optional<Found> f = certify(p, name, s, comments);
    if (!f) continue;
    const Replay& r = f->replay;
    if (!r.matches) p.fail(name + ": the witness does not replay (model::apply differs)");
    if (!f->claim) p.fail(name + ": at the run's width the witness is not one");
    if (r.observation.result != model::Errno::ok) p.fail(name + ": model::apply fails");
    if (mutating && same_state(r.pre, r.post)) p.fail(name + ": model::apply changes nothing");
    if (!r.pre_violations.empty() || !r.post_violations.empty())
      p.fail(name + ": a witness state breaks the invariant");
    if (!r.constructed) p.fail(name + ": the witness state was not built by operations");
  }
  if (!outside.empty()) p.note("not in this kernel:" + outside.substr(0, outside.size() - 1));
  p.note("all " + std::to_string(op_kind_names().size()) +
         " operations succeed in some Inv state; witnesses checked at width " +
         std::to_string(p.enc().width()) + ", replayed and built from State::initial");
}

// Drops `c` from Inv: the properties no longer follow (a state of Inv∖c breaking one), and
// the induction fails for the first operation reported (a counterexample, checked at the
// run's width), or Inv∖c is still inductive (c is needed for the properties only).
void needed(Prover& p, Conjunct c) {
  z3enc::Encoder& enc = p.enc();
  // From 6.19 P3's host half is of the spec strength only (finding F2: f2.bus_mask_write), and
  // what P3.not_reserved keeps at the structural strength (the mask regime's facts the
  // encoding assumes) is not what a property rests on: the conjunct is shown needed where it
  // is one, in the spec-strength invariant.
  const Strength strength = c == Conjunct::p3_not_reserved && enc.behaviour().queue_driver_override
                                ? Strength::spec
                                : Strength::structural;
  if (strength == Strength::spec)
    p.note("at the spec strength: from 6.19 P3's host half is not the kernel's (finding F2)");
  const Inv inv{strength, c};
  const std::string name(conjunct_name(c));
  // Safety: a state satisfying Inv∖c that breaks a property (read_bus_mask leaves it as is).
  Search safety{"read_bus_mask", 0, inv, false, {},
                [strength](const z3enc::Encoder& e, const Witness& w, const Transition&, const z3::expr& a) {
                  return !properties_at(e, w.pre, a, strength);
                },
                [inv](const z3enc::Encoder& e, const SymState& pre, const Transition&) {
                  return inv_whole(e, pre, inv);
                },
                false};
  std::string safety_text = "the properties still follow";
  const std::optional<Found> state = certify(
      p, "safety", safety, {"# " + p.name() + ": a state of Inv without " + name + " that breaks a property."});
  if (state && state->claim && !state->replay.pre_violations.empty()) {
    safety_text = "the properties no longer follow (" + first_text(state->replay.pre_violations) + ")";
  } else {
    // No checked state (wf cannot be broken by a model::State): the exact query decides.
    const SymState st = enc.fresh("s");
    const z3::expr a = index_const(p, "a");
    if (p.check("safety", inv_at_all(enc, st, {a}, inv) && !properties_at(enc, st, a, strength),
                "unknown") == z3::sat)
      safety_text = "the properties no longer follow (exact query)";
  }
  if (p.failed()) return;
  // Induction, operation by operation (first instance), until one fails.
  std::string broken;
  for (const std::string& kind_name : op_kind_names()) {
    const OpKind kind = op_kind(enc, "op", kind_name);
    const Step st = induction_step(p, kind.instances.front(), inv);
    const std::string label = with_label(kind, kind.instances.front());
    if (p.check_abstract(label, st.hyps && !inv_post(p, st, inv))) continue;
    Search s{kind_name, 0, inv, false, {},
             [inv](const z3enc::Encoder& e, const Witness&, const Transition& t, const z3::expr& a) {
               return !(inv_global(e, t.post, inv) && inv_at(e, t.post, a, inv));
             },
             [inv](const z3enc::Encoder& e, const SymState& pre, const Transition& t) {
               return inv_whole(e, pre, inv) && !inv_whole(e, t.post, inv);
             },
             false};
    const std::optional<Found> cex = certify(
        p, label, s, {"# " + p.name() + ": Inv without " + name + " does not survive " + label + "."});
    if (cex && cex->claim && cex->replay.matches) {
      broken = kind_name;
      break;
    }
    // No checked counterexample: the exact query at the run's width decides.
    if (p.check(label, st.hyps && !inv_post(p, st, inv), "unknown") == z3::sat) {
      broken = kind_name + " (exact query)";
      break;
    }
  }
  // P8 rests on P1, P3 and P4: the first operation whose resets may then hit a guest's queue.
  std::string p8_broken;
  for (const std::string& kind_name : op_kind_names()) {
    if (kind_name == "device_reset") continue;
    const OpKind kind = op_kind(enc, "op", kind_name);
    const z3::expr d = index_const(p, "d");
    const Step st = induction_step(p, kind.instances.front(), inv, {d});
    bool resets = false;
    for (const SymEvent& e : st.t.events) resets |= e.kind == SymEvent::Kind::reset;
    const std::string label = "p8." + with_label(kind, kind.instances.front());
    if (!resets || p.check_abstract(label, st.hyps && reset_in_use(enc, st.t.events, st.a, d)))
      continue;
    Search s{kind_name, 0, inv, false, {},
             [](const z3enc::Encoder& e, const Witness&, const Transition& t, const z3::expr& a) {
               const z3::expr dd = a.ctx().bv_const("d", static_cast<unsigned>(e.index_bits()));
               return reset_in_use(e, t.events, a, dd);
             },
             {}, false};
    const std::optional<Found> cex = certify(
        p, label, s, {"# " + p.name() + ": without " + name + ", " + kind_name + " resets a queue a guest still has."});
    if (cex && cex->replay.matches &&
        !model::check_unplug_before_reset(cex->replay.pre, cex->replay.op, cex->replay.observation).empty()) {
      p8_broken = kind_name;
      break;
    }
  }
  if (safety_text == "the properties still follow" && broken.empty() && p8_broken.empty()) {
    p.fail(name + " is not needed: without it Inv is inductive and implies the properties");
    return;
  }
  p.note("without " + name + ": " + safety_text + "; induction " +
         (broken.empty() ? "still holds" : "fails for " + broken) + "; P8 " +
         (p8_broken.empty() ? "still follows" : "fails for " + p8_broken));
}

// --- the registry ---------------------------------------------------------------------------

struct Entry {
  ObligationInfo info;
  std::function<void(Prover&)> run;
};

const std::vector<Entry>& registry() {
  static const std::vector<Entry> entries = [] {
    std::vector<Entry> e;
    e.push_back({{"init", "State::initial (any host configuration) satisfies Inv"}, init});
    e.push_back({{"safety", "Inv implies P1–P4 and P7 (structural; spec-strength Inv implies the spec-strength properties)"},
                 safety});
    for (const std::string& k : op_kind_names())
      e.push_back({{"inductive." + k, "Inv ∧ " + k + " ⇒ Inv' (every slot, driver and mask)"},
                   [k](Prover& p) { inductive(p, k); }});
    e.push_back({{"p5.commits_p1_p2", "every commit, intermediate ones included, writes an APCB satisfying P1–P2 at that instant"},
                 p5_commits});
    e.push_back({{"p5.commit_atomic", "a commit replaces one guest's whole triple and nothing else; no CRYCB changes otherwise"},
                 p5_atomic});
    e.push_back({{"p5.protocol", "block/write/unblock against concurrent vCPU reads: no torn read, no deadlock (all interleavings within the bound)"},
                 protocol_holds});
    e.push_back({{"p5.protocol_without_blocking_tears", "writing while vCPUs run gives a torn read (the check has teeth)"},
                 [](Prover& p) { protocol_tears(p, Protocol::no_block); }});
    e.push_back({{"p5.protocol_check_then_enter_tears", "a vCPU testing the block bit before announcing SIE gives a torn read"},
                 [](Prover& p) { protocol_tears(p, Protocol::check_then_enter); }});
    e.push_back({{"p5.protocol_unbounded", "block/write/unblock for any number of vCPUs, commits, SIE entries and CRYCB words: an invariant quantified over vCPUs and words is initial, inductive for every step, safe (a complete read is one committed image) and deadlock-free; each conjunct needed"},
                 protocol_unbounded_holds});
    e.push_back({{"p5.protocol_unbounded_without_blocking_tears", "without blocking the unbounded induction fails; its counterexample replays to a torn read on the bounded checker"},
                 [](Prover& p) { protocol_unbounded_tears(p, Protocol::no_block); }});
    e.push_back({{"p5.protocol_unbounded_check_then_enter_tears", "testing the block bit before announcing SIE: the unbounded induction fails; its counterexample replays to a torn read"},
                 [](Prover& p) { protocol_unbounded_tears(p, Protocol::check_then_enter); }});
    e.push_back({{"p6.failure_atomicity", "a failed operation changes nothing and neither commits nor resets; every errno is a failure but a device reset's EIO, which follows its resets"}, p6});
    e.push_back({{"p8.unplug_before_reset", "no queue is reset while in a guest's CRYCB (device reset exempt)"},
                 [](Prover& p) { p8(p); }});
    e.push_back({{"nonvacuity.enabled", "every operation succeeds (and changes the state) in some Inv state; witnesses replayed"},
                 enabled});
    for (Conjunct c : kConjuncts) {
      const std::string n(conjunct_name(c));
      e.push_back({{"nonvacuity.needed." + n, "without " + n + ", Inv no longer implies the properties or is no longer inductive"},
                   [c](Prover& p) { needed(p, c); }});
    }
    e.push_back({{"p9.agreement", "the encoding and model::apply agree on random transitions and their events (full test: tests/model/z3_agreement_test.cpp)"},
                 agreement});
    e.push_back({{"f1.device_reset", "finding F1: spec-strength P7 is not inductive for a device reset (counterexample replayed)"},
                 [](Prover& p) { f1(p, "device_reset"); }});
    e.push_back({{"f1.guest_detach", "finding F1: spec-strength P7 is not inductive for a guest detach (counterexample replayed)"},
                 [](Prover& p) { f1(p, "guest_detach"); }});
    e.push_back({{"f2.bus_mask_write", "finding F2: from 6.19 P3's host half is not inductive for a bus-mask write (counterexample replayed); before, it is kept"},
                 f2});
    e.push_back({{"mutant.filter_ignores_binding", "a filter ignoring binding makes inductive.assign_adapter fail; counterexample replayed"},
                 mutant_filter_obligation});
    e.push_back({{"mutant.reset_before_commit", "resetting before the unplug commit makes P8 fail; counterexample replayed"},
                 mutant_reset_first_obligation});
    return e;
  }();
  return entries;
}

}  // namespace
}  // namespace detail

const std::vector<ObligationInfo>& obligations() {
  static const std::vector<ObligationInfo> infos = [] {
    std::vector<ObligationInfo> out;
    for (const detail::Entry& e : detail::registry()) out.push_back(e.info);
    return out;
  }();
  return infos;
}

Result run_obligation(const std::string& name, const Options& options) {
  const double t0 = detail::now_seconds();
  for (const detail::Entry& e : detail::registry()) {
    if (e.info.name != name) continue;
    try {
      detail::Prover p(options, name);
      try {
        e.run(p);
      } catch (const z3::exception& ex) {
        p.fail(Verdict::error, std::string("Z3: ") + ex.msg());
      } catch (const std::exception& ex) {
        p.fail(Verdict::error, ex.what());
      }
      return p.finish();
    } catch (const std::exception& ex) {
      return Result{name, Verdict::error, detail::now_seconds() - t0, 0, ex.what(), {}};
    }
  }
  return Result{name, Verdict::error, 0, 0, "no such obligation", {}};
}

}  // namespace apcb::proofs
