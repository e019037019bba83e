// apcb_proofs_run — the proof runner without the rest of the CLI: ctest runs each obligation
// through it (`--only NAME`), and it writes the ctest registration of every obligation
// (`--ctest-file`). `apcb prove` is the same library behind the user-facing tool.
// Exit codes: 0 every obligation run holds, 1 one fails (timeout and unknown included),
// 2 usage.
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "proofs/proofs.h"

namespace {

int usage(const std::string& why) {
  std::cerr << "apcb_proofs_run: " << why << "\n"
            << "usage: apcb_proofs_run [--width 8|16|64|256] [--host apxa|non-apxa] [--only NAME]...\n"
               "         [--jobs N] [--timeout-ms MS] [--smt2 DIR] [--cex-dir DIR] [--list]\n"
               "       apcb_proofs_run --ctest-file FILE [--width N] [--cex-dir DIR] "
               "[--test-timeout S]\n";
  return 2;
}

// The ctest registration: one test per obligation and host (proofs.NAME on an APXA host,
// proofs.non_apxa.NAME on one without, when the width allows it), each with its own timeout.
int write_ctest_file(const std::string& path, const std::string& self, int width,
                     const std::string& cex_dir, int test_timeout) {
  std::ofstream out(path);
  out << "# Written by apcb_proofs_run --ctest-file: one test per proof obligation and host.\n";
  for (const bool apxa : {true, false}) {
    if (!apxa && width < 64) continue;
    for (const apcb::proofs::ObligationInfo& o : apcb::proofs::obligations()) {
      const std::string test = (apxa ? "proofs." : "proofs.non_apxa.") + o.name;
      out << "add_test(\"" << test << "\" \"" << self << "\" --only \"" << o.name << "\" --width "
          << width << " --host " << (apxa ? "apxa" : "non-apxa")
          << (cex_dir.empty() ? "" : " --cex-dir \"" + cex_dir + "\"") << ")\n";
      out << "set_tests_properties(\"" << test << "\" PROPERTIES TIMEOUT " << test_timeout
          << " LABELS proofs)\n";
    }
  }
  return out ? 0 : 2;
}

}  // namespace

int main(int argc, char** argv) {
  apcb::proofs::Options options;
  std::vector<std::string> only;
  int jobs = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  bool list = false;
  std::string ctest_file;
  int test_timeout = 60;
  std::vector<std::string> args(argv + 1, argv + argc);
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&]() -> const std::string* {
      return i + 1 < args.size() ? &args[++i] : nullptr;
    };
    auto number = [&](int* out) {
      const std::string* v = value();
      if (v == nullptr) return false;
      char* end = nullptr;
      const long n = std::strtol(v->c_str(), &end, 10);
      if (end == v->c_str() || *end != '\0' || n < 0 || n > 1000000000) return false;
      *out = static_cast<int>(n);
      return true;
    };
    if (a == "--list") {
      list = true;
    } else if (a == "--width") {
      if (!number(&options.width)) return usage("--width needs a number");
      if (options.width != 8 && options.width != 16 && options.width != 64 && options.width != 256)
        return usage("--width must be 8, 16, 64 or 256");
    } else if (a == "--host") {
      const std::string* v = value();
      if (v == nullptr || (*v != "apxa" && *v != "non-apxa"))
        return usage("--host must be apxa or non-apxa");
      options.apxa = *v == "apxa";
    } else if (a == "--jobs") {
      if (!number(&jobs) || jobs < 1) return usage("--jobs needs a positive number");
    } else if (a == "--timeout-ms") {
      int ms = 0;
      if (!number(&ms) || ms < 1) return usage("--timeout-ms needs a positive number");
      options.timeout_ms = static_cast<unsigned>(ms);
    } else if (a == "--test-timeout") {
      if (!number(&test_timeout) || test_timeout < 1) return usage("--test-timeout needs seconds");
    } else if (a == "--only" || a == "--smt2" || a == "--cex-dir" || a == "--ctest-file") {
      const std::string* v = value();
      if (v == nullptr) return usage(a + " needs a value");
      if (a == "--only") only.push_back(*v);
      if (a == "--smt2") options.smt2_dir = *v;
      if (a == "--cex-dir") options.cex_dir = *v;
      if (a == "--ctest-file") ctest_file = *v;
    } else {
      return usage("unknown argument " + a);
    }
  }
  if (!options.apxa && options.width < 64)
    return usage("a non-APXA host (adapters up to 63) needs --width 64 or 256");
  if (!ctest_file.empty())
    return write_ctest_file(ctest_file, argv[0], options.width, options.cex_dir, test_timeout);
  if (list) {
    for (const apcb::proofs::ObligationInfo& o : apcb::proofs::obligations())
      std::cout << o.name << "  " << o.summary << "\n";
    return 0;
  }
  for (const std::string& name : only) {
    bool known = false;
    for (const apcb::proofs::ObligationInfo& o : apcb::proofs::obligations()) known |= o.name == name;
    if (!known) return usage("no obligation " + name + " (--list names them)");
  }
  options.log = &std::cerr;
  const auto t0 = std::chrono::steady_clock::now();
  const std::vector<apcb::proofs::Result> results =
      apcb::proofs::run_obligations(only, options, jobs, &std::cerr);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::cout << apcb::proofs::format_table(results, options, wall);
  return apcb::proofs::all_hold(results) ? 0 : 1;
}
