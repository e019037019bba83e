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

  std::optional<Outcome> start(const trace::Trace& trace) override {
    instance_.reset();
    ops_.clear();
    for (const auto& step : trace.steps) ops_.push_back(step.op);
    submitted_ = answered_ = 0;
    Outcome why;
    instance_ = IsolatedInstance::start(path_, trace.params, trace.config, limit_, why);
    if (!instance_) return why;
    return std::nullopt;
  }
  Outcome next() override {
    while (submitted_ < ops_.size() && submitted_ < answered_ + kInFlight) instance_->submit(ops_[submitted_++]);
    ++answered_;
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
  std::vector<model::Op> ops_;
  std::size_t submitted_ = 0;
  std::size_t answered_ = 0;
};

class CommandImplementation final : public Implementation {
 public:
  CommandImplementation(std::string command, std::chrono::milliseconds limit)
      : command_(std::move(command)), limit_(limit) {}

  std::optional<Outcome> start(const trace::Trace& trace) override {
    const auto total = limit_ * static_cast<long long>(trace.steps.size() + 1);
    run_ = run_command(command_, trace, total);
    next_ = 0;
    if (run_.failure && run_.failure->kind == Outcome::Kind::load_error) return run_.failure;
    return std::nullopt;
  }
  Outcome next() override {
    if (next_ < run_.answers.size()) return run_.answers[next_++];
    if (run_.failure && run_.failure->phase == Outcome::Phase::step) return *run_.failure;
    // Cannot happen: the run answered every step, or its failure is pinned to the first it did not.
    Outcome gone;
    gone.kind = Outcome::Kind::garbled;
    gone.detail = "no answer for this step";
    return gone;
  }
  std::optional<Outcome> finish() override {
    if (run_.failure && run_.failure->phase == Outcome::Phase::finish) return run_.failure;
    return std::nullopt;
  }
  std::string name() const override { return command_; }
  std::string options() const override { return "--sut-cmd " + shell_quote(command_); }

 private:
  std::string command_;
  std::chrono::milliseconds limit_;
  CommandRun run_;
  std::size_t next_ = 0;
};

bool events_equivalent(const model::Observation& a, const model::Observation& b) {
  return model::equivalent(model::Observation{model::Errno::ok, {}, a.events},
                           model::Observation{model::Errno::ok, {}, b.events});
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

Comparison compare(Implementation& impl, const trace::Trace& trace, harness::EngineKind kind,
                   model::KernelVersion kernel, const std::function<bool(const ComparedStep&)>& on_step) {
  Comparison result;
  if (auto why = impl.start(trace)) {
    result.name = impl.name();
    result.stop = std::move(why);
    return result;
  }
  result.name = impl.name();
  auto reference = harness::make_engine(kind, trace.params, trace.config, kernel);
  for (std::size_t i = 0; i < trace.steps.size(); ++i) {
    ComparedStep s;
    s.step = i;
    s.theirs = impl.next();
    switch (s.theirs.kind) {
      case Outcome::Kind::cannot_comply:
        ++result.skipped;
        if (!on_step(s)) return result;
        continue;
      case Outcome::Kind::observed:
      case Outcome::Kind::inexact:
        break;
      default:
        result.stop = std::move(s.theirs);
        result.stop_step = i;
        return result;
    }
    s.before = reference->state();
    s.reference = reference->apply(trace.steps[i].op);
    s.after = reference->state();
    ++result.compared;
    // An inexact observation cannot equal the reference's: every observation of the reference
    // has an exact rendering (it is how expectations are written), and the parts a rendering can
    // lose (the result's name, the output's bytes) are the parts `equivalent` compares exactly.
    s.diverges = s.theirs.kind == Outcome::Kind::inexact || !model::equivalent(s.theirs.observation, *s.reference);
    if (!on_step(s)) {
      if (s.diverges) result.divergence = std::move(s);
      return result;
    }
  }
  if (auto end = impl.finish()) {
    result.stop = std::move(end);
    result.stop_step = trace.steps.size();
  }
  return result;
}

Comparison first_divergence(Implementation& impl, const trace::Trace& trace, harness::EngineKind kind,
                            model::KernelVersion kernel) {
  return compare(impl, trace, kind, kernel, [](const ComparedStep& s) { return !s.diverges; });
}

}  // namespace apcb::sut
