// apcb verify: the main job. Every verification layer that exists, one verdict table, --json.
// Progress goes to stderr, the table to stdout.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli/conformance.h"
#include "cli/verb.h"

namespace fs = std::filesystem;

namespace apcb::cli {
namespace {

struct VerdictRow {
  std::string layer;
  std::string item;
  std::string verdict;  // holds | fails | error
  double seconds = 0;
  std::string detail;
};

int run_verify(const std::string& traces_dir, const std::string& json_path) {
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
  // Every trace runs on both the reference implementation and the model: they must agree
  // with the recorded expectations, and so with each other.
  for (std::size_t i = 0; i < traces.size(); ++i) {
    const std::string path = traces[i].string();
    auto trace = load_trace(path);
    for (EngineKind kind : {EngineKind::impl, EngineKind::model}) {
      const std::string layer = kind == EngineKind::impl ? "conformance" : "conformance/model";
      std::cerr << "[" << i + 1 << "/" << traces.size() << "] " << layer << " " << path << "\n";
      const auto t0 = std::chrono::steady_clock::now();
      VerdictRow row{layer, fs::relative(traces[i], traces_dir).string(), "holds", 0, ""};
      if (!trace) {
        row.verdict = "error";
        row.detail = "does not parse";
        ++bad_input;
      } else {
        CheckResult r = check_trace(*trace, kind);
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

void add_verify_verb(CLI::App& app, Action& action) {
  auto traces_dir = std::make_shared<std::string>(APCB_SOURCE_DIR "/tests/traces");
  auto json_path = std::make_shared<std::string>();
  auto* verify = app.add_subcommand("verify", "The verification job: every conformance trace "
                                              "of the repository; a verdict table, --json for machines");
  verify->add_option("--traces", *traces_dir, "folder searched for *.trace")->capture_default_str();
  verify->add_option("--json", *json_path, "also write the verdicts as JSON to this file");
  verify->callback([&action, traces_dir, json_path] {
    action = [traces_dir, json_path] { return run_verify(*traces_dir, *json_path); };
  });
}

}  // namespace apcb::cli
