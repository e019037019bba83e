// apcb gen --seed S --ops N: a random valid trace, weighted toward interesting cases, with
// every expectation filled in by the reference: a conformance test to drive another
// implementation with. The same seed gives the same trace.
#include <iostream>
#include <memory>

#include "cli/engine.h"
#include "cli/verb.h"
#include "model/generate.h"

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
      model::RandomOps random(opt->seed);
      model::Trace trace;
      trace.comments.push_back("# apcb gen --seed " + std::to_string(opt->seed) + " --ops " + std::to_string(opt->ops));
      trace.params = random.params();
      trace.config = random.config();
      auto engine = make_model_engine(trace.initial_state());
      for (int i = 0; i < opt->ops; ++i) {
        model::TraceStep step{random.next(engine->state()), std::nullopt, 0, {}};
        model::Observation obs = engine->apply(step.op);
        if (opt->expectations) step.expected = std::move(obs);
        trace.steps.push_back(std::move(step));
      }
      std::cout << model::format_trace(trace);
      return kHolds;
    };
  });
}

}  // namespace apcb::cli
