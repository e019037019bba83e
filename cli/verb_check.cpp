// apcb check TRACE: compare a trace's expectations with the reference and report the first
// divergence with the state around it.
#include <iostream>

#include "cli/conformance.h"
#include "cli/engine.h"
#include "cli/verb.h"
#include "sut/client.h"

namespace apcb::cli {
namespace {

// Drives the plugin and the reference side by side on the trace's operations (its
// expectations are not used); an operation the plugin cannot comply with is skipped on both.
int check_against_plugin(const std::string& plugin_path, const std::string& path, EngineKind kind,
                         model::KernelVersion kernel) {
  auto trace = load_trace(path);
  if (!trace) return kBadInput;
  std::string error;
  auto plugin = sut::Plugin::load(plugin_path, error);
  if (!plugin) {
    std::cerr << error << "\n";
    return kBadInput;
  }
  auto instance = sut::Instance::create(*plugin, trace->params, trace->config);
  if (!instance) {
    std::cerr << plugin_path << ": the plugin could not create an instance\n";
    return kFails;
  }
  auto reference = make_engine(kind, trace->params, trace->config, kernel);
  std::size_t compared = 0, skipped = 0;
  for (std::size_t i = 0; i < trace->steps.size(); ++i) {
    const auto& step = trace->steps[i];
    std::optional<model::Observation> theirs = instance->apply(step.op);
    if (!theirs) {
      ++skipped;
      continue;
    }
    const model::State before = reference->state();
    const model::Observation ours = reference->apply(step.op);
    ++compared;
    if (!model::equivalent(*theirs, ours)) {
      std::cout << path << ":" << step.line << ": " << plugin->name() << " diverges at step " << i + 1
                << "\n  " << model::format_op(step.op) << "\nplugin:\n" << model::format_observation(*theirs)
                << "reference:\n" << model::format_observation(ours) << "reference state before the step:\n"
                << describe_state(before) << "reference state after the step:\n" << describe_state(reference->state());
      return kFails;
    }
  }
  std::cout << path << ": " << plugin->name() << " conforms (" << compared << " steps compared, " << skipped
            << " skipped: cannot comply)\n";
  return kHolds;
}

}  // namespace

void add_check_verb(CLI::App& app, Action& action) {
  auto path = std::make_shared<std::string>();
  auto* check = app.add_subcommand("check", "Compare a trace's expectations with the reference; "
                                            "report the first divergence with a state dump");
  auto plugin = std::make_shared<std::string>();
  auto kind = std::make_shared<EngineKind>(EngineKind::impl);
  check->add_option("TRACE", *path, "trace file with expectations")->required();
  check->add_option("--sut", *plugin, "drive this plugin (apcb_sut.h) against the reference "
                                       "instead of reading expectations");
  add_engine_option(*check, *kind);
  auto kernel = std::make_shared<model::KernelVersion>(model::KernelVersion::latest);
  add_kernel_option(*check, *kernel);
  check->callback([&action, path, plugin, kind, kernel] {
    action = [path, plugin, kind, kernel] {
      // Versions other than latest run on the model (make_engine), and reports say so.
      const EngineKind engine = *kernel == model::KernelVersion::latest ? *kind : EngineKind::model;
      if (!plugin->empty()) return check_against_plugin(*plugin, *path, engine, *kernel);
      auto trace = load_trace(*path);
      if (!trace) return kBadInput;
      CheckResult r = check_trace(*trace, engine, *kernel);
      if (r.divergence) {
        std::cout << divergence_report(*path, *trace, *r.divergence, engine);
        return kFails;
      }
      std::cout << *path << ": conforms (" << r.checked << " steps checked, " << r.unchecked
                << " without expectations)\n";
      return kHolds;
    };
  });
}

}  // namespace apcb::cli
