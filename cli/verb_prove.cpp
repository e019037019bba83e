// apcb prove: run the proof obligations (proofs/README.md) and print a verdict table
// (obligation, verdict, seconds; the summary names the width and the Z3 version). Progress and
// every counterexample go to stderr, the table to stdout; --json writes the verdicts for
// machines, --smt2 exports every query as SMT-LIB 2. A timeout or `unknown` is a failure.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "cli/data_paths.h"
#include "cli/verb.h"
#include "model/output_file.h"
#include "proofs/proofs.h"

namespace apcb::cli {
namespace {

struct ProveArgs {
  int width = 256;
  std::string host = "apxa";
  model::KernelVersion kernel = model::KernelVersion::latest;
  std::vector<std::string> only;
  std::string json_path;
  std::string smt2_dir;
  std::string cex_dir = "apcb-counterexamples";
  unsigned timeout_ms = 20000;
  int jobs = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  bool list = false;
};

int run_prove(const ProveArgs& args) {
  if (args.list) {
    for (const proofs::ObligationInfo& o : proofs::obligations())
      std::cout << o.name << "  " << o.summary << "\n";
    return kHolds;
  }
  for (const std::string& name : args.only) {
    bool known = false;
    for (const proofs::ObligationInfo& o : proofs::obligations()) known |= o.name == name;
    if (!known) {
      std::cerr << "apcb prove: no obligation '" << name << "' (apcb prove --list names them)\n";
      return kBadInput;
    }
  }
  if (!args.json_path.empty()) {
    if (auto why = model::check_writable(args.json_path)) {
      std::cerr << *why << "\n";
      return kBadInput;
    }
  }
  proofs::Options options;
  options.width = args.width;
  options.apxa = args.host == "apxa";
  options.kernel = args.kernel;
  if (!options.apxa && options.width < 64) {
    std::cerr << "apcb prove: a non-APXA host (adapters up to 63) needs --width 64 or 256\n";
    return kBadInput;
  }
  options.timeout_ms = args.timeout_ms;
  options.smt2_dir = args.smt2_dir;
  options.cex_dir = args.cex_dir;
  options.log = &std::cerr;
  std::cerr << "apcb prove: kernel " << model::kernel_version_name(args.kernel) << ", width "
            << args.width << ", " << args.host << " host, Z3 " << proofs::z3_version() << ", "
            << args.jobs << " jobs\n";
  const auto t0 = std::chrono::steady_clock::now();
  const std::vector<proofs::Result> results =
      proofs::run_obligations(args.only, options, args.jobs, &std::cerr);
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::cout << proofs::format_table(results, options, wall);
  const bool holds = proofs::all_hold(results);
  if (!args.json_path.empty()) {
    nlohmann::json j;
    j["tool"] = "apcb prove";
    j["verdict"] = holds ? "holds" : "fails";
    j["width"] = args.width;
    j["host"] = args.host;
    j["kernel"] = std::string(model::kernel_version_name(args.kernel));
    j["mdev_slots"] = options.mdevs;
    j["guest_slots"] = options.guests;
    j["z3_version"] = proofs::z3_version();
    j["wall_seconds"] = wall;
    j["obligations"] = nlohmann::json::array();
    for (const proofs::Result& r : results) {
      std::string summary;
      for (const proofs::ObligationInfo& o : proofs::obligations())
        if (o.name == r.name) summary = o.summary;
      j["obligations"].push_back({{"name", r.name},
                                  {"summary", summary},
                                  {"verdict", std::string(proofs::verdict_name(r.verdict))},
                                  {"seconds", r.seconds},
                                  {"queries", r.queries},
                                  {"detail", r.detail},
                                  {"files", r.files}});
    }
    if (auto why = model::write_file_atomically(args.json_path, j.dump(2) + "\n")) {
      std::cerr << *why << "\n";
      return kBadInput;
    }
  }
  return holds ? kHolds : kFails;
}

}  // namespace

void add_prove_verb(CLI::App& app, Action& action) {
  auto args = std::make_shared<ProveArgs>();
  auto* prove = app.add_subcommand(
      "prove", "Prove every obligation (induction per operation, P5, P6, P8, non-vacuity, P9, "
               "finding F1, mutants) with Z3; a verdict table, --json for machines; --kernel V "
               "proves them for an older kernel's vfio_ap (exit 1 when one does not hold there)");
  prove->add_option("--width", args->width, "mask width of the instance")
      ->check(CLI::IsMember({8, 16, 64, 256}))
      ->capture_default_str();
  prove->add_option("--host", args->host,
                    "the host: apxa (IDs up to width−1, CRYCB formats 0 and 2) or non-apxa "
                    "(adapters ≤ 63, domains ≤ 15, formats 0 and 1; width 64 or 256)")
      ->check(CLI::IsMember({"apxa", "non-apxa"}))
      ->capture_default_str();
  add_kernel_option(*prove, args->kernel);
  // The shared text speaks of the reference; here the encoding follows the profile.
  prove->get_option("--kernel")->description(
      "the kernel whose vfio_ap the Z3 encoding follows: latest (the default) or an older "
      "profile (" + std::string(model::kernel_version_names()) +
      "); an obligation that does not hold in it fails with a counterexample trace replayed on "
      "the model under that profile (" + data_paths().doc("kernel-versions.md") + ")");
  prove->add_option("--only", args->only, "run only this obligation (repeatable; --list names them)");
  prove->add_option("--json", args->json_path, "also write the verdicts as JSON to this file");
  prove->add_option("--smt2", args->smt2_dir, "export every query as SMT-LIB 2 into this folder");
  prove->add_option("--cex-dir", args->cex_dir,
                    "save counterexample traces and schedules into this folder ('' for none)")
      ->capture_default_str();
  prove->add_option("--timeout-ms", args->timeout_ms, "per-query Z3 timeout (running out fails)")
      ->check(CLI::Range(1u, 3600000u))
      ->capture_default_str();
  prove->add_option("--jobs", args->jobs, "obligations run at once")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  prove->add_flag("--list", args->list, "list the obligations and exit");
  prove->callback([&action, args] { action = [args] { return run_prove(*args); }; });
}

}  // namespace apcb::cli
