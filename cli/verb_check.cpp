// apcb check TRACE: compare a trace's expectations with the reference and report the first
// divergence with the state around it.

#include <chrono>
#include <filesystem>
#include <iostream>

#include "harness/conformance.h"
#include "harness/engine.h"
#include "cli/verb.h"
#include "model/output_file.h"
#include "cli/check_report.h"
#include "cli/data_paths.h"
#include "readers/allow_list.h"
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
  std::string allow_path;     // --allow: known differences (readers/allow_list.h)
  bool all = false;           // --all: every divergent step, each class once
  harness::EngineKind kind = harness::EngineKind::impl;
  model::KernelVersion kernel = model::KernelVersion::latest;
  // --kernel was given (plain check then ignores a trace's `# kernel: V`).
  bool kernel_fixed = false;
};

// Plain check: the profile to follow is --kernel's, else the one the trace declares (`# kernel:
// V`: its expectations follow it), else latest; the reference runs on the model unless latest.
void follow_trace_kernel(PluginCheck& args, std::optional<model::KernelVersion> declared) {
  if (!args.kernel_fixed && declared) {
    args.kernel = *declared;
    if (*declared != model::KernelVersion::latest)
      std::cerr << "apcb check: " << args.trace_path << " declares '# kernel: " << model::kernel_version_name(*declared)
                << "': the reference follows that profile (--kernel overrides)\n";
  }
  if (args.kernel != model::KernelVersion::latest) args.kind = harness::EngineKind::model;
}

// The reference's name in reports when it is not the reference implementation on the latest
// kernel: the engine, and the profile it follows ("model, kernel 6.0").
std::string reference_label(harness::EngineKind kind, model::KernelVersion kernel) {
  std::string label = kind == harness::EngineKind::impl ? "" : std::string(harness::engine_name(kind));
  if (kernel != model::KernelVersion::latest)
    label += (label.empty() ? "" : ", ") + std::string("kernel ") + std::string(model::kernel_version_name(kernel));
  return label;
}

std::string counts(std::size_t compared, std::size_t skipped) {
  return std::to_string(compared) + " step" + (compared == 1 ? "" : "s") + " compared, " + std::to_string(skipped) +
         " skipped: cannot comply";
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
// `trace` holds at least the first `steps_run` steps (trace_prefix).
int report_finding(const PluginCheck& args, const trace::Trace& trace, const std::string& name,
                   const sut::Outcome& o, std::size_t steps_run, std::size_t compared, std::size_t skipped) {
  const bool command = !args.command.empty();
  std::string where, tag, headline;
  std::size_t kept = steps_run;  // steps the reproducer keeps
  const std::string did = sut::finding_word(o);
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

// Checks the reproducer option before anything runs: it must not be the trace, and must be
// writable. The error, or nullopt.
std::optional<std::string> bad_reproducer(const PluginCheck& args) {
  if (args.reproducer.empty()) return std::nullopt;
  if (args.trace_path != "-" && model::same_file(args.reproducer, args.trace_path))
    return args.reproducer + ": the reproducer would overwrite the trace being checked";
  return model::check_writable(args.reproducer);
}

// The trace's header and its first `steps` steps: from `whole` when the trace was read whole,
// else read again from its file (a streamed check keeps no step behind it). nullopt, with the
// error printed, when the file no longer reads the same.
std::optional<trace::Trace> trace_prefix(const std::string& path, const std::optional<trace::Trace>& whole,
                                         std::size_t steps) {
  if (whole) {
    trace::Trace t = *whole;
    if (t.steps.size() > steps) t.steps.resize(steps);
    return t;
  }
  auto input = apcb::trace::open_trace(path);
  if (!input) return std::nullopt;
  trace::Trace t;
  t.params = input->reader.params();
  t.config = input->reader.config();
  t.comments = input->reader.comments();
  trace::TraceStep step;
  while (t.steps.size() < steps && input->reader.next(step)) t.steps.push_back(std::move(step));
  if (apcb::trace::report_read_error(input->reader) || t.steps.size() < steps) {
    std::cerr << path << ": the trace changed while it was checked\n";
    return std::nullopt;
  }
  return t;
}

// Drives the implementation (a plugin isolated in a child process, or a command; both through
// sut/implementation.h) and the reference side by side on the trace's operations (its
// expectations are not used); an operation the implementation cannot comply with is skipped on
// both. Divergences go to a CheckReport (--allow, --all); a crash, hang, exit or protocol break
// ends the run as a finding, with a reproducer. A plugin on a trace file streams (memory bounded
// by 64 steps); a command, or a trace on standard input, is held whole (a command reads its
// trace whole; a reproducer re-reads the trace's beginning, which standard input cannot give).
int check_against(const PluginCheck& args, sut::Implementation& impl, const readers::AllowList* allow) {
  if (auto why = bad_reproducer(args)) {
    std::cerr << *why << "\n";
    return kBadInput;
  }
  std::optional<trace::Trace> whole;
  std::unique_ptr<trace::TraceInput> input;
  if (args.trace_path == "-" || !args.command.empty()) {
    whole = apcb::trace::load_trace(args.trace_path);
    if (!whole) return kBadInput;
  } else {
    input = apcb::trace::open_trace(args.trace_path);
    if (!input) return kBadInput;
  }
  std::size_t whole_next = 0;
  const harness::StepSource next_step = [&](trace::TraceStep& step) {
    if (input) return input->reader.next(step);
    if (whole_next == whole->steps.size()) return false;
    step = whole->steps[whole_next++];
    return true;
  };
  // The trace's expectations are not used, so neither is its `# kernel: V`: the implementation
  // is compared with --kernel, else the profile the plugin declares, else latest.
  const model::HostParams params = input ? input->reader.params() : whole->params;
  const model::Matrix config = input ? input->reader.config() : whole->config;
  CheckReport report(std::cout, {.path = args.trace_path,
                                 .implementation = impl.name(),
                                 .reference = reference_label(args.kind, args.kernel),
                                 .allow = allow,
                                 .all = args.all});
  bool named = false;
  // A command declares the kernel it implements in its output's header (`# kernel: V`, the
  // handshake apcb run --kernel V - writes): the reference follows it unless --kernel was given.
  const bool follow_command = !args.command.empty() && !args.kernel_fixed;
  const sut::Comparison r = sut::compare(impl, params, config, next_step, args.kind, args.kernel, [&](const sut::ComparedStep& s) {
    if (!named) {
      report.set_implementation(impl.name());  // a plugin's name is known once it runs
      if (const auto declared = impl.declared_kernel(); declared && follow_command) {
        if (*declared != args.kernel) report.set_reference(reference_label(harness::EngineKind::model, *declared));
        if (*declared != args.kernel)
          std::cerr << "apcb check: " << impl.name() << " declares '# kernel: "
                    << model::kernel_version_name(*declared)
                    << "': the reference follows that profile (--kernel overrides)\n";
      } else if (declared && *declared != args.kernel) {
        std::cerr << "apcb check: " << impl.name() << " declares '# kernel: "
                  << model::kernel_version_name(*declared) << "', but --kernel "
                  << model::kernel_version_name(args.kernel) << " was given: following --kernel\n";
      }
    }
    named = true;
    if (!s.diverges) return true;
    const trace::TraceStep& step = *s.at;
    const bool inexact = s.theirs.kind == sut::Outcome::Kind::inexact;
    return report.divergence(s.step, step.line, step.op,
                             {s.theirs.observation, inexact ? s.theirs.rendering : "", inexact ? s.theirs.detail : ""},
                             *s.reference, s.before, s.after);
  }, follow_command);
  // A trace that turns out bad midway is bad input, whatever was compared before the bad line.
  if (input && apcb::trace::report_read_error(input->reader)) return kBadInput;
  if (r.divergence) return report.finish(counts(r.compared, r.skipped));
  if (r.stop) {
    const sut::Outcome& o = *r.stop;
    switch (o.kind) {
      case sut::Outcome::Kind::load_error:
        std::cerr << o.detail << "\n";
        return kBadInput;
      case sut::Outcome::Kind::create_failed:
        std::cout << args.trace_path << ": " << args.plugin_path
                  << ": the plugin could not create an instance for the trace's host (create returned NULL)\n";
        return kFails;
      case sut::Outcome::Kind::undefined_status: {
        const auto prefix = trace_prefix(args.trace_path, whole, r.stop_step + 1);
        if (!prefix) return kBadInput;
        const trace::TraceStep& step = prefix->steps[r.stop_step];
        std::cerr << args.trace_path << ":" << step.line << ": plugin error: " << r.name << " answered status code "
                  << o.status << " at step " << r.stop_step + 1 << " (apcb_sut.h defines 0, APCB_SUT_OK, and 1, "
                  << "APCB_SUT_CANNOT_COMPLY)\n  " << trace::format_op(step.op) << "\n"
                  << counts(r.compared, r.skipped) << " before it\n";
        return kBadInput;
      }
      default: {
        // Divergences allowed or passed (--allow, --all) before the finding are listed first.
        report.print_classes();
        const std::size_t steps_run = o.phase == sut::Outcome::Phase::step ? r.stop_step + 1 : r.stop_step;
        const auto prefix = trace_prefix(args.trace_path, whole, steps_run);
        if (!prefix) return kBadInput;
        return report_finding(args, *prefix, r.name, o, steps_run, r.compared, r.skipped);
      }
    }
  }
  if (r.compared == 0) {
    std::cerr << args.trace_path << ": " << r.name << ": nothing was compared (" << counts(r.compared, r.skipped)
              << "): not a pass\n";
    return kBadInput;
  }
  return report.finish(counts(r.compared, r.skipped));
}

// Plain `apcb check`: the trace's expectations are the implementation's observations.
int check_expectations_of(PluginCheck args, const readers::AllowList* allow) {
  auto input = apcb::trace::open_trace(args.trace_path);
  if (!input) return kBadInput;
  follow_trace_kernel(args, input->reader.kernel());
  CheckReport report(std::cout,
                     {.path = args.trace_path, .implementation = "", .reference = reference_label(args.kind, args.kernel), .allow = allow, .all = args.all});
  const harness::CheckResult n = check_expectations(input->reader, args.trace_path, args.kind, args.kernel, report);
  // The trace streams: a bad line is found when it is reached (a check stopped at a divergence
  // does not read on). Bad input is exit 2 whatever was reported before it.
  if (apcb::trace::report_read_error(input->reader)) return kBadInput;
  if (n.checked == 0) {
    // As with a plugin that complied with no step: a trace that states no expectation checks
    // nothing, and nothing checked is not a pass.
    std::cerr << args.trace_path << ": nothing was checked: no step has an expectation (" << n.unchecked
              << " steps without; apcb run fills them in)\n";
    return kBadInput;
  }
  return report.finish(std::to_string(n.checked) + (n.checked == 1 ? " step" : " steps") + " checked, " +
                       std::to_string(n.unchecked) + " without expectations");
}

}  // namespace

void add_check_verb(CLI::App& app, Action& action) {
  auto args = std::make_shared<PluginCheck>();
  auto* check = app.add_subcommand("check", "Compare an implementation's observations (a trace's expectations, "
                                            "--sut PLUGIN or --sut-cmd CMD) with the reference; report the first "
                                            "divergence with a state dump, or every class of them (--all), "
                                            "passing known differences (--allow FILE). The trace streams (memory does not grow with it; a "
                                            "check stopped at a divergence reads no further, and a bad line is exit 2 when it "
                                            "is reached), except with --sut-cmd or --sut on standard input, which hold it whole");
  check->add_option("TRACE", args->trace_path, "the trace: its expectations are the implementation's observations, or, with --sut/--sut-cmd, its operations drive the implementation ('-': standard input)")->required();
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
  check->add_option("--allow", args->allow_path,
                    "known differences (JSON, " + data_paths().doc("known-differences.md") +
                        "; '-': standard input): a divergence whose class (operation, cause) and observations an "
                        "entry matches is reported on one line with the entry's reason, counted, and passed; "
                        "checking goes on. Exit 0 when every divergence is allowed")
      ->type_name("FILE");
  check->add_flag("--all", args->all,
                  "go on past every divergence: report each divergence class in full once (at its first step), "
                  "count the rest, and end with a table of the classes (exit 1 if any is not allowed)");
  check->callback([&action, args, timeout, reproducer, sut_cmd, check] {
    if (sut_cmd->count() > 0 && args->command.find_first_not_of(" \t\n") == std::string::npos)
      throw CLI::ValidationError("--sut-cmd", "the command is empty");
    // Each needs one of --sut and --sut-cmd (CLI11's needs() would ask for both).
    for (const CLI::Option* o : {timeout, reproducer})
      if (o->count() > 0 && args->plugin_path.empty() && args->command.empty())
        throw CLI::RequiresError(o->get_name(), "--sut or --sut-cmd");
    const bool kernel_given = check->count("--kernel") > 0;
    action = [args, kernel_given] {
      PluginCheck run = *args;
      run.kernel_fixed = kernel_given;
      // A plugin that declares its kernel (apcb_sut_kernel_version) is checked against that
      // profile unless --kernel says otherwise.
      if (!run.plugin_path.empty() && run.plugin_path != "-" &&
          !follow_plugin_kernel("apcb check", run.plugin_path,
                                std::chrono::milliseconds(static_cast<long long>(run.step_timeout * 1000.0 + 0.5)),
                                kernel_given, run.kernel))
        return kBadInput;
      // Versions other than latest run on the model (harness::make_engine), and reports say so.
      if (run.kernel != model::KernelVersion::latest) run.kind = harness::EngineKind::model;
      std::optional<readers::AllowList> allow;
      if (run.allow_path == "-" && run.trace_path == "-") {
        std::cerr << "apcb check: standard input can be the TRACE or the --allow FILE, not both\n";
        return kBadInput;
      }
      if (!run.allow_path.empty()) {
        const std::optional<std::string> text = apcb::trace::read_input(run.allow_path, "allow list");
        if (!text) return kBadInput;
        auto parsed = readers::parse_allow_list(*text, run.allow_path == "-" ? "<stdin>" : run.allow_path);
        if (auto* e = std::get_if<trace::TraceError>(&parsed)) {
          std::cerr << e->to_string() << "\n";
          return kBadInput;
        }
        allow = std::move(std::get<readers::AllowList>(parsed));
      }
      const readers::AllowList* allowed = allow ? &*allow : nullptr;
      const auto time_limit = std::chrono::milliseconds(static_cast<long long>(run.step_timeout * 1000.0 + 0.5));
      if (!run.plugin_path.empty())
        return check_against(run, *sut::make_plugin_implementation(run.plugin_path, time_limit), allowed);
      if (!run.command.empty())
        return check_against(run, *sut::make_command_implementation(run.command, time_limit), allowed);
      return check_expectations_of(run, allowed);
    };
  });
}

}  // namespace apcb::cli
