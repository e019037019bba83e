// apcb — the command-line tool. Each verb lives in its own verb_*.cpp.
//
// Exit codes, for every verb: 0 the property or conformance holds, 1 a failure or divergence,
// 2 bad input or usage (the message names the file, line and column).
#include <CLI/CLI.hpp>

#include "cli/verb.h"

int main(int argc, char** argv) {
  CLI::App app{"apcb: the formally checked reference of the s390 vfio_ap matrix device.\n"
               "Exit codes: 0 holds, 1 failure or divergence, 2 bad input or usage."};
  app.require_subcommand(1);
  apcb::cli::Action action;
  apcb::cli::add_run_verb(app, action);
  apcb::cli::add_check_verb(app, action);
  apcb::cli::add_verify_verb(app, action);
  apcb::cli::add_gen_verb(app, action);
  apcb::cli::add_shrink_verb(app, action);
  apcb::cli::add_explain_verb(app, action);
  apcb::cli::add_prove_verb(app, action);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : apcb::cli::kBadInput;
  }
  return action ? action() : apcb::cli::kBadInput;
}
