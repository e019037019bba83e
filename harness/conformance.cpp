#include "harness/conformance.h"

#include "harness/engine.h"
#include "harness/generate.h"
#include "model/invariants.h"
#include "model/step.h"

namespace apcb::harness {

CheckResult check_steps(const model::HostParams& params, const model::Matrix& config, const StepSource& next,
                        EngineKind kind, model::KernelVersion kernel,
                        const std::function<bool(const Divergence&)>& on_divergence,
                        const StateBefore& state_before) {
  CheckResult r;
  auto engine = make_engine(kind, params, config, kernel);
  // Without state_before, one step behind `engine`: its state is the state before the step being
  // compared. Applying each operation twice costs less than copying the state at every step.
  auto behind = state_before ? nullptr : make_engine(kind, params, config, kernel);
  trace::TraceStep steps[2];
  model::Observation obs, ignored;
  bool has_previous = false;
  for (std::size_t i = 0;; ++i) {
    trace::TraceStep& step = steps[i % 2];
    if (!next(step)) break;
    if (has_previous && behind) behind->apply(steps[(i + 1) % 2].op, ignored);
    has_previous = true;
    engine->apply(step.op, obs);
    if (!step.expected) {
      ++r.unchecked;
      continue;
    }
    ++r.checked;
    if (model::equivalent(obs, *step.expected)) continue;
    Divergence d{i, &step, obs, behind ? behind->state() : state_before(i), engine->state()};
    if (!on_divergence(d)) {
      d.at = nullptr;
      r.divergence = std::move(d);
      return r;
    }
  }
  return r;
}

CheckResult check_trace_each(const trace::Trace& trace, EngineKind kind, model::KernelVersion kernel,
                             const std::function<bool(const Divergence&)>& on_divergence) {
  std::size_t i = 0;
  return check_steps(
      trace.params, trace.config,
      [&](trace::TraceStep& step) {
        if (i == trace.steps.size()) return false;
        step = trace.steps[i++];
        return true;
      },
      kind, kernel, on_divergence);
}

CheckResult check_trace(const trace::Trace& trace, EngineKind kind, model::KernelVersion kernel) {
  return check_trace_each(trace, kind, kernel, [](const Divergence&) { return false; });
}

namespace {

// What `apcb gen` draws from: the knobs it was given (GeneratorKnobs::defaults() unless told).
using Generator = OpGenerator<SeededEntropy>;
Generator generator(std::uint64_t seed, const GeneratorKnobs& knobs) { return Generator(SeededEntropy(seed), knobs); }

// The header of the trace generate_trace(seed, ops, ...) gives: its comment (the command that
// regenerates it), host and configuration; no steps.
trace::Trace generated_header(Generator& random, std::uint64_t seed, int ops) {
  trace::Trace trace;
  trace.comments.push_back("# apcb gen --seed " + std::to_string(seed) + " --ops " +
                           std::to_string(ops) + knob_flags(random.knobs()));
  trace.params = random.params();
  trace.config = random.config();
  trace::declare_kernel(trace, random.knobs().kernel);  // `# kernel: V` unless latest
  return trace;
}

}  // namespace

bool stream_generated_trace(std::uint64_t seed, int ops, bool expectations,
                            const std::function<bool(std::string_view)>& emit,
                            const GeneratorKnobs& knobs) {
  Generator random = generator(seed, knobs);
  trace::Trace header = generated_header(random, seed, ops);
  header.observes_signals = expectations;  // the model's observations state every signal
  if (!emit(trace::format_trace(header))) return false;
  model::State state = header.initial_state();
  state.kernel = knobs.kernel;
  std::string text;
  for (int i = 0; i < ops; ++i) {
    const model::Op op = random.next(state);
    const model::Observation obs = model::apply(state, op);
    text = trace::format_op(op) + "\n";
    if (expectations) text += trace::format_observation(obs);
    if (!emit(text)) return false;
  }
  return true;
}

trace::Trace generate_trace(std::uint64_t seed, int ops, bool expectations,
                            std::string* violations, const GeneratorKnobs& knobs) {
  Generator random = generator(seed, knobs);
  trace::Trace trace = generated_header(random, seed, ops);
  trace.observes_signals = expectations;
  model::State state = trace.initial_state();
  state.kernel = knobs.kernel;
  for (int i = 0; i < ops; ++i) {
    trace::TraceStep step{random.next(state), std::nullopt, 0, {}};
    const model::State before = violations != nullptr ? state : model::State{};
    model::Observation obs = model::apply(state, step.op);
    if (violations != nullptr) {
      // Structural strength: the spec strength is broken on purpose by finding F1.
      std::vector<model::Violation> v = model::check_state(state, model::Strength::structural);
      for (auto&& more : {model::check_unplug_before_reset(before, step.op, obs),
                          model::check_failure_atomicity(before, state, step.op, obs)})
        v.insert(v.end(), more.begin(), more.end());
      if (!v.empty()) {
        *violations = "step " + std::to_string(i + 1) + " (" + trace::format_op(step.op) +
                      "): " + v.front().property + ": " + v.front().detail;
        step.expected = std::move(obs);
        trace.steps.push_back(std::move(step));
        return trace;
      }
    }
    if (expectations) step.expected = std::move(obs);
    trace.steps.push_back(std::move(step));
  }
  return trace;
}


}  // namespace apcb::harness
