// apcb CLI — how a verb plugs into the tool: one file per verb registers its subcommand and
// the action to run when it is chosen.
#ifndef APCB_CLI_VERB_H_
#define APCB_CLI_VERB_H_

#include <CLI/CLI.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "harness/engine.h"
#include "trace/trace.h"
#include "trace/load.h"

namespace apcb::cli {

// Exit codes shared by every verb.
inline constexpr int kHolds = 0;     // the property or conformance holds
inline constexpr int kFails = 1;     // a property failure or a divergence
inline constexpr int kBadInput = 2;  // bad input or usage

// The action of the chosen verb, run after parsing; returns the exit code.
using Action = std::function<int()>;

// Each verb's registration: adds its subcommand to `app`; sets `action` when it is chosen.
// `apcb run TRACE`: executes the trace on the reference and prints it with every observation.
// Example: add_run_verb(app, action); then `apcb run tests/traces/x.trace` sets `action`.
void add_run_verb(CLI::App& app, Action& action);
// `apcb check TRACE`: compares a trace's expectations with the reference (exit kFails on the
// first divergence).
// Example: add_check_verb(app, action); `apcb check --sut apcb-kernel-6.1.so --kernel 6.1 T`.
void add_check_verb(CLI::App& app, Action& action);
// `apcb verify`: the main job, every proof, property run and fuzz harness, with a ledger.
// Example: add_verify_verb(app, action); `apcb verify` then runs them all.
void add_verify_verb(CLI::App& app, Action& action);
// `apcb gen`: prints a random valid trace with the reference's observations.
// Example: add_gen_verb(app, action); `apcb gen --seed 1` prints one trace.
void add_gen_verb(CLI::App& app, Action& action);
// `apcb shrink TRACE`: minimises a diverging trace; exit kFails with the minimal trace.
// Example: add_shrink_verb(app, action); `apcb shrink bad.trace > small.trace`.
void add_shrink_verb(CLI::App& app, Action& action);
// `apcb explain`: per APQN and control domain of an mdev, whether its guest has it and why.
// Example: add_explain_verb(app, action); `apcb explain tests/traces/x.trace`.
void add_explain_verb(CLI::App& app, Action& action);
// `apcb prove`: proves every obligation with Z3 and prints a verdict table.
// Example: add_prove_verb(app, action); `apcb prove --width 8`.
void add_prove_verb(CLI::App& app, Action& action);

// Adds `--engine impl|model` to a verb (default: the reference implementation).
// Example: harness::EngineKind kind{}; add_engine_option(*run, kind); `--engine model` then sets
//   kind = EngineKind::model; `--engine x` is a usage error (exit kBadInput).
void add_engine_option(CLI::App& verb, harness::EngineKind& kind);
// --kernel 6.0|6.1|…|6.19|latest: the kernel profile the reference follows (model/kernel.h).
// Example: add_kernel_option(*check, kernel); `--kernel 6.1` sets KernelVersion::v6_1;
//   `--kernel 6.2` is a usage error naming the accepted versions.
// Returns the option, so a verb can tell whether it was given (a trace's `# kernel: V` or a
// plugin's declaration applies only when it was not).
CLI::Option* add_kernel_option(CLI::App& verb, model::KernelVersion& kernel);
// `check --sut` and `shrink --sut`: the profile the plugin at `plugin_path` declares
// (apcb_sut_kernel_version, read in a child process within `time_limit`) becomes `kernel` unless
// --kernel was given (`kernel_given`); either way the choice is said on stderr, prefixed by
// `verb`. False (after saying why) when the plugin declares a name apcb has no profile for.
// Example: follow_plugin_kernel("apcb check", "apcb-kernel-6.1.so", 10s, false, k) sets k = v6_1.
bool follow_plugin_kernel(const std::string& verb, const std::string& plugin_path,
                          std::chrono::milliseconds time_limit, bool kernel_given, model::KernelVersion& kernel);

}  // namespace apcb::cli

#endif  // APCB_CLI_VERB_H_
