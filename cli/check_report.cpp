#include "cli/check_report.h"

#include <ostream>

#include "harness/conformance.h"
#include "harness/engine.h"
#include "trace/load.h"
#include "trace/trace.h"

namespace apcb::cli {

CheckReport::CheckReport(std::ostream& out, Options options) : out_(out), options_(std::move(options)) {}

bool CheckReport::divergence(std::size_t step, int line, const model::Op& op, const ImplementationAnswer& implementation,
                             const model::Observation& reference, const model::State& before,
                             const model::State& after) {
  const std::string op_class = model::operation_class(op);
  const std::string cause = implementation.inexact_rendering.empty()
                                ? model::divergence_cause(implementation.observation, reference)
                                : "not expressible in the trace format";
  const std::string theirs = implementation.inexact_rendering.empty()
                                 ? trace::format_observation(implementation.observation)
                                 : implementation.inexact_rendering;
  const std::string ours = trace::format_observation(reference);
  const readers::AllowEntry* allowed =
      options_.allow != nullptr ? options_.allow->first_match(op_class, cause, theirs, ours) : nullptr;
  ClassTally& tally = classes_[{op_class, cause, allowed != nullptr ? allowed->id : std::string()}];
  const bool first_of_class = tally.steps++ == 0;
  if (first_of_class) {
    tally.first_step = step;
    tally.first_line = line;
    tally.allowed_by = allowed;
  }
  const std::string where = options_.path + ":" + std::to_string(line) + ": ";
  const std::string at = "step " + std::to_string(step + 1);
  if (allowed != nullptr) {
    ++allowed_;
    // Allowed: one line, every time (it is what the user asked to pass, so it stays visible).
    out_ << where << "allowed divergence at " << at << ": " << op_class << " / " << cause << " (" << allowed->id
         << ", " << options_.allow->file << ":" << allowed->line << ": " << allowed->reason << ")\n";
    return true;
  }
  ++not_allowed_;
  if (!first_of_class) return true;  // only under --all: a class is reported in full once
  out_ << where << (options_.implementation.empty() ? "divergence at " : options_.implementation + " diverges at ")
       << at << "\n  " << trace::format_op(op) << "\n";
  if (options_.allow != nullptr || options_.all) out_ << "class: " << op_class << " / " << cause << "\n";
  out_ << "implementation:\n";
  if (!implementation.inexact_rendering.empty())
    out_ << "(not expressible in the trace format: " << implementation.inexact_detail << ")\n";
  out_ << theirs << "reference" << (options_.reference.empty() ? "" : " (" + options_.reference + ")") << ":\n"
       << ours << "reference state before the step:\n"
       << harness::describe_state(before) << "reference state after the step:\n"
       << harness::describe_state(after);
  if (!options_.all) {
    stopped_ = true;
    return false;
  }
  return true;
}

void CheckReport::print_classes() {
  if (classes_.empty()) return;
  out_ << "divergence classes (steps, class, first at, verdict):\n";
  for (const auto& [key, tally] : classes_) {
    out_ << "  " << tally.steps << "  " << std::get<0>(key) << " / " << std::get<1>(key) << "  step "
         << tally.first_step + 1 << " (line " << tally.first_line << ")  ";
    if (tally.allowed_by != nullptr)
      out_ << "allowed: " << tally.allowed_by->id << "\n";
    else
      out_ << (stopped_ ? "not allowed (checking stopped here)" : "not allowed") << "\n";
  }
}

int CheckReport::finish(const std::string& counts) {
  if (stopped_ && options_.allow == nullptr && !options_.all) {
    out_ << counts << ", up to and including this one\n";
    return 1;
  }
  print_classes();
  const std::string subject =
      options_.path + ": " + (options_.implementation.empty() ? "" : options_.implementation + " ");
  const std::string in_brackets = "(" + counts + (stopped_ ? ", up to and including the divergent step" : "") + ")";
  std::size_t allowed_classes = 0, other_classes = 0;
  for (const auto& [key, tally] : classes_) ++(tally.allowed_by != nullptr ? allowed_classes : other_classes);
  const auto steps = [](std::size_t n) { return std::to_string(n) + (n == 1 ? " step" : " steps"); };
  const auto classes = [](std::size_t n) { return std::to_string(n) + (n == 1 ? " class" : " classes"); };
  if (not_allowed_ == 0 && allowed_ == 0) {
    out_ << subject << "conforms " << in_brackets << "\n";
    return 0;
  }
  if (not_allowed_ == 0) {
    out_ << subject << "conforms up to allowed differences: " << steps(allowed_) << " in " << classes(allowed_classes)
         << " allowed " << in_brackets << "\n";
    return 0;
  }
  out_ << subject << "diverges: " << steps(not_allowed_) << " in " << classes(other_classes) << " not allowed";
  if (allowed_ > 0) out_ << ", " << steps(allowed_) << " in " << classes(allowed_classes) << " allowed";
  out_ << " " << in_brackets << "\n";
  return 1;
}

harness::CheckResult check_expectations(trace::TraceReader& reader, const std::string& path,
                                        harness::EngineKind engine, model::KernelVersion kernel,
                                        CheckReport& report) {
  harness::StateBefore again;
  if (path != "-")
    again = [&](std::size_t step) {
      auto input = apcb::trace::open_trace(path);
      auto before = harness::make_engine(engine, reader.params(), reader.config(), kernel);
      trace::TraceStep s;
      model::Observation ignored;
      for (std::size_t i = 0; input && i < step && input->reader.next(s); ++i) before->apply(s.op, ignored);
      return before->state();
    };
  return harness::check_steps(
      reader.params(), reader.config(), [&](trace::TraceStep& step) { return reader.next(step); }, engine, kernel,
      [&](const harness::Divergence& d) {
        return report.divergence(d.step, d.at->line, d.at->op, {*d.at->expected, "", ""}, d.actual, d.before, d.after);
      },
      again);
}

}  // namespace apcb::cli
