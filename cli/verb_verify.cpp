// apcb verify: the main job. Four layers, one verdict table, --json:
//   proofs       every proof obligation at full width, on an APXA and a non-APXA host
//   property     random operation sequences, the reference implementation against the model
//                step by step, with the structural invariants, P6 and P8 after every step
//   fuzz         every harness over its committed corpus; in a libFuzzer build also a short
//                fuzzing run from it (the smoke run)
//   conformance  every trace of the repository on the implementation and on the model
// Then the assurance records (cli/assurance.h) of the long tests that ctest runs and this job
// does not: the RapidCheck stateful test (layer property/stateful) and the exhaustive scope
// (layer exhaustive), read from <build>/assurance, or <prefix>/share/apcb/assurance when the
// tool is installed (--assurance-dir; cli/data_paths.h). A record that is absent
// or older than its test executable is listed as missing/stale: not a failure of this run,
// but a check missing from it, so below a ledger floor that has it.
// --kernel V (docs/kernel-versions.md) verifies an older kernel's profile instead: the proofs
// follow V (a property V breaks fails, with its counterexample), the property layer runs the
// model following V (impl/ implements latest only), the conformance layer checks the traces
// that declare V (`# kernel: V`; the others are listed as skipped), and the records and the
// ledger, which are of latest, are not read.
// A layer is only ever left out on request (--skip), and the table says so. The table's
// "wall seconds per layer" line and --json's "layers" give each layer's wall time (README
// "apcb verify --json"). Progress goes to
// stderr, the table to stdout. Every input folder defaults to where cli/data_paths.h finds the
// tool's data (the checkout and build in a build tree, the prefix when installed); a folder a
// layer needs that does not exist is bad input (exit 2), named with the option that sets it.
#include <nlohmann/json.hpp>

#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "cli/assurance.h"
#include "cli/data_paths.h"
#include "harness/conformance.h"
#include "cli/verb.h"
#include "model/output_file.h"
#include "proofs/proofs.h"
#include "readers/ledger.h"

namespace fs = std::filesystem;

namespace apcb::cli {
namespace {

const std::vector<std::string> kLayers{"proofs", "property", "fuzz", "conformance"};

struct VerifyArgs {
  // The defaults: where this executable's data is (cli/data_paths.h), never the checkout it
  // was compiled from.
  std::string traces_dir = data_paths().traces;
  std::string corpus_dir = data_paths().corpus;
  std::string fuzz_bin_dir = data_paths().fuzz_bin;
  std::string assurance_dir = data_paths().assurance;
  std::string out_dir = "apcb-verify";
  std::string json_path;
  std::string ledger_path;        // the committed floor to compare with
  std::string write_ledger_path;  // where to write this run as a new floor
  std::vector<std::string> skip;
  int proof_width = 256;
  int jobs = 2;
  int sequences = 300;
  int ops = 100;
  int fuzz_seconds = 10;
  // --kernel: the profile verified (docs/kernel-versions.md). Other than latest: the proofs
  // follow it, the property layer runs the model following it (impl/ is latest only), and the
  // conformance layer checks the traces that declare it (`# kernel: V`).
  model::KernelVersion kernel = model::KernelVersion::latest;
};

struct VerdictRow {
  VerdictRow(std::string layer_, std::string item_, std::string verdict_, double seconds_,
             std::string detail_)
      : layer(std::move(layer_)),
        item(std::move(item_)),
        verdict(std::move(verdict_)),
        seconds(seconds_),
        detail(std::move(detail_)) {}
  std::string layer;
  std::string item;
  std::string verdict;  // holds | fails | error | skipped | missing | stale (the last two:
                        // an assurance record absent, or older than its test executable)
  double seconds = 0;
  std::string detail;
  // What the item checked, for the assurance ledger: the property (SPEC §3 names), and how
  // much: mask width, bound (operations per sequence, steps), seeds (sequences, corpus
  // inputs), time budget in seconds. 0 where it does not apply.
  std::string property;
  int width = 0;
  long bound = 0;
  long seeds = 0;
  double budget = 0;
  // Figures an assurance record measured that are not floors (they vary with the seed, or
  // follow from the bounds): in --json only.
  nlohmann::json measured;
};

// The SPEC §3 properties an obligation proves.
std::string property_of_obligation(const std::string& name) {
  auto starts = [&](const char* p) { return name.rfind(p, 0) == 0; };
  if (starts("init") || starts("safety") || starts("inductive."))
    return "P1-P4,P7,P8 (inductive invariant)";
  if (starts("p5.")) return "P5";
  if (starts("p6.")) return "P6";
  if (starts("p8.")) return "P8";
  if (starts("p9.")) return "P9";
  if (starts("nonvacuity.")) return "non-vacuity";
  return "proofs have teeth (F1, F2, mutants)";
}

double since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// The wall time one layer of the job took (the assurance records count as layer "records").
struct LayerTime {
  std::string layer;
  bool skipped = false;
  double seconds = 0;
};

// The table's line of wall time per layer, and the total (which also counts what runs
// between the layers).
// Example: format_layer_times({{"proofs", false, 30.04}, {"fuzz", true, 0}}, 30.1) ==
//          "wall seconds per layer: proofs 30.04, fuzz skipped; total 30.10"
std::string format_layer_times(const std::vector<LayerTime>& times, double total) {
  std::string out = "wall seconds per layer:";
  char buf[64];
  for (std::size_t i = 0; i < times.size(); ++i) {
    if (times[i].skipped)
      std::snprintf(buf, sizeof buf, "%s %s skipped", i == 0 ? "" : ",", times[i].layer.c_str());
    else
      std::snprintf(buf, sizeof buf, "%s %s %.2f", i == 0 ? "" : ",", times[i].layer.c_str(),
                    times[i].seconds);
    out += buf;
  }
  std::snprintf(buf, sizeof buf, "; total %.2f", total);
  return out + buf;
}

// --- proofs -------------------------------------------------------------------------------

void verify_proofs(const VerifyArgs& args, std::vector<VerdictRow>& rows) {
  for (const bool apxa : {true, false}) {
    if (!apxa && args.proof_width < 64) continue;  // a non-APXA host has adapters up to 63
    proofs::Options options;
    options.width = args.proof_width;
    options.apxa = apxa;
    options.cex_dir = args.out_dir + "/counterexamples";
    options.kernel = args.kernel;
    const std::string host = apxa ? "APXA" : "non-APXA";
    std::cerr << "verify: proofs at width " << options.width << ", " << host << " host\n";
    for (const proofs::Result& r : proofs::run_obligations({}, options, args.jobs, &std::cerr)) {
      VerdictRow row{"proofs", r.name + (apxa ? "" : " (non-APXA)"),
                     r.verdict == proofs::Verdict::holds ? "holds" : "fails", r.seconds,
                     std::string(proofs::verdict_name(r.verdict)) + ": " + r.detail};
      row.property = property_of_obligation(r.name);
      row.width = options.width;  // no budget: a longer query timeout would check nothing more
      rows.push_back(row);
    }
  }
}

// --- property -----------------------------------------------------------------------------

void verify_property(const VerifyArgs& args, std::vector<VerdictRow>& rows) {
  const auto t0 = std::chrono::steady_clock::now();
  const bool latest = args.kernel == model::KernelVersion::latest;
  const std::string kernel = std::string(model::kernel_version_name(args.kernel));
  VerdictRow row{"property",
                 latest ? "random sequences, impl against the model"
                        : "random sequences on the model following kernel " + kernel + " (impl/ is latest only)",
                 "holds", 0, ""};
  row.property = latest ? "P1-P4,P6-P8 and impl = model" : "P1-P4,P6-P8 (kernel " + kernel + ")";
  harness::GeneratorKnobs knobs = harness::GeneratorKnobs::defaults();
  knobs.kernel = args.kernel;
  row.width = 256;
  row.bound = args.ops;
  row.seeds = args.sequences;
  std::size_t steps = 0;
  for (int seed = 1; seed <= args.sequences && row.verdict == "holds"; ++seed) {
    if (seed % 50 == 0)
      std::cerr << "verify: property " << seed << "/" << args.sequences << " sequences\n";
    std::string violation;
    const trace::Trace trace =
        harness::generate_trace(static_cast<std::uint64_t>(seed), args.ops, true, &violation,
                                latest ? harness::GeneratorKnobs::defaults() : knobs);
    // Against the implementation when it can follow the kernel (latest). Under an older profile
    // the expectations are the model's own, so replaying them on the model could not fail: the
    // invariants checked while generating are the whole check.
    harness::CheckResult r;
    if (latest) r = harness::check_trace(trace, harness::EngineKind::impl);
    steps += latest ? r.checked : trace.steps.size();
    if (!violation.empty() || r.divergence) {
      const std::string path = args.out_dir + "/property-seed-" + std::to_string(seed) + ".trace";
      const std::optional<std::string> unwritten = model::write_file_atomically(path, trace::format_trace(trace));
      row.verdict = "fails";
      row.detail = (violation.empty() ? "the implementation diverges at step " +
                                            std::to_string(r.divergence->step + 1)
                                      : "the model breaks an invariant at " + violation) +
                   (unwritten ? "; " + *unwritten : "; trace: " + path);
    }
  }
  if (row.verdict == "holds")
    row.detail = std::to_string(args.sequences) + " sequences × " + std::to_string(args.ops) +
                 " operations, " + std::to_string(steps) + (latest ? " steps agree" : " steps") + ", invariants hold";
  row.seconds = since(t0);
  rows.push_back(row);
}

// --- fuzz ---------------------------------------------------------------------------------

// `s` as one shell word: single-quoted, a ' inside written '\''. Paths come from the prefix
// or the options and may hold anything.
// Example: sh_quote("it's") == "'it'\\''s'"
std::string sh_quote(const std::string& s) {
  std::string out = "'";
  for (const char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// Runs `command` through the shell with its output into `log`; the exit status, or -1.
int run_logged(const std::string& command, const std::string& log) {
  const int status = std::system((command + " >" + sh_quote(log) + " 2>&1").c_str());
  if (status == -1 || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

void verify_fuzz(const VerifyArgs& args, std::vector<VerdictRow>& rows) {
  std::vector<fs::path> corpora;
  std::error_code ec;
  for (fs::directory_iterator it(args.corpus_dir, ec), end; !ec && it != end; it.increment(ec))
    if (std::error_code kind_ec; it->is_directory(kind_ec)) corpora.push_back(it->path());
  std::sort(corpora.begin(), corpora.end());
  if (corpora.empty()) {
    rows.push_back({"fuzz", args.corpus_dir, "fails", 0, "no corpus folders found"});
    return;
  }
  const fs::path logs = fs::path(args.out_dir) / "fuzz";
  fs::create_directories(logs, ec);
  if (ec) {
    rows.push_back({"fuzz", logs.string(), "error", 0, "cannot create the log folder: " + ec.message()});
    return;
  }
  for (const fs::path& corpus : corpora) {
    const std::string harness = corpus.filename().string();
    const fs::path bin = fs::path(args.fuzz_bin_dir) / harness;
    const auto t0 = std::chrono::steady_clock::now();
    VerdictRow row{"fuzz", harness, "holds", 0, ""};
    row.property = "robustness and oracle agreement";
    if (std::error_code bin_ec; !fs::exists(bin, bin_ec)) {
      row.verdict = "fails";
      row.detail = "harness not built at " + bin.string() + " (--fuzz-bin DIR, or --skip fuzz)";
      rows.push_back(row);
      continue;
    }
    std::size_t inputs = 0;
    for (fs::recursive_directory_iterator it(corpus, ec), end; !ec && it != end; it.increment(ec))
      inputs += [&] { std::error_code kind_ec; return it->is_regular_file(kind_ec); }();
    // Harnesses that drive a plugin find it through APCB_SUT_PLUGIN: the reference
    // implementation's plugin, in the build tree or the install (cli/data_paths.h).
    const std::string env =
        "APCB_SUT_PLUGIN=" + sh_quote((fs::path(data_paths().plugin_dir) / "apcb_impl_sut.so").string()) + " ";
    std::cerr << "verify: fuzz " << harness << " (" << inputs << " corpus inputs)\n";
    const std::string log = (logs / (harness + ".log")).string();
#ifdef APCB_FUZZ_BUILD
    // A copy of the corpus grows during the smoke run; the committed corpus is left alone.
    const fs::path scratch = logs / (harness + ".corpus");
    fs::remove_all(scratch, ec);
    fs::create_directories(scratch, ec);
    const std::string dict = (fs::path(data_paths().dictionaries) / (harness + ".dict")).string();
    const std::string command =
        env + sh_quote(bin.string()) + " -max_total_time=" + std::to_string(args.fuzz_seconds) +
        " -artifact_prefix=" + sh_quote((logs / (harness + "-")).string()) +
        (fs::exists(dict) ? " -dict=" + sh_quote(dict) : std::string()) + " " +
        sh_quote(scratch.string()) + " " + sh_quote(corpus.string());
    const char* what = "corpus replayed and fuzzed for ";
#else
    const std::string command = env + sh_quote(bin.string()) + " " + sh_quote(corpus.string());
    const char* what = "corpus replayed (not a libFuzzer build: no smoke run)";
#endif
    row.seeds = static_cast<long>(inputs);
#ifdef APCB_FUZZ_BUILD
    row.budget = args.fuzz_seconds;
#endif
    const int status = run_logged(command, log);
    row.seconds = since(t0);
    if (status != 0) {
      row.verdict = "fails";
      row.detail = "exit " + std::to_string(status) + "; log: " + log;
    } else {
      row.detail = std::to_string(inputs) + " inputs; " + what;
#ifdef APCB_FUZZ_BUILD
      row.detail += std::to_string(args.fuzz_seconds) + " s";
#endif
    }
    rows.push_back(row);
  }
}

// --- conformance --------------------------------------------------------------------------

// Every trace runs on both the reference implementation and the model: they must agree with
// the recorded expectations, and so with each other. False when a trace does not parse.
bool verify_conformance(const VerifyArgs& args, std::vector<VerdictRow>& rows) {
  std::vector<fs::path> traces;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(args.traces_dir, ec), end; !ec && it != end;
       it.increment(ec))
    if (it->path().extension() == ".trace") traces.push_back(it->path());
  if (ec) {
    rows.push_back({"conformance", args.traces_dir, "error", 0, ec.message()});
    return false;
  }
  std::sort(traces.begin(), traces.end());
  bool parsed = true;
  for (std::size_t i = 0; i < traces.size(); ++i) {
    const std::string path = traces[i].string();
    auto trace = apcb::trace::load_trace(path);
    // A trace records one profile (`# kernel: V`, latest when it says none): checked under it.
    if (trace && trace->kernel.value_or(model::KernelVersion::latest) != args.kernel) {
      std::error_code rel_ec;
      const std::string recorded(model::kernel_version_name(trace->kernel.value_or(model::KernelVersion::latest)));
      rows.push_back({"conformance", fs::relative(traces[i], args.traces_dir, rel_ec).string(), "skipped", 0,
                      "records kernel " + recorded + ": apcb verify --kernel " + recorded + " checks it"});
      continue;
    }
    for (harness::EngineKind kind : {harness::EngineKind::impl, harness::EngineKind::model}) {
      // impl/ follows latest only; an older profile's trace is checked on the model.
      if (kind == harness::EngineKind::impl && args.kernel != model::KernelVersion::latest) continue;
      const std::string layer = kind == harness::EngineKind::impl ? "conformance" : "conformance/model";
      std::cerr << "verify: [" << i + 1 << "/" << traces.size() << "] " << layer << " " << path
                << "\n";
      const auto t0 = std::chrono::steady_clock::now();
      std::error_code rel_ec;
      VerdictRow row{layer, fs::relative(traces[i], args.traces_dir, rel_ec).string(), "holds", 0, ""};
      if (!trace) {
        row.verdict = "error";
        row.detail = "does not parse";
        parsed = false;
      } else {
        harness::CheckResult r = harness::check_trace(*trace, kind, args.kernel);
        row.detail = std::to_string(r.checked) + " steps checked";
        row.property = "conformance (recorded observations)";
        row.bound = static_cast<long>(r.checked);
        if (r.checked == 0) {
          row.verdict = "fails";
          row.detail = "no step has an expectation";
        }
        if (r.divergence) {
          row.verdict = "fails";
          row.detail = "diverges at line " + std::to_string(trace->steps[r.divergence->step].line);
        }
      }
      row.seconds = since(t0);
      rows.push_back(row);
    }
  }
  if (traces.empty())
    rows.push_back({"conformance", args.traces_dir, "fails", 0, "no .trace files found"});
  return parsed;
}

// --- assurance records of the long ctests ---------------------------------------------------

// One row per recorded test (cli/assurance.h): its record's check when the record is there,
// well formed and newer than the executable that wrote it; else a missing/stale/error row that
// says which ctest to run.
void verify_records(const VerifyArgs& args, std::vector<VerdictRow>& rows) {
  for (const assurance::RecordedTest& t : assurance::kRecordedTests) {
    const fs::path path = fs::path(args.assurance_dir) / t.file;
    const std::string rerun = data_paths().ctest_hint(t.ctest);
    std::error_code ec;
    if (!fs::exists(path, ec)) {
      rows.push_back({t.layer, "(no record)", "missing", 0, "no " + path.string() + ": " + rerun});
      continue;
    }
    std::ifstream in(path);
    VerdictRow row{t.layer, "(no record)", "holds", 0, ""};
    std::string exe, ctest = t.ctest;
    try {
      if (!in) throw std::runtime_error("cannot open");
      const nlohmann::json rec = nlohmann::json::parse(in);
      if (!rec.is_object()) throw std::runtime_error("not a JSON object");
      if (rec.value("layer", std::string()) != t.layer)
        throw std::runtime_error(std::string("\"layer\" is not \"") + t.layer + "\"");
      if (!rec.contains("item") || !rec["item"].is_string() || rec["item"].get<std::string>().empty())
        throw std::runtime_error("no string \"item\"");
      for (const char* field : {"width", "bound", "seeds", "budget"})
        if (!rec.contains(field) || !rec[field].is_number() || rec[field].get<double>() < 0)
          throw std::runtime_error(std::string("\"") + field + "\" is not a number >= 0");
      row.item = rec["item"].get<std::string>();
      row.property = rec.value("property", std::string());
      row.width = rec["width"].get<int>();
      row.bound = rec["bound"].get<long>();
      row.seeds = rec["seeds"].get<long>();
      row.budget = rec["budget"].get<double>();
      if (rec.contains("measured")) row.measured = rec["measured"];
      exe = rec.value("executable", std::string());
      ctest = rec.value("ctest", ctest);
    } catch (const std::exception& e) {
      rows.push_back({t.layer, "(no record)", "error", 0,
                      path.string() + ": not an assurance record: " + e.what() + "; " + rerun});
      continue;
    }
    // A record older than its test executable was written by a test binary that has been
    // rebuilt since: it says nothing about the code now built.
    std::error_code exe_ec, rec_ec;
    const auto exe_time = exe.empty() ? fs::file_time_type::min() : fs::last_write_time(exe, exe_ec);
    const auto rec_time = fs::last_write_time(path, rec_ec);
    if (!exe.empty() && !exe_ec && !rec_ec && exe_time > rec_time) {
      row.verdict = "stale";
      row.detail = path.string() + " is older than " + exe + ": " + rerun;
      rows.push_back(row);
      continue;
    }
    row.detail = "recorded by ctest " + ctest + ": width " + std::to_string(row.width) +
                 ", bound " + std::to_string(row.bound) + ", seeds " + std::to_string(row.seeds);
    if (row.measured.is_object() && !row.measured.empty()) row.detail += "; " + row.measured.dump();
    rows.push_back(row);
  }
}

// --- the assurance ledger -------------------------------------------------------------------

// The score of the mutation results file at `path` (scripts/mutate's last recorded run, too
// slow to measure on every run: data_paths().mutation_results), or nothing when it is absent
// or unreadable.
std::optional<double> recorded_mutation_score(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  try {
    return nlohmann::json::parse(in).at("score").get<double>();
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

nlohmann::json ledger_check(const VerdictRow& r) {
  return {{"layer", r.layer}, {"item", r.item},     {"property", r.property},
          {"width", r.width}, {"bound", r.bound},   {"seeds", r.seeds},
          {"budget", r.budget}};
}

// This run as a floor: every check that holds, with how much it checked.
nlohmann::json make_ledger(const std::vector<VerdictRow>& rows) {
  nlohmann::json j;
  j["about"] =
      "apcb's assurance floor: what `apcb verify` must still check, at least this much. "
      "Written by `apcb verify --write-ledger`; checked by `apcb verify --ledger` in CI. "
      "Lowering it is allowed only in the same commit that explains why in `reasons`.";
  j["z3_version"] = proofs::z3_version();
  // The last recorded mutation run's score (scripts/mutate), or null when there is none.
  const std::optional<double> score = recorded_mutation_score(data_paths().mutation_results);
  j["mutation_score"] = score ? nlohmann::json(*score) : nlohmann::json(nullptr);
  j["reasons"] = nlohmann::json::array();
  j["checks"] = nlohmann::json::array();
  for (const VerdictRow& r : rows)
    if (r.verdict == "holds") j["checks"].push_back(ledger_check(r));
  return j;
}

// Compares this run with the floor: every check of the floor must be in the run, hold, and
// check at least as much; the recorded mutation score must reach the floor's. Returns the
// shortfalls, one line each.
std::vector<std::string> below_floor(const nlohmann::json& floor,
                                     const std::vector<VerdictRow>& rows,
                                     const std::string& mutation_results_path) {
  std::vector<std::string> out;
  for (const nlohmann::json& c : floor.at("checks")) {
    const std::string layer = c.at("layer").get<std::string>();
    const std::string item = c.at("item").get<std::string>();
    const auto it = std::find_if(rows.begin(), rows.end(), [&](const VerdictRow& r) {
      return r.layer == layer && r.item == item;
    });
    const std::string what = layer + " " + item;
    if (it == rows.end()) {
      // A recorded layer whose record is absent or unreadable says which ctest writes it.
      const auto rec = std::find_if(rows.begin(), rows.end(), [&](const VerdictRow& r) {
        return r.layer == layer && (r.verdict == "missing" || r.verdict == "error");
      });
      out.push_back(what + ": missing from this run" +
                    (rec == rows.end() ? std::string() : " (" + rec->detail + ")"));
      continue;
    }
    if (it->verdict != "holds") {
      out.push_back(what + ": " + it->verdict +
                    (it->verdict == "stale" ? " (" + it->detail + ")" : std::string()));
      continue;
    }
    auto at_least = [&](const char* field, double have) {
      const double need = c.value(field, 0.0);
      if (have < need) {
        char buf[96];
        std::snprintf(buf, sizeof buf, ": %s %g < floor %g", field, have, need);
        out.push_back(what + buf);
      }
    };
    at_least("width", it->width);
    at_least("bound", static_cast<double>(it->bound));
    at_least("seeds", static_cast<double>(it->seeds));
    at_least("budget", it->budget);
  }
  // The mutation score is measured by scripts/mutate (too slow for every run): the floor is
  // compared with the last recorded run, mutation/results.json.
  if (floor.contains("mutation_score") && floor["mutation_score"].is_number()) {
    const double need = floor["mutation_score"].get<double>();
    const std::optional<double> have = recorded_mutation_score(mutation_results_path);
    if (!have) {
      out.push_back("mutation score: no readable " + mutation_results_path);
    } else if (*have < need) {
      char buf[96];
      std::snprintf(buf, sizeof buf, "mutation score %.1f < floor %.1f", *have, need);
      out.push_back(buf);
    }
  }
  return out;
}

// The floor at `path` ("-": standard input), read by parse_ledger (readers/ledger.h); nullopt
// after printing the reason.
std::optional<nlohmann::json> read_ledger(const std::string& path) {
  const std::optional<std::string> text = apcb::trace::read_input(path, "ledger");
  if (!text) return std::nullopt;
  auto parsed = readers::parse_ledger(*text, path == "-" ? "<stdin>" : path);
  if (auto* e = std::get_if<trace::TraceError>(&parsed)) {
    std::cerr << e->to_string() << "\n";
    return std::nullopt;
  }
  return std::get<nlohmann::json>(std::move(parsed));
}

// --- the job --------------------------------------------------------------------------------

// The input folders of the layers that run, which do not exist: one line each, naming the
// folder, the option that sets it and what it holds. An install without its share/apcb or
// libexec/apcb, or a mistyped --traces, is bad input, not a layer that fails for want of data.
std::vector<std::string> missing_inputs(const VerifyArgs& args, const std::set<std::string>& skip) {
  struct Input {
    const char* layer;
    const char* option;
    const std::string* dir;
    const char* what;
  };
  const Input inputs[] = {
      {"fuzz", "--corpus", &args.corpus_dir, "the fuzz seed corpora"},
      {"fuzz", "--fuzz-bin", &args.fuzz_bin_dir, "the fuzz harness executables"},
      {"conformance", "--traces", &args.traces_dir, "the conformance traces"},
  };
  std::vector<std::string> out;
  for (const Input& in : inputs) {
    if (skip.count(in.layer) != 0) continue;
    std::error_code ec;
    if (!in.dir->empty() && fs::is_directory(*in.dir, ec)) continue;
    out.push_back((in.dir->empty() ? std::string("(unknown)") : *in.dir) + ": no such folder (" +
                  in.option + " DIR: " + in.what + ", for the " + in.layer + " layer)");
  }
  return out;
}

int run_verify(const VerifyArgs& args) {
  const std::set<std::string> skip(args.skip.begin(), args.skip.end());
  for (const std::string& s : skip) {
    if (std::find(kLayers.begin(), kLayers.end(), s) == kLayers.end()) {
      std::cerr << "apcb verify: no layer '" << s << "' (layers: proofs, property, fuzz, "
                << "conformance)\n";
      return kBadInput;
    }
  }
  if (const std::vector<std::string> missing = missing_inputs(args, skip); !missing.empty()) {
    for (const std::string& m : missing) std::cerr << "apcb verify: " << m << "\n";
    const DataPaths& data = data_paths();
    std::string where;
    if (!data.problem.empty())
      where = data.problem + "; ";
    else if (data.installed())
      where = "this apcb is installed under " + data.root + ", where `cmake --install` puts its data in " +
              fs::path(data.traces).parent_path().string() + " and " + data.fuzz_bin + ": reinstall it, or ";
    else
      where = "this apcb runs from the build tree " + data.root + "; ";
    std::cerr << "apcb verify: " << where << "pass the option above, or leave the layer out (--skip LAYER)\n";
    return kBadInput;
  }
  // Every output is checked before the run: an unwritable report is found in the first second,
  // not after the proofs; the report is never written over the floor it is compared with.
  for (const std::string* out : {&args.json_path, &args.write_ledger_path}) {
    if (out->empty()) continue;
    if (auto why = model::check_writable(*out)) {
      std::cerr << *why << "\n";
      return kBadInput;
    }
  }
  if (!args.json_path.empty() && !args.ledger_path.empty() &&
      (args.json_path == args.ledger_path || model::same_file(args.json_path, args.ledger_path))) {
    std::cerr << "apcb verify: --json " << args.json_path << " would overwrite the ledger it reads (--ledger "
              << args.ledger_path << ")\n";
    return kBadInput;
  }
  {
    std::error_code ec;
    fs::create_directories(args.out_dir, ec);
    if (!ec && !fs::is_directory(args.out_dir, ec)) ec = std::make_error_code(std::errc::not_a_directory);
    if (ec) {
      std::cerr << args.out_dir << ": cannot use as the output folder (--out DIR): " << ec.message() << "\n";
      return kBadInput;
    }
  }
  if (args.kernel != model::KernelVersion::latest && (!args.ledger_path.empty() || !args.write_ledger_path.empty())) {
    std::cerr << "apcb verify: the assurance ledger records the latest semantics; --ledger and --write-ledger "
                 "cannot go with --kernel "
              << model::kernel_version_name(args.kernel) << "\n";
    return kBadInput;
  }
  // Read the floor first: a missing or malformed ledger is bad input, not a weaker check.
  std::optional<nlohmann::json> floor;
  if (!args.ledger_path.empty()) {
    floor = read_ledger(args.ledger_path);
    if (!floor) return kBadInput;
  }
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<VerdictRow> rows;
  std::vector<LayerTime> layer_times;
  bool parsed = true;
  for (const std::string& layer : kLayers) {
    if (skip.count(layer) != 0) {
      rows.push_back({layer, "(whole layer)", "skipped", 0, "left out by --skip " + layer});
      layer_times.push_back({layer, true, 0});
      continue;
    }
    const auto layer_t0 = std::chrono::steady_clock::now();
    if (layer == "proofs") verify_proofs(args, rows);
    if (layer == "property") verify_property(args, rows);
    if (layer == "fuzz") verify_fuzz(args, rows);
    if (layer == "conformance") parsed = verify_conformance(args, rows);
    layer_times.push_back({layer, false, since(layer_t0)});
  }
  const auto records_t0 = std::chrono::steady_clock::now();
  if (args.kernel == model::KernelVersion::latest)
    verify_records(args, rows);
  else  // the stateful test and the exhaustive scope run the implementation: latest only
    rows.push_back({"records", "(assurance records)", "skipped", 0,
                    "the records are of the latest semantics, not kernel " +
                        std::string(model::kernel_version_name(args.kernel))});
  layer_times.push_back({"records", false, since(records_t0)});
  const double wall = since(t0);

  std::size_t failed = 0, skipped = 0, unrecorded = 0;
  std::printf("%-17s %-44s %-7s %8s  %s\n", "layer", "item", "verdict", "seconds", "detail");
  for (const auto& r : rows) {
    std::printf("%-17s %-44s %-7s %8.2f  %s\n", r.layer.c_str(), r.item.c_str(),
                r.verdict.c_str(), r.seconds, r.detail.c_str());
    failed += r.verdict == "fails" || r.verdict == "error";
    skipped += r.verdict == "skipped";
    unrecorded += r.verdict == "missing" || r.verdict == "stale";
  }
  const std::size_t held = rows.size() - failed - skipped - unrecorded;
  std::printf("%s\n", format_layer_times(layer_times, wall).c_str());
  std::vector<std::string> shortfalls;
  if (floor) {
    shortfalls = below_floor(*floor, rows, data_paths().mutation_results);
    std::printf("ledger %s: %zu checks in the floor, %zu below it\n", args.ledger_path.c_str(),
                (*floor)["checks"].size(), shortfalls.size());
    for (const std::string& s : shortfalls) std::printf("  below the floor: %s\n", s.c_str());
  }
  // One verdict, the exit code's, in the table, the JSON and the exit status: a run below the
  // floor fails; a run that checked nothing (every layer skipped, no record read) is no pass.
  const bool nothing_checked = held == 0 && failed == 0 && shortfalls.empty();
  const int exit_code = !parsed                                ? kBadInput
                        : failed != 0 || !shortfalls.empty() ? kFails
                        : nothing_checked                     ? kBadInput
                                                              : kHolds;
  const char* verdict = exit_code == kHolds ? "holds" : exit_code == kFails ? "fails" : "bad input";
  std::string records;
  if (unrecorded != 0)
    records = ", " + std::to_string(unrecorded) + " assurance records missing or stale";
  std::string below;
  if (!shortfalls.empty()) below = ", " + std::to_string(shortfalls.size()) + " below the ledger";
  std::printf("%zu items, %zu hold, %zu fail, %zu skipped%s%s; %.1f s; verdict: %s\n",
              rows.size(), held, failed, skipped, records.c_str(), below.c_str(), wall,
              exit_code == kHolds ? "HOLDS" : exit_code == kFails ? "FAILS" : "BAD INPUT");
  if (nothing_checked)
    std::cerr << "apcb verify: nothing was checked: every layer was skipped and no assurance record "
                 "was read\n";
  if (!args.write_ledger_path.empty()) {
    if (auto why = model::write_file_atomically(args.write_ledger_path, make_ledger(rows).dump(2) + "\n")) {
      std::cerr << *why << "\n";
      return kBadInput;
    }
  }
  if (!args.json_path.empty()) {
    nlohmann::json j;
    j["tool"] = "apcb verify";
    j["verdict"] = verdict;
    j["exit_code"] = exit_code;
    j["wall_seconds"] = wall;
    j["z3_version"] = proofs::z3_version();
    j["proof_width"] = args.proof_width;
    j["property"] = {{"sequences", args.sequences}, {"ops", args.ops}};
#ifdef APCB_FUZZ_BUILD
    j["fuzz"] = {{"libfuzzer", true}, {"seconds_per_harness", args.fuzz_seconds}};
#else
    j["fuzz"] = {{"libfuzzer", false}, {"seconds_per_harness", 0}};
#endif
    j["skipped_layers"] = args.skip;
    // Wall time of each layer (its rows' seconds overlap: proofs run --jobs at once), in run
    // order, then the assurance records; a skipped layer has 0.
    j["layers"] = nlohmann::json::array();
    for (const LayerTime& t : layer_times)
      j["layers"].push_back({{"layer", t.layer}, {"skipped", t.skipped}, {"wall_seconds", t.seconds}});
    j["assurance_dir"] = args.assurance_dir;
    j["items"] = nlohmann::json::array();
    for (const auto& r : rows) {
      nlohmann::json item = ledger_check(r);
      item["verdict"] = r.verdict;
      item["seconds"] = r.seconds;
      item["detail"] = r.detail;
      if (!r.measured.is_null()) item["measured"] = r.measured;
      j["items"].push_back(item);
    }
    if (floor)
      j["ledger"] = {{"file", args.ledger_path},
                     {"at_or_above_floor", shortfalls.empty()},
                     {"below_floor", shortfalls}};
    if (auto why = model::write_file_atomically(args.json_path, j.dump(2) + "\n")) {
      std::cerr << *why << "\n";
      return kBadInput;
    }
  }
  return exit_code;
}

}  // namespace

void add_verify_verb(CLI::App& app, Action& action) {
  auto args = std::make_shared<VerifyArgs>();
  auto* verify = app.add_subcommand(
      "verify",
      "The main job: every proof obligation (width 256, APXA and non-APXA hosts), a property "
      "run of the implementation against the model, every fuzz harness over its corpus (plus "
      "a short fuzzing run in a libFuzzer build), every conformance trace, and the assurance "
      "records the stateful property test and the exhaustive scope leave when ctest runs them; "
      "a verdict table with each layer's wall time, --json for machines. Exit 0 all hold, 1 "
      "something fails, 2 bad input");
  verify->add_option("--skip", args->skip,
                     "leave out a layer: proofs, property, fuzz or conformance (repeatable; the "
                     "table lists it as skipped)");
  verify->add_option("--json", args->json_path, "also write the verdicts as JSON to this file");
  verify->add_option("--ledger", args->ledger_path,
                     "the assurance floor (.ci/assurance-ledger.json; '-': standard input), read strictly: fail when this run checks "
                     "less than it records (a check missing or failing, a smaller width, bound, "
                     "seed count or budget; an assurance record absent or stale)");
  verify->add_option("--write-ledger", args->write_ledger_path,
                     "write this run's holding checks as a new floor to this file");
  verify->add_option("--out", args->out_dir,
                     "folder for counterexamples, failing traces and fuzz logs")
      ->capture_default_str();
  verify->add_option("--traces", args->traces_dir, "folder searched for *.trace")
      ->capture_default_str();
  verify->add_option("--assurance-dir", args->assurance_dir,
                     "folder of the assurance records that the stateful property test and the "
                     "exhaustive scope write when they pass under ctest (APCB_ASSURANCE_DIR; "
                     "default: the build tree's, or share/apcb/assurance of an installed apcb, "
                     "empty unless a build's records are copied there)")
      ->capture_default_str();
  verify->add_option("--proof-width", args->proof_width, "mask width of the proofs")
      ->check(CLI::IsMember({8, 16, 64, 256}))
      ->capture_default_str();
  verify->add_option("--jobs", args->jobs, "proof obligations run at once")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  verify->add_option("--sequences", args->sequences, "property layer: random sequences")
      ->check(CLI::Range(1, 10000000))
      ->capture_default_str();
  verify->add_option("--ops", args->ops, "property layer: operations per sequence")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();
  verify->add_option("--corpus", args->corpus_dir, "fuzz layer: one folder per harness")
      ->capture_default_str();
  verify->add_option("--fuzz-bin", args->fuzz_bin_dir,
                     "fuzz layer: the harness executables (a build's <build>/fuzz; libexec/apcb "
                     "of an installed apcb)")
      ->capture_default_str();
  verify->add_option("--fuzz-seconds", args->fuzz_seconds,
                     "fuzz layer: smoke-run length per harness (libFuzzer builds only)")
      ->check(CLI::Range(1, 86400))
      ->capture_default_str();
  add_kernel_option(*verify, args->kernel);
  verify->callback([&action, args] { action = [args] { return run_verify(*args); }; });
}

}  // namespace apcb::cli
