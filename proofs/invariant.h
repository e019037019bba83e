// apcb proofs — the inductive invariant Inv, in the local form the proofs use, and the
// properties of SPEC §3 it must imply. Internal to proofs/.
//
// Inv (proofs/README.md explains each conjunct and why it is needed) is
//   wf ∧ P7.domains ∧ P1.control ∧ P3.exclusive ∧ P3.not_reserved ∧ ∀i. P4(i) ∧ ∀a. P7.adapters(a)
// over the present slots. The quantified conjuncts are stated at a symbolic index (`inv_at`):
// a proof assumes them at the indices the operation touches and proves them at an arbitrary
// one (proof-encoding.md, locality and instantiation by hand).
#ifndef APCB_PROOFS_INVARIANT_H_
#define APCB_PROOFS_INVARIANT_H_

#include <array>
#include <optional>
#include <string_view>
#include <vector>

#include "model/z3/encoding.h"

namespace apcb::proofs::detail {

namespace z3enc = model::z3enc;

enum class Conjunct {
  wf,               // an attached mdev names a present guest; no two mdevs share a guest
  p7_domains,       // S.Q = M.Q ∩ cfgQ (= F.Q: stronger than P1's S.Q ⊆ M.Q ∩ cfgQ)
  p1_control,       // S.C ⊆ M.C ∩ cfgC
  p3_exclusive,     // no APQN in two mdevs' M.A × M.Q
  p3_not_reserved,  // z3enc's assumptions(); at the spec strength also P3's host half (F2)
  p4,               // every guest's CRYCB is its mdev's truncated shadow, or zero (per ID)
  p7_adapters,      // a ∈ S.A ⇒ a ∈ M.A ∩ cfgA and every d ∈ M.Q ∩ cfgQ linked (and, at the
                    // spec strength, passable)
};

inline constexpr std::array<Conjunct, 7> kConjuncts{
    Conjunct::wf,           Conjunct::p7_domains, Conjunct::p1_control, Conjunct::p3_exclusive,
    Conjunct::p3_not_reserved, Conjunct::p4,  Conjunct::p7_adapters};

// "wf", "P7.domains", …, "P7.adapters".
std::string_view conjunct_name(Conjunct c);

// Which invariant: its strength (structural is the kernel's; spec adds "passable", finding F1)
// and at most one conjunct left out (the non-vacuity checks).
struct Inv {
  model::Strength strength = model::Strength::structural;
  std::optional<Conjunct> dropped;
  bool has(Conjunct c) const { return dropped != c; }
};

// Every conjunct of `inv` but P4 and P7.adapters, over whole masks (no quantifier).
z3::expr inv_global(const z3enc::Encoder& enc, const z3enc::SymState& s, const Inv& inv);
// P4 at ID `i`: every guest's CRYCB agrees with its mdev's truncated shadow (or zero) on the
// bit of ID i of each of the three masks. ∀i. p4_at(i) is z3enc's p4; stated per ID, a proof
// needs it only at the IDs in question (at full width, the whole-mask form costs seconds).
z3::expr p4_at(const z3enc::Encoder& enc, const z3enc::SymState& s, const z3::expr& i);
// P4 and P7.adapters of every slot at index `a` (true when dropped).
z3::expr inv_at(const z3enc::Encoder& enc, const z3enc::SymState& s, const z3::expr& a,
                const Inv& inv);
// The whole of `inv`, as a hypothesis instantiated at `indices`.
z3::expr inv_at_all(const z3enc::Encoder& enc, const z3enc::SymState& s,
                    const std::vector<z3::expr>& indices, const Inv& inv);

// SPEC's P1–P4 and P7 (S ⊆ F) at `strength`, with wf, at adapter index `a`: what the invariant
// must imply. P1's and P2's adapter conjuncts, P4 (p4_at) and P7 are per index; the rest are
// whole.
z3::expr properties_at(const z3enc::Encoder& enc, const z3enc::SymState& s, const z3::expr& a,
                       model::Strength strength);

// P1–P2 of one committed APCB `c` (P5): written for mdev slot k in state `s` (the state at the
// instant of the commit), at adapter index `a`: c ⊆ M ∩ cfg, and every APQN of c.A × c.Q is
// linked to k (bound to vfio_ap, configured, not reserved).
z3::expr committed_ok_at(const z3enc::Encoder& enc, const z3enc::SymState& s, int k,
                         const z3enc::SymMatrix& c, const z3::expr& a);

// A pre-state for satisfiable queries whose models are real counterexamples and witnesses:
// the whole invariant holds (each mdev's assigned adapters lie within two symbolic indices,
// where Inv is asserted, so P7 holds at every index), the per-queue arrays have one symbolic row
// over a constant default, and the state can be built from State::initial by operations
// (replay.h, `construct`): unbound queues are present, a failed last reset is on a linked
// queue, shadows hold every assigned configured domain and control domain, a shadow without
// domains holds every assigned configured adapter, only an attached mdev is released, and each
// guest's PQAP hook is its attached mdev's (none without one).
// Every mask and every row's exceptions lie within a pool of a few symbolic IDs (so a model
// is found quickly at full width, and the trace that builds it is short).
// `constructible` false drops the conditions that make the state buildable (for the
// non-vacuity checks, whose counterexamples break a conjunct of Inv anyway).
struct Witness {
  z3enc::SymState pre;
  z3::expr constraints;
  std::vector<std::vector<z3::expr>> slot_indices;  // per mdev slot: where its adapters may be
  std::vector<z3::expr> indices;                    // all of them
  std::vector<z3::expr> pool;                       // the IDs every mask lies within
};
// `override_bound` (6.19 profiles): one adapter row of queues bound to vfio_ap against the
// masks, whose overrides were cleared (what leaving the driver_override regime starts from), and
// the masks may then be all ones while mdevs exist; constructible, such an mdev holds only
// queues of that row (construct() assigns them while their overrides give them to vfio_ap).
Witness witness(const z3enc::Encoder& enc, const std::string& prefix, const Inv& inv,
                bool constructible = true, bool override_bound = false);

// Bool: every definition of `t` is exact, given that its support (the adapters its mdev holds)
// lies within `indices`: each definition at each index, and zero outside its support.
z3::expr exact_definitions(const z3enc::Encoder& enc, const z3enc::Transition& t,
                           const std::vector<z3::expr>& indices);

// Bool: a and b denote the same state (Encoder::equal), except that the per-adapter arrays
// are compared at adapter index `x` only. As a goal at a fresh x it proves Encoder::equal
// (array extensionality); as a satisfiable query's ¬ at a fresh x it finds a difference.
z3::expr equal_at(const z3enc::Encoder& enc, const z3enc::SymState& a, const z3enc::SymState& b,
                  const z3::expr& x);

// Bool: the mask `m` has no ID outside `indices`.
z3::expr within(const z3enc::Encoder& enc, const z3::expr& m, const std::vector<z3::expr>& indices);

}  // namespace apcb::proofs::detail

#endif  // APCB_PROOFS_INVARIANT_H_
