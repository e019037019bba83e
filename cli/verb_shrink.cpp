// apcb shrink TRACE: minimise a trace that diverges from the reference.
//
// With --sut PLUGIN or --sut-cmd CMD (shrink_against_implementation below) the implementation is
// re-run on every candidate, beside the reference: the target is its first divergence from the
// reference (or its first crash, hang, exit or protocol break), and a candidate is kept only when
// the implementation still diverges there the same way. Without them, the trace's recorded
// expectations stand for the implementation's answers, as follows; that cannot know whether the
// implementation would still fail on the smaller trace (a stateful bug often does not).
//
// The divergence that counts is the first step whose stated expectation the reference does
// not meet (the target). Shrinking keeps the target and its expectation and drops every other
// expectation, then removes steps before it by delta debugging (ddmin) while the target still
// diverges *the same way* (the reference still observes exactly what it observed in the
// original trace, so a smaller trace cannot slip into a different, trivial divergence such as
// a missing mdev), then shrinks arguments: the IDs of the initial host configuration and of `host
// config` steps, one at a time. The result is printed as a trace; --emit-gtest writes it as a
// GoogleTest that pins the reference's observations on the minimal trace.

#include <chrono>
#include <fstream>
#include <iostream>
#include <memory>

#include "harness/conformance.h"
#include "harness/engine.h"
#include "cli/verb.h"
#include "model/output_file.h"
#include "sut/implementation.h"
#include "sut/isolated.h"

namespace apcb::cli {
namespace {

// True when `trace` (whose only expectation is on its last step) still diverges there, with
// the reference observing `actual` as it did in the original trace.
bool diverges_at_end(const trace::Trace& trace, const model::Observation& actual) {
  if (trace.steps.empty() || !trace.steps.back().expected) return false;
  auto engine = harness::make_model_engine(trace.initial_state());
  model::Observation last;
  for (const auto& step : trace.steps) last = engine->apply(step.op);
  return model::equivalent(last, actual) && !model::equivalent(last, *trace.steps.back().expected);
}

trace::Trace with_steps(const trace::Trace& base, const std::vector<trace::TraceStep>& prefix,
                        const trace::TraceStep& target) {
  trace::Trace t = base;
  t.steps = prefix;
  t.steps.push_back(target);
  return t;
}

// ddmin over the steps before the target: the classic complement-first reduction. `still_fails`
// tells whether the trace of `prefix` and the target still fails the way that counts.
std::vector<trace::TraceStep> ddmin(std::vector<trace::TraceStep> steps,
                                    const std::function<bool(const std::vector<trace::TraceStep>& prefix)>& still_fails,
                                    int& runs) {
  std::size_t n = 2;
  while (steps.size() >= 1) {
    const std::size_t chunk = (steps.size() + n - 1) / n;
    bool reduced = false;
    for (std::size_t start = 0; start < steps.size(); start += chunk) {
      std::vector<trace::TraceStep> complement(steps.begin(), steps.begin() + static_cast<std::ptrdiff_t>(start));
      complement.insert(complement.end(),
                        steps.begin() + static_cast<std::ptrdiff_t>(std::min(start + chunk, steps.size())),
                        steps.end());
      ++runs;
      if (still_fails(complement)) {
        steps = std::move(complement);
        n = std::max<std::size_t>(n - 1, 2);
        reduced = true;
        break;
      }
    }
    if (!reduced) {
      if (n >= steps.size()) break;
      n = std::min(steps.size(), n * 2);
    }
  }
  return steps;
}

// Removes IDs from a mask while `still_fails` holds: all of them at once, then halves, quarters,
// ... down to single IDs, so that the result is 1-minimal (no single ID can go) as a loop over
// single IDs would give, in far fewer runs for the masks of 256 IDs a host has (each run of
// `shrink --sut` is a run of the implementation).
void shrink_mask(model::Mask& mask, const std::function<bool()>& still_fails, int& runs) {
  std::vector<int> ids = mask.ids();
  for (std::size_t chunk = ids.size(); chunk >= 1 && !ids.empty(); chunk = chunk == 1 ? 0 : (chunk + 1) / 2) {
    for (std::size_t start = 0; start < ids.size();) {
      const std::size_t end = std::min(start + chunk, ids.size());
      for (std::size_t i = start; i < end; ++i) mask.clear(static_cast<model::ApId>(ids[i]));
      ++runs;
      if (still_fails()) {
        ids.erase(ids.begin() + static_cast<std::ptrdiff_t>(start), ids.begin() + static_cast<std::ptrdiff_t>(end));
      } else {
        for (std::size_t i = start; i < end; ++i) mask.set(static_cast<model::ApId>(ids[i]));
        start = end;
      }
    }
    if (chunk == 1) break;
  }
}

void shrink_matrix(model::Matrix& m, const std::function<bool()>& still_fails, int& runs) {
  shrink_mask(m.adapters, still_fails, runs);
  shrink_mask(m.domains, still_fails, runs);
  shrink_mask(m.control_domains, still_fails, runs);
}

// A C++ identifier from the target step: what the test caught.
std::string test_name(const model::Op& op) {
  std::string text = trace::format_op(op);
  std::string out = "DivergenceAt";
  bool upper = true;
  for (char c : text.substr(0, 60)) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
      out += upper && c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
      upper = false;
    } else {
      upper = true;
    }
  }
  return out;
}

std::string gtest_source(const trace::Trace& minimal) {
  // Pin the reference's observations of every step.
  trace::Trace pinned = minimal;
  auto engine = harness::make_model_engine(pinned.initial_state());
  for (auto& step : pinned.steps) step.expected = engine->apply(step.op);
  const std::string text = trace::format_trace(pinned);
  return "// Emitted by `apcb shrink --emit-gtest`: the minimal trace of a divergence, with the\n"
         "// reference's observations pinned at every step.\n"
         "#include <gtest/gtest.h>\n\n#include \"model/step.h\"\n#include \"trace/trace.h\"\n\n"
         "TEST(ShrunkRegression, " + test_name(minimal.steps.back().op) + ") {\n"
         "  const char* text = R\"apcbtrace(" + text + ")apcbtrace\";\n"
         "  auto parsed = apcb::trace::parse_trace(text, \"shrunk\");\n"
         "  ASSERT_TRUE(std::holds_alternative<apcb::trace::Trace>(parsed));\n"
         "  const auto& trace = std::get<apcb::trace::Trace>(parsed);\n"
         "  apcb::model::State s = trace.initial_state();\n"
         "  for (const auto& step : trace.steps) {\n"
         "    const auto obs = apcb::model::apply(s, step.op);\n"
         "    EXPECT_TRUE(apcb::model::equivalent(obs, *step.expected)) << \"line \" << step.line;\n"
         "  }\n}\n";
}

int run_shrink(const std::string& path, const std::string& gtest_path) {
  if (!gtest_path.empty()) {
    if (auto why = model::check_writable(gtest_path)) {
      std::cerr << *why << "\n";
      return kBadInput;
    }
  }
  auto trace = apcb::trace::load_trace(path);
  if (!trace) return kBadInput;
  // The trace's `# kernel: V` (latest when none): the profile its expectations follow.
  harness::CheckResult r =
      harness::check_trace(*trace, harness::EngineKind::model, trace->kernel.value_or(model::KernelVersion::latest));
  if (!r.divergence) {
    std::cerr << path << ": the trace conforms to the reference: nothing to shrink\n";
    return kBadInput;
  }
  const std::size_t original = trace->steps.size();
  trace::TraceStep target = trace->steps[r.divergence->step];
  std::vector<trace::TraceStep> prefix(trace->steps.begin(),
                                       trace->steps.begin() + static_cast<std::ptrdiff_t>(r.divergence->step));
  for (auto& step : prefix) step.expected.reset();
  trace::Trace base = *trace;
  base.steps.clear();
  int runs = 0;
  const model::Observation actual = r.divergence->actual;
  std::cerr << "shrink: shrinking against the trace's recorded expectations: the implementation is not re-run, "
               "so it may not fail on the result (use --sut PLUGIN or --sut-cmd CMD to re-run it)\n";
  prefix = ddmin(
      prefix, [&](const std::vector<trace::TraceStep>& p) { return diverges_at_end(with_steps(base, p, target), actual); },
      runs);

  trace::Trace minimal = with_steps(base, prefix, target);
  const auto still_fails = [&] { return diverges_at_end(minimal, actual); };
  shrink_matrix(minimal.config, still_fails, runs);
  for (auto& step : minimal.steps)
    if (auto* c = std::get_if<model::op::ConfigChange>(&step.op)) shrink_matrix(c->cfg, still_fails, runs);
  for (auto& step : minimal.steps) step.comments.clear();
  minimal.comments = {"# apcb shrink " + path + ": " + std::to_string(original) + " steps -> " +
                      std::to_string(minimal.steps.size()) + " (" + std::to_string(runs) + " runs)",
                      "# The last step's expectation is the one the reference does not meet.",
                      "# Shrunk against the recorded expectations: the implementation was not re-run on this trace."};
  minimal.trailing_comments.clear();
  std::cerr << "shrink: " << original << " steps -> " << minimal.steps.size() << " in " << runs
            << " runs\n";
  std::cout << trace::format_trace(minimal);
  if (!gtest_path.empty()) {
    if (auto why = model::write_file_atomically(gtest_path, gtest_source(minimal))) {
      std::cerr << *why << "\n";
      return kBadInput;
    }
  }
  return kFails;  // the minimal trace still diverges
}

// What `shrink --sut` / `--sut-cmd` was asked to do.
struct ShrinkArgs {
  std::string path;
  std::string gtest;
  std::string plugin_path;  // --sut
  std::string command;      // --sut-cmd
  double step_timeout = 10;
  harness::EngineKind kind = harness::EngineKind::impl;
  model::KernelVersion kernel = model::KernelVersion::latest;
  bool kernel_given = false;  // --kernel (a plugin's or trace's declaration applies otherwise)
};

// What the implementation did that shrinking keeps: a divergence at a step of one operation
// kind with the same parts differing, or the same kind of finding (crash, exit, hang, protocol
// break) at a step of that operation kind or after the last step.
struct Signature {
  std::optional<model::OpKind> op;  // nullopt: the finding came after the last step
  std::string what;                 // "diverges (result+events)", "crashed", "exited", "hung", ...
  friend bool operator==(const Signature&, const Signature&) = default;
};

// The first failure of an implementation run and where it is: the signature and the step
// (0-based; the trace's length for a finding after the last step).
struct Failure {
  Signature signature;
  std::size_t step = 0;
};


bool is_finding(const sut::Outcome& o) {
  return o.kind == sut::Outcome::Kind::died || o.kind == sut::Outcome::Kind::timed_out ||
         o.kind == sut::Outcome::Kind::garbled;
}

// The first failure `r` (a first_divergence of `t`) shows; nullopt when there is none that
// shrinking can keep (a conforming run, or one stopped by a plugin error or before any step).
std::optional<Failure> failure_of(const sut::Comparison& r, const trace::Trace& t) {
  if (r.divergence) {
    const auto& d = *r.divergence;
    const std::string parts = d.theirs.kind == sut::Outcome::Kind::inexact
                                  ? std::string("inexact")
                                  : sut::describe(sut::differing_parts(d.theirs.observation, *d.reference));
    return Failure{{model::kind_of(t.steps[d.step].op), "diverges (" + parts + ")"}, d.step};
  }
  if (!r.stop || !is_finding(*r.stop)) return std::nullopt;
  if (r.stop->phase == sut::Outcome::Phase::step)
    return Failure{{model::kind_of(t.steps[r.stop_step].op), sut::finding_word(*r.stop)}, r.stop_step};
  if (r.stop->phase == sut::Outcome::Phase::finish) return Failure{{std::nullopt, sut::finding_word(*r.stop)}, t.steps.size()};
  return std::nullopt;
}

std::string describe(const Signature& s) {
  return s.what + (s.op ? " at a step of kind " + std::string(model::kAlphabet[static_cast<std::size_t>(*s.op)].name)
                        : std::string(" after the last step"));
}

// Re-runs the implementation on candidates and keeps count; prints progress on stderr (at most
// once a second) for long shrinks.
class Runner {
 public:
  Runner(sut::Implementation& impl, const ShrinkArgs& args, const Signature& target)
      : impl_(impl), args_(args), target_(target), started_(std::chrono::steady_clock::now()), last_(started_) {}
  // True when the implementation, re-run on `t`, fails first at its last step (or after it, for a
  // finding after the last step) with the target's signature.
  bool still_fails(const trace::Trace& t) {
    ++runs_;
    const auto r = sut::first_divergence(impl_, t, args_.kind, args_.kernel);
    const auto f = failure_of(r, t);
    const bool kept = f && f->signature == target_ &&
                      f->step == (target_.op ? t.steps.size() - 1 : t.steps.size());
    if (kept) length_ = t.steps.size();
    const auto now = std::chrono::steady_clock::now();
    if (now - last_ >= std::chrono::seconds(1)) {
      last_ = now;
      std::cerr << "shrink: " << runs_ << " candidates tried, " << length_ << " steps\n";
    }
    return kept;
  }
  int& runs() { return runs_; }
  void set_length(std::size_t n) { length_ = n; }
  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  }

 private:
  sut::Implementation& impl_;
  const ShrinkArgs& args_;
  Signature target_;
  int runs_ = 0;
  std::size_t length_ = 0;
  std::chrono::steady_clock::time_point started_, last_;
};

// The minimal trace with the implementation's answers as expectations, where it gave one the
// trace format writes exactly, and comments saying what it did on the others.
void record_answers(sut::Implementation& impl, const ShrinkArgs& args, trace::Trace& t) {
  for (auto& step : t.steps) step.expected.reset();
  const auto r = sut::compare(impl, t, args.kind, args.kernel, [&](const sut::ComparedStep& s) {
    auto& step = t.steps[s.step];
    switch (s.theirs.kind) {
      case sut::Outcome::Kind::observed:
        step.expected = s.theirs.observation;
        break;
      case sut::Outcome::Kind::inexact:
        step.comments.push_back("# the implementation's observation is not expressible in the trace format (" +
                                s.theirs.detail + ")");
        break;
      default:
        step.comments.push_back("# the implementation cannot comply with this step (skipped on both sides)");
        break;
    }
    return true;
  });
  if (r.stop && r.stop->phase == sut::Outcome::Phase::step && r.stop_step < t.steps.size())
    t.steps[r.stop_step].comments.push_back("# the implementation " + sut::finding_word(*r.stop) + " here: " +
                                            r.stop->detail);
  else if (r.stop && r.stop->phase == sut::Outcome::Phase::finish)
    t.trailing_comments.push_back("# the implementation " + sut::finding_word(*r.stop) + " after the last step: " +
                                  r.stop->detail);
}

int shrink_against_implementation(ShrinkArgs args) {
  if (!args.gtest.empty()) {
    if (auto why = model::check_writable(args.gtest)) {
      std::cerr << *why << "\n";
      return kBadInput;
    }
  }
  auto trace = apcb::trace::load_trace(args.path);
  if (!trace) return kBadInput;
  const auto limit = std::chrono::milliseconds(static_cast<long long>(args.step_timeout * 1000.0 + 0.5));
  // The profile: --kernel, else the plugin's declaration, else latest (the trace's answers, and
  // so its `# kernel: V`, are not used; the output declares the profile followed).
  if (!args.plugin_path.empty() &&
      !follow_plugin_kernel("apcb shrink", args.plugin_path, limit, args.kernel_given, args.kernel))
    return kBadInput;
  if (args.kernel != model::KernelVersion::latest) args.kind = harness::EngineKind::model;
  auto impl = args.command.empty() ? sut::make_plugin_implementation(args.plugin_path, limit)
                                   : sut::make_command_implementation(args.command, limit);
  // A command declares its kernel in its output (`# kernel: V`): without --kernel the first run
  // follows it, and so does every re-run after it.
  const auto first = sut::first_divergence(*impl, *trace, args.kind, args.kernel,
                                           !args.command.empty() && !args.kernel_given);
  if (first.followed && *first.followed != args.kernel) {
    std::cerr << "apcb shrink: " << args.command << " declares '# kernel: " << model::kernel_version_name(*first.followed)
              << "': the reference follows that profile (--kernel overrides)\n";
    args.kernel = *first.followed;
    args.kind = harness::EngineKind::model;
  }
  const auto failure = failure_of(first, *trace);
  if (!failure) {
    if (first.stop && first.stop->kind == sut::Outcome::Kind::load_error) {
      std::cerr << first.stop->detail << "\n";
    } else if (first.stop && first.stop->kind == sut::Outcome::Kind::undefined_status) {
      std::cerr << args.path << ": " << first.name << " answered status code " << first.stop->status << " at step "
                << first.stop_step + 1 << ": a plugin error (apcb check --sut reports it), nothing to shrink\n";
    } else if (first.stop) {
      std::cerr << args.path << ": " << first.name << " fails before the first step ("
                << (first.stop->kind == sut::Outcome::Kind::create_failed ? std::string("create returned NULL")
                                                                         : first.stop->detail)
                << "): nothing to shrink (apcb check " << impl->options() << " reports it)\n";
    } else {
      std::cerr << args.path << ": " << first.name << " does not diverge from the reference on this trace ("
                << first.compared << " steps compared, " << first.skipped
                << " skipped: cannot comply): nothing to shrink\n";
    }
    return kBadInput;
  }
  const Signature target = failure->signature;
  const std::size_t original = trace->steps.size();
  std::cerr << "shrink: " << first.name << " " << describe(target) << " (step " << failure->step + 1 << " of "
            << original << "); re-running it on every candidate\n";

  trace::Trace base = *trace;
  base.steps.clear();
  base.comments.clear();
  base.trailing_comments.clear();
  std::vector<trace::TraceStep> prefix(trace->steps.begin(),
                                       trace->steps.begin() + static_cast<std::ptrdiff_t>(std::min(failure->step, original)));
  for (auto& step : prefix) {
    step.expected.reset();
    step.comments.clear();
  }
  std::optional<trace::TraceStep> last;  // the target step; none for a finding after the last step
  if (target.op) {
    last = trace->steps[failure->step];
    last->expected.reset();
    last->comments.clear();
  }
  auto assemble = [&](const std::vector<trace::TraceStep>& p) {
    trace::Trace t = base;
    t.steps = p;
    if (last) t.steps.push_back(*last);
    return t;
  };
  Runner runner(*impl, args, target);
  runner.set_length(failure->step + (target.op ? 1 : 0));
  prefix = ddmin(prefix, [&](const std::vector<trace::TraceStep>& p) { return runner.still_fails(assemble(p)); },
                 runner.runs());
  trace::Trace minimal = assemble(prefix);
  const auto still_fails = [&] { return runner.still_fails(minimal); };
  shrink_matrix(minimal.config, still_fails, runner.runs());
  for (auto& step : minimal.steps)
    if (auto* c = std::get_if<model::op::ConfigChange>(&step.op)) shrink_matrix(c->cfg, still_fails, runner.runs());
  // One last run, to be sure of what is printed and to record the implementation's answers.
  if (!runner.still_fails(minimal)) {
    std::cerr << args.path << ": " << first.name
              << " does not fail the same way on the minimal trace when run again: it is not deterministic; "
                 "nothing printed\n";
    return kBadInput;
  }
  record_answers(*impl, args, minimal);
  std::string reference_options;
  if (args.kernel != model::KernelVersion::latest)
    reference_options += " --kernel " + std::string(model::kernel_version_name(args.kernel));
  else if (args.kind == harness::EngineKind::model)
    reference_options += " --engine model";
  char secs[32];
  std::snprintf(secs, sizeof secs, "%.1f", runner.seconds());
  minimal.comments = {
      "# apcb shrink " + impl->options() + reference_options + " " + args.path + ": " + std::to_string(original) +
          " steps -> " + std::to_string(minimal.steps.size()) + " (" + std::to_string(runner.runs()) + " runs of " +
          first.name + ", " + secs + " s)",
      "# It " + describe(target) + (target.op ? ": the last step" : "") +
          ", re-run on this trace. Expectations are its observations on the steps it answered.",
      "# Reproduce: apcb check " + impl->options() + reference_options + " THIS.trace" +
          (target.what.starts_with("diverges") ? " (apcb check THIS.trace shows the same step against the expectations)"
                                               : "")};
  trace::declare_kernel(minimal, args.kernel);  // plain `apcb check` follows the same profile
  std::cerr << "shrink: " << original << " steps -> " << minimal.steps.size() << " in " << runner.runs()
            << " runs (" << secs << " s)\n";
  std::cout << trace::format_trace(minimal);
  if (!args.gtest.empty()) {
    if (auto why = model::write_file_atomically(args.gtest, gtest_source(minimal))) {
      std::cerr << *why << "\n";
      return kBadInput;
    }
  }
  return kFails;
}

}  // namespace

void add_shrink_verb(CLI::App& app, Action& action) {
  auto args = std::make_shared<ShrinkArgs>();
  auto* shrink = app.add_subcommand(
      "shrink",
      "Minimise a trace that diverges (steps, then host configuration IDs); exit 1 with the minimal trace on "
      "stdout. With --sut PLUGIN or --sut-cmd CMD the implementation is re-run on every candidate and the result "
      "still makes it diverge; without them the trace's recorded expectations stand in for the implementation, "
      "which may no longer fail on the result");
  shrink->add_option("TRACE", args->path,
                     "a trace whose expectations the reference does not meet, or, with --sut/--sut-cmd, on which the "
                     "implementation diverges from the reference ('-': standard input)")
      ->required();
  shrink->add_option("--emit-gtest", args->gtest,
                     "also write the minimal trace as a GoogleTest source file (pinning the reference's observations)");
  auto* sut = shrink->add_option(
      "--sut", args->plugin_path,
      "re-run this plugin (apcb_sut.h, isolated as in apcb check --sut) on every candidate: the target is its first "
      "divergence from the reference (or crash, hang, exit, protocol break), and a candidate is kept when it still diverges at its "
      "last step on the same kind of operation with the same parts differing (result, output, events), or has the "
      "same finding at a step of that kind. The output carries the plugin's observations as expectations");
  auto* sut_cmd = shrink->add_option("--sut-cmd", args->command,
                                     "as --sut, for an implementation that is a command (apcb check --sut-cmd; "
                                     "run once per candidate)");
  sut_cmd->type_name("CMD");
  sut->excludes(sut_cmd);
  auto* timeout = shrink->add_option("--step-timeout", args->step_timeout,
                                     "with --sut or --sut-cmd: as apcb check's (default 10)")
                      ->type_name("SECONDS")
                      ->check(CLI::Range(0.001, 86400.0));
  add_engine_option(*shrink, args->kind);
  add_kernel_option(*shrink, args->kernel);
  auto* engine = shrink->get_option("--engine");
  auto* kernel = shrink->get_option("--kernel");
  shrink->callback([&action, args, timeout, engine, kernel, sut_cmd] {
    if (sut_cmd->count() > 0 && args->command.find_first_not_of(" \t\n") == std::string::npos)
      throw CLI::ValidationError("--sut-cmd", "the command is empty");
    // Each needs one of --sut and --sut-cmd: the recorded answers are shrunk on the model.
    for (const CLI::Option* o : {timeout, engine, kernel})
      if (o->count() > 0 && args->plugin_path.empty() && args->command.empty())
        throw CLI::RequiresError(o->get_name(), "--sut or --sut-cmd");
    const bool kernel_given = kernel->count() > 0;
    action = [args, kernel_given] {
      ShrinkArgs run = *args;
      run.kernel_given = kernel_given;
      if (run.kernel != model::KernelVersion::latest) run.kind = harness::EngineKind::model;
      if (run.plugin_path.empty() && run.command.empty()) return run_shrink(run.path, run.gtest);
      return shrink_against_implementation(run);
    };
  });
}

}  // namespace apcb::cli
