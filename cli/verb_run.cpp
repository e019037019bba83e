// apcb run TRACE: execute a trace on the reference and print it with every observation
// filled in, so the output is itself a conformance test. With --mdevctl FILE, the configs'
// `mdevctl start`s follow the trace (or an ideal host, readers/mdevctl.h), failures and removals
// included.
#include <iostream>

#include "harness/engine.h"
#include "cli/data_paths.h"
#include "cli/verb.h"
#include "readers/mdevctl.h"

namespace apcb::cli {

void add_run_verb(CLI::App& app, Action& action) {
  auto path = std::make_shared<std::string>();
  auto kind = std::make_shared<harness::EngineKind>(harness::EngineKind::impl);
  auto mdevctl = std::make_shared<std::string>();
  auto mdev = std::make_shared<std::string>();
  auto* run = app.add_subcommand("run", "Execute a trace on the reference and print it with every "
                                        "observation filled in (the output is a conformance test)");
  run->add_option("TRACE", *path, "trace file (" + data_paths().doc("trace-format.md") + "; '-': standard input)");
  run->add_option("--mdevctl", *mdevctl, "mdevctl JSON ('-': standard input): append each device's `mdevctl start` (" +
                                     data_paths().doc("explain.md") + ")");
  run->add_option("--mdev", *mdev, "the UUID of a single mdevctl config not named after it");
  add_engine_option(*run, *kind);
  auto kernel = std::make_shared<model::KernelVersion>(model::KernelVersion::latest);
  add_kernel_option(*run, *kernel);
  run->callback([&action, path, mdevctl, mdev, kind, kernel] {
    action = [path, mdevctl, mdev, kind, kernel] {
      if (path->empty() && mdevctl->empty()) {
        std::cerr << "apcb run: give a TRACE or --mdevctl FILE\n";
        return kBadInput;
      }
      if (!mdev->empty() && mdevctl->empty()) {
        std::cerr << "apcb run: --mdev names one config of an --mdevctl FILE; give --mdevctl too\n";
        return kBadInput;
      }
      if (*path == "-" && *mdevctl == "-") {
        std::cerr << "apcb run: standard input can be the TRACE or the --mdevctl FILE, not both\n";
        return kBadInput;
      }
      std::optional<trace::Trace> trace;
      if (!path->empty() && !(trace = apcb::trace::load_trace(*path))) return kBadInput;
      if (!mdevctl->empty()) {
        auto devices = readers::load_mdevctl(*mdevctl, mdev->empty() ? std::nullopt : std::optional<std::string>(*mdev));
        if (!devices) return kBadInput;
        std::cout << trace::format_trace(readers::mdevctl_trace(trace ? *trace : readers::ideal_host_for(*devices), *devices));
        return kHolds;
      }
      auto engine = harness::make_engine(*kind, trace->params, trace->config, *kernel);
      for (auto& step : trace->steps) step.expected = engine->apply(step.op);
      std::cout << trace::format_trace(*trace);
      return kHolds;
    };
  });
}

}  // namespace apcb::cli
