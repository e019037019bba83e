#include "proofs/protocol_unbounded.h"

#include <cstdio>
#include <stdexcept>

#include "proofs/prover.h"

namespace apcb::proofs::detail {

namespace {

constexpr int kIdle = 0, kBlocking = 1, kWriting = 2, kUnblocking = 3;
constexpr int kOutPc = 0, kMidPc = 1, kSiePc = 2;

z3::expr sel(const z3::expr& a, const z3::expr& i) { return z3::select(a, i); }
z3::expr sel(const z3::expr& a, const z3::expr& i, const z3::expr& j) {
  return z3::select(z3::select(a, i), j);
}
z3::expr upd(const z3::expr& a, const z3::expr& i, const z3::expr& j, const z3::expr& v) {
  return z3::store(a, i, z3::store(z3::select(a, i), j, v));
}

std::string secs(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f s", s);
  return buf;
}

}  // namespace

// --- the domain --------------------------------------------------------------------------------

PDomain::PDomain(z3::context& ctx)
    : ctx_(&ctx),
      vcpu_(ctx.uninterpreted_sort("Vcpu")),
      unit_(ctx.uninterpreted_sort("Unit")),
      phase_(ctx),
      pc_(ctx),
      phase_values_(ctx),
      phase_testers_(ctx),
      pc_values_(ctx),
      pc_testers_(ctx),
      vcpu_decls_(ctx),
      vcpu_testers_(ctx),
      unit_decls_(ctx),
      unit_testers_(ctx) {
  make_enums();
}

// The finite domain is the unbounded one with its two sorts replaced by enumerations.
PDomain::PDomain(z3::context& ctx, int vcpus, int units) : PDomain(ctx) {
  if (vcpus < 1 || units < 1) throw std::invalid_argument("PDomain: a finite domain needs elements");
  auto enumerate = [&](const char* sort, const char* prefix, int n, z3::func_decl_vector& decls,
                       z3::func_decl_vector& testers, std::vector<z3::expr>& elems) {
    std::vector<std::string> names;
    for (int i = 0; i < n; ++i) names.push_back(prefix + std::to_string(i));
    std::vector<const char*> cnames;
    for (const std::string& s : names) cnames.push_back(s.c_str());
    z3::sort s = ctx.enumeration_sort(sort, static_cast<unsigned>(n), cnames.data(), decls, testers);
    for (unsigned i = 0; i < decls.size(); ++i) elems.push_back(decls[i]());
    return s;
  };
  vcpu_ = enumerate("FiniteVcpu", "vcpu", vcpus, vcpu_decls_, vcpu_testers_, vcpu_elems_);
  unit_ = enumerate("FiniteUnit", "unit", units, unit_decls_, unit_testers_, unit_elems_);
}

void PDomain::make_enums() {
  const char* phases[] = {"idle", "blocking", "writing", "unblocking"};
  phase_ = ctx_->enumeration_sort("Phase", 4, phases, phase_values_, phase_testers_);
  const char* pcs[] = {"out", "mid", "sie"};
  pc_ = ctx_->enumeration_sort("Pc", 3, pcs, pc_values_, pc_testers_);
}

z3::expr PDomain::all_of(const z3::sort& sort, const std::vector<z3::expr>& elems, const char* bound_name,
                         const std::function<z3::expr(const z3::expr&)>& f) const {
  if (finite()) {
    z3::expr out = ctx_->bool_val(true);
    for (const z3::expr& e : elems) out = out && f(e);
    return out;
  }
  const z3::expr x = ctx_->constant(bound_name, sort);
  return z3::forall(x, f(x));
}

z3::expr PDomain::all_vcpus(const std::function<z3::expr(const z3::expr&)>& f) const {
  return all_of(vcpu_, vcpu_elems_, "c!q", f);
}

z3::expr PDomain::some_vcpu(const std::function<z3::expr(const z3::expr&)>& f) const {
  return !all_vcpus([&](const z3::expr& c) { return !f(c); });
}

z3::expr PDomain::all_units(const std::function<z3::expr(const z3::expr&)>& f) const {
  return all_of(unit_, unit_elems_, "u!q", f);
}

z3::expr PDomain::some_unit(const std::function<z3::expr(const z3::expr&)>& f) const {
  return !all_units([&](const z3::expr& u) { return !f(u); });
}

// --- states and steps --------------------------------------------------------------------------

PState fresh_pstate(const PDomain& dom, const std::string& prefix) {
  z3::context& c = dom.ctx();
  auto k = [&](const char* name, const z3::sort& s) { return c.constant((prefix + "." + name).c_str(), s); };
  const z3::sort B = c.bool_sort(), I = c.int_sort();
  const z3::sort V = dom.vcpu(), U = dom.unit();
  return PState{k("phase", dom.phase_sort()),
                k("gen", I),
                k("waited", c.array_sort(V, B)),
                k("written", c.array_sort(U, B)),
                k("mem", c.array_sort(U, I)),
                k("block", c.array_sort(V, B)),
                k("in_sie", c.array_sort(V, B)),
                k("pc", c.array_sort(V, dom.pc_sort())),
                k("read", c.array_sort(V, c.array_sort(U, B))),
                k("buf", c.array_sort(V, c.array_sort(U, I)))};
}

z3::expr pinit(const PDomain& dom, const PState& s) {
  z3::context& c = dom.ctx();
  const z3::expr F = c.bool_val(false);
  return s.phase == dom.phase(kIdle) && s.gen == 0 &&
         s.waited == z3::const_array(dom.vcpu(), F) && s.written == z3::const_array(dom.unit(), F) &&
         s.mem == z3::const_array(dom.unit(), c.int_val(0)) &&
         s.block == z3::const_array(dom.vcpu(), F) && s.in_sie == z3::const_array(dom.vcpu(), F) &&
         s.pc == z3::const_array(dom.vcpu(), dom.pc(kOutPc)) &&
         s.read == z3::const_array(dom.vcpu(), z3::const_array(dom.unit(), F));
}

std::vector<PStepKind> pstep_kinds(Protocol protocol) {
  std::vector<PStepKind> out{{"writer.begin", true, false, false}};
  const bool blocks = protocol != Protocol::no_block;
  if (blocks) {
    out.push_back({"writer.block", true, true, false});
    out.push_back({"writer.wait", true, true, false});
    out.push_back({"writer.start_writing", true, false, false});
  }
  out.push_back({"writer.write", true, false, true});
  out.push_back({"writer.restart", true, false, false});
  out.push_back({"writer.finish_writing", true, false, false});
  if (blocks) {
    out.push_back({"writer.unblock", true, true, false});
    out.push_back({"writer.end", true, false, false});
  }
  if (protocol == Protocol::check_then_enter) {
    out.push_back({"vcpu.test", false, true, false});
    out.push_back({"vcpu.enter", false, true, false});
  } else {
    out.push_back({"vcpu.announce", false, true, false});
    out.push_back({"vcpu.back_out", false, true, false});
    out.push_back({"vcpu.enter", false, true, false});
  }
  out.push_back({"vcpu.read", false, true, true});
  out.push_back({"vcpu.leave", false, true, false});
  return out;
}

PStep pstep(const PDomain& dom, Protocol protocol, const std::string& kind, const PState& pre,
            const z3::expr& c, const z3::expr& u) {
  z3::context& ctx = dom.ctx();
  const z3::expr T = ctx.bool_val(true), F = ctx.bool_val(false);
  const bool blocks = protocol != Protocol::no_block;
  PState post = pre;
  z3::expr guard = T;
  auto phase_is = [&](int p) { return pre.phase == dom.phase(p); };
  auto pc_is = [&](int p) { return sel(pre.pc, c) == dom.pc(p); };
  if (kind == "writer.begin") {
    guard = phase_is(kIdle);
    post.phase = dom.phase(blocks ? kBlocking : kWriting);
    post.gen = pre.gen + 1;
    post.waited = z3::const_array(dom.vcpu(), F);
    post.written = z3::const_array(dom.unit(), F);
  } else if (kind == "writer.block" && blocks) {
    guard = phase_is(kBlocking) && !sel(pre.block, c);
    post.block = z3::store(pre.block, c, T);
  } else if (kind == "writer.wait" && blocks) {
    guard = phase_is(kBlocking) && sel(pre.block, c) && !sel(pre.in_sie, c) && !sel(pre.waited, c);
    post.waited = z3::store(pre.waited, c, T);
  } else if (kind == "writer.start_writing" && blocks) {
    guard = phase_is(kBlocking) && dom.all_vcpus([&](const z3::expr& x) { return sel(pre.waited, x); });
    post.phase = dom.phase(kWriting);
    post.written = z3::const_array(dom.unit(), F);
  } else if (kind == "writer.write") {
    guard = phase_is(kWriting) && !sel(pre.written, u);
    post.mem = z3::store(pre.mem, u, pre.gen);
    post.written = z3::store(pre.written, u, T);
  } else if (kind == "writer.restart") {
    // A new image written over a partly written one, the vCPUs still kept out (the undo of an
    // interrupted commit in impl/kvm writes the old masks back this way).
    guard = phase_is(kWriting);
    post.gen = pre.gen + 1;
    post.written = z3::const_array(dom.unit(), F);
  } else if (kind == "writer.finish_writing") {
    guard = phase_is(kWriting) && dom.all_units([&](const z3::expr& x) { return sel(pre.written, x); });
    post.phase = dom.phase(blocks ? kUnblocking : kIdle);
  } else if (kind == "writer.unblock" && blocks) {
    guard = phase_is(kUnblocking) && sel(pre.block, c);
    post.block = z3::store(pre.block, c, F);
    post.waited = z3::store(pre.waited, c, F);
  } else if (kind == "writer.end" && blocks) {
    guard = phase_is(kUnblocking) && dom.all_vcpus([&](const z3::expr& x) { return !sel(pre.block, x); });
    post.phase = dom.phase(kIdle);
  } else if (kind == "vcpu.announce" && protocol != Protocol::check_then_enter) {
    guard = pc_is(kOutPc);
    post.pc = z3::store(pre.pc, c, dom.pc(kMidPc));
    post.in_sie = z3::store(pre.in_sie, c, T);
  } else if (kind == "vcpu.back_out" && protocol != Protocol::check_then_enter) {
    guard = pc_is(kMidPc) && sel(pre.block, c);
    post.pc = z3::store(pre.pc, c, dom.pc(kOutPc));
    post.in_sie = z3::store(pre.in_sie, c, F);
  } else if (kind == "vcpu.test" && protocol == Protocol::check_then_enter) {
    guard = pc_is(kOutPc) && !sel(pre.block, c);
    post.pc = z3::store(pre.pc, c, dom.pc(kMidPc));
  } else if (kind == "vcpu.enter") {
    guard = pc_is(kMidPc);
    if (protocol == Protocol::check_then_enter)
      post.in_sie = z3::store(pre.in_sie, c, T);  // announced only now, the bit already tested
    else
      guard = guard && !sel(pre.block, c);
    post.pc = z3::store(pre.pc, c, dom.pc(kSiePc));
    post.read = z3::store(pre.read, c, z3::const_array(dom.unit(), F));
  } else if (kind == "vcpu.read") {
    guard = pc_is(kSiePc) && !sel(pre.read, c, u);
    post.buf = upd(pre.buf, c, u, sel(pre.mem, u));
    post.read = upd(pre.read, c, u, T);
  } else if (kind == "vcpu.leave") {
    guard = pc_is(kSiePc) && dom.all_units([&](const z3::expr& x) { return sel(pre.read, c, x); });
    post.pc = z3::store(pre.pc, c, dom.pc(kOutPc));
    post.in_sie = z3::store(pre.in_sie, c, F);
  } else {
    throw std::invalid_argument("pstep: no step " + kind + " in this protocol");
  }
  return PStep{guard, post};
}

// --- the invariant -----------------------------------------------------------------------------

std::string pconjunct_name(PConjunct c) {
  switch (c) {
    case PConjunct::image: return "image";
    case PConjunct::buffer: return "buffer";
    case PConjunct::announce: return "announce";
    case PConjunct::kept_out: return "kept_out";
    case PConjunct::all_waited: return "all_waited";
  }
  return "?";
}

z3::expr pcommitted(const PDomain& dom, const PState& s) {
  return z3::ite(s.phase == dom.phase(kBlocking), s.gen - 1, s.gen);
}

z3::expr pconjunct(const PDomain& dom, Protocol protocol, PConjunct which, const PState& s) {
  switch (which) {
    case PConjunct::image:
      // The CRYCB holds the committed image; while writing, the units written so far hold the
      // new one (the others may hold anything: a restart leaves a partly written image).
      return dom.all_units([&](const z3::expr& u) {
        return z3::ite(s.phase == dom.phase(kWriting), z3::implies(sel(s.written, u), sel(s.mem, u) == s.gen),
                       sel(s.mem, u) == pcommitted(dom, s));
      });
    case PConjunct::buffer:
      // What a vCPU in SIE has read so far is what the CRYCB still holds.
      return dom.all_vcpus([&](const z3::expr& c) {
        return dom.all_units([&](const z3::expr& u) {
          return z3::implies(sel(s.pc, c) == dom.pc(kSiePc) && sel(s.read, c, u),
                             sel(s.buf, c, u) == sel(s.mem, u));
        });
      });
    case PConjunct::announce:
      // PROG_IN_SIE is set exactly from the announcement to the exit.
      return dom.all_vcpus([&](const z3::expr& c) {
        return sel(s.in_sie, c) == (protocol == Protocol::check_then_enter ? sel(s.pc, c) == dom.pc(kSiePc)
                                                                           : sel(s.pc, c) != dom.pc(kOutPc));
      });
    case PConjunct::kept_out:
      // A vCPU the writer has waited for is blocked and not in SIE.
      return dom.all_vcpus([&](const z3::expr& c) {
        return z3::implies(sel(s.waited, c), sel(s.block, c) && sel(s.pc, c) != dom.pc(kSiePc));
      });
    case PConjunct::all_waited:
      // The writer writes only after it has waited for every vCPU.
      return z3::implies(s.phase == dom.phase(kWriting),
                         dom.all_vcpus([&](const z3::expr& c) { return sel(s.waited, c); }));
  }
  throw std::invalid_argument("pconjunct");
}

z3::expr pinv(const PDomain& dom, Protocol protocol, const PState& s, std::optional<PConjunct> without) {
  z3::expr out = dom.ctx().bool_val(true);
  for (PConjunct c : kPConjuncts)
    if (!without || *without != c) out = out && pconjunct(dom, protocol, c, s);
  return out;
}

z3::expr psafe(const PDomain& dom, const PState& s, const z3::expr& c) {
  const z3::expr complete =
      sel(s.pc, c) == dom.pc(kSiePc) && dom.all_units([&](const z3::expr& u) { return sel(s.read, c, u); });
  const z3::expr image = pcommitted(dom, s);
  return z3::implies(complete, s.phase != dom.phase(kWriting) &&
                                   dom.all_units([&](const z3::expr& u) { return sel(s.buf, c, u) == image; }));
}

z3::expr pwriter_enabled(const PDomain& dom, Protocol protocol, const PState& s) {
  z3::expr out = dom.ctx().bool_val(false);
  for (const PStepKind& k : pstep_kinds(protocol)) {
    if (!k.writer) continue;
    if (k.takes_vcpu)
      out = out || dom.some_vcpu([&](const z3::expr& c) {
        return pstep(dom, protocol, k.name, s, c, c /* unused */).guard;
      });
    else if (k.takes_unit)
      out = out || dom.some_unit([&](const z3::expr& u) { return pstep(dom, protocol, k.name, s, u, u).guard; });
    else
      out = out || pstep(dom, protocol, k.name, s, s.gen, s.gen).guard;
  }
  return out;
}

z3::expr pvcpu_enabled(const PDomain& dom, Protocol protocol, const PState& s, const z3::expr& c) {
  z3::expr out = dom.ctx().bool_val(false);
  for (const PStepKind& k : pstep_kinds(protocol)) {
    if (k.writer) continue;
    if (k.takes_unit)
      out = out || dom.some_unit([&](const z3::expr& u) { return pstep(dom, protocol, k.name, s, c, u).guard; });
    else
      out = out || pstep(dom, protocol, k.name, s, c, c).guard;
  }
  return out;
}

z3::expr pdanger(const PDomain& dom, const PState& s, const z3::expr& c0, const z3::expr& u1,
                 const z3::expr& u2) {
  return u1 != u2 && sel(s.pc, c0) == dom.pc(kSiePc) && s.phase == dom.phase(kWriting) &&
         !sel(s.written, u1) && !sel(s.written, u2) && !sel(s.read, c0, u2);
}

// --- concrete states ---------------------------------------------------------------------------

PState pstate_of(const PDomain& dom, const ProtocolSnapshot& s) {
  z3::context& ctx = dom.ctx();
  const z3::expr F = ctx.bool_val(false);
  const int V = static_cast<int>(s.pc.size()), W = static_cast<int>(s.mem.size());
  auto vb = [&](const std::vector<bool>& bits) {
    z3::expr a = z3::const_array(dom.vcpu(), F);
    for (int v = 0; v < V; ++v) a = z3::store(a, dom.vcpu_elem(v), ctx.bool_val(bits[static_cast<std::size_t>(v)]));
    return a;
  };
  auto ub = [&](const std::vector<bool>& bits) {
    z3::expr a = z3::const_array(dom.unit(), F);
    for (int w = 0; w < W; ++w) a = z3::store(a, dom.unit_elem(w), ctx.bool_val(bits[static_cast<std::size_t>(w)]));
    return a;
  };
  auto ui = [&](const std::vector<int>& values) {
    z3::expr a = z3::const_array(dom.unit(), ctx.int_val(0));
    for (int w = 0; w < W; ++w) a = z3::store(a, dom.unit_elem(w), ctx.int_val(values[static_cast<std::size_t>(w)]));
    return a;
  };
  z3::expr pc = z3::const_array(dom.vcpu(), dom.pc(kOutPc));
  z3::expr read = z3::const_array(dom.vcpu(), z3::const_array(dom.unit(), F));
  z3::expr buf = z3::const_array(dom.vcpu(), z3::const_array(dom.unit(), ctx.int_val(0)));
  for (int v = 0; v < V; ++v) {
    const auto k = static_cast<std::size_t>(v);
    pc = z3::store(pc, dom.vcpu_elem(v), dom.pc(s.pc[k]));
    read = z3::store(read, dom.vcpu_elem(v), ub(s.read[k]));
    buf = z3::store(buf, dom.vcpu_elem(v), ui(s.buf[k]));
  }
  return PState{dom.phase(s.phase), ctx.int_val(s.gen), vb(s.waited), ub(s.written), ui(s.mem),
                vb(s.block), vb(s.in_sie), pc, read, buf};
}

bool pevaluate(const z3::expr& f) {
  const z3::expr r = f.simplify();
  if (r.is_true()) return true;
  if (r.is_false()) return false;
  throw std::logic_error("pevaluate: not ground: " + r.to_string().substr(0, 200));
}

std::string pcheck_writer_run(int vcpus, int units, const std::vector<PWriterEvent>& events) {
  z3::context ctx;
  const PDomain dom(ctx, vcpus, units);
  ProtocolSnapshot idle;
  const auto V = static_cast<std::size_t>(vcpus), U = static_cast<std::size_t>(units);
  idle.block.assign(V, false);
  idle.in_sie = idle.waited = idle.block;
  idle.pc.assign(V, 0);
  idle.read.assign(V, std::vector<bool>(U, false));
  idle.buf.assign(V, std::vector<int>(U, 0));
  idle.written.assign(U, false);
  idle.mem.assign(U, 0);
  PState s = pstate_of(dom, idle);
  auto in_phase = [&](int p) { return pevaluate(s.phase == dom.phase(p)); };
  std::string failure;
  auto take = [&](std::size_t at, const std::string& kind, int index) {
    const bool on_vcpu = kind == "writer.block" || kind == "writer.wait" || kind == "writer.unblock";
    const bool on_unit = kind == "writer.write";
    if ((on_vcpu && (index < 0 || index >= vcpus)) || (on_unit && (index < 0 || index >= units))) {
      failure = "event " + std::to_string(at + 1) + ": " + kind + " of " + std::to_string(index) + " is out of range";
      return false;
    }
    const z3::expr c = on_vcpu ? dom.vcpu_elem(index) : dom.vcpu_elem(0);
    const z3::expr u = on_unit ? dom.unit_elem(index) : dom.unit_elem(0);
    const PStep st = pstep(dom, Protocol::block_all, kind, s, c, u);
    if (!pevaluate(st.guard)) {
      failure = "event " + std::to_string(at + 1) + ": " + kind + (on_vcpu || on_unit ? " " + std::to_string(index) : "") +
                " is not enabled";
      return false;
    }
    const PState& n = st.post;
    s = PState{n.phase.simplify(), n.gen.simplify(),   n.waited.simplify(), n.written.simplify(),
               n.mem.simplify(),   n.block.simplify(), n.in_sie.simplify(), n.pc.simplify(),
               n.read.simplify(),  n.buf.simplify()};
    return true;
  };
  for (std::size_t i = 0; i < events.size(); ++i) {
    const PWriterEvent& e = events[i];
    bool ok = true;
    if (e.kind == "write" && in_phase(kBlocking)) ok = take(i, "writer.start_writing", 0);
    if (ok && e.kind == "unblock" && in_phase(kWriting)) ok = take(i, "writer.finish_writing", 0);
    if (ok) {
      static const char* kinds[] = {"begin", "block", "wait", "write", "restart", "unblock", "end"};
      bool known = false;
      for (const char* k : kinds) known |= e.kind == k;
      if (!known) return "event " + std::to_string(i + 1) + ": no writer event " + e.kind;
      ok = take(i, "writer." + e.kind, e.index);
    }
    if (!ok) return failure;
  }
  if (!in_phase(kIdle)) return "the commit does not end idle";
  return "";
}

// --- the obligations ---------------------------------------------------------------------------

namespace {

// A query that must be unsat (a proof); false (and the obligation failed) otherwise.
bool prove_unsat(Prover& p, const std::string& label, const z3::expr& f) {
  const z3::check_result r = p.decide(label, f);
  if (r == z3::sat) p.fail(label + ": counterexample (sat)");
  return r == z3::unsat;
}

struct Params {
  z3::expr c, u;
};
Params params(const PDomain& dom) {
  return Params{dom.ctx().constant("c", dom.vcpu()), dom.ctx().constant("u", dom.unit())};
}

}  // namespace

void protocol_unbounded_holds(Prover& p) {
  const Protocol P = Protocol::block_all;
  const PDomain dom(p.ctx());
  const PState s = fresh_pstate(dom, "s");
  const Params pv = params(dom);
  const z3::expr c = pv.c, u = pv.u;
  const double t0 = now_seconds();
  const z3::expr inv = pinv(dom, P, s);
  int proved = 0;
  // Initiation, consecution for every step, safety, no deadlock.
  proved += prove_unsat(p, "initiation", pinit(dom, s) && !inv);
  const std::vector<PStepKind> kinds = pstep_kinds(P);
  for (const PStepKind& k : kinds) {
    const PStep st = pstep(dom, P, k.name, s, c, u);
    proved += prove_unsat(p, "consecution." + k.name, inv && st.guard && !pinv(dom, P, st.post));
  }
  proved += prove_unsat(p, "safety", inv && !psafe(dom, s, c));
  proved += prove_unsat(p, "no_deadlock.writer",
                        inv && dom.all_vcpus([&](const z3::expr& x) { return !z3::select(s.in_sie, x); }) &&
                            !pwriter_enabled(dom, P, s));
  proved += prove_unsat(p, "no_deadlock.vcpu", inv && !pvcpu_enabled(dom, P, s, c));
  const double proof_time = now_seconds() - t0;
  if (p.failed()) return;
  // Non-vacuity: every step is enabled in some state of Inv.
  int enabled = 0;
  for (const PStepKind& k : kinds) {
    const PStep st = pstep(dom, P, k.name, s, c, u);
    const z3::check_result r = p.decide("enabled." + k.name, inv && st.guard);
    if (r == z3::sat)
      ++enabled;
    else if (r == z3::unsat)
      p.fail("enabled." + k.name + ": never enabled in a state of Inv");
  }
  // Each conjunct is needed: without it the rest no longer implies safety, or is no longer
  // inductive (the steps are asked in order up to the first that breaks it).
  std::string needed;
  for (PConjunct x : kPConjuncts) {
    const z3::expr weak = pinv(dom, P, s, x);
    const bool unsafe = p.decide("needed." + pconjunct_name(x) + ".safety", weak && !psafe(dom, s, c)) == z3::sat;
    std::string broken;
    for (const PStepKind& k : kinds) {
      const PStep st = pstep(dom, P, k.name, s, c, u);
      if (p.decide("needed." + pconjunct_name(x) + "." + k.name, weak && st.guard && !pinv(dom, P, st.post, x)) ==
          z3::sat) {
        broken = k.name;
        break;
      }
    }
    if (p.failed_otherwise()) return;
    if (!unsafe && broken.empty()) {
      p.fail(pconjunct_name(x) + " is not needed: without it the rest is inductive and safe");
      return;
    }
    needed += (needed.empty() ? "" : "; ") + pconjunct_name(x) + ": safety " + (unsafe ? "fails" : "holds") +
              ", induction " + (broken.empty() ? "holds" : "fails at " + broken);
  }
  p.note(std::to_string(proved) + " unsat queries (initiation, consecution for " +
         std::to_string(kinds.size()) + " step kinds, safety, 2 deadlock) in " + secs(proof_time) +
         "; every step enabled in some Inv state (" + std::to_string(enabled) + "); each conjunct needed, without it: " +
         needed);
}

void protocol_unbounded_tears(Prover& p, Protocol P) {
  const PDomain dom(p.ctx());
  const PState s = fresh_pstate(dom, "s");
  const Params pv = params(dom);
  const z3::expr c = pv.c, u = pv.u;
  z3::context& ctx = p.ctx();
  const z3::expr c0 = ctx.constant("c0", dom.vcpu());
  const z3::expr u1 = ctx.constant("u1", dom.unit()), u2 = ctx.constant("u2", dom.unit());
  const z3::expr inv = pinv(dom, P, s);
  // The same invariant starts right: what fails is consecution.
  if (!prove_unsat(p, "initiation", pinit(dom, s) && !inv)) return;
  // A counterexample to induction whose post-state is in danger (a vCPU in SIE while the
  // writer writes, two units unwritten, one unread), realized on the bounded checker with one
  // vCPU and two words: reach the pre-state's projection, then the post-state's, then a torn read.
  const ProtocolBound bound{1, 2, 2, 2};
  int ctis = 0, unrealized = 0;
  std::vector<std::string> failed_steps;
  for (const PStepKind& k : pstep_kinds(P)) {
    const PStep st = pstep(dom, P, k.name, s, c, u);
    z3::expr query = inv && st.guard && !pinv(dom, P, st.post) && pdanger(dom, st.post, c0, u1, u2);
    if (!k.writer) query = query && c == c0;
    for (int attempt = 0; attempt < 6; ++attempt) {
      std::optional<z3::model> m;
      const std::string label = "cti." + k.name + (attempt == 0 ? "" : "." + std::to_string(attempt));
      const z3::check_result r = p.decide(label, query, &m);
      if (r != z3::sat) break;
      ++ctis;
      auto is = [&](const z3::expr& e) { return m->eval(e, true).is_true(); };
      auto projection = [&](const PState& x) {
        ProtocolProjection pr;
        for (int ph = 0; ph < 4; ++ph)
          if (is(x.phase == dom.phase(ph))) pr.phase = ph;
        pr.written[0] = is(z3::select(x.written, u1));
        pr.written[1] = is(z3::select(x.written, u2));
        for (int pc = 0; pc < 3; ++pc)
          if (is(z3::select(x.pc, c0) == dom.pc(pc))) pr.pc = pc;
        pr.in_sie = is(z3::select(x.in_sie, c0));
        pr.block = is(z3::select(x.block, c0));
        pr.waited = is(z3::select(x.waited, c0));
        pr.read[0] = is(sel(x.read, c0, u1));
        pr.read[1] = is(sel(x.read, c0, u2));
        return pr;
      };
      const ProtocolProjection pre = projection(s), post = projection(st.post);
      const std::optional<Schedule> schedule = find_tearing_schedule(P, bound, pre, post);
      std::optional<ProtocolResult> replay;
      if (schedule) replay = replay_schedule(P, bound, *schedule);
      if (replay && replay->torn) {
        std::string text = "# " + p.name() + ": a counterexample to induction of the unbounded invariant (step " +
                           k.name + "), replayed on the explicit-state checker (1 vCPU, 2 words) to a torn read\n";
        auto show = [](const ProtocolProjection& x) {
          static const char* phases[] = {"idle", "blocking", "writing", "unblocking"};
          static const char* pcs[] = {"out of SIE", "between its entry steps", "in SIE"};
          return std::string("writer ") + phases[x.phase] + ", words written " + (x.written[0] ? "1" : "0") +
                 (x.written[1] ? "1" : "0") + "; vCPU " + pcs[x.pc] + ", PROG_IN_SIE " + (x.in_sie ? "1" : "0") +
                 ", block " + (x.block ? "1" : "0") + ", waited " + (x.waited ? "1" : "0") + ", words read " +
                 (x.read[0] ? "1" : "0") + (x.read[1] ? "1" : "0");
        };
        text += "# pre (canonical): " + show(canonical(P, pre)) + "\n# post (canonical): " + show(canonical(P, post)) + "\n";
        for (std::size_t i = 0; i < replay->schedule.size(); ++i)
          text += std::to_string(i + 1) + ". " + replay->schedule[i] + "\n";
        p.save(".schedule", text);
        p.log(text);
        p.note("induction fails at " + k.name + "; its counterexample replays to a torn read in " +
               std::to_string(schedule->size()) + " steps (" + std::to_string(ctis) + " counterexamples asked, " +
               std::to_string(unrealized) + " not reachable in the bound)");
        return;
      }
      ++unrealized;
      // Not realized within the bound: ask for another with a different projection.
      auto same = [&](const PState& x, const ProtocolProjection& pr) {
        return x.phase == dom.phase(pr.phase) && z3::select(x.written, u1) == ctx.bool_val(pr.written[0]) &&
               z3::select(x.written, u2) == ctx.bool_val(pr.written[1]) &&
               z3::select(x.pc, c0) == dom.pc(pr.pc) && z3::select(x.in_sie, c0) == ctx.bool_val(pr.in_sie) &&
               z3::select(x.block, c0) == ctx.bool_val(pr.block) &&
               z3::select(x.waited, c0) == ctx.bool_val(pr.waited) &&
               sel(x.read, c0, u1) == ctx.bool_val(pr.read[0]) && sel(x.read, c0, u2) == ctx.bool_val(pr.read[1]);
      };
      query = query && !same(s, pre);
    }
    if (p.failed_otherwise()) return;
  }
  p.fail(ctis == 0 ? "the invariant is inductive for this protocol: no counterexample to induction (no teeth)"
                   : std::to_string(ctis) + " counterexamples to induction, none replays to a torn read within the bound");
}

}  // namespace apcb::proofs::detail
