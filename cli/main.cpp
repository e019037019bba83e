// apcb — the command-line tool: run and check traces, and the verification job.
//
// Exit codes, for every verb: 0 the property or conformance holds, 1 a failure or divergence,
// 2 bad input or usage (the message names the file, line and column).
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cli/engine.h"
#include "model/trace.h"

namespace fs = std::filesystem;
using apcb::model::Observation;
using apcb::model::Trace;
using apcb::model::TraceError;

namespace {

constexpr int kHolds = 0;
constexpr int kFails = 1;
constexpr int kBadInput = 2;

// Reads and parses a trace; on failure prints the positioned error and returns nullopt.
std::optional<Trace> load_trace(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::cerr << path << ": cannot open the trace\n";
    return std::nullopt;
  }
  std::stringstream buf;
  buf << in.rdbuf();
  auto parsed = apcb::model::parse_trace(buf.str(), path);
  if (auto* e = std::get_if<TraceError>(&parsed)) {
    std::cerr << e->to_string() << "\n";
    return std::nullopt;
  }
  return std::get<Trace>(std::move(parsed));
}

// The first step whose observation differs from its expectation, if any.
struct Divergence {
  std::size_t step = 0;
  Observation actual;
  apcb::model::State before;
  apcb::model::State after;
};

struct CheckResult {
  std::size_t checked = 0;    // steps with an expectation
  std::size_t unchecked = 0;  // steps without one
  std::optional<Divergence> divergence;
};

CheckResult check_trace(const Trace& trace) {
  CheckResult r;
  auto engine = apcb::cli::make_model_engine(trace.initial_state());
  for (std::size_t i = 0; i < trace.steps.size(); ++i) {
    const auto& step = trace.steps[i];
    apcb::model::State before = step.expected ? engine->state() : apcb::model::State{};
    Observation obs = engine->apply(step.op);
    if (!step.expected) {
      ++r.unchecked;
      continue;
    }
    ++r.checked;
    if (!apcb::model::equivalent(obs, *step.expected)) {
      r.divergence = Divergence{i, std::move(obs), std::move(before), engine->state()};
      return r;
    }
  }
  return r;
}

void print_divergence(const std::string& path, const Trace& trace, const Divergence& d) {
  const auto& step = trace.steps[d.step];
  std::cout << path << ":" << step.line << ": divergence at step " << d.step + 1 << "\n"
            << "  " << apcb::model::format_op(step.op) << "\n"
            << "expected:\n" << apcb::model::format_observation(*step.expected)
            << "actual (reference model):\n" << apcb::model::format_observation(d.actual)
            << "state before the step:\n" << apcb::cli::describe_state(d.before)
            << "state after the step:\n" << apcb::cli::describe_state(d.after);
}

int cmd_run(const std::string& path) {
  auto trace = load_trace(path);
  if (!trace) return kBadInput;
  auto engine = apcb::cli::make_model_engine(trace->initial_state());
  for (auto& step : trace->steps) step.expected = engine->apply(step.op);
  std::cout << apcb::model::format_trace(*trace);
  return kHolds;
}

int cmd_check(const std::string& path) {
  auto trace = load_trace(path);
  if (!trace) return kBadInput;
  CheckResult r = check_trace(*trace);
  if (r.divergence) {
    print_divergence(path, *trace, *r.divergence);
    return kFails;
  }
  std::cout << path << ": conforms (" << r.checked << " steps checked, " << r.unchecked
            << " without expectations)\n";
  return kHolds;
}

struct VerdictRow {
  std::string layer;
  std::string item;
  std::string verdict;  // holds | fails | error
  double seconds = 0;
  std::string detail;
};

int cmd_verify(const std::string& traces_dir, const std::string& json_path) {
  std::vector<VerdictRow> rows;
  std::vector<fs::path> traces;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(traces_dir, ec), end; !ec && it != end; it.increment(ec))
    if (it->path().extension() == ".trace") traces.push_back(it->path());
  if (ec) {
    std::cerr << traces_dir << ": " << ec.message() << "\n";
    return kBadInput;
  }
  std::sort(traces.begin(), traces.end());
  int bad_input = 0;
  for (std::size_t i = 0; i < traces.size(); ++i) {
    const std::string path = traces[i].string();
    std::cerr << "[" << i + 1 << "/" << traces.size() << "] conformance " << path << "\n";
    const auto t0 = std::chrono::steady_clock::now();
    VerdictRow row{"conformance", fs::relative(traces[i], traces_dir).string(), "holds", 0, ""};
    auto trace = load_trace(path);
    if (!trace) {
      row.verdict = "error";
      row.detail = "does not parse";
      ++bad_input;
    } else {
      CheckResult r = check_trace(*trace);
      row.detail = std::to_string(r.checked) + " steps checked";
      if (r.checked == 0) {
        row.verdict = "fails";
        row.detail = "no step has an expectation";
      }
      if (r.divergence) {
        row.verdict = "fails";
        row.detail = "diverges at line " + std::to_string(trace->steps[r.divergence->step].line);
      }
    }
    row.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    rows.push_back(row);
  }
  if (traces.empty()) rows.push_back({"conformance", traces_dir, "fails", 0, "no .trace files found"});

  std::size_t failed = 0;
  std::printf("%-12s %-48s %-7s %8s  %s\n", "layer", "item", "verdict", "seconds", "detail");
  for (const auto& r : rows) {
    std::printf("%-12s %-48s %-7s %8.3f  %s\n", r.layer.c_str(), r.item.c_str(), r.verdict.c_str(),
                r.seconds, r.detail.c_str());
    failed += r.verdict != "holds";
  }
  std::printf("%zu items, %zu hold, %zu fail\n", rows.size(), rows.size() - failed, failed);
  if (!json_path.empty()) {
    nlohmann::json j;
    j["tool"] = "apcb verify";
    j["verdict"] = failed == 0 ? "holds" : "fails";
    for (const auto& r : rows)
      j["items"].push_back({{"layer", r.layer}, {"item", r.item}, {"verdict", r.verdict},
                            {"seconds", r.seconds}, {"detail", r.detail}});
    std::ofstream out(json_path);
    out << j.dump(2) << "\n";
    if (!out) {
      std::cerr << json_path << ": cannot write\n";
      return kBadInput;
    }
  }
  if (bad_input > 0) return kBadInput;
  return failed == 0 ? kHolds : kFails;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"apcb: the formally checked reference of the s390 vfio_ap matrix device.\n"
               "Exit codes: 0 holds, 1 failure or divergence, 2 bad input or usage."};
  app.require_subcommand(1);

  std::string run_path;
  auto* run = app.add_subcommand("run", "Execute a trace on the reference and print it with every "
                                        "observation filled in (the output is a conformance test)");
  run->add_option("TRACE", run_path, "trace file (docs/trace-format.md)")->required();

  std::string check_path;
  auto* check = app.add_subcommand("check", "Compare a trace's expectations with the reference; "
                                            "report the first divergence with a state dump");
  check->add_option("TRACE", check_path, "trace file with expectations")->required();

  std::string traces_dir = APCB_SOURCE_DIR "/tests/traces";
  std::string json_path;
  auto* verify = app.add_subcommand("verify", "The verification job: every conformance trace "
                                              "of the repository; a verdict table, --json for machines");
  verify->add_option("--traces", traces_dir, "folder searched for *.trace")->capture_default_str();
  verify->add_option("--json", json_path, "also write the verdicts as JSON to this file");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : kBadInput;
  }
  if (*run) return cmd_run(run_path);
  if (*check) return cmd_check(check_path);
  if (*verify) return cmd_verify(traces_dir, json_path);
  return kBadInput;
}
