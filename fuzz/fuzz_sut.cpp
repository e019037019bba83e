// libFuzzer harness: an implementation under test, loaded as a plugin (sut/apcb_sut.h),
// against the model, step by step — the differential fuzzer of SPEC §4.
//
// The input decodes exactly as for fuzz_ops (harness/op_decoder.h); injected faults are ignored
// (a plugin has no fault points). Each operation goes to the plugin and to the model; an
// operation the plugin cannot comply with is skipped on both sides, as `apcb check --sut`
// does. The first observation that is not model::equivalent aborts after printing the run so
// far as a trace whose expectations are the model's (so `apcb check --sut PLUGIN` on it
// reproduces the divergence).
//
// Environment:
//   APCB_SUT_PLUGIN=LIB.so    the plugin to drive; when unset, apcb_sut_plugin.so next to
//                             the harness binary (how fuzz/build.sh ships one to OSS-Fuzz,
//                             which cannot set the environment).
//   APCB_FUZZ_TRACE_OUT=FILE  on a divergence, also write the trace to FILE.
//   APCB_SUT_KERNEL=V         the kernel version the model follows (6.1, 6.12, latest; the
//                             default), as `apcb check --sut --kernel V`: the kernel plugins
//                             (sut/kernel) are fuzzed against their own version.
//   APCB_FUZZ_MUTATOR=ops|bytes  libFuzzer's mutations: whole operations (the default) or
//                             bytes only (fuzz/internal/op_mutator_hooks.h).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "fuzz/internal/op_mutator_hooks.h"
#include "harness/op_decoder.h"
#include "model/step.h"
#include "trace/trace.h"
#include "sut/client.h"

namespace {

struct Settings {
  std::unique_ptr<apcb::sut::Plugin> plugin;
  const char* trace_out = nullptr;
  apcb::model::KernelVersion kernel = apcb::model::KernelVersion::latest;
  Settings() {
    apcb::fuzz::mutator_mode();  // a bad APCB_FUZZ_MUTATOR stops the harness before any input
    trace_out = std::getenv("APCB_FUZZ_TRACE_OUT");
    const char* k = std::getenv("APCB_SUT_KERNEL");
    const bool kernel_given = k != nullptr && *k != '\0';
    if (kernel_given) {
      const auto parsed = apcb::model::parse_kernel_version(k);
      if (!parsed) {
        std::fprintf(stderr, "fuzz_sut: APCB_SUT_KERNEL=%s: not one of %s\n", k,
                     std::string(apcb::model::kernel_version_names()).c_str());
        std::exit(2);
      }
      kernel = *parsed;
    }
    const char* env_path = std::getenv("APCB_SUT_PLUGIN");
    std::string path = env_path != nullptr ? env_path : "";
    if (path.empty()) {
      std::error_code ec;
      const auto beside = std::filesystem::read_symlink("/proc/self/exe", ec).parent_path() / "apcb_sut_plugin.so";
      if (ec || !std::filesystem::exists(beside, ec)) {
        std::fprintf(stderr, "fuzz_sut: set APCB_SUT_PLUGIN to the plugin library (LIB.so) to drive\n");
        std::exit(2);
      }
      path = beside.string();
    }
    std::string error;
    plugin = apcb::sut::Plugin::load(path, error);
    if (!plugin) {
      std::fprintf(stderr, "fuzz_sut: %s\n", error.c_str());
      std::exit(2);
    }
    // Without APCB_SUT_KERNEL, the profile the plugin declares (apcb_sut_kernel_version).
    if (const auto declared = plugin->kernel_version(); declared && !kernel_given) {
      const auto parsed = apcb::model::parse_kernel_version(*declared);
      if (!parsed) {
        std::fprintf(stderr, "fuzz_sut: %s declares kernel '%s': not one of %s\n", path.c_str(), declared->c_str(),
                     std::string(apcb::model::kernel_version_names()).c_str());
        std::exit(2);
      }
      kernel = *parsed;
    }
  }
};

// Loaded on first use (the replay driver does not call LLVMFuzzerInitialize).
const Settings& settings() {
  static const Settings s;
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace apcb;
  const Settings& env = settings();
  harness::OpDecoder dec(data, size);
  trace::Trace trace;
  trace.params = dec.params();
  trace.config = dec.config();
  auto instance = sut::Instance::create(*env.plugin, trace.params, trace.config);
  if (!instance) {
    std::fprintf(stderr, "fuzz_sut: %s could not create an instance\n", env.plugin->name().c_str());
    std::abort();
  }
  model::State s = trace.initial_state();
  s.kernel = env.kernel;
  while (auto step = dec.next(s)) {
    const std::optional<model::Observation> theirs = instance->apply(step->op);
    if (!theirs) continue;  // cannot comply: skipped on both sides
    model::Observation ours = model::apply(s, step->op);
    trace.steps.push_back(trace::TraceStep{step->op, ours, 0, {}});
    if (model::equivalent(*theirs, ours)) continue;
    trace.steps.back().comments.push_back("# " + env.plugin->name() + " diverges here; it observed:");
    std::string theirs_text = trace::format_observation(*theirs);
    for (std::size_t at = 0; at < theirs_text.size();) {
      const std::size_t nl = theirs_text.find('\n', at);
      trace.steps.back().comments.push_back("#   " + theirs_text.substr(at, nl - at));
      at = nl == std::string::npos ? theirs_text.size() : nl + 1;
    }
    const std::string text = trace::format_trace(trace);
    std::fprintf(stderr, "fuzz_sut: %s diverges from the model at step %zu\ntrace (expectations are the model's):\n%s",
                 env.plugin->name().c_str(), trace.steps.size(), text.c_str());
    if (env.trace_out != nullptr) std::ofstream(env.trace_out, std::ios::binary | std::ios::trunc) << text;
    std::abort();
  }
  return 0;
}
