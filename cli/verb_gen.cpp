// apcb gen --seed S --ops N: a random valid trace, weighted toward interesting cases, with
// every expectation filled in by the reference: a conformance test to drive another
// implementation with. The same seed gives the same trace.
#include <iostream>
#include <memory>

#include "cli/conformance.h"
#include "cli/verb.h"

namespace apcb::cli {

void add_gen_verb(CLI::App& app, Action& action) {
  struct Options {
    std::uint64_t seed = 1;
    int ops = 50;
    bool expectations = true;
  };
  auto opt = std::make_shared<Options>();
  auto* gen = app.add_subcommand("gen", "Print a random valid trace (host events, sysfs writes and "
                                        "reads, guests) with the reference's observations");
  gen->add_option("--seed", opt->seed, "random seed; the same seed gives the same trace")->capture_default_str();
  gen->add_option("--ops", opt->ops, "number of operations")->capture_default_str()->check(CLI::Range(0, 10000000));
  gen->add_flag("!--no-expect", opt->expectations, "omit the expectations (a plain workload)");
  gen->callback([&action, opt] {
    action = [opt] {
      const model::Trace trace = generate_trace(opt->seed, opt->ops, opt->expectations);
      std::cout << model::format_trace(trace);
      return kHolds;
    };
  });
}

}  // namespace apcb::cli
