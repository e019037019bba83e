// apcb — the trace format: the common currency of every engine.
//
// A trace is line-based text that mirrors what happens on a real host: sysfs writes in shell
// form, reads, host and guest events; each step may carry its expected observation, which
// makes the trace a conformance test. Proof counterexamples, property-test failures, fuzzer
// crashes and generated workloads are all written in it. docs/trace-format.md has the grammar
// and worked examples; this header is its only implementation.
//
//   apcb-trace 1
//   host init apxa=1 na=0xff nd=0xff adapters=05-06 domains=0004,00ab control=-
//   echo -5,-6 > /sys/bus/ap/apmask
//   = 0
//   echo 11111111-1111-1111-1111-111111111111 > /sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create
//   echo 5 > /sys/devices/vfio_ap/matrix/11111111-1111-1111-1111-111111111111/assign_adapter
//   = 0
//   cat /sys/devices/vfio_ap/matrix/11111111-1111-1111-1111-111111111111/matrix
//   = 0
//   | 05.
#ifndef APCB_TRACE_TRACE_H_
#define APCB_TRACE_TRACE_H_

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "model/observation.h"
#include "model/mask.h"
#include "model/op.h"
#include "model/state.h"

namespace apcb::trace {

using model::HostParams;
using model::KernelVersion;
using model::Matrix;
using model::Observation;
using model::Op;
using model::State;

// One step: the operation, the line it came from (1-based; 0 when built in memory), and the
// observation it must produce, when the trace states one.
//
// Example: TraceStep{model::op::ReadBusMask{model::BusMask::apmask}, std::nullopt, 0, {}}
struct TraceStep {
  Op op;
  std::optional<Observation> expected;
  int line = 0;
  std::vector<std::string> comments;  // the `#` lines just before the step, kept by run/shrink
};

// A whole trace: the host it starts on and its steps, comments kept so that a trace read and
// written again keeps them.
//
// Example: std::get<Trace>(parse_trace(text)).steps.size() is the number of step lines.
struct Trace {
  HostParams params;
  Matrix config;  // the host's QCI configuration at the start
  std::vector<TraceStep> steps;
  std::vector<std::string> comments;          // `#` lines before `host init`
  std::vector<std::string> trailing_comments;  // `#` lines after the last step
  // The kernel profile the expectations were recorded under: a header comment `# kernel: V`
  // (docs/trace-format.md; `apcb gen --kernel V` writes it); nullopt: none, they record latest.
  std::optional<KernelVersion> kernel;
  // The trace declares `observe signals`: its expectations state every Signal event. A trace
  // without it (every trace written before signals existed) is compared without signals.
  bool observes_signals = false;
  // The state the trace starts from, following the trace's kernel profile.
  //
  // Example: model::State s = t.initial_state(); model::apply(s, t.steps[0].op);
  State initial_state() const {
    State s = State::initial(params, config);
    s.kernel = kernel.value_or(KernelVersion::latest);
    return s;
  }
};

// Makes `trace` declare that its expectations follow `kernel`: drops any `# kernel: V` header
// comment and, unless `kernel` is latest, appends `# kernel: V` to the header comments (and sets
// Trace::kernel), so that reading it back follows the same profile.
// Example: declare_kernel(t, KernelVersion::v6_0); format_trace(t) has the line "# kernel: 6.0".
void declare_kernel(Trace& trace, KernelVersion kernel);

// Where and why a trace could not be read: the message names the file, line and column.
//
// Example: {"t.trace", 3, 40, "unknown or read-only mdev attribute 'assign_adaptor'"}
struct TraceError {
  std::string file;
  int line = 0;
  int column = 0;
  std::string message;
  // "file:line:column: message", the form compilers use, so editors can jump to it.
  //
  // Example: TraceError{"t.trace", 3, 40, "bad"}.to_string() == "t.trace:3:40: bad"
  std::string to_string() const;
};

// Parses a whole trace. `file` is used in error messages only. Never throws on bad input: it
// answers the first error, positioned.
//
// Example: std::get<TraceError>(parse_trace("", "t.trace")).message starts "empty trace".
std::variant<Trace, TraceError> parse_trace(std::string_view text, std::string_view file = "<trace>");

// The step line of `op` (no newline), e.g. `echo 5 > /sys/devices/vfio_ap/matrix/<uuid>/assign_adapter`.
// Written bytes that `echo` cannot carry exactly are written with printf and escapes. Total.
//
// Example: format_op(model::op::ReadBusMask{model::BusMask::apmask}) == "cat /sys/bus/ap/apmask"
std::string format_op(const Op& op);

// The expectation block of `obs`: "= RESULT\n", then a "| text" line per output line, then a
// "commit …", "reset XX.YYYY" or "signal guest=G" line per event, in order.
//
// Example: format_observation(Observation{model::Errno::ok, "05.\n", {}}) == "= 0\n| 05.\n"
std::string format_observation(const Observation& obs);

// One step as a trace writes it: its comments, its operation line and, when present, its
// expectation block. format_trace is the header, then format_step of each step.
//
// Example: format_step(TraceStep{model::op::ReadFeatures{}, std::nullopt, 0, {"# why"}})
//          == "# why\ncat /sys/devices/vfio_ap/matrix/features\n"
std::string format_step(const TraceStep& step);

// The whole trace, expectations included where present. parse_trace(format_trace(t)) gives t.
// The line `observe signals` follows the header when trace.observes_signals is set, an
// expectation holds a Signal event, or every expectation sees signals (Observation::
// sees_signals: the model's observations do), so that what was observed reads back.
//
// Example: format_trace(Trace{p, cfg, {}, {}, {}}) == "apcb-trace 1\n" + format_host_init(p, cfg) + "\n"
std::string format_trace(const Trace& trace);

// The `host init` line of a trace starting from `params` and `config` (no newline).
//
// Example: format_host_init(HostParams{true, 255, 255}, Matrix{})
//          == "host init apxa=1 na=0xff nd=0xff adapters=- domains=- control=-"
std::string format_host_init(const HostParams& params, const Matrix& config);


}  // namespace apcb::trace

#endif  // APCB_TRACE_TRACE_H_
