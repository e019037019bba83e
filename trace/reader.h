// apcb — reading a trace one step at a time, so memory is bounded by one step, not the trace.
//
// The streaming form of parse_trace (trace/trace.h): the same grammar, the same positioned
// errors, but a step is handed out as soon as the line after it (or the end of the input)
// shows that its expectation is complete. `apcb run`, `check` and `check --sut` read traces
// with it; parse_trace is this reader run to the end.
//
//   std::ifstream in("t.trace");
//   TraceReader reader(in, "t.trace");
//   if (!reader.start()) return fail(*reader.error());
//   TraceStep step;
//   while (reader.next(step)) run(step);
//   if (reader.error()) return fail(*reader.error());
#ifndef APCB_TRACE_READER_H_
#define APCB_TRACE_READER_H_

#include <cstddef>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "trace/trace.h"

namespace apcb::trace {

// A trace read step by step from a stream or from text in memory. Not thread-safe. A line
// longer than 16 MiB is an error (positioned), so a hostile input cannot grow the buffer
// without bound.
//
// Example: TraceReader r(std::string_view("apcb-trace 1\nhost init apxa=1 na=0xff nd=0xff "
//          "adapters=- domains=- control=-\ncat /sys/bus/ap/apmask\n"), "t.trace");
//          r.start() && r.next(step) gives the ReadBusMask step, then r.next(step) == false.
class TraceReader {
 public:
  // Reads `in`, which must outlive the reader; `file` names it in error messages.
  // Example: std::ifstream in(path); TraceReader reader(in, path);
  TraceReader(std::istream& in, std::string file);
  // Reads `text`, which is not copied and must outlive the reader.
  // Example: TraceReader reader(std::string_view(text), "<trace>");
  TraceReader(std::string_view text, std::string file);
  ~TraceReader();
  TraceReader(TraceReader&&) noexcept;
  TraceReader& operator=(TraceReader&&) noexcept;

  // Reads the header line and the `host init` line (and the comments before it). Call first;
  // false: the trace is bad or unreadable, error() says where.
  // Example: if (!reader.start()) std::cerr << reader.error()->to_string() << "\n";
  bool start();
  // The host the trace starts on (after start()).
  // Example: model::State s = reader.initial_state();
  const HostParams& params() const;
  const Matrix& config() const;
  State initial_state() const;
  // The `#` lines before `host init`.
  // Example: reader.comments().front() == "# apcb gen --seed 1 --ops 100" for a gen trace.
  const std::vector<std::string>& comments() const;
  // The kernel profile a header comment `# kernel: V` declares (Trace::kernel; after start()).
  // Example: reader.kernel() == model::KernelVersion::v6_0 for a trace of `apcb gen --kernel 6.0`.
  std::optional<KernelVersion> kernel() const;

  // The next step, its expectation (when stated) and the comments before it, into `step`.
  // false at the end of the trace or at bad input: error() tells them apart. A step is handed
  // out once the line after it is read; a bad step line still completes the step before it,
  // so that step comes first and the error with the following call.
  // Example: while (reader.next(step)) engine->apply(step.op);
  bool next(TraceStep& step);
  // The first error, positioned ("file:line:col"); nullopt while the trace reads well.
  // Example: reader.error()->to_string() == "t.trace:3:40: unknown or read-only mdev attribute 'x'"
  const std::optional<TraceError>& error() const;
  // The `#` lines after the last step (once next() returned false without error).
  // Example: for (const auto& c : reader.trailing_comments()) out << c << "\n";
  const std::vector<std::string>& trailing_comments() const;
  // The steps handed out so far.
  // Example: reader.steps_read() == 3 after three next() calls returned true.
  std::size_t steps_read() const;
  // Whether the trace declares `observe signals` (after start()): its expectations then state
  // every Signal event, and each expected observation has sees_signals set.
  // Example: a trace written before signals existed: reader.observes_signals() == false.
  bool observes_signals() const;
  // The name given at construction.
  // Example: TraceReader(in, "<stdin>").file() == "<stdin>"
  const std::string& file() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace apcb::trace

#endif  // APCB_TRACE_READER_H_
