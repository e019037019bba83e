// libFuzzer harness: the reference implementation against the model, step by step.
//
// The input decodes (fuzz/op_decoder.h) to a host and up to 32 operations of the whole
// alphabet, some with an injected fault. Each runs in lockstep on the model and impl::Host
// (tests/impl/lockstep.h): observations compared with model::equivalent, the structural
// invariants, P6 and P8 after every step; the implementation's state and queue tables
// compared with the model's every 8th step and at the end; a fired fault must fail the
// operation atomically (checked on the whole snapshot). Any disagreement aborts
// after printing the run as a trace (model/trace.h) to stderr.
//
// Environment:
//   APCB_FUZZ_TRACE_OUT=FILE  also write the decoded run as a trace to FILE (before it runs,
//                             so a sanitizer crash still leaves it): how scripts/fuzz-campaign
//                             turns a crash input into a trace.
//   APCB_MUTANT=NAME          switch on a test-only mutant (impl/testing_mutant.h), to show the
//                             harness finds it.
#include <malloc.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "fuzz/op_decoder.h"
#include "impl/testing_mutant.h"
#include "model/trace.h"
#include "tests/impl/lockstep.h"

namespace {

// Reads the environment once (LLVMFuzzerInitialize is not called by the replay driver).
struct Settings {
  const char* trace_out = nullptr;
  Settings() {
    // Each input builds a Host, whose queue array (512 KiB) would otherwise be mapped and
    // unmapped by malloc on every input: page faults were a tenth of the run time.
    mallopt(M_MMAP_THRESHOLD, 64 << 20);
    trace_out = std::getenv("APCB_FUZZ_TRACE_OUT");
    if (const char* m = std::getenv("APCB_MUTANT")) {
      const auto mutant = apcb::impl::testing_mutant_from_name(m);
      if (!mutant) {
        std::fprintf(stderr, "fuzz_ops: unknown APCB_MUTANT '%s'\n", m);
        std::exit(2);
      }
      apcb::impl::set_testing_mutant(*mutant);
    }
  }
};

const Settings& settings() {
  static const Settings s;
  return s;
}

void write_trace(const std::uint8_t* data, std::size_t size, const char* path) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << apcb::model::format_trace(apcb::fuzz::decode_trace(data, size));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace apcb;
  const Settings& env = settings();
  if (env.trace_out != nullptr) write_trace(data, size, env.trace_out);
  fuzz::OpDecoder dec(data, size);
  const model::HostParams params = dec.params();
  const model::Matrix cfg = dec.config();
  impl::testing::Lockstep ls(params, cfg, impl::HostOptions{1});
  // The whole-state comparison (snapshot, queue tables, structure) is most of a step's cost;
  // every 8th step and at the end it still catches a divergence that no observation shows.
  ls.state_check_period = 8;
  std::size_t steps = 0;
  bool more = true;
  while (more) {
    auto step = dec.next(ls.s);
    if (step) {
      ++steps;
      if (step->fault != 0)
        ls.run_with_fault(step->op, step->fault);
      else
        ls.run(step->op);
    } else {
      ls.check_states();
      more = false;
    }
    if (ls.mismatches.empty() && ls.violations.empty()) continue;
    std::string why = ls.report();
    for (const model::Violation& v : ls.violations) why += v.property + ": " + v.detail + "\n";
    std::fprintf(stderr, "fuzz_ops: the implementation disagrees with the model\n%s\ntrace (expectations are the model's):\n%s",
                 why.c_str(), model::format_trace(fuzz::decode_trace(data, size, steps)).c_str());
    std::abort();
  }
  return 0;
}
