// libFuzzer harness: parse_trace (the trace format every engine reads and writes).
//
// Properties:
// - parsing never crashes, and an error always names a line ≥ 1 and a column ≥ 1;
// - an accepted trace prints (format_trace) as text that parses again to the same steps, and
//   printing is idempotent: format(parse(format(t))) == format(t);
// - an accepted trace runs on the model with every structural invariant, P6 and P8 holding
//   after each step (traces are also a cheap way to drive the model), under the kernel profile
//   it declares (`# kernel: V`) when `apcb prove --kernel V` proves them there; an older
//   profile breaks them by its historical bugs (docs/kernel-versions.md), so under such a
//   profile the trace only runs.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstdio>
#include <string>
#include <string_view>

#include "model/invariants.h"
#include "model/kernel.h"
#include "model/step.h"
#include "trace/trace.h"

namespace {

void fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "fuzz_trace: %s\n%s\n", what, detail.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace apcb::model;
  using namespace apcb::trace;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = parse_trace(text, "input");
  if (const auto* e = std::get_if<TraceError>(&parsed)) {
    if (e->line < 1 || e->column < 1) fail("error without a position", e->to_string());
    return 0;
  }
  const Trace& trace = std::get<Trace>(parsed);
  const std::string printed = format_trace(trace);
  auto again = parse_trace(printed, "printed");
  if (const auto* e = std::get_if<TraceError>(&again)) fail("printed trace does not parse", e->to_string() + "\n" + printed);
  const Trace& back = std::get<Trace>(again);
  if (back.steps.size() != trace.steps.size()) fail("step count changed", printed);
  for (std::size_t i = 0; i < trace.steps.size(); ++i) {
    if (!(back.steps[i].op == trace.steps[i].op)) fail("operation changed", format_op(trace.steps[i].op));
    // An output whose last line lacks its newline cannot be written (docs/trace-format.md),
    // and the parser never produces one, so expectations must survive exactly.
    if (!(back.steps[i].expected == trace.steps[i].expected)) fail("expectation changed", printed);
  }
  if (back.kernel != trace.kernel) fail("kernel declaration changed", printed);
  if (format_trace(back) != printed) fail("printing is not idempotent", printed);

  State s = trace.initial_state();
  // Only the profiles whose properties prove --kernel proves (latest, Debian 6.1 and 6.12).
  const bool properties_hold = invariants_hold(s.kernel);
  for (const TraceStep& step : trace.steps) {
    const State before = s;
    const Observation obs = apcb::model::apply(s, step.op);
    if (!properties_hold) continue;
    auto v = check_state(s, Strength::structural);
    auto p8 = check_unplug_before_reset(before, step.op, obs);
    auto p6 = check_failure_atomicity(before, s, step.op, obs);
    v.insert(v.end(), p8.begin(), p8.end());
    v.insert(v.end(), p6.begin(), p6.end());
    if (!v.empty()) fail(v[0].property.c_str(), v[0].detail + "\n" + printed);
  }
  return 0;
}
