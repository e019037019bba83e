// apcb CLI — how a verb plugs into the tool: one file per verb registers its subcommand and
// the action to run when it is chosen.
#ifndef APCB_CLI_VERB_H_
#define APCB_CLI_VERB_H_

#include <CLI/CLI.hpp>

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
void add_run_verb(CLI::App& app, Action& action);
void add_check_verb(CLI::App& app, Action& action);
void add_verify_verb(CLI::App& app, Action& action);
void add_gen_verb(CLI::App& app, Action& action);
void add_shrink_verb(CLI::App& app, Action& action);
void add_explain_verb(CLI::App& app, Action& action);
void add_prove_verb(CLI::App& app, Action& action);

// Adds `--engine impl|model` to a verb (default: the reference implementation).
void add_engine_option(CLI::App& verb, harness::EngineKind& kind);
// --kernel 6.1|6.12|latest: the kernel version the reference follows (model/kernel.h).
void add_kernel_option(CLI::App& verb, model::KernelVersion& kernel);

}  // namespace apcb::cli

#endif  // APCB_CLI_VERB_H_
