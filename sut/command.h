// apcb — driving an implementation under test that is a command (`apcb check --sut-cmd CMD`),
// for implementations in any language: the command reads a trace and writes it back with its
// observations, the way `apcb run -` does for the reference.
//
// The protocol (sut/README.md, "Driving a command: --sut-cmd"): apcb runs `/bin/sh -c CMD`
// once per trace, in a process group of its own. Its standard input is the trace without
// expectations and without comments (trace::format_trace), closed after the last step; its
// standard error is apcb's. Its standard output is the same trace, every step followed by the
// implementation's observation as an expectation block; a step written back without one is a
// step the implementation cannot comply with (APCB_SUT_CANNOT_COMPLY). apcb writes the input and
// reads the output at the same time (a command may answer step by step), reaps the process, and
// kills the whole group when it outlives its time limit.
#ifndef APCB_SUT_COMMAND_H_
#define APCB_SUT_COMMAND_H_

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "sut/isolated.h"
#include "trace/trace.h"

namespace apcb::sut {

// What one run of a command gave: an Outcome per step it answered in full, in order (kind
// observed, or cannot_comply), and, when it did not end cleanly, why (`failure`).
//
// Example: for `apcb run -` on a 3-step trace: answers.size() == 3, every answer observed, no
// failure. For a command that is killed by SIGKILL after writing 2 complete steps: answers.size()
// == 2, failure->kind == Outcome::Kind::died, failure->phase == Outcome::Phase::step.
struct CommandRun {
  std::vector<Outcome> answers;
  // died (`status` is the wait status, `detail` describe_wait_status's text), timed_out (the
  // group was killed), garbled (a protocol break: `detail` names the output's line, "CMD
  // output:LINE:COL: ..."), or load_error (the command could not be started, or /bin/sh could
  // not run it: exit status 126 or 127 with no output at all). Phase step when it stopped before
  // answering every step (at step answers.size() + 1); phase finish when every step was answered
  // and the command then failed (a non-zero exit status, a signal, or the time limit).
  std::optional<Outcome> failure;
  // The profile the command's output declares in its header (`# kernel: V`, as `apcb run
  // --kernel V -` writes it): the kernel whose vfio_ap the command implements. nullopt when it
  // declares none, or its header does not parse.
  std::optional<model::KernelVersion> declared_kernel;
};

// Runs `/bin/sh -c command` on `trace` (its expectations and comments are not sent) and reads its
// answers back. The whole run has `time_limit`. Never throws; flushes the standard streams before
// forking. SIGPIPE is ignored while the input is written (the command may stop reading early)
// and restored afterwards. Call from a single-threaded process.
//
// Example:
//   const sut::CommandRun r = sut::run_command("apcb run -", trace, std::chrono::seconds(10));
//   if (!r.failure) for (const auto& a : r.answers) compare(a.observation);
CommandRun run_command(const std::string& command, const trace::Trace& trace, std::chrono::milliseconds time_limit);

// The input a command is given for `trace`: the trace with every expectation and comment removed,
// as trace::format_trace writes it.
//
// Example: command_input(t) == "apcb-trace 1\nhost init ...\ncat /sys/bus/ap/apmask\n" for a
// one-step trace, whatever its expectations.
std::string command_input(const trace::Trace& trace);

}  // namespace apcb::sut

#endif  // APCB_SUT_COMMAND_H_
