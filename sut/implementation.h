// apcb — an implementation under test, however it is driven (a plugin in a child process, or a
// command speaking the trace protocol), and comparing it with the reference step by step.
//
// `apcb check --sut PLUGIN` / `--sut-cmd CMD` and `apcb shrink --sut` / `--sut-cmd` run the
// implementation through this interface: they start it on a trace, take its answer to each step
// in order, and compare it with the reference (harness::make_engine), skipping on both sides a
// step the implementation cannot comply with. compare() hands every step to a callback so a
// caller can stop at the first divergence (first_divergence) or keep going past it.
#ifndef APCB_SUT_IMPLEMENTATION_H_
#define APCB_SUT_IMPLEMENTATION_H_

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "harness/conformance.h"
#include "harness/engine.h"
#include "model/kernel.h"
#include "model/observation.h"
#include "model/state.h"
#include "sut/isolated.h"
#include "trace/trace.h"

namespace apcb::sut {

// One implementation under test, run on one trace at a time: start from the trace's host, feed
// the operations in order (up to lookahead() ahead of the answers read), next() once per step in
// order, then finish(). Not thread-safe; start may fork (call from a single-threaded process).
//
// Example:
//   auto impl = sut::make_command_implementation("apcb run -", std::chrono::seconds(10));
//   if (auto why = impl->start(trace.params, trace.config)) return report(*why);
//   for (const auto& step : trace.steps) impl->feed(step.op);
//   for (std::size_t i = 0; i < trace.steps.size(); ++i) sut::Outcome a = impl->next();
//   if (auto end = impl->finish()) report(*end);
class Implementation {
 public:
  virtual ~Implementation() = default;
  // Starts a run on a trace starting from the host `params` and `config`; its operations come
  // by feed(). nullopt when it runs; else why not, as an Outcome: load_error (the plugin cannot
  // be loaded), create_failed, or a finding while loading or creating (died, timed_out,
  // garbled; phase load or create). A new start ends the previous run. A command starts when
  // its whole trace is fed: its load_error comes from the first next().
  //
  // Example: impl->start(trace.params, trace.config) == std::nullopt for apcb_model_sut.so.
  virtual std::optional<Outcome> start(const model::HostParams& params, const model::Matrix& config) = 0;
  // The trace's next operation (its expectation is not used).
  // Example: impl->feed(model::op::ReadFeatures{});
  virtual void feed(const model::Op& op) = 0;
  // How many operations must be fed ahead of the answer next() reads: 64 for a plugin (it works
  // while apcb compares), every one for a command (it reads its whole trace before answering).
  // Example: make_plugin_implementation(p, limit)->lookahead() == 64
  virtual std::size_t lookahead() const = 0;
  // The implementation's answer to the next step: observed, inexact, cannot_comply,
  // undefined_status (a plugin's code apcb_sut.h does not define), or a finding (died,
  // timed_out, garbled; phase step), after which every call answers the same. Only after a
  // start that returned nullopt, at most once per fed operation.
  //
  // Example: impl->next().kind == sut::Outcome::Kind::observed
  virtual Outcome next() = 0;
  // Ends the run after the last step: nullopt when the implementation ended cleanly, else the
  // finding (phase finish: died, timed_out, garbled).
  //
  // Example: if (auto end = impl->finish()) report(*end);
  virtual std::optional<Outcome> finish() = 0;
  // The name reports give it: the plugin's name (after start) or the command as written.
  //
  // Example: impl->name() == "buggy example (unbind loses its commit)" for apcb_buggy_sut.so.
  virtual std::string name() const = 0;
  // The options that select it on apcb's command line, quoted for a POSIX shell.
  //
  // Example: make_command_implementation("apcb run -", limit)->options() == "--sut-cmd 'apcb run -'"
  virtual std::string options() const = 0;
  // The kernel profile this run of the implementation declares it implements, when it declares
  // one at run time: a command's output header (`# kernel: V`, sut/command.h). A plugin declares
  // its profile by a symbol the CLI reads before the run (apcb_sut_kernel_version), so nullopt.
  // Meaningful once next() has been asked.
  //
  // Example: after next(), make_command_implementation("apcb run --kernel 6.12 -", limit)
  //   ->declared_kernel() == model::KernelVersion::v6_12.
  virtual std::optional<model::KernelVersion> declared_kernel() const { return std::nullopt; }
};
// A plugin (apcb_sut.h) at `path`, run in a child process (sut/isolated.h) with `step_limit` for
// each step and for loading, creating and destroying its instance. Steps are submitted up to 64
// ahead of the answer read.
//
// Example: auto impl = sut::make_plugin_implementation("build/default/sut/apcb_buggy_sut.so",
//                                                      std::chrono::seconds(10));
std::unique_ptr<Implementation> make_plugin_implementation(const std::string& path,
                                                           std::chrono::milliseconds step_limit);

// A command speaking the trace protocol (sut/command.h), run by /bin/sh once per start with
// `step_limit` × (steps + 1) for the whole run.
//
// Example: auto impl = sut::make_command_implementation("apcb run -", std::chrono::seconds(10));
std::unique_ptr<Implementation> make_command_implementation(const std::string& command,
                                                            std::chrono::milliseconds step_limit);

// `text` quoted for a POSIX shell: in single quotes, a quote as '\''.
//
// Example: shell_quote("apcb run -") == "'apcb run -'", shell_quote("it's") == "'it'\\''s'"
std::string shell_quote(const std::string& text);

// One step as compare() saw it.
//
// Example: {step = 11, theirs.observation = "= 0\n", reference = "= 0\ncommit ...\n", diverges = true}
struct ComparedStep {
  std::size_t step = 0;  // 0-based index into the trace's steps
  const trace::TraceStep* at = nullptr;  // that step as read; valid during the callback only
  Outcome theirs;        // observed, inexact or cannot_comply
  // The reference's observation; unset for a step the implementation cannot comply with
  // (skipped on both sides: the reference does not run it). Its states around the step are
  // taken for a divergent step only (a state per step would cost more than the step).
  std::optional<model::Observation> reference;
  model::State before;
  model::State after;
  bool diverges = false;  // theirs is inexact, or not model::equivalent to the reference's
};

// Which parts of two observations differ: the result, the output, the events (up to the order of
// resets between commits, as model::equivalent). An inexact answer differs in every part its
// rendering cannot show exactly; callers treat it through its Outcome kind.
//
// Example: differing_parts({ok, "", {commit}}, {ok, "", {}}) == DifferingParts{false, false, true}
struct DifferingParts {
  bool result = false;
  bool output = false;
  bool events = false;
  friend bool operator==(const DifferingParts&, const DifferingParts&) = default;
};
DifferingParts differing_parts(const model::Observation& a, const model::Observation& b);
// How a finding of the implementation reads in reports: "crashed" (a signal), "exited", "hung"
// (timed out) or "broke the protocol" (garbled, and any other kind).
//
// Example: finding_word(Outcome{.kind = Outcome::Kind::timed_out}) == "hung"
std::string finding_word(const Outcome& o);

// "result", "output", "events", joined with '+' ("result+events"); "nothing" when none differs.
//
// Example: describe(DifferingParts{true, false, true}) == "result+events"
std::string describe(const DifferingParts& parts);

// What comparing an implementation with the reference on a trace came to.
//
// Example: for apcb_buggy_sut.so on tests/traces/filter-delta-bug.trace:
//   {compared = 12, skipped = 0, divergence->step = 11, stop = nullopt}
struct Comparison {
  std::string name;  // the implementation's name
  std::size_t compared = 0;
  std::size_t skipped = 0;
  // The step at which the callback stopped the walk, when it did so at a divergent step.
  std::optional<ComparedStep> divergence;
  // Why the implementation stopped the walk, when it did: from start (load_error,
  // create_failed; died, timed_out, garbled with phase load or create), at a step
  // (undefined_status; died, timed_out, garbled with phase step: at step `stop_step`), or
  // after the last step (phase finish).
  std::optional<Outcome> stop;
  std::size_t stop_step = 0;  // 0-based index of the step `stop` happened at (phase step)
  // The profile the implementation declared and the reference followed (compare's
  // `follow_declared`), when it did.
  std::optional<model::KernelVersion> followed;
};

// Runs `impl` on `trace` beside the reference (harness::make_engine(kind, ..., kernel)) and hands
// every step the implementation answered to `on_step` in order (a cannot-comply step too, with no
// reference observation). The walk stops when `on_step` returns false (at a divergent step: the
// result's `divergence` is that step), when the implementation stops (the result's `stop`), or
// after the last step, when finish() is asked. A step after the implementation stopped is never
// compared: the steps it did answer come first, so an earlier divergence is seen before a crash.
//
// Example (every divergence, not only the first):
//   auto r = sut::compare(*impl, trace, harness::EngineKind::model, model::KernelVersion::latest,
//                         [&](const sut::ComparedStep& s) { if (s.diverges) all.push_back(s); return true; });
// `follow_declared`: when the implementation declares a profile at run time (declared_kernel(),
// known at its first answer), the reference follows that profile instead of `kernel` (the model
// engine for any profile but latest); the result's `followed` says which it took.
Comparison compare(Implementation& impl, const trace::Trace& trace, harness::EngineKind kind,
                   model::KernelVersion kernel, const std::function<bool(const ComparedStep&)>& on_step,
                   bool follow_declared = false);
// compare() over steps read one at a time (`next`, e.g. a trace::TraceReader) from the host
// `params` and `config`: memory is bounded by the lookahead (64 steps for a plugin; a command
// reads its whole trace, so its steps are all held). The reference's state before a divergent
// step comes from a second engine one step behind.
//
// Example:
//   auto r = sut::compare(*impl, reader.params(), reader.config(),
//                         [&](trace::TraceStep& s) { return reader.next(s); }, kind, kernel, on_step);
Comparison compare(Implementation& impl, const model::HostParams& params, const model::Matrix& config,
                   const harness::StepSource& next, harness::EngineKind kind, model::KernelVersion kernel,
                   const std::function<bool(const ComparedStep&)>& on_step, bool follow_declared = false);

// compare() stopping at the first divergent step.
//
// Example:
//   auto r = sut::first_divergence(*impl, trace, harness::EngineKind::impl, model::KernelVersion::latest);
//   if (r.divergence) std::cout << "diverges at step " << r.divergence->step + 1 << "\n";
Comparison first_divergence(Implementation& impl, const trace::Trace& trace, harness::EngineKind kind,
                            model::KernelVersion kernel, bool follow_declared = false);

}  // namespace apcb::sut

#endif  // APCB_SUT_IMPLEMENTATION_H_
