// apcb check TRACE: compare a trace's expectations with the reference and report the first
// divergence with the state around it.
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <iostream>

#include "harness/conformance.h"
#include "harness/engine.h"
#include "cli/verb.h"
#include "model/output_file.h"
#include "sut/implementation.h"
#include "sut/isolated.h"

namespace apcb::cli {
namespace {

// What `check --sut` (or `--sut-cmd`) was asked to do.
struct PluginCheck {
  std::string plugin_path;
  std::string command;        // --sut-cmd: the implementation is this command (sut/command.h)
  std::string trace_path;
  std::string reproducer;     // --reproducer; empty: <trace stem>.step<N>.reproducer.trace here
  double step_timeout = 10;   // --step-timeout, seconds
  harness::EngineKind kind = harness::EngineKind::impl;
  model::KernelVersion kernel = model::KernelVersion::latest;
};

std::string counts(std::size_t compared, std::size_t skipped) {
  return std::to_string(compared) + " step" + (compared == 1 ? "" : "s") + " compared, " + std::to_string(skipped) +
         " skipped: cannot comply";
}

// What the plugin's process did: "crashed", "exited", "hung" or "broke the protocol".
std::string what_the_plugin_did(const sut::Outcome& o) {
  switch (o.kind) {
    case sut::Outcome::Kind::died:
      return WIFSIGNALED(o.status) ? "crashed" : "exited";
    case sut::Outcome::Kind::timed_out:
      return "hung";
    default:
      return "broke the protocol";
  }
}

// The default reproducer name: the trace's file name without its .trace, in the current
// directory ("stdin" for a trace read from standard input).
std::string default_reproducer(const std::string& trace_path, const std::string& step_tag) {
  std::string stem = trace_path == "-" ? "stdin" : std::filesystem::path(trace_path).filename().string();
  if (stem.size() > 6 && stem.ends_with(".trace")) stem.resize(stem.size() - 6);
  if (stem.empty() || stem == "." || stem == "..") stem = "trace";
  return stem + "." + step_tag + ".reproducer.trace";
}

// Reports a crash, hang, exit or protocol break of the plugin as a finding of the implementation
// under test: where, what, and the trace up to and including that step written as a reproducer.
int report_finding(const PluginCheck& args, const trace::Trace& trace, const std::string& name,
                   const sut::Outcome& o, std::size_t steps_run, std::size_t compared, std::size_t skipped) {
  const bool command = !args.command.empty();
  std::string where, tag, headline;
  std::size_t kept = steps_run;  // steps the reproducer keeps
  const std::string did = what_the_plugin_did(o);
  switch (o.phase) {
    case sut::Outcome::Phase::load:
      where = args.trace_path;
      tag = "load";
      kept = 0;
      headline = args.plugin_path + " " + did + " while loading the plugin: " + o.detail;
      break;
    case sut::Outcome::Phase::create:
      where = args.trace_path;
      tag = "step0";
      kept = 0;
      headline = name + " " + did + " while creating the instance for the trace's host: " + o.detail;
      break;
    case sut::Outcome::Phase::step: {
      const trace::TraceStep& step = trace.steps[steps_run - 1];
      where = args.trace_path + ":" + std::to_string(step.line);
      tag = "step" + std::to_string(steps_run);
      headline = name + " " + did + " at step " + std::to_string(steps_run) + ": " + o.detail + "\n  " +
                 trace::format_op(step.op);
      break;
    }
    case sut::Outcome::Phase::finish:
      where = args.trace_path;
      tag = "end";
      headline = name + " " + did + (command ? " after answering every step: " : " after the last step, destroying the instance: ") +
                 o.detail;
      break;
  }
  std::cout << where << ": " << headline << "\n";
  trace::Trace reproducer = trace;
  reproducer.steps.resize(kept);
  reproducer.trailing_comments.clear();
  reproducer.comments.push_back(std::string("# reproducer written by apcb check ") + (command ? "--sut-cmd" : "--sut") +
                                ": " + name + " " + did + " (" + o.detail +
                                ") at " + where + (kept > 0 ? " (the last step here)" : ""));
  const std::string out = args.reproducer.empty() ? default_reproducer(args.trace_path, tag) : args.reproducer;
  if (auto why = model::write_file_atomically(out, trace::format_trace(reproducer)))
    std::cout << "reproducer: not written: " << *why << "\n";
  else
    std::cout << "reproducer: " << out << " (the trace up to " << (kept > 0 ? "and including step " + std::to_string(kept)
                                                                            : "its host init line")
              << ")\n";
  std::cout << counts(compared, skipped) << " before it\n";
  return kFails;
}

// The divergence report: where, the implementation's observation and the reference's, the
// reference's state around the step.
void report_divergence(const std::string& trace_path, const trace::TraceStep& step, std::size_t i,
                       const std::string& name, const sut::Outcome& theirs, const model::Observation& ours,
                       const model::State& before, const model::State& after, std::size_t compared,
                       std::size_t skipped) {
  std::cout << trace_path << ":" << step.line << ": " << name << " diverges at step " << i + 1 << "\n  "
            << trace::format_op(step.op) << "\nimplementation:\n";
  if (theirs.kind == sut::Outcome::Kind::inexact)
    std::cout << "(not expressible in the trace format: " << theirs.detail << ")\n" << theirs.rendering;
  else
    std::cout << trace::format_observation(theirs.observation);
  std::cout << "reference:\n" << trace::format_observation(ours) << "reference state before the step:\n"
            << harness::describe_state(before) << "reference state after the step:\n" << harness::describe_state(after)
            << counts(compared, skipped) << ", up to and including this one\n";
}

// Checks the reproducer option before anything runs: it must not be the trace, and must be
// writable. The error, or nullopt.
std::optional<std::string> bad_reproducer(const PluginCheck& args) {
  if (args.reproducer.empty()) return std::nullopt;
  if (args.trace_path != "-" && model::same_file(args.reproducer, args.trace_path))
    return args.reproducer + ": the reproducer would overwrite the trace being checked";
  return model::check_writable(args.reproducer);
}

// Drives the command (sut/command.h, through sut/implementation.h) and the reference side by
// side on the trace's operations, as check_against_plugin does for a plugin.
int check_against_command(const PluginCheck& args) {
  auto trace = apcb::trace::load_trace(args.trace_path);
  if (!trace) return kBadInput;
  if (auto why = bad_reproducer(args)) {
    std::cerr << *why << "\n";
    return kBadInput;
  }
  const auto time_limit = std::chrono::milliseconds(static_cast<long long>(args.step_timeout * 1000.0 + 0.5));
  auto impl = sut::make_command_implementation(args.command, time_limit);
  const sut::Comparison r = sut::first_divergence(*impl, *trace, args.kind, args.kernel);
  if (r.divergence) {
    const auto& d = *r.divergence;
    report_divergence(args.trace_path, trace->steps[d.step], d.step, r.name, d.theirs, *d.reference, d.before, d.after,
                      r.compared, r.skipped);
    return kFails;
  }
  if (r.stop) {
    if (r.stop->kind == sut::Outcome::Kind::load_error) {
      std::cerr << r.stop->detail << "\n";
      return kBadInput;
    }
    const std::size_t steps_run = r.stop->phase == sut::Outcome::Phase::step ? r.stop_step + 1 : trace->steps.size();
    return report_finding(args, *trace, r.name, *r.stop, steps_run, r.compared, r.skipped);
  }
  if (r.compared == 0) {
    std::cerr << args.trace_path << ": " << r.name << ": nothing was compared (" << counts(r.compared, r.skipped)
              << "): not a pass\n";
    return kBadInput;
  }
  std::cout << args.trace_path << ": " << r.name << " conforms (" << counts(r.compared, r.skipped) << ")\n";
  return kHolds;
}

// Drives the plugin, isolated in a child process (sut/isolated.h), and the reference side by
// side on the trace's operations (its expectations are not used); an operation the plugin
// cannot comply with is skipped on both.
int check_against_plugin(const PluginCheck& args) {
  auto trace = apcb::trace::load_trace(args.trace_path);
  if (!trace) return kBadInput;
  if (!args.reproducer.empty()) {
    if (args.trace_path != "-" && model::same_file(args.reproducer, args.trace_path)) {
      std::cerr << args.reproducer << ": the reproducer would overwrite the trace being checked\n";
      return kBadInput;
    }
    if (auto why = model::check_writable(args.reproducer)) {
      std::cerr << *why << "\n";
      return kBadInput;
    }
  }
  const auto time_limit = std::chrono::milliseconds(static_cast<long long>(args.step_timeout * 1000.0 + 0.5));
  sut::Outcome why;
  auto sut = sut::IsolatedInstance::start(args.plugin_path, trace->params, trace->config, time_limit, why);
  if (!sut) {
    if (why.kind == sut::Outcome::Kind::load_error) {
      std::cerr << why.detail << "\n";
      return kBadInput;
    }
    if (why.kind == sut::Outcome::Kind::create_failed) {
      std::cout << args.trace_path << ": " << args.plugin_path
                << ": the plugin could not create an instance for the trace's host (create returned NULL)\n";
      return kFails;
    }
    return report_finding(args, *trace, args.plugin_path, why, 0, 0, 0);
  }
  const std::string& name = sut->name();
  auto reference = harness::make_engine(args.kind, trace->params, trace->config, args.kernel);
  std::size_t compared = 0, skipped = 0;
  // Up to kInFlight operations are submitted ahead, so the plugin's process works while this one
  // compares (one round trip per step cost more than the step itself); the time limit still
  // applies to each step, and a crash is still pinned to its step (answers come in order).
  constexpr std::size_t kInFlight = 64;
  std::size_t submitted = 0;
  for (std::size_t i = 0; i < trace->steps.size(); ++i) {
    const auto& step = trace->steps[i];
    while (submitted < trace->steps.size() && submitted < i + kInFlight) sut->submit(trace->steps[submitted++].op);
    const sut::Outcome theirs = sut->next();
    switch (theirs.kind) {
      case sut::Outcome::Kind::cannot_comply:
        ++skipped;
        continue;
      case sut::Outcome::Kind::undefined_status:
        std::cerr << args.trace_path << ":" << step.line << ": plugin error: " << name << " answered status code "
                  << theirs.status << " at step " << i + 1 << " (apcb_sut.h defines 0, APCB_SUT_OK, and 1, "
                  << "APCB_SUT_CANNOT_COMPLY)\n  " << trace::format_op(step.op) << "\n"
                  << counts(compared, skipped) << " before it\n";
        return kBadInput;
      case sut::Outcome::Kind::observed:
      case sut::Outcome::Kind::inexact:
        break;
      default:
        return report_finding(args, *trace, name, theirs, i + 1, compared, skipped);
    }
    const model::State before = reference->state();
    const model::Observation ours = reference->apply(step.op);
    ++compared;
    // An inexact observation cannot equal the reference's: every observation of the reference
    // has an exact rendering (it is how expectations are written), and the parts a rendering can
    // lose (the result's name, the output's bytes) are the parts `equivalent` compares exactly.
    if (theirs.kind == sut::Outcome::Kind::observed && model::equivalent(theirs.observation, ours)) continue;
    report_divergence(args.trace_path, step, i, name, theirs, ours, before, reference->state(), compared, skipped);
    return kFails;
  }
  if (auto end = sut->finish())
    return report_finding(args, *trace, name, *end, trace->steps.size(), compared, skipped);
  if (compared == 0) {
    std::cerr << args.trace_path << ": " << name << ": nothing was compared (" << counts(compared, skipped)
              << "): not a pass\n";
    return kBadInput;
  }
  std::cout << args.trace_path << ": " << name << " conforms (" << counts(compared, skipped) << ")\n";
  return kHolds;
}

}  // namespace

void add_check_verb(CLI::App& app, Action& action) {
  auto args = std::make_shared<PluginCheck>();
  auto* check = app.add_subcommand("check", "Compare a trace's expectations with the reference; "
                                            "report the first divergence with a state dump");
  check->add_option("TRACE", args->trace_path, "trace file with expectations ('-': standard input)")->required();
  auto* sut = check->add_option(
      "--sut", args->plugin_path,
      "drive this plugin (apcb_sut.h) against the reference instead of reading expectations. The plugin runs "
      "in a child process: a crash, hang or exit of it is a finding (exit 1, the step, the signal or exit "
      "status, and a reproducer trace); an undefined status code is a plugin error and a run that compared "
      "no step is not a pass (exit 2)");
  auto* sut_cmd = check->add_option(
      "--sut-cmd", args->command,
      "drive this command (run by /bin/sh -c, once) against the reference instead of reading expectations: it "
      "reads the trace without expectations on standard input and writes it back with its observations as "
      "expectations, as `apcb run -` does (sut/README.md). A non-zero exit, a signal, a hang or output that is "
      "not the input trace answered is a finding (exit 1, with a reproducer); a command /bin/sh cannot run "
      "(exit status 126 or 127, no output) and a run that compared no step are exit 2");
  sut->excludes(sut_cmd);
  sut_cmd->type_name("CMD");
  auto* timeout = check->add_option("--step-timeout", args->step_timeout,
                    "with --sut: seconds the plugin may take for one step (and to load, create or destroy its "
                    "instance) before it counts as hung; with --sut-cmd: the command may take this many seconds "
                    "times (steps + 1) for the whole trace (default 10)")
      ->type_name("SECONDS")
      ->check(CLI::Range(0.001, 86400.0));
  auto* reproducer = check->add_option("--reproducer", args->reproducer,
                    "with --sut or --sut-cmd: where to write the trace that reproduces a crash, hang or exit of the "
                    "implementation (default: <trace name>.step<N>.reproducer.trace in the current directory)")
      ->type_name("PATH");
  add_engine_option(*check, args->kind);
  add_kernel_option(*check, args->kernel);
  check->callback([&action, args, timeout, reproducer] {
    // Each needs one of --sut and --sut-cmd (CLI11's needs() would ask for both).
    for (const CLI::Option* o : {timeout, reproducer})
      if (o->count() > 0 && args->plugin_path.empty() && args->command.empty())
        throw CLI::RequiresError(o->get_name(), "--sut or --sut-cmd");
    action = [args] {
      // Versions other than latest run on the model (harness::make_engine), and reports say so.
      PluginCheck run = *args;
      if (run.kernel != model::KernelVersion::latest) run.kind = harness::EngineKind::model;
      if (!run.plugin_path.empty()) return check_against_plugin(run);
      if (!run.command.empty()) return check_against_command(run);
      auto trace = apcb::trace::load_trace(run.trace_path);
      if (!trace) return kBadInput;
      harness::CheckResult r = harness::check_trace(*trace, run.kind, run.kernel);
      if (r.divergence) {
        std::cout << harness::divergence_report(run.trace_path, *trace, *r.divergence, run.kind);
        return kFails;
      }
      if (r.checked == 0) {
        // As with a plugin that complied with no step: a trace that states no expectation
        // checks nothing, and nothing checked is not a pass.
        std::cerr << run.trace_path << ": nothing was checked: no step has an expectation ("
                  << r.unchecked << " steps without; apcb run fills them in)\n";
        return kBadInput;
      }
      std::cout << run.trace_path << ": conforms (" << r.checked << " steps checked, " << r.unchecked
                << " without expectations)\n";
      return kHolds;
    };
  });
}

}  // namespace apcb::cli
