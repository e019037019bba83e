// apcb — driving a plugin (apcb_sut.h) in a child process, so that the implementation under
// test cannot take apcb down with it.
//
// `apcb check --sut` runs each plugin in a child of its own (fork): the child loads the plugin,
// creates the instance and applies one operation per request. Parent and child speak the
// project's one vocabulary over a socket pair: a request is the trace's `host init` line or a
// step line (trace::format_op), an answer carries the observation as the trace's expectation
// block (trace::format_observation), read back with trace::parse_trace. A crash, a hang (no
// answer within the step time limit) or an exit of the plugin becomes an Outcome the caller
// reports; apcb itself keeps running. The plugin's standard output goes to standard error, and
// its standard input is /dev/null, so nothing it prints or reads touches the protocol.
//
// The in-process client (sut/client.h) stays for callers that need the speed or need the
// crash in their own process (the benchmark, the fuzz_sut harness).
#ifndef APCB_SUT_ISOLATED_H_
#define APCB_SUT_ISOLATED_H_

#include <sys/types.h>

#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <string>

#include "model/observation.h"
#include "model/op.h"
#include "model/state.h"

namespace apcb::sut {

// What became of one request to the isolated plugin.
//
// Example: an answer from a plugin that dereferences NULL in apply reads
//   {kind = died, detail = "signal 11 (SIGSEGV)", phase = step}.
struct Outcome {
  enum class Kind {
    observed,          // `observation` holds what the operation did
    inexact,           // the plugin answered an observation the trace format cannot write
                       // (an unnamed errno, a control byte, a last line without newline):
                       // `detail` says which, `rendering` shows it escaped
    cannot_comply,     // APCB_SUT_CANNOT_COMPLY
    undefined_status,  // apply returned a code apcb_sut.h does not define: `status`
    load_error,        // the plugin could not be loaded: `detail` is the message
    create_failed,     // create() returned NULL
    died,              // the child ended: `detail` says how ("signal 11 (SIGSEGV)", "exit status 0")
    timed_out,         // no answer within the time limit (the child is killed)
    garbled,           // the child answered something that is not the protocol: `detail`
  };
  // When it happened: loading the plugin, creating the instance, applying an operation, or
  // destroying the instance and unloading the plugin after the last step.
  enum class Phase { load, create, step, finish };
  Kind kind = Kind::observed;
  model::Observation observation;
  std::string rendering;  // the observation's expectation block, as the plugin's process sent it
  int status = 0;         // undefined_status: the code; died: the wait status
  std::string detail;
  Phase phase = Phase::step;
};

// One plugin instance in a child process. Ends the child on destruction. Not thread-safe; use
// from a single-threaded process (start forks).
//
// Example:
//   sut::Outcome why;
//   auto sut = sut::IsolatedInstance::start(path, trace.params, trace.config, std::chrono::seconds(10), why);
//   for (const auto& step : trace.steps) sut->submit(step.op);
//   for (const auto& step : trace.steps) if (sut->next().kind != sut::Outcome::Kind::observed) break;
// The kernel profile the plugin at `plugin_path` declares (Plugin::kernel_version), read in a
// child process (a plugin may crash on load, or need a sanitizer runtime apcb lacks): nullopt
// when it declares none or cannot be loaded within `time_limit` (the real start reports why).
// Call from a single-threaded process (it forks).
//
// Example: declared_kernel_version("build/default/sut/kernel/apcb-kernel-6.1.so",
//   std::chrono::seconds(10)) == "6.1"
std::optional<std::string> declared_kernel_version(const std::string& plugin_path,
                                                   std::chrono::milliseconds time_limit);

class IsolatedInstance {
 public:
  // Forks the child, which loads `plugin_path` and creates an instance in the state the trace's
  // `host init` describes; each phase (load, create) has `time_limit` to answer. Returns the
  // instance, or nullptr with `outcome` telling why (load_error, create_failed, died,
  // timed_out, garbled; `outcome.phase` says whether loading or creating). Flushes the
  // standard streams first (the child inherits them). Call from a single-threaded process.
  //
  // Example:
  //   sut::Outcome why;
  //   auto sut = sut::IsolatedInstance::start("build/sut/apcb_impl_sut.so", trace.params,
  //                                           trace.config, std::chrono::seconds(10), why);
  //   if (!sut && why.kind == sut::Outcome::Kind::load_error) std::cerr << why.detail << "\n";
  static std::unique_ptr<IsolatedInstance> start(const std::string& plugin_path, const model::HostParams& params,
                                                 const model::Matrix& config, std::chrono::milliseconds time_limit,
                                                 Outcome& outcome);
  // Ends the child: kills it if it is still running, and reaps it.
  ~IsolatedInstance();
  IsolatedInstance(const IsolatedInstance&) = delete;
  IsolatedInstance& operator=(const IsolatedInstance&) = delete;

  // The plugin's name (apcb_sut_plugin.name), as shown in reports; "?" when it gives none.
  //
  // Example: sut->name() == "buggy example (unbind loses its commit)" for apcb_buggy_sut.so.
  const std::string& name() const { return name_; }

  // Applies `op` in the child and waits up to the time limit for its answer: submit + next.
  // After died, timed_out or garbled the child is gone and every later call answers the same.
  //
  // Example: sut->apply(step.op).kind == sut::Outcome::Kind::observed
  Outcome apply(const model::Op& op);

  // Queues `op` behind those already submitted, without waiting (the child works on them in
  // order while the caller compares earlier answers). False once the child is gone.
  //
  // Example: for (const auto& step : trace.steps) sut->submit(step.op);
  bool submit(const model::Op& op);

  // The answer to the oldest submitted operation, waiting up to the time limit from this call
  // (a step the child needs longer for is timed_out; one that crashes it is died).
  //
  // Example: sut->submit(op1); sut->submit(op2); auto a1 = sut->next(); auto a2 = sut->next();
  Outcome next();

  // Destroys the instance and unloads the plugin, waiting up to the time limit: nullopt when
  // the child ended cleanly, else how it did not (died, timed_out, garbled; phase finish).
  // A sanitizer build
  // runs its leak check in the child here, so a leaking plugin ends with the sanitizer's exit
  // status.
  //
  // Example: if (auto end = sut->finish()) report(*end);
  std::optional<Outcome> finish();

 private:
  IsolatedInstance(pid_t child, int socket, std::chrono::milliseconds time_limit, std::string host_line);
  std::optional<Outcome> finish_child();
  Outcome read_answer();
  bool read_line(std::string& line, std::chrono::steady_clock::time_point deadline, Outcome& failure);
  bool read_bytes(std::size_t n, std::string& out, std::chrono::steady_clock::time_point deadline,
                  Outcome& failure);
  bool fill(std::chrono::steady_clock::time_point deadline, Outcome& failure);
  Outcome child_gone();
  Outcome timed_out();

  pid_t child_;
  int socket_;
  std::chrono::milliseconds time_limit_;
  // "apcb-trace 1\n[observe signals\n]host init …\n": the prefix an answer is parsed after (with
  // the declaration when the plugin sees signals)
  std::string host_line_;
  std::string name_;
  std::string buffer_;    // bytes read from the child and not yet consumed
  std::string outgoing_;  // requests not yet sent
  std::deque<std::string> submitted_;  // step lines whose answers are still to be read
  std::optional<Outcome> gone_;  // set once the child has died, timed out or garbled
};

// How a child's wait status reads in a report: "signal 11 (SIGSEGV)", "exit status 0".
//
// Example: describe_wait_status(SIGSEGV) == "signal 11 (SIGSEGV)" for a child killed by SIGSEGV.
std::string describe_wait_status(int wait_status);

}  // namespace apcb::sut

#endif  // APCB_SUT_ISOLATED_H_
