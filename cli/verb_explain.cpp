// apcb explain: per APQN and per control domain, whether the guest has it and, if not, the
// one rule that keeps it out (model/explain.h); then the guest's domains as `lszcrypt -d`
// draws them. The state explained is a trace's final state, a sysfs snapshot, or either of
// those (or an ideal host) after `mdevctl start` of some configs.
#include <iostream>
#include <memory>

#include "cli/data_paths.h"
#include "cli/verb.h"
#include "model/explain.h"
#include "model/step.h"
#include "readers/mdevctl.h"
#include "readers/snapshot.h"

namespace apcb::cli {
namespace {

struct ExplainOptions {
  std::string trace;
  std::string snapshot;
  std::string mdevctl;
  std::string mdev;
  bool assigned_only = false;
  model::KernelVersion kernel = model::KernelVersion::latest;
  bool kernel_given = false;
};

std::string lower(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

int run_explain(const ExplainOptions& o) {
  if (o.trace.empty() && o.snapshot.empty() && o.mdevctl.empty()) {
    std::cerr << "apcb explain: give a TRACE, --snapshot DIR or --mdevctl FILE\n";
    return kBadInput;
  }
  if (!o.trace.empty() && !o.snapshot.empty()) {
    std::cerr << "apcb explain: give a TRACE or a --snapshot, not both\n";
    return kBadInput;
  }
  if (o.trace == "-" && o.mdevctl == "-") {
    std::cerr << "apcb explain: standard input can be the TRACE or the --mdevctl FILE, not both\n";
    return kBadInput;
  }
  std::optional<std::vector<readers::MdevctlDevice>> devices;
  if (!o.mdevctl.empty()) {
    devices = readers::load_mdevctl(o.mdevctl, o.mdev.empty() ? std::nullopt : std::optional<std::string>(o.mdev));
    if (!devices) return kBadInput;
  }

  // The state to explain, before any mdevctl start.
  model::State state;
  if (!o.trace.empty()) {
    auto trace = apcb::trace::load_trace(o.trace);
    if (!trace) return kBadInput;
    state = trace->initial_state();  // follows the trace's `# kernel: V`, unless --kernel is given
    if (o.kernel_given) state.kernel = o.kernel;
    for (const trace::TraceStep& step : trace->steps) model::apply(state, step.op);
  } else if (!o.snapshot.empty()) {
    auto snap = readers::load_snapshot(o.snapshot);
    if (!snap) return kBadInput;
    state = std::move(snap->state);
    state.kernel = o.kernel;
  } else {
    const trace::Trace host = readers::ideal_host_for(*devices);
    state = host.initial_state();
    state.kernel = o.kernel;
    for (const trace::TraceStep& step : host.steps) model::apply(state, step.op);
    std::cout << "Host: no snapshot given, so the ideal host for these configs: every ID they name is\n"
                 "configured, free for vfio_ap and bound to it.\n\n";
  }

  std::vector<std::string> selected;
  if (devices) {
    for (const readers::MdevctlDevice& d : *devices) {
      const readers::StartResult r = readers::start_device(state, d);
      std::cout << "mdevctl start " << d.uuid << ": "
                << (r.started        ? std::string("started")
                    : r.failed_attr ? "FAILED, " + r.failure + "; mdevctl stops and removes the device"
                                    : "FAILED, " + r.failure + "; nothing was created")
                << "\n";
      if (o.mdev.empty()) selected.push_back(d.uuid);
    }
    std::cout << "\n";
  }
  if (!o.mdev.empty()) {
    selected = {lower(o.mdev)};
    if (state.find_mdev(selected[0]) == nullptr && !devices) {
      std::cerr << "apcb explain: there is no mdev " << o.mdev << "\n";
      return kBadInput;
    }
  }
  if (selected.empty())
    for (const model::Mdev& m : state.mdevs) selected.push_back(m.uuid);
  if (selected.empty()) std::cout << "No mdev exists: no guest can get any AP resource.\n";

  bool first = true;
  for (const std::string& uuid : selected) {
    if (!first) std::cout << "\n";
    first = false;
    const model::Mdev* m = state.find_mdev(uuid);
    if (m == nullptr) {
      std::cout << "mdev " << uuid << " does not exist after the start: nothing to explain.\n";
      continue;
    }
    std::cout << model::render_explanation(model::explain_mdev(state, *m, o.assigned_only));
  }
  return kHolds;
}

}  // namespace

void add_explain_verb(CLI::App& app, Action& action) {
  auto o = std::make_shared<ExplainOptions>();
  auto* cmd = app.add_subcommand(
      "explain",
      "Per APQN and control domain of an mdev: does its guest have it, and if not, why; then the "
      "guest's domains in lszcrypt -d layout. Explains a trace's final state, a sysfs snapshot, or "
      "either after mdevctl starts (" + data_paths().doc("explain.md") + ")");
  cmd->add_option("TRACE", o->trace,
                  "trace file (" + data_paths().doc("trace-format.md") + "; '-': standard input): explain its final state");
  cmd->add_option("--snapshot", o->snapshot, "sysfs snapshot directory (SYSFS_ROOT layout: DIR/sys/bus/ap/...)");
  cmd->add_option("--mdevctl", o->mdevctl,
                  "mdevctl JSON (a config, or `mdevctl list --dumpjson`; '-': standard input): start each device, mdevctl's way, "
                  "on the trace's or snapshot's state, or on an ideal host");
  cmd->add_option("--mdev", o->mdev, "explain only this mdev (also the UUID of a single mdevctl config)");
  const CLI::Option* kernel_option = add_kernel_option(*cmd, o->kernel);
  cmd->add_flag("--assigned-only", o->assigned_only,
                "list only assigned APQNs, not the candidates sharing an assigned adapter or domain");
  cmd->callback([&action, o, kernel_option] {
    o->kernel_given = kernel_option->count() > 0;
    action = [o] { return run_explain(*o); };
  });
}

}  // namespace apcb::cli
