// apcb proofs — the commit protocol (block every vCPU out of SIE, write the CRYCB, unblock)
// proved for any number of vCPUs, commits, SIE entries and CRYCB words: a parameterized Z3
// encoding and an inductive invariant quantified over vCPUs and words. Internal to proofs/.
//
// vCPUs and the CRYCB's units (words, or bytes: any granularity at which a store is atomic)
// are two uninterpreted sorts, so a model may have any number of each. Per vCPU: PROG_IN_SIE
// (`in_sie`), the block bit, the writer's "waited for it" mark, a program counter (out of SIE,
// between its two entry steps, in SIE) and a read buffer (which units it has read in this SIE
// entry, and what). The CRYCB holds, per unit, the tag of the image that wrote it last (image 0
// is the initial one; `gen` numbers the image being or last written). The writer's phases are
// idle, blocking, writing and unblocking; every step of the writer and of each vCPU is one
// transition, so any interleaving, any number of commits and any number of SIE entries is a
// path. proofs/README.md ("P5 for any number of vCPUs") states the invariant and why each
// conjunct is there.
//
// Quantified variables range over the two uninterpreted sorts only and appear only as array
// indices; no function returns a vCPU or a unit. The queries are therefore in the array
// property fragment (Bradley–Manna–Sipma) with uninterpreted index sorts: after Skolemization
// the vCPU and unit terms are finitely many, instantiating the universals with them is
// complete, and Z3's model-based quantifier instantiation decides them.
#ifndef APCB_PROOFS_PROTOCOL_UNBOUNDED_H_
#define APCB_PROOFS_PROTOCOL_UNBOUNDED_H_

#include <z3++.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "proofs/protocol.h"

namespace apcb::proofs::detail {

class Prover;

// Where the quantifiers range: the uninterpreted sorts of a proof, or (to evaluate a concrete
// state of the bounded checker) finite enumerations over which "for all" is a conjunction.
class PDomain {
 public:
  // Unbounded: sorts Vcpu and Unit with no bound on their size.
  explicit PDomain(z3::context& ctx);
  // Finite: `vcpus` vCPUs and `units` units, as enumeration sorts (both ≥ 1).
  PDomain(z3::context& ctx, int vcpus, int units);

  z3::context& ctx() const { return *ctx_; }
  bool finite() const { return !vcpu_elems_.empty(); }
  z3::sort vcpu() const { return vcpu_; }
  z3::sort unit() const { return unit_; }
  z3::sort phase_sort() const { return phase_; }
  z3::sort pc_sort() const { return pc_; }
  // The writer's phase 0 idle, 1 blocking, 2 writing, 3 unblocking.
  z3::expr phase(int p) const { return phase_values_[static_cast<unsigned>(p)](); }
  // A vCPU's pc 0 out of SIE, 1 between its two entry steps, 2 in SIE.
  z3::expr pc(int p) const { return pc_values_[static_cast<unsigned>(p)](); }
  // Element i of a finite domain.
  z3::expr vcpu_elem(int i) const { return vcpu_elems_.at(static_cast<std::size_t>(i)); }
  z3::expr unit_elem(int i) const { return unit_elems_.at(static_cast<std::size_t>(i)); }

  // ∀c:Vcpu. f(c) and ∃c:Vcpu. f(c) (conjunction/disjunction over a finite domain); the same for
  // units.
  // Example: PDomain(ctx, 2, 1).all_vcpus(f) is f(vcpu0) && f(vcpu1); PDomain(ctx).all_vcpus(f)
  // is (forall ((c!q Vcpu)) f(c!q)).
  z3::expr all_vcpus(const std::function<z3::expr(const z3::expr&)>& f) const;
  z3::expr some_vcpu(const std::function<z3::expr(const z3::expr&)>& f) const;
  z3::expr all_units(const std::function<z3::expr(const z3::expr&)>& f) const;
  z3::expr some_unit(const std::function<z3::expr(const z3::expr&)>& f) const;

 private:
  void make_enums();
  z3::context* ctx_;
  // f over every element of `elems` (finite domain) or forall over `sort` (unbounded).
  z3::expr all_of(const z3::sort& sort, const std::vector<z3::expr>& elems, const char* bound_name,
                  const std::function<z3::expr(const z3::expr&)>& f) const;
  z3::sort vcpu_, unit_, phase_, pc_;
  z3::func_decl_vector phase_values_, phase_testers_, pc_values_, pc_testers_;
  z3::func_decl_vector vcpu_decls_, vcpu_testers_, unit_decls_, unit_testers_;
  std::vector<z3::expr> vcpu_elems_, unit_elems_;
};

// The protocol's state (Int tags; arrays indexed by the domain's sorts).
struct PState {
  z3::expr phase, gen;  // writer: phase, the image being (or last) written
  z3::expr waited;      // Vcpu → Bool: the writer saw it out of SIE in this commit
  z3::expr written;     // Unit → Bool: this commit wrote it
  z3::expr mem;         // Unit → Int: the CRYCB, as the tag of the image that wrote each unit
  z3::expr block;       // Vcpu → Bool: the block bit (PROG_BLOCK_SIE)
  z3::expr in_sie;      // Vcpu → Bool: PROG_IN_SIE
  z3::expr pc;          // Vcpu → Pc
  z3::expr read;        // Vcpu → Unit → Bool: read in this SIE entry
  z3::expr buf;         // Vcpu → Unit → Int: what it read
};

// Fresh constants for every state variable, named <prefix>.<variable>.
// Example: fresh_pstate(dom, "pre").phase is the constant "pre.phase".
PState fresh_pstate(const PDomain& dom, const std::string& prefix);

// The initial state: idle, image 0 everywhere, no vCPU blocked, announced or in SIE.
// Example: pinit(dom, s) && !pinv(dom, Protocol::block_all, s) is unsat (initiation).
z3::expr pinit(const PDomain& dom, const PState& s);

// A step kind: the writer's, or one vCPU's (`c`), possibly naming a unit (`u`).
struct PStepKind {
  std::string name;
  bool writer = false;
  bool takes_vcpu = false;
  bool takes_unit = false;
};
struct PStep {
  z3::expr guard;
  PState post;
};

// Every step kind of `protocol` (writer first). block_all and check_then_enter share the
// writer; no_block's writer never blocks; check_then_enter's vCPU tests its block bit before
// it sets PROG_IN_SIE.
// Example: pstep_kinds(Protocol::block_all)[0].name == "writer.begin".
std::vector<PStepKind> pstep_kinds(Protocol protocol);
// The step `kind` from `pre`, for vCPU `c` and unit `u` where it names them (any expression
// of another sort where it does not); an unknown kind, or one of another protocol, throws
// std::invalid_argument.
// Example: pstep(dom, Protocol::block_all, "writer.wait", s, c, u).guard is
// phase = blocking ∧ block[c] ∧ ¬in_sie[c] ∧ ¬waited[c], and its post sets waited[c].
PStep pstep(const PDomain& dom, Protocol protocol, const std::string& kind, const PState& pre,
            const z3::expr& c, const z3::expr& u);

// The invariant's conjuncts (proofs/README.md).
enum class PConjunct { image, buffer, announce, kept_out, all_waited };
inline constexpr PConjunct kPConjuncts[] = {PConjunct::image, PConjunct::buffer, PConjunct::announce,
                                           PConjunct::kept_out, PConjunct::all_waited};
// "image", "buffer", "announce", "kept_out", "all_waited".
// Example: pconjunct_name(PConjunct::kept_out) == "kept_out".
std::string pconjunct_name(PConjunct c);
// One conjunct on state `s` (check_then_enter's `announce` ties PROG_IN_SIE to pc = sie, the
// others' to pc ≠ out).
// Example: pconjunct(dom, block_all, PConjunct::all_waited, s) is
// phase = writing ⇒ ∀c. waited[c].
z3::expr pconjunct(const PDomain& dom, Protocol protocol, PConjunct c, const PState& s);
// The conjunction of every conjunct but `without`.
// Example: pinv(dom, block_all, s, PConjunct::image) is buffer ∧ announce ∧ kept_out ∧ all_waited.
z3::expr pinv(const PDomain& dom, Protocol protocol, const PState& s,
              std::optional<PConjunct> without = std::nullopt);

// The image a vCPU may read: gen while idle or unblocking, gen − 1 while blocking.
// Example: after writer.begin from idle with gen 0, pcommitted is 0 (gen is 1).
z3::expr pcommitted(const PDomain& dom, const PState& s);
// Safety for vCPU c: once its read is complete (in SIE, every unit read), the writer is not
// writing and every unit it read holds the one committed image.
// Example: pinv(dom, block_all, s) && !psafe(dom, s, c) is unsat.
z3::expr psafe(const PDomain& dom, const PState& s, const z3::expr& c);
// Some step of the writer is enabled; some step of vCPU c is enabled.
// Example: pinv && (∀c. ¬in_sie[c]) && !pwriter_enabled(dom, block_all, s) is unsat.
z3::expr pwriter_enabled(const PDomain& dom, Protocol protocol, const PState& s);
z3::expr pvcpu_enabled(const PDomain& dom, Protocol protocol, const PState& s, const z3::expr& c);
// A vCPU c0 inside SIE while the writer writes, with units u1 ≠ u2 not yet written and u2 not
// yet read: from here c0 can read u1 of the old image and u2 of the new one.
// Example: the no_block counterexample to induction at writer.begin satisfies pdanger on its
// post-state (a vCPU in SIE when the writing starts).
z3::expr pdanger(const PDomain& dom, const PState& s, const z3::expr& c0, const z3::expr& u1,
                 const z3::expr& u2);

// A state of the bounded checker as a ground state over a finite domain of as many vCPUs and
// units as it has.
// Example: pevaluate(pinv(dom, block_all, pstate_of(dom, snap))) for every snapshot of
// for_each_reachable(block_all, …) (tests/proofs/protocol_unbounded_test.cpp).
PState pstate_of(const PDomain& finite, const ProtocolSnapshot& s);
// Whether the ground formula `f` simplifies to true (a formula that does not simplify to a
// Boolean value is an error: std::logic_error).
// Example: pevaluate(dom.all_units([&](auto& u) { return u == u; })) is true on a finite dom.
bool pevaluate(const z3::expr& f);

// One writer event of a recorded commit (impl/kvm/protocol_log.h): kind "begin", "block",
// "wait", "write", "restart", "unblock" or "end"; index the vCPU or the unit.
struct PWriterEvent {
  std::string kind;
  int index = 0;
};

// Runs the events of one commit through the writer's steps of the proved protocol (block_all)
// over `vcpus` vCPUs and `units` units, from the idle state with image 0 and every vCPU out of
// SIE (the vCPUs do not move: a wait is allowed because the implementation saw its vCPU out of
// SIE). The encoding's silent phase changes are inserted where the events imply them
// (start_writing before the first write, finish_writing before the first unblock). Every step's
// guard is evaluated on the ground state; the commit must end idle. Returns "" when it follows
// the protocol, else the first event that does not.
// Example: pcheck_writer_run(1, 1, {{"begin"}, {"block", 0}, {"wait", 0}, {"write", 0},
//          {"unblock", 0}, {"end"}}) == ""; without the wait it names event 3 (the write).
std::string pcheck_writer_run(int vcpus, int units, const std::vector<PWriterEvent>& events);

// The obligations (proofs/README.md): the kernel's protocol satisfies initiation, consecution
// for every step, safety and no deadlock, every step is enabled somewhere, every conjunct is
// needed; a wrong protocol fails consecution with a counterexample that the bounded checker
// replays to a torn read.
// Example: run_obligation("p5.protocol_unbounded", o) holds, and so do the two _tears ones
// (they fail, with "no teeth", if the wrong protocol's induction went through).
void protocol_unbounded_holds(Prover& p);
void protocol_unbounded_tears(Prover& p, Protocol protocol);

}  // namespace apcb::proofs::detail

#endif  // APCB_PROOFS_PROTOCOL_UNBOUNDED_H_
