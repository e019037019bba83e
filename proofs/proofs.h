// apcb — the proof obligations of SPEC §3 over the Z3 encoding of the model, and their runner.
//
// Each obligation is named (`inductive.assign_adapter`, `p8.unplug_before_reset`, …), runs in
// its own Z3 context, and ends with one verdict: it holds, or it fails, or Z3 gave up
// (`unknown`, `timeout`) — which is a failure too, never a skip. Obligations that expect a
// counterexample (finding F1, the mutant, the torn read of a non-atomic commit) hold when the
// counterexample is found, concretized into a State and an Op, replayed on model::apply and
// matched. proofs/README.md states the invariant, the slot counts and the numbers.
#ifndef APCB_PROOFS_PROOFS_H_
#define APCB_PROOFS_PROOFS_H_

#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

#include "model/kernel.h"

namespace apcb::proofs {

enum class Verdict { holds, fails, unknown, timeout, error };

// "holds", "fails", "unknown", "timeout", "error".
// Example: verdict_name(Verdict::timeout) == "timeout".
std::string_view verdict_name(Verdict v);

// How to run the obligations: the instance's size and host, the per-query timeout, outputs.
// Example: Options o; o.width = 8; o.timeout_ms = 5000;
//   run_obligation("p8.unplug_before_reset", o);
struct Options {
  int width = 256;  // mask width N ∈ {8, 16, 64, 256}; the host has IDs 0..N−1
  int mdevs = 2;    // mdev slots K (proofs/README.md: why 2 suffice)
  int guests = 2;   // guest slots G
  // The host: APXA (IDs up to N−1, CRYCB formats 0 and 2), or not (adapters up to 63, domains
  // up to 15, formats 0 and 1; needs N ≥ 64).
  bool apxa = true;
  // The kernel profile the encoding follows (model/kernel.h; `apcb prove --kernel V`). An
  // obligation that does not hold in that kernel fails with a replayed counterexample.
  model::KernelVersion kernel = model::KernelVersion::latest;
  unsigned timeout_ms = 20000;  // per solver query; running out is a failure
  std::string smt2_dir;         // when set, every query is written there as SMT-LIB 2
  std::string cex_dir;          // when set, every counterexample trace is written there
  std::ostream* log = nullptr;  // counterexamples and notes, as they are found (may be null)
};

// Example: one entry of obligations() is {"p8.unplug_before_reset", "no queue is reset while in a
//   guest's CRYCB (device reset exempt)"}.
struct ObligationInfo {
  std::string name;
  std::string summary;  // one line: what is proved or demonstrated
};

// The outcome of one obligation.
// Example: run_obligation("p8.unplug_before_reset", o).verdict == Verdict::holds when P8 holds;
//   run_obligation("nope", o).detail == "no such obligation".
struct Result {
  std::string name;
  Verdict verdict = Verdict::error;
  double seconds = 0;  // wall time of the whole obligation (queries, replays, traces)
  int queries = 0;     // solver checks (or explicit-state runs) made
  std::string detail;  // one line: why it holds or what failed
  std::vector<std::string> files;  // traces, schedules and SMT-LIB files written
};

// Every obligation, in the order `apcb prove` runs them. The list does not depend on options.
// Example: for (const auto& o : obligations()) std::cout << o.name << ": " << o.summary << "\n";
const std::vector<ObligationInfo>& obligations();

// Runs the obligation `name` (one of obligations()). Never throws: an exception (bad options,
// a Z3 error) is Verdict::error with its message as the detail.
// An unknown name is Verdict::error with detail "no such obligation".
// Example: Result r = run_obligation("p8.unplug_before_reset", Options{.width = 8});
//   std::cout << verdict_name(r.verdict) << " " << r.detail << "\n";
Result run_obligation(const std::string& name, const Options& options);

// Runs the obligations `names` (every obligation when empty; an unknown name is an error
// result), up to `jobs` at once, and returns their results in the order asked. One line per
// obligation started and finished goes to `progress` (may be null).
// Example: auto results = run_obligations({}, options, 2, &std::cerr);  // all, two at a time
std::vector<Result> run_obligations(const std::vector<std::string>& names, const Options& options,
                                    int jobs, std::ostream* progress);

// The verdict table: obligation, verdict, seconds and detail per row, then a summary line
// (how many hold, total and slowest time, width, Z3 version).
// Example: std::cout << format_table(results, options, wall_seconds);
std::string format_table(const std::vector<Result>& results, const Options& options,
                         double wall_seconds);

// True when every result holds.
// Example: return all_hold(results) ? kHolds : kFails;  // all_hold({}) == true
bool all_hold(const std::vector<Result>& results);

// "4.8.12.0": the Z3 library the proofs run on.
// Example: z3_version() == "4.8.12.0" on this machine's libz3.
std::string z3_version();

}  // namespace apcb::proofs

#endif  // APCB_PROOFS_PROOFS_H_
