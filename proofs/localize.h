// apcb proofs — the rewrite that makes full-width queries fast: every test of one bit at a
// symbolic index is pushed down to the masks it is built from, and every array read is
// resolved through the lambdas, stores and constant arrays the transitions build. Internal to
// proofs/.
//
// Why (measured on this machine, Z3 4.8.12, width 256): twenty implications
// `bit(m, i) ⇒ bit(m | q, i)` at one symbolic index i take 2–6 s, because the bit-blasted
// test `(m & (2^255 >> i)) ≠ 0` is an existential over 256 positions that CDCL refutes case by
// case. Pushed down, `bit(m | q, i)` is `bit(m, i) ∨ bit(q, i)` and the same query is
// propositional. The encoder builds every bit test as `(m & onehot(i)) ≠ 0` (Encoder::bit);
// this pass finds exactly that shape and rewrites it, so the encoding itself stays as written.
// The rewrite is an equivalence (each rule is a Boolean identity), so a proof of the rewritten
// formula is a proof of the original.
#ifndef APCB_PROOFS_LOCALIZE_H_
#define APCB_PROOFS_LOCALIZE_H_

#include <z3++.h>

#include <map>
#include <optional>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "model/z3/encoding.h"

namespace apcb::proofs::detail {

class Localizer {
 public:
  explicit Localizer(const model::z3enc::Encoder& enc);

  // `f` with every bit test pushed down and every read of a built array resolved (lambda
  // bodies are left alone: a read of a lambda substitutes the index instead), conjoined with
  // the instances of its whole-mask equalities at the symbolic indices it tests: for each
  // atom X = Y between masks and each such index i, X = Y ⇒ (bit(X, i) ⇔ bit(Y, i)). Those
  // instances are valid, so the result is equivalent to `f`; they let the solver use a
  // whole-mask fact at the bits in question without searching the 2^k positions for them
  // (proof-encoding.md: instantiate by hand).
  z3::expr operator()(const z3::expr& f);

  // The formula last given to operator() reduced to the elements it talks about, the decision
  // procedure of the Boolean algebra of sets: every whole-mask atom X = Y becomes a Boolean b,
  // with b ⇒ (bit(X, i) ⇔ bit(Y, i)) at every index i in play where b may be needed true, and
  // ¬b ⇒ bit(X, w) ≠ bit(Y, w) at a fresh witness index w (in play from then on) where it may
  // be needed false (by the polarity of its occurrences); an equality of per-adapter arrays
  // likewise at pairs of indices. Every remaining bit test of a base mask at a symbolic
  // index becomes an uninterpreted predicate: bit!X(i) for a constant, row!A(j, i) for a read
  // A[j] of a constant array (equal indices still give equal bits). No 256-bit term is left.
  // An over-approximation: unsat for it means unsat for `local` (every model of `local`
  // extends to one of it); sat means nothing, and the caller asks `local` itself.
  z3::expr abstracted();

 private:
  z3::expr rewrite(const z3::expr& e);
  // Bool: ID i is in the mask term m.
  z3::expr bit_at(const z3::expr& m, const z3::expr& i);
  // The read of `array` at `idx`, resolved where the array's shape allows.
  z3::expr read(const z3::expr& array, const z3::expr& idx);
  // j when e is onehot(j) (2^(N−1) >> zext(j)).
  std::optional<z3::expr> onehot_index(const z3::expr& e) const;
  // Bool: i is one of the IDs set in the numeral.
  z3::expr numeral_bit(const z3::expr& numeral, const z3::expr& i);

  // The whole-mask equality atoms of `e` (outside lambdas), into `atoms`, each once.
  void collect_equalities(const z3::expr& e, std::unordered_map<unsigned, z3::expr>& seen,
                          std::vector<std::pair<z3::expr, z3::expr>>& atoms) const;

  const model::z3enc::Encoder& enc_;
  z3::expr top_;  // 2^(N−1): ID 0
  z3::expr core_;  // the last formula given to operator(), rewritten (without instances)
  // Every symbolic index a bit was tested at, by AST id.
  std::unordered_map<unsigned, z3::expr> indices_;
  // The base bit tests built so far and their abstractions.
  z3::expr_vector atoms_;
  z3::expr_vector abstractions_;
  std::unordered_set<unsigned> bit_tests_;  // their ids
  std::unordered_map<unsigned, z3::expr> bit_test_index_;  // test id → its index
  // Adds to indices_ every index `e` tests a bit at or compares.
  void collect_indices(const z3::expr& e, std::unordered_set<unsigned>& seen);
  // The bit test of base term m at symbolic index i (recorded for abstracted()).
  z3::expr atom(const z3::expr& m, const z3::expr& i);
  // Keyed by AST id; the input is kept alive so that its id is not reused.
  std::unordered_map<unsigned, std::pair<z3::expr, z3::expr>> memo_;
  std::map<std::pair<unsigned, unsigned>, std::pair<std::pair<z3::expr, z3::expr>, z3::expr>>
      bit_memo_;
};

}  // namespace apcb::proofs::detail

#endif  // APCB_PROOFS_LOCALIZE_H_
