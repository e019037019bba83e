// apcb run TRACE: execute a trace on the reference and print it with every observation
// filled in, so the output is itself a conformance test. With --mdevctl FILE, the configs'
// `mdevctl start`s follow the trace (or an ideal host, readers/mdevctl.h), failures and removals
// included.
#include <iostream>

#include "harness/engine.h"
#include "cli/data_paths.h"
#include "cli/verb.h"
#include "readers/mdevctl.h"
#include "trace/load.h"
#include "trace/reader.h"

namespace apcb::cli {
namespace {

// Runs the trace at `path` step by step, printing each step with its observation as soon as it
// ran: memory is bounded by one step. A bad line is reported when it is reached (exit 2); the
// steps before it have been printed.
int run_streaming(const std::string& path, harness::EngineKind kind, model::KernelVersion kernel, bool kernel_given) {
  auto input = apcb::trace::open_trace(path);
  if (!input) return kBadInput;
  trace::TraceReader& reader = input->reader;
  // --kernel, else the profile the trace declares; the output declares the one it followed.
  if (!kernel_given && reader.kernel()) kernel = *reader.kernel();
  std::string out;
  const auto flush = [&out] {
    std::cout.write(out.data(), static_cast<std::streamsize>(out.size()));
    out.clear();
  };
  trace::Trace header;
  header.params = reader.params();
  header.config = reader.config();
  header.comments = reader.comments();
  trace::declare_kernel(header, kernel);
  header.observes_signals = true;  // every expectation printed is the engine's, signals included
  out = trace::format_trace(header);
  auto engine = harness::make_engine(kind, reader.params(), reader.config(), kernel);
  trace::TraceStep step;
  model::Observation obs;
  while (reader.next(step)) {
    engine->apply(step.op, obs);
    step.expected = obs;
    out += trace::format_step(step);
    if (out.size() >= (std::size_t{1} << 16)) {
      flush();
      if (!std::cout) return kBadInput;  // main says why (model::stdout_ok)
    }
  }
  for (const std::string& c : reader.trailing_comments()) out += c + "\n";
  flush();
  std::cout.flush();
  if (apcb::trace::report_read_error(reader)) return kBadInput;
  return kHolds;
}

}  // namespace

void add_run_verb(CLI::App& app, Action& action) {
  auto path = std::make_shared<std::string>();
  auto kind = std::make_shared<harness::EngineKind>(harness::EngineKind::impl);
  auto mdevctl = std::make_shared<std::string>();
  auto mdev = std::make_shared<std::string>();
  auto* run = app.add_subcommand("run", "Execute a trace on the reference and print it with every "
                                        "observation filled in (the output is a conformance test). The trace "
                                        "streams: each step is printed once it ran, so memory does not grow with "
                                        "the trace; a bad line is reported when it is reached (exit 2), after the "
                                        "steps before it");
  run->add_option("TRACE", *path, "trace file (" + data_paths().doc("trace-format.md") + "; '-': standard input)");
  run->add_option("--mdevctl", *mdevctl, "mdevctl JSON ('-': standard input): append each device's `mdevctl start` (" +
                                     data_paths().doc("explain.md") + ")");
  run->add_option("--mdev", *mdev, "the UUID of a single mdevctl config not named after it");
  add_engine_option(*run, *kind);
  auto kernel = std::make_shared<model::KernelVersion>(model::KernelVersion::latest);
  const CLI::Option* kernel_option = add_kernel_option(*run, *kernel);
  run->callback([&action, path, mdevctl, mdev, kind, kernel, kernel_option] {
    const bool kernel_given = kernel_option->count() > 0;
    action = [path, mdevctl, mdev, kind, kernel, kernel_given] {
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
      if (!mdevctl->empty()) {
        std::optional<trace::Trace> trace;
        if (!path->empty() && !(trace = apcb::trace::load_trace(*path))) return kBadInput;
        auto devices = readers::load_mdevctl(*mdevctl, mdev->empty() ? std::nullopt : std::optional<std::string>(*mdev));
        if (!devices) return kBadInput;
        std::cout << trace::format_trace(readers::mdevctl_trace(trace ? *trace : readers::ideal_host_for(*devices), *devices));
        return kHolds;
      }
      return run_streaming(*path, *kind, *kernel, kernel_given);
    };
  });
}

}  // namespace apcb::cli
