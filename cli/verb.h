// apcb CLI — how a verb plugs into the tool: one file per verb registers its subcommand and
// the action to run when it is chosen.
#ifndef APCB_CLI_VERB_H_
#define APCB_CLI_VERB_H_

#include <CLI/CLI.hpp>

#include <functional>
#include <optional>
#include <string>

#include "cli/engine.h"
#include "model/trace.h"

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
void add_engine_option(CLI::App& verb, EngineKind& kind);
// --kernel 6.1|6.12|latest: the kernel version the reference follows (model/kernel.h).
void add_kernel_option(CLI::App& verb, model::KernelVersion& kernel);

// The whole text of the input file `path` ("-": standard input); on failure (absent, a
// directory, unreadable) prints "PATH: cannot read the WHAT: reason" to stderr and returns
// nullopt (the caller exits with kBadInput).
//
// Example: read_input("-", "trace") reads standard input; read_input("/tmp", "trace") prints
// "/tmp: cannot read the trace: Is a directory".
std::optional<std::string> read_input(const std::string& path, const std::string& what);

// Reads ("-": standard input, named <stdin> in messages) and parses a trace file; on failure
// prints the positioned error to stderr and returns nullopt (the caller exits with kBadInput).
//
// Example: auto trace = load_trace("tests/traces/hotplug.trace"); if (!trace) return kBadInput;
std::optional<model::Trace> load_trace(const std::string& path);

}  // namespace apcb::cli

#endif  // APCB_CLI_VERB_H_
