// apcb harness — checking a trace's expectations against the reference, and generated traces.
#ifndef APCB_HARNESS_CONFORMANCE_H_
#define APCB_HARNESS_CONFORMANCE_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "model/observation.h"
#include "model/state.h"
#include "harness/engine.h"
#include "harness/generate.h"
#include "trace/trace.h"

namespace apcb::harness {

// The first step whose observation differs from its expectation.
//
// Example: {step = 2 (0-based), at = the step as read, actual = what the reference answered,
//           before/after = its states}
struct Divergence {
  std::size_t step = 0;
  const trace::TraceStep* at = nullptr;  // the divergent step, valid during the callback
  model::Observation actual;
  model::State before;
  model::State after;
};

// Where a check reads its steps from: fills `step` with the next one and returns true, or
// returns false at the end (a TraceReader's next(), or a walk over a Trace in memory).
//
// Example: StepSource next = [&](trace::TraceStep& s) { return reader.next(s); };
using StepSource = std::function<bool(trace::TraceStep&)>;

// What check_trace found: how many steps it compared, and the first divergence, if any.
//
// Example: check_trace(t).divergence.has_value() == false for every trace in tests/traces.
struct CheckResult {
  std::size_t checked = 0;    // steps with an expectation
  std::size_t unchecked = 0;  // steps without one
  std::optional<Divergence> divergence;
};

// Runs `trace` on the reference and compares every stated expectation (model::equivalent),
// stopping at the first divergence. A step without an expectation runs and is counted as
// unchecked. A kernel other than latest runs on the model (make_engine). `trace` is already
// parsed, so there is no bad input here.
//
// Example:
//   auto t = trace::load_trace("t.trace");
//   if (!t) return kBadInput;
//   const CheckResult r = check_trace(*t);
//   if (r.divergence) std::cerr << "diverges at step " << r.divergence->step + 1 << "\n";
CheckResult check_trace(const trace::Trace& trace, EngineKind engine = EngineKind::impl,
                        model::KernelVersion kernel = model::KernelVersion::latest);

// check_trace, going on past divergences: `on_divergence` receives each divergent step (the
// reference's observation and its states around the step) and returns whether to go on. The
// result counts the steps up to where it stopped; its `divergence` is the step it stopped at,
// if any. `apcb check --all`/`--allow` report through it.
//
// Example:
//   std::vector<std::size_t> steps;
//   check_trace_each(t, EngineKind::impl, model::KernelVersion::latest,
//                    [&](const Divergence& d) { steps.push_back(d.step); return true; });
CheckResult check_trace_each(const trace::Trace& trace, EngineKind engine, model::KernelVersion kernel,
                             const std::function<bool(const Divergence&)>& on_divergence);

// The reference's state before step `step` (0-based) of the trace being checked, found again on
// demand (e.g. by re-reading a trace file's first `step` steps into a fresh engine).
//
// Example: StateBefore again = [&](std::size_t step) { return replay_prefix(path, step); };
using StateBefore = std::function<model::State(std::size_t step)>;

// check_trace_each over steps read one at a time (`next`), from the host `params` and
// `config`: memory is bounded by the engine's state, not the trace. The reference's state
// before a divergent step comes from `state_before` when given (a divergence is rare, so
// re-running the prefix then costs less than anything done at every step), else from a second
// engine kept one step behind (each step runs twice; no state is copied per step).
//
// Example:
//   TraceReader reader(in, path);
//   if (!reader.start()) return bad(*reader.error());
//   CheckResult r = check_steps(reader.params(), reader.config(),
//                               [&](trace::TraceStep& s) { return reader.next(s); },
//                               EngineKind::impl, model::KernelVersion::latest,
//                               [](const Divergence&) { return false; });
//   if (reader.error()) return bad(*reader.error());
CheckResult check_steps(const model::HostParams& params, const model::Matrix& config, const StepSource& next,
                        EngineKind engine, model::KernelVersion kernel,
                        const std::function<bool(const Divergence&)>& on_divergence,
                        const StateBefore& state_before = nullptr);

// A random valid trace (harness/generate.h with `knobs`, seed `seed`, `ops` operations) with
// the model's observation of every step as its expectation when `expectations`. The same seed
// and knobs give the same trace. Its header comment is "# apcb gen --seed S --ops N" followed
// by knob_flags(knobs): the command that regenerates it. When `violations` is not null, the
// structural invariants, P6 and P8 are checked after every step and the first violation
// found is described there (the trace stops at that step). The knobs must be valid (a
// non-zero weight sum, mdev_uuids and guests >= 1).
//
// Example: trace::format_trace(generate_trace(7, 400, true)) is the text stream_generated_trace(7, 400, true, emit) emits.
trace::Trace generate_trace(std::uint64_t seed, int ops, bool expectations,
                            std::string* violations = nullptr,
                            const GeneratorKnobs& knobs = GeneratorKnobs::defaults());

// The trace generate_trace(seed, ops, expectations, nullptr, knobs) gives, as text, without
// holding it: `emit` receives the header, then each step's text in order, so memory does not
// grow with `ops`. Stops and returns false as soon as `emit` does (e.g. standard output
// failed); true when the whole trace was emitted. The concatenated text is
// trace::format_trace(generate_trace(...)).
//
// Example:
//   stream_generated_trace(7, 400, true, [](std::string_view t) { return bool(std::cout << t); });
bool stream_generated_trace(std::uint64_t seed, int ops, bool expectations,
                            const std::function<bool(std::string_view)>& emit,
                            const GeneratorKnobs& knobs = GeneratorKnobs::defaults());


}  // namespace apcb::harness

#endif  // APCB_HARNESS_CONFORMANCE_H_
