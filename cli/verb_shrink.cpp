// apcb shrink TRACE: minimise a trace that diverges from the reference.
//
// The divergence that counts is the first step whose stated expectation the reference does
// not meet (the target). Shrinking keeps the target and its expectation and drops every other
// expectation, then removes steps before it by delta debugging (ddmin) while the target still
// diverges *the same way* (the reference still observes exactly what it observed in the
// original trace, so a smaller trace cannot slip into a different, trivial divergence such as
// a missing mdev), then shrinks arguments: the IDs of the initial host configuration and of `host
// config` steps, one at a time. The result is printed as a trace; --emit-gtest writes it as a
// GoogleTest that pins the reference's observations on the minimal trace.
#include <fstream>
#include <iostream>
#include <memory>

#include "harness/conformance.h"
#include "harness/engine.h"
#include "cli/verb.h"
#include "model/output_file.h"

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

// ddmin over the steps before the target: the classic complement-first reduction.
std::vector<trace::TraceStep> ddmin(const trace::Trace& base, std::vector<trace::TraceStep> steps,
                                    const trace::TraceStep& target, const model::Observation& actual,
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
      if (diverges_at_end(with_steps(base, complement, target), actual)) {
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

// Removes single IDs from a mask while `still_fails` holds.
void shrink_mask(model::Mask& mask, const std::function<bool()>& still_fails, int& runs) {
  for (int id : mask.ids()) {
    mask.clear(static_cast<model::ApId>(id));
    ++runs;
    if (!still_fails()) mask.set(static_cast<model::ApId>(id));
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
  harness::CheckResult r = harness::check_trace(*trace, harness::EngineKind::model);
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
  prefix = ddmin(base, prefix, target, actual, runs);

  trace::Trace minimal = with_steps(base, prefix, target);
  const auto still_fails = [&] { return diverges_at_end(minimal, actual); };
  shrink_matrix(minimal.config, still_fails, runs);
  for (auto& step : minimal.steps)
    if (auto* c = std::get_if<model::op::ConfigChange>(&step.op)) shrink_matrix(c->cfg, still_fails, runs);
  for (auto& step : minimal.steps) step.comments.clear();
  minimal.comments = {"# apcb shrink " + path + ": " + std::to_string(original) + " steps -> " +
                      std::to_string(minimal.steps.size()) + " (" + std::to_string(runs) + " runs)",
                      "# The last step's expectation is the one the reference does not meet."};
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

}  // namespace

void add_shrink_verb(CLI::App& app, Action& action) {
  auto path = std::make_shared<std::string>();
  auto gtest = std::make_shared<std::string>();
  auto* shrink = app.add_subcommand("shrink", "Minimise a trace that diverges from the reference "
                                              "(steps, then host configuration IDs); exit 1 with the "
                                              "minimal trace on stdout");
  shrink->add_option("TRACE", *path, "a trace whose expectations the reference does not meet ('-': standard input)")->required();
  shrink->add_option("--emit-gtest", *gtest, "also write the minimal trace as a GoogleTest source file");
  shrink->callback([&action, path, gtest] { action = [path, gtest] { return run_shrink(*path, *gtest); }; });
}

}  // namespace apcb::cli
