// apcb harness — the body of the fuzz_ops harness, shared with the benchmark that measures its speed
// (bench/apcb_bench.cpp, BM_FuzzOpsInput), so the figure is the harness's own cost.
#ifndef APCB_HARNESS_OPS_LOCKSTEP_H_
#define APCB_HARNESS_OPS_LOCKSTEP_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "harness/op_decoder.h"
#include "trace/trace.h"
#include "harness/lockstep.h"

namespace apcb::harness {

// Decodes `data` (op_decoder.h) and runs the host and its operations in lockstep on the model
// and impl::Host (harness/lockstep.h), injecting the decoded faults: observations,
// structural invariants, P6 and P8 after every step; the whole implementation state every
// 8th step and at the end. Returns "" when they agreed throughout; otherwise what disagreed
// followed by the run up to the failing step as a trace (trace/trace.h), whose expectations
// are the model's. Any bytes are a valid input.
//
// Example: const std::string why = run_ops_lockstep(data, size); APCB_FUZZ_CHECK(why.empty());
inline std::string run_ops_lockstep(const std::uint8_t* data, std::size_t size) {
  OpDecoder dec(data, size);
  const model::HostParams params = dec.params();
  const model::Matrix cfg = dec.config();
  harness::Lockstep ls(params, cfg, impl::HostOptions{1});
  // The whole-state comparison (snapshot, queue tables, structure) is most of a step's cost;
  // every 8th step and at the end it still catches a divergence that no observation shows.
  ls.state_check_period = 8;
  std::size_t steps = 0;
  for (;;) {
    const auto step = dec.next(ls.s);
    if (step) {
      ++steps;
      if (step->fault != 0)
        ls.run_with_fault(step->op, step->fault);
      else
        ls.run(step->op);
    } else {
      ls.check_states();
    }
    if (!ls.mismatches.empty() || !ls.violations.empty()) {
      std::string why = ls.report();
      for (const model::Violation& v : ls.violations) why += v.property + ": " + v.detail + "\n";
      return why + "\ntrace (expectations are the model's):\n" +
             trace::format_trace(decode_trace(data, size, steps));
    }
    if (!step) return "";
  }
}

}  // namespace apcb::harness

#endif  // APCB_HARNESS_OPS_LOCKSTEP_H_
