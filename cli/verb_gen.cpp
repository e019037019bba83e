// apcb gen --seed S --ops N: a random valid trace, weighted toward interesting cases, with
// every expectation filled in by the reference: a conformance test to drive another
// implementation with. The same seed gives the same trace.
#include <charconv>
#include <iostream>
#include <memory>

#include "harness/conformance.h"
#include "cli/verb.h"

namespace apcb::cli {

namespace {

// --seed: a decimal number in 0..2^64-1, exactly; CLI11 alone saturates "99999999999999999999"
// and wraps "-1", and a seed that is silently another seed reproduces nothing.
std::string parse_seed(const std::string& text, std::uint64_t& seed) {
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, seed);
  if (text.empty() || ec != std::errc() || ptr != end)
    return "'" + text + "' is not a seed: a decimal number in 0..18446744073709551615";
  return {};
}

}  // namespace

void add_gen_verb(CLI::App& app, Action& action) {
  struct Options {
    std::uint64_t seed = 1;
    int ops = 50;
    bool expectations = true;
  };
  auto opt = std::make_shared<Options>();
  auto* gen = app.add_subcommand("gen", "Print a random valid trace (host events, sysfs writes and "
                                        "reads, guests) with the reference's observations");
  gen->add_option_function<std::string>(
         "--seed", [opt](const std::string& text) { parse_seed(text, opt->seed); },
         "random seed in 0..2^64-1 (default 1); the same seed gives the same trace")
      ->check(CLI::Validator(
          [](std::string& text) {
            std::uint64_t ignored = 0;
            return parse_seed(text, ignored);
          },
          "SEED"));
  gen->add_option("--ops", opt->ops, "number of operations (streamed: memory does not grow with it)")
      ->capture_default_str()
      ->check(CLI::Range(0, 10000000));
  gen->add_flag("!--no-expect", opt->expectations, "omit the expectations (a plain workload)");
  gen->callback([&action, opt] {
    action = [opt] {
      // Stops at the first failed write (a full disk, a closed pipe): main reports it, exit 2.
      harness::stream_generated_trace(opt->seed, opt->ops, opt->expectations,
                             [](std::string_view text) { return static_cast<bool>(std::cout << text); });
      return kHolds;
    };
  });
}

}  // namespace apcb::cli
