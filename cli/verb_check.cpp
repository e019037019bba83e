// apcb check TRACE: compare a trace's expectations with the reference and report the first
// divergence with the state around it.
#include <iostream>

#include "cli/conformance.h"
#include "cli/verb.h"

namespace apcb::cli {

void add_check_verb(CLI::App& app, Action& action) {
  auto path = std::make_shared<std::string>();
  auto* check = app.add_subcommand("check", "Compare a trace's expectations with the reference; "
                                            "report the first divergence with a state dump");
  check->add_option("TRACE", *path, "trace file with expectations")->required();
  check->callback([&action, path] {
    action = [path] {
      auto trace = load_trace(*path);
      if (!trace) return kBadInput;
      CheckResult r = check_trace(*trace);
      if (r.divergence) {
        std::cout << divergence_report(*path, *trace, *r.divergence);
        return kFails;
      }
      std::cout << *path << ": conforms (" << r.checked << " steps checked, " << r.unchecked
                << " without expectations)\n";
      return kHolds;
    };
  });
}

}  // namespace apcb::cli
