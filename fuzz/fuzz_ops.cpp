// libFuzzer harness: the reference implementation against the model, step by step.
//
// The input decodes (harness/op_decoder.h) to a host and up to 32 operations of the whole
// alphabet, some with an injected fault. Each runs in lockstep on the model and impl::Host
// (harness/lockstep.h): observations compared with model::equivalent, the structural
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
//   APCB_FUZZ_MUTATOR=ops|bytes  libFuzzer's mutations: whole operations (the default) or
//                             bytes only (fuzz/internal/op_mutator_hooks.h).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "fuzz/internal/op_mutator_hooks.h"
#include "harness/op_decoder.h"
#include "harness/ops_lockstep.h"
#include "impl/testing_mutant.h"
#include "trace/trace.h"

namespace {

// Reads the environment once (LLVMFuzzerInitialize is not called by the replay driver).
struct Settings {
  const char* trace_out = nullptr;
  Settings() {
    apcb::fuzz::mutator_mode();  // a bad APCB_FUZZ_MUTATOR stops the harness before any input
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
  out << apcb::trace::format_trace(apcb::harness::decode_trace(data, size));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const Settings& env = settings();
  if (env.trace_out != nullptr) write_trace(data, size, env.trace_out);
  const std::string failure = apcb::harness::run_ops_lockstep(data, size);
  if (failure.empty()) return 0;
  std::fprintf(stderr, "fuzz_ops: the implementation disagrees with the model\n%s", failure.c_str());
  std::abort();
}
