#include "cli/conformance.h"

#include "cli/engine.h"

namespace apcb::cli {

CheckResult check_trace(const model::Trace& trace, EngineKind kind) {
  CheckResult r;
  auto engine = make_engine(kind, trace.params, trace.config);
  for (std::size_t i = 0; i < trace.steps.size(); ++i) {
    const auto& step = trace.steps[i];
    model::State before = step.expected ? engine->state() : model::State{};
    model::Observation obs = engine->apply(step.op);
    if (!step.expected) {
      ++r.unchecked;
      continue;
    }
    ++r.checked;
    if (!model::equivalent(obs, *step.expected)) {
      r.divergence = Divergence{i, std::move(obs), std::move(before), engine->state()};
      return r;
    }
  }
  return r;
}

std::string divergence_report(const std::string& path, const model::Trace& trace, const Divergence& d,
                              EngineKind kind) {
  const auto& step = trace.steps[d.step];
  return path + ":" + std::to_string(step.line) + ": divergence at step " + std::to_string(d.step + 1) +
         "\n  " + model::format_op(step.op) + "\nexpected:\n" + model::format_observation(*step.expected) +
         "actual (" + engine_name(kind) + "):\n" + model::format_observation(d.actual) +
         "state before the step:\n" + describe_state(d.before) +
         "state after the step:\n" + describe_state(d.after);
}

}  // namespace apcb::cli
