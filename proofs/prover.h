// apcb proofs — one obligation's run: its Z3 context and encoder, its solver queries (timed,
// exported as SMT-LIB 2 on request), and the verdict they add up to. Internal to proofs/.
#ifndef APCB_PROOFS_PROVER_H_
#define APCB_PROOFS_PROVER_H_

#include <z3++.h>

#include <optional>
#include <string>
#include <vector>

#include "model/z3/encoding.h"
#include "proofs/localize.h"
#include "proofs/proofs.h"

namespace apcb::proofs::detail {

namespace z3enc = model::z3enc;

// The instance an obligation runs on: width N, K mdev slots, G guest slots, and a host whose
// sysfs maxima are N−1 (every ID of the instance is nameable, none is out of range).
z3enc::Shape shape_of(const Options& options);

class Prover {
 public:
  Prover(const Options& options, std::string obligation);
  Prover(const Prover&) = delete;
  Prover& operator=(const Prover&) = delete;

  z3::context& ctx() { return ctx_; }
  z3enc::Encoder& enc() { return enc_; }
  const Options& options() const { return options_; }
  const std::string& name() const { return name_; }

  // The satisfiability of `formula` (after Localizer, an equivalence), under the per-query
  // timeout. Unless `expected` is "sat", the over-approximation Localizer::abstracted is asked
  // first and its unsat is final; otherwise the localized formula decides. Each formula
  // solved is written to the SMT-LIB folder first when asked: <obligation>.<label>.smt2 (the
  // abstraction, or for an expected sat the formula itself) and .exact.smt2 (the localized
  // formula, when the abstraction was not enough).
  // unknown (timeout included) is recorded as the obligation's verdict at once.
  z3::check_result check(const std::string& label, const z3::expr& formula, const char* expected,
                         std::optional<z3::model>* model = nullptr);
  // hyps ⇒ goal, by hyps ∧ ¬goal being unsat. A counterexample (sat) is recorded as a failure
  // naming `label`; its model is left in *cex when asked. True when proved.
  bool prove(const std::string& label, const z3::expr& hyps, const z3::expr& goal,
             std::optional<z3::model>* cex = nullptr);
  // A model of `formula`, which must exist; unsat is recorded as a failure naming `label`.
  std::optional<z3::model> find(const std::string& label, const z3::expr& formula);
  // Same for a formula of another context (the search instance of a satisfiable query), asked
  // as it is; exported as <obligation>.<label>.search.smt2. With `required` false, unsat is
  // only an answer.
  std::optional<z3::model> search(const std::string& label, const z3::expr& formula,
                                  bool required = true);
  // The satisfiability of `formula` as it is (no Localizer: for the quantified protocol
  // encoding, proofs/protocol_unbounded.h), under the per-query timeout, written to the SMT-LIB
  // folder as <obligation>.<label>.smt2 with Z3's answer. unknown is recorded as the verdict;
  // sat and unsat are only answers (the caller decides which it wanted). The model is left in
  // *model on sat when asked.
  // Example: decide("initiation", init && !inv) == z3::unsat for an invariant that holds.
  z3::check_result decide(const std::string& label, const z3::expr& formula,
                          std::optional<z3::model>* model = nullptr);
  // True when the abstraction of `formula` (Localizer::abstracted) is unsat, so `formula` is;
  // false says nothing. Never records a failure (a cheap first try).
  bool check_abstract(const std::string& label, const z3::expr& formula);

  // Marks the obligation failed with `why` (the first failure is the detail's head).
  void fail(const std::string& why);
  // Marks it failed with another verdict (timeout, unknown, error).
  void fail(Verdict verdict, const std::string& why);
  // Adds a clause to the detail line.
  void note(const std::string& what);
  // Prints `text` on the log stream, if any.
  void log(const std::string& text) const;
  // Writes `text` to <cex_dir>/<obligation><suffix> when a folder is set; returns the path
  // written (also listed in the result) or "" when none was asked for or writing failed.
  std::string save(const std::string& suffix, const std::string& text);

  int queries() const { return queries_; }
  bool failed() const { return verdict_ != Verdict::holds; }
  // Failed with a verdict other than `fails` (Z3 gave up, or an error).
  bool failed_otherwise() const { return verdict_ != Verdict::holds && verdict_ != Verdict::fails; }
  // The result: verdict, time since construction, detail, files.
  Result finish();

 private:
  // One solver run of `f` (in f's context), written with its answer to `path` when not empty.
  z3::check_result solve(const z3::expr& f, const std::string& path,
                         std::optional<z3::model>* model);
  // The SMT-LIB file of a query, or "" when none is asked for.
  std::string smt2_path(const std::string& label, const std::string& suffix) const;
  // Records the query's time and, for unknown, the verdict.
  void timed(const std::string& label, double t0, z3::check_result r);

  Options options_;
  std::string name_;
  z3::context ctx_;
  z3enc::Encoder enc_;
  Localizer localize_;
  double started_ = 0;
  int queries_ = 0;
  double slowest_ = 0;
  std::string slowest_label_;
  std::string last_reason_;  // of the last unknown
  Verdict verdict_ = Verdict::holds;
  std::string failure_;
  std::vector<std::string> notes_;
  std::vector<std::string> files_;
};

// Seconds on a monotonic clock (for durations only).
double now_seconds();

}  // namespace apcb::proofs::detail

#endif  // APCB_PROOFS_PROVER_H_
