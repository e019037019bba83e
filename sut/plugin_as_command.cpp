// apcb_plugin_as_command PLUGIN: a plugin (apcb_sut.h) as a command that speaks the trace
// protocol of `apcb check --sut-cmd` (sut/README.md, "Driving a command: --sut-cmd"): reads a
// trace on standard input, drives the plugin in this process (sut/client.h) on its `host init`
// and steps, and prints the trace with the plugin's observation of every step as its
// expectation; a step the plugin cannot comply with is printed without one.
//
//   apcb check --sut-cmd 'apcb_plugin_as_command build/sut/apcb_buggy_sut.so' TRACE
//
// Exit 0 when every step was answered; 2 on bad usage, a trace that does not parse, a plugin
// that cannot be loaded, that cannot create the instance, or that answers a status code
// apcb_sut.h does not define (nothing is printed then: apcb reports the exit). A plugin that
// crashes takes this process with it, which apcb reports as a finding of the implementation.
#include <iostream>
#include <string>

#include "sut/client.h"
#include "trace/load.h"
#include "trace/trace.h"

int main(int argc, char** argv) {
  if (argc != 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h") {
    std::cerr << "usage: apcb_plugin_as_command PLUGIN < TRACE > TRACE-WITH-OBSERVATIONS\n";
    return argc == 2 ? 0 : 2;
  }
  const std::string path = argv[1];
  std::string error;
  auto plugin = apcb::sut::Plugin::load(path, error);
  if (!plugin) {
    std::cerr << error << "\n";
    return 2;
  }
  auto trace = apcb::trace::load_trace("-");
  if (!trace) return 2;
  auto instance = apcb::sut::Instance::create(*plugin, trace->params, trace->config);
  if (!instance) {
    std::cerr << path << ": the plugin could not create an instance for the trace's host (create returned NULL)\n";
    return 2;
  }
  for (std::size_t i = 0; i < trace->steps.size(); ++i) {
    auto& step = trace->steps[i];
    const auto applied = instance->apply_with_status(step.op);
    if (applied.status != APCB_SUT_OK && applied.status != APCB_SUT_CANNOT_COMPLY) {
      std::cerr << "<stdin>:" << step.line << ": " << plugin->name() << " answered status code " << applied.status
                << " at step " << i + 1 << " (apcb_sut.h defines 0 and 1)\n";
      return 2;
    }
    step.expected = applied.observation;
  }
  // The observations state every signal exactly when the plugin reports them (ABI minor 1 on).
  trace->observes_signals = plugin->sees_signals();
  std::cout << apcb::trace::format_trace(*trace);
  std::cout.flush();
  return std::cout ? 0 : 2;
}
