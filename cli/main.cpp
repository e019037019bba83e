// apcb — the command-line tool. Each verb lives in its own verb_*.cpp.
//
// Exit codes, for every verb: 0 the property or conformance holds, 1 a failure or divergence,
// 2 bad input or usage (the message names the file, line and column). Nothing else: no
// exception escapes, and output that did not arrive (a full disk, a closed pipe) is exit 2.
#include <CLI/CLI.hpp>

#include <csignal>
#include <cstring>
#include <iostream>

#include "cli/verb.h"
#include "model/output_file.h"

namespace {

// The verb the user meant, when argv names none apcb has: CLI11 alone would answer "A
// subcommand is required" for `apcb chekc`, which names neither the typo nor the verbs.
bool unknown_verb(const CLI::App& app, int argc, char** argv) {
  if (argc < 2 || argv[1][0] == '-') return false;
  const std::string word = argv[1];
  std::string verbs;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    if (sub->get_name() == word) return false;
    verbs += (verbs.empty() ? "" : ", ") + sub->get_name();
  }
  std::cerr << "apcb: no verb '" << word << "' (verbs: " << verbs << "; apcb --help)\n";
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  // A file size limit then fails the write (EFBIG) instead of killing apcb: the writer reports
  // it and leaves the old file (model/output_file.h).
  std::signal(SIGXFSZ, SIG_IGN);
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
  if (unknown_verb(app, argc, argv)) return apcb::cli::kBadInput;
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : apcb::cli::kBadInput;
  }
  int rc = apcb::cli::kBadInput;
  try {
    rc = action ? action() : apcb::cli::kBadInput;
  } catch (const std::exception& e) {
    std::cout.flush();
    std::cerr << "apcb " << argv[1] << ": " << e.what() << "\n";
    return apcb::cli::kBadInput;
  }
  std::string why;
  if (!apcb::model::stdout_ok(why)) {
    std::cerr << "apcb: cannot write standard output: " << why << "\n";
    return apcb::cli::kBadInput;
  }
  return rc;
}
