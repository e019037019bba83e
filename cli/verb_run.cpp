// apcb run TRACE: execute a trace on the reference and print it with every observation
// filled in, so the output is itself a conformance test.
#include <iostream>

#include "cli/engine.h"
#include "cli/verb.h"

namespace apcb::cli {

void add_run_verb(CLI::App& app, Action& action) {
  auto path = std::make_shared<std::string>();
  auto* run = app.add_subcommand("run", "Execute a trace on the reference and print it with every "
                                        "observation filled in (the output is a conformance test)");
  run->add_option("TRACE", *path, "trace file (docs/trace-format.md)")->required();
  run->callback([&action, path] {
    action = [path] {
      auto trace = load_trace(*path);
      if (!trace) return kBadInput;
      auto engine = make_model_engine(trace->initial_state());
      for (auto& step : trace->steps) step.expected = engine->apply(step.op);
      std::cout << model::format_trace(*trace);
      return kHolds;
    };
  });
}

}  // namespace apcb::cli
