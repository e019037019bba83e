#include "sut/implementation.h"

#include <sys/wait.h>

#include <algorithm>
#include <deque>

#include "sut/command.h"

namespace apcb::sut {
namespace {

// Up to kInFlight operations are submitted ahead, so the plugin's process works while this one
// compares (one round trip per step cost more than the step itself); the time limit still
// applies to each step, and a crash is still pinned to its step (answers come in order).
constexpr std::size_t kInFlight = 64;

class PluginImplementation final : public Implementation {
 public:
  PluginImplementation(std::string path, std::chrono::milliseconds limit) : path_(std::move(path)), limit_(limit) {}

  std::optional<Outcome> start(const model::HostParams& params, const model::Matrix& config) override {
    instance_.reset();
    waiting_.clear();
    Outcome why;
    instance_ = IsolatedInstance::start(path_, params, config, limit_, why);
    if (!instance_) return why;
    return std::nullopt;
  }
  void feed(const model::Op& op) override { waiting_.push_back(op); }
  std::size_t lookahead() const override { return kInFlight; }
  Outcome next() override {
    // Submit what was fed, so up to kInFlight operations are in the plugin's hands.
    while (!waiting_.empty()) {
      instance_->submit(waiting_.front());
      waiting_.pop_front();
    }
    return instance_->next();
  }
  std::optional<Outcome> finish() override {
    auto end = instance_->finish();
    instance_.reset();
    return end;
  }
  std::string name() const override { return instance_ ? instance_->name() : path_; }
  std::string options() const override { return "--sut " + shell_quote(path_); }

 private:
  std::string path_;
  std::chrono::milliseconds limit_;
  std::unique_ptr<IsolatedInstance> instance_;
  std::deque<model::Op> waiting_;  // fed, not yet submitted
};

class CommandImplementation final : public Implementation {
 public:
  CommandImplementation(std::string command, std::chrono::milliseconds limit)
      : command_(std::move(command)), limit_(limit) {}

  std::optional<Outcome> start(const model::HostParams& params, const model::Matrix& config) override {
    trace_ = trace::Trace{};
    trace_.params = params;
    trace_.config = config;
    ran_ = false;
    next_ = 0;
    return std::nullopt;
  }
  void feed(const model::Op& op) override { trace_.steps.push_back(trace::TraceStep{op, std::nullopt, 0, {}}); }
  std::size_t lookahead() const override { return static_cast<std::size_t>(-1); }
  Outcome next() override {
    run_once();
    if (run_.failure && run_.failure->kind == Outcome::Kind::load_error) return *run_.failure;
    if (next_ < run_.answers.size()) return run_.answers[next_++];
    if (run_.failure && run_.failure->phase == Outcome::Phase::step) return *run_.failure;
    // Cannot happen: the run answered every step, or its failure is pinned to the first it did not.
    Outcome gone;
    gone.kind = Outcome::Kind::garbled;
    gone.detail = "no answer for this step";
    return gone;
  }
  std::optional<Outcome> finish() override {
    run_once();  // a trace without steps: the command still runs, and may fail
    if (run_.failure && run_.failure->kind == Outcome::Kind::load_error) return run_.failure;
    if (run_.failure && run_.failure->phase == Outcome::Phase::finish) return run_.failure;
    return std::nullopt;
  }
  std::string name() const override { return command_; }
  std::string options() const override { return "--sut-cmd " + shell_quote(command_); }
  std::optional<model::KernelVersion> declared_kernel() const override {
    return ran_ ? run_.declared_kernel : std::nullopt;
  }

 private:
  // Runs the command on the operations fed, the first time an answer is asked for: it reads its
  // whole trace before it answers.
  void run_once() {
    if (ran_) return;
    run_ = run_command(command_, trace_, limit_ * static_cast<long long>(trace_.steps.size() + 1));
    ran_ = true;
  }

  std::string command_;
  std::chrono::milliseconds limit_;
  trace::Trace trace_;  // the host and the operations fed
  bool ran_ = false;
  CommandRun run_;
  std::size_t next_ = 0;
};

bool events_equivalent(const model::Observation& a, const model::Observation& b) {
  return model::equivalent(model::Observation{model::Errno::ok, {}, a.events, a.sees_signals},
                           model::Observation{model::Errno::ok, {}, b.events, b.sees_signals});
}

}  // namespace

std::unique_ptr<Implementation> make_plugin_implementation(const std::string& path,
                                                           std::chrono::milliseconds step_limit) {
  return std::make_unique<PluginImplementation>(path, step_limit);
}

std::unique_ptr<Implementation> make_command_implementation(const std::string& command,
                                                            std::chrono::milliseconds step_limit) {
  return std::make_unique<CommandImplementation>(command, step_limit);
}

std::string shell_quote(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

DifferingParts differing_parts(const model::Observation& a, const model::Observation& b) {
  return DifferingParts{a.result != b.result, a.output != b.output, !events_equivalent(a, b)};
}

std::string finding_word(const Outcome& o) {
  switch (o.kind) {
    case Outcome::Kind::died:
      return WIFSIGNALED(o.status) ? "crashed" : "exited";
    case Outcome::Kind::timed_out:
      return "hung";
    default:
      return "broke the protocol";
  }
}

std::string describe(const DifferingParts& parts) {
  std::string out;
  for (auto [differs, name] : {std::pair{parts.result, "result"}, {parts.output, "output"}, {parts.events, "events"}}) {
    if (!differs) continue;
    if (!out.empty()) out += '+';
    out += name;
  }
  return out.empty() ? "nothing" : out;
}

Comparison compare(Implementation& impl, const model::HostParams& params, const model::Matrix& config,
                   const harness::StepSource& next, harness::EngineKind kind, model::KernelVersion kernel,
                   const std::function<bool(const ComparedStep&)>& on_step, bool follow_declared) {
  Comparison result;
  if (auto why = impl.start(params, config)) {
    result.name = impl.name();
    result.stop = std::move(why);
    return result;
  }
  result.name = impl.name();
  // Made at the first step the implementation answers, when a command's declaration is known.
  std::unique_ptr<harness::Engine> reference;
  // One step behind `reference` (the last step it ran is applied here before the next runs):
  // its state is the state before a divergent step, without a state copy per step.
  std::unique_ptr<harness::Engine> behind;
  const auto make_reference = [&] {
    if (reference) return;
    if (const auto declared = impl.declared_kernel(); follow_declared && declared) {
      kernel = *declared;
      result.followed = declared;
      if (kernel != model::KernelVersion::latest) kind = harness::EngineKind::model;
    }
    reference = harness::make_engine(kind, params, config, kernel);
    behind = harness::make_engine(kind, params, config, kernel);
  };
  std::optional<trace::TraceStep> last_run;
  model::Observation ignored;
  std::deque<trace::TraceStep> ahead;  // read and fed, not yet answered
  bool all_read = false;
  const auto read_ahead = [&] {
    while (!all_read && ahead.size() < impl.lookahead()) {
      trace::TraceStep step;
      if (!next(step)) {
        all_read = true;
        break;
      }
      impl.feed(step.op);
      ahead.push_back(std::move(step));
    }
  };
  std::size_t i = 0;
  for (;; ++i) {
    read_ahead();
    if (ahead.empty()) break;
    const trace::TraceStep& step = ahead.front();
    ComparedStep s;
    s.step = i;
    s.at = &step;
    s.theirs = impl.next();
    make_reference();
    switch (s.theirs.kind) {
      case Outcome::Kind::cannot_comply:
        ++result.skipped;
        if (!on_step(s)) return result;
        ahead.pop_front();
        continue;
      case Outcome::Kind::observed:
      case Outcome::Kind::inexact:
        break;
      default:
        result.stop = std::move(s.theirs);
        result.stop_step = i;
        return result;
    }
    if (last_run) behind->apply(last_run->op, ignored);
    s.reference = reference->apply(step.op);
    ++result.compared;
    // An inexact observation cannot equal the reference's: every observation of the reference
    // has an exact rendering (it is how expectations are written), and the parts a rendering can
    // lose (the result's name, the output's bytes) are the parts `equivalent` compares exactly.
    s.diverges = s.theirs.kind == Outcome::Kind::inexact || !model::equivalent(s.theirs.observation, *s.reference);
    if (s.diverges) {
      s.before = behind->state();
      s.after = reference->state();
    }
    if (!on_step(s)) {
      if (s.diverges) {
        s.at = nullptr;
        result.divergence = std::move(s);
      }
      return result;
    }
    last_run = std::move(ahead.front());
    ahead.pop_front();
  }
  if (auto end = impl.finish()) {
    result.stop = std::move(end);
    result.stop_step = i;
  }
  return result;
}

Comparison compare(Implementation& impl, const trace::Trace& trace, harness::EngineKind kind,
                   model::KernelVersion kernel, const std::function<bool(const ComparedStep&)>& on_step,
                   bool follow_declared) {
  std::size_t i = 0;
  return compare(
      impl, trace.params, trace.config,
      [&](trace::TraceStep& step) {
        if (i == trace.steps.size()) return false;
        step = trace.steps[i++];
        return true;
      },
      kind, kernel, on_step, follow_declared);
}

Comparison first_divergence(Implementation& impl, const trace::Trace& trace, harness::EngineKind kind,
                            model::KernelVersion kernel, bool follow_declared) {
  return compare(impl, trace, kind, kernel, [](const ComparedStep& s) { return !s.diverges; },
                 follow_declared);
}

}  // namespace apcb::sut
