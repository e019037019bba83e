// Running many obligations: a small pool of threads (each obligation has its own Z3 context,
// so they share nothing), results kept in the order asked, and the verdict table.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <mutex>
#include <ostream>
#include <thread>

#include "proofs/proofs.h"
#include "proofs/prover.h"

namespace apcb::proofs {

std::vector<Result> run_obligations(const std::vector<std::string>& names, const Options& options,
                                    int jobs, std::ostream* progress) {
  std::vector<std::string> todo = names;
  if (todo.empty())
    for (const ObligationInfo& o : obligations()) todo.push_back(o.name);
  std::vector<Result> results(todo.size());
  std::atomic<std::size_t> next{0};
  std::mutex out;
  auto say = [&](const std::string& line) {
    if (progress == nullptr) return;
    const std::lock_guard<std::mutex> lock(out);
    *progress << line << std::flush;
  };
  auto worker = [&] {
    for (std::size_t i = next++; i < todo.size(); i = next++) {
      say("[" + std::to_string(i + 1) + "/" + std::to_string(todo.size()) + "] " + todo[i] + " ...\n");
      results[i] = run_obligation(todo[i], options);
      char buf[64];
      std::snprintf(buf, sizeof buf, " %.2f s\n", results[i].seconds);
      say("[" + std::to_string(i + 1) + "/" + std::to_string(todo.size()) + "] " + todo[i] + ": " +
          std::string(verdict_name(results[i].verdict)) + buf);
    }
  };
  const int n = std::max(1, std::min<int>(jobs, static_cast<int>(todo.size())));
  std::vector<std::thread> threads;
  for (int t = 1; t < n; ++t) threads.emplace_back(worker);
  worker();
  for (std::thread& t : threads) t.join();
  return results;
}

bool all_hold(const std::vector<Result>& results) {
  return std::all_of(results.begin(), results.end(),
                     [](const Result& r) { return r.verdict == Verdict::holds; });
}

std::string format_table(const std::vector<Result>& results, const Options& options,
                         double wall_seconds) {
  std::size_t width = 10;
  for (const Result& r : results) width = std::max(width, r.name.size());
  std::string out;
  char buf[512];
  std::snprintf(buf, sizeof buf, "%-*s  %-7s  %8s  %s\n", static_cast<int>(width), "obligation",
                "verdict", "seconds", "detail");
  out += buf;
  double total = 0;
  double slowest = 0;
  std::string slowest_name;
  std::size_t holding = 0;
  for (const Result& r : results) {
    std::snprintf(buf, sizeof buf, "%-*s  %-7s  %8.2f  ", static_cast<int>(width), r.name.c_str(),
                  std::string(verdict_name(r.verdict)).c_str(), r.seconds);
    out += buf + r.detail + "\n";
    total += r.seconds;
    holding += r.verdict == Verdict::holds;
    if (r.seconds > slowest) {
      slowest = r.seconds;
      slowest_name = r.name;
    }
  }
  // The kernel profile is named unless it is the latest (whose table stays as it was).
  const std::string kernel = options.kernel == model::KernelVersion::latest
                                 ? std::string()
                                 : "kernel " + std::string(model::kernel_version_name(options.kernel)) + ", ";
  std::snprintf(buf, sizeof buf,
                "%zu obligations, %zu hold, %zu fail; %swidth %d, %s host, %d mdev and %d guest slots; "
                "%.2f s of obligations, %.2f s wall, slowest %.2f s (%s); Z3 %s\n",
                results.size(), holding, results.size() - holding, kernel.c_str(), options.width,
                options.apxa ? "APXA" : "non-APXA", options.mdevs,
                options.guests, total, wall_seconds, slowest, slowest_name.c_str(),
                z3_version().c_str());
  out += buf;
  return out;
}

}  // namespace apcb::proofs
