// apcb CLI — what `apcb check` says about divergences: one report for every source of the
// implementation's observations (a trace's expectations, a plugin, a command), with known
// differences (`--allow FILE`, readers/allow_list.h) and every divergent step (`--all`).
//
// Without --allow and --all, checking stops at the first divergence and reports it in full
// (the step, the implementation's and the reference's observations, the reference's state
// before and after). With them, each divergent step gets a divergence class
// (model::operation_class / model::divergence_cause): an allowed one is reported on one line,
// counted and passed; under --all checking goes on past every divergence and each class is
// reported in full once, at its first step; a table of classes ends the run. Past a
// divergence both sides keep their own states, so later divergences may be consequences of
// an earlier one: the table says where each class first appears.
#ifndef APCB_CLI_CHECK_REPORT_H_
#define APCB_CLI_CHECK_REPORT_H_

#include <cstddef>
#include <iosfwd>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <utility>

#include "model/observation.h"
#include "model/op.h"
#include "model/state.h"
#include "harness/conformance.h"
#include "harness/engine.h"
#include "readers/allow_list.h"
#include "trace/reader.h"
#include "trace/trace.h"

namespace apcb::cli {

// The implementation's side of one compared step.
// Example: ImplementationAnswer{obs} for an observation the trace format can write;
//   {obs, "= 0\n| 05.0004\\ (no newline)\n", "the output's last line has no newline"} for one
//   it cannot (sut::Outcome::Kind::inexact).
struct ImplementationAnswer {
  model::Observation observation;
  std::string inexact_rendering;  // non-empty: not expressible in the trace format; shown as is
  std::string inexact_detail;     // why not
};

// Collects the divergences of one check and prints them as they come. Not thread-safe.
//
// Example:
//   CheckReport report(out, {.path = "t.trace", .implementation = "the trace's expectations"});
//   for each step: if (!equivalent(theirs, ours) && !report.divergence(i, line, op, {theirs, ""}, ours,
//                      before, after)) break;
//   return report.finish("12 steps checked, 0 without expectations");
class CheckReport {
 public:
  struct Options {
    std::string path;            // the trace's name, as reports start with it
    std::string implementation;  // the headline's subject: a plugin's name, a command; empty for a
                                 // trace's expectations ("PATH:LINE: divergence at step N")
    std::string reference;       // the reference engine when it is not the implementation ("model")
    const readers::AllowList* allow = nullptr;  // --allow; nullptr: nothing is allowed
    bool all = false;                           // --all
  };

  // Reports to `out`.
  // Example: CheckReport report(std::cout, {.path = "t.trace", .implementation = "buggy"});
  CheckReport(std::ostream& out, Options options);

  // Records a divergent step (0-based `step`, the trace line `line`; the observations are not
  // equivalent) and prints it: in full unless allowed or its class was seen before. Returns
  // whether checking goes on: false at a divergence that is not allowed, unless --all.
  // Example: if (!report.divergence(4, 12, op, {theirs, ""}, ours, before, after)) return report.finish(...);
  bool divergence(std::size_t step, int line, const model::Op& op, const ImplementationAnswer& implementation,
                  const model::Observation& reference, const model::State& before, const model::State& after);

  // Whether a divergence that is not allowed was recorded.
  // Example: report.failed() after a divergence no --allow entry covers == true.
  bool failed() const { return not_allowed_ > 0; }

  // Ends the report and returns the exit code: 1 when a divergence was not allowed, else 0.
  // `counts` says what was compared ("12 steps checked, 0 without expectations", "3 steps
  // compared, 1 skipped: cannot comply"). A run stopped at its first divergence (no --allow, no
  // --all) ends with that line ("..., up to and including this one"); otherwise, with --allow or
  // --all, the table of divergence classes comes first, then the verdict line: "PATH: [NAME ]
  // conforms (COUNTS)", "... conforms up to allowed differences: ...", "... diverges: ...".
  // Example: return report.finish("12 steps checked, 3 without expectations");
  int finish(const std::string& counts);

  // The table of divergence classes recorded so far (nothing when none was): printed by finish,
  // and by a caller whose run ends otherwise (a plugin that crashed after allowed divergences).
  // Example: report.print_classes();
  void print_classes();

  // The headline's subject, when it is known only once the implementation runs (a plugin's
  // name comes from the plugin).
  // Example: report.set_implementation(impl->name());
  void set_implementation(std::string name) { options_.implementation = std::move(name); }
  // The reference engine's label, once a command has declared the profile it follows.
  // Example: report.set_reference("model, kernel 6.12");
  void set_reference(std::string label) { options_.reference = std::move(label); }

  // Whether checking stopped at a divergence before the end of the trace (one that is not
  // allowed, without --all).
  // Example: report.stopped_early() == true after divergence(...) returned false.
  bool stopped_early() const { return stopped_; }

 private:
  struct ClassTally {
    std::size_t steps = 0;
    std::size_t first_step = 0;
    int first_line = 0;
    const readers::AllowEntry* allowed_by = nullptr;
  };
  std::ostream& out_;
  Options options_;
  // By (operation class, cause, the id of the entry allowing it or ""): how often, where first.
  // The entry is part of the key because an entry's observation patterns may allow some steps
  // of a class and not others.
  std::map<std::tuple<std::string, std::string, std::string>, ClassTally> classes_;
  std::size_t allowed_ = 0;
  std::size_t not_allowed_ = 0;
  bool stopped_ = false;
};

// Plain `apcb check`: runs the trace `reader` reads (started) on the reference (`engine`,
// following `kernel`) step by step and hands every step whose stated expectation differs from
// the reference's observation to `report`, stopping when the report says so. The trace's
// expectations are the implementation's observations. Memory is bounded by one step.
// Returns what was compared (checked: steps with an expectation; unchecked: steps run without);
// a trace that turns out bad midway leaves reader.error() set.
// Example: CheckReport report(std::cout, {.path = "t.trace"});
//          harness::CheckResult n = check_expectations(input->reader, "t.trace", EngineKind::impl,
//                                                       KernelVersion::latest, report);
// `path` names the trace file the reader reads: at a divergence its first steps are read again
// for the reference's state before it; "-" (standard input cannot be read again): a second
// engine one step behind gives it.
harness::CheckResult check_expectations(trace::TraceReader& reader, const std::string& path,
                                        harness::EngineKind engine, model::KernelVersion kernel,
                                        CheckReport& report);

}  // namespace apcb::cli

#endif  // APCB_CLI_CHECK_REPORT_H_
