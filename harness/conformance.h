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
// Example: {step = 2 (0-based), actual = what the engine answered, before/after = its states}
struct Divergence {
  std::size_t step = 0;
  model::Observation actual;
  model::State before;
  model::State after;
};

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
//   if (r.divergence) std::cerr << divergence_report("t.trace", *t, *r.divergence);
CheckResult check_trace(const trace::Trace& trace, EngineKind engine = EngineKind::impl,
                        model::KernelVersion kernel = model::KernelVersion::latest);

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

// The divergence report: where, the step, expected and actual observations, the state before
// and after the step. `d` must come from check_trace(trace, engine) (its step has an
// expectation); `path` is the name the report starts with.
//
// Example: divergence_report("t.trace", t, *r.divergence) starts "t.trace:LINE: divergence at step N".
std::string divergence_report(const std::string& path, const trace::Trace& trace, const Divergence& d,
                              EngineKind engine = EngineKind::impl);

}  // namespace apcb::harness

#endif  // APCB_HARNESS_CONFORMANCE_H_
