// apcb gen --seed S --ops N: a random valid trace, weighted toward interesting cases, with
// every expectation filled in by the reference: a conformance test to drive another
// implementation with. The same seed (and knobs) gives the same trace. Knobs: --weights,
// --mdevs, --guests, --host, --reads (harness::GeneratorKnobs). `--stats` prints what a batch
// of traces reached instead (harness/reach.h).
#include <charconv>
#include <iostream>
#include <memory>
#include <string_view>

#include "harness/conformance.h"
#include "harness/generate.h"
#include "harness/reach.h"
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

constexpr int kMaxWeight = 1000;

// The kinds' names, for messages.
std::string kind_names() {
  std::string out;
  for (const model::OpInfo& info : model::kAlphabet) out += (out.empty() ? "" : ", ") + std::string(info.name);
  return out;
}

// --weights KIND=N[,KIND=N...] into `weights` (the kinds named change, the others keep their
// value); an error message naming the bad part (CLI11 puts "--weights: " before it), or "".
std::string parse_weights(const std::string& text, std::array<int, harness::kOpKinds>& weights) {
  std::string_view rest = text;
  std::array<bool, harness::kOpKinds> named{};  // a kind named twice is a typo, not "the last wins"
  if (rest.empty()) return "expected KIND=N[,KIND=N...]";
  while (true) {
    const std::size_t comma = rest.find(',');
    const std::string_view item = rest.substr(0, comma);
    const std::size_t eq = item.find('=');
    if (eq == std::string_view::npos)
      return "'" + std::string(item) + "' is not KIND=N";
    const std::string_view name = item.substr(0, eq);
    const std::string_view number = item.substr(eq + 1);
    std::size_t kind = harness::kOpKinds;
    for (std::size_t i = 0; i < harness::kOpKinds; ++i)
      if (model::kAlphabet[i].name == name) kind = i;
    if (kind == harness::kOpKinds)
      return "unknown operation kind '" + std::string(name) + "' (kinds: " + kind_names() + ")";
    int value = 0;
    const auto [ptr, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
    if (number.empty() || ec != std::errc() || ptr != number.data() + number.size() || value < 0 ||
        value > kMaxWeight)
      return "'" + std::string(number) + "' for " + std::string(name) +
             " is not a weight: a whole number in 0.." + std::to_string(kMaxWeight);
    if (named[kind]) return std::string(name) + " is given twice";
    named[kind] = true;
    weights[kind] = value;
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return {};
}

// The checks across options: an error message or "".
std::string check_knobs(const harness::GeneratorKnobs& k, bool reads_given) {
  int reads = 0, mutations = 0;
  for (std::size_t i = 0; i < harness::kOpKinds; ++i)
    (model::kAlphabet[i].mutates ? mutations : reads) += k.weights[i];
  if (reads + mutations == 0) return "--weights: every kind weighs 0; nothing to draw";
  if (reads_given && k.read_percent > 0 && reads == 0)
    return "--reads " + std::to_string(k.read_percent) + ": every read kind weighs 0 (--weights)";
  if (reads_given && k.read_percent < 100 && mutations == 0)
    return "--reads " + std::to_string(k.read_percent) + ": every mutating kind weighs 0 (--weights)";
  return {};
}

}  // namespace

void add_gen_verb(CLI::App& app, Action& action) {
  struct Options {
    std::uint64_t seed = 1;
    int ops = 50;
    bool expectations = true;
    bool stats = false;
    int traces = 100;
    harness::GeneratorKnobs knobs = harness::GeneratorKnobs::defaults();
    std::string host = "random";
  };
  auto opt = std::make_shared<Options>();
  const harness::GeneratorKnobs d = harness::GeneratorKnobs::defaults();
  auto* gen = app.add_subcommand("gen", "Print a random valid trace (host events, sysfs writes and "
                                        "reads, guests) with the reference's observations");
  gen->add_option_function<std::string>(
         "--seed", [opt](const std::string& text) { parse_seed(text, opt->seed); },
         "random seed in 0..2^64-1 (default 1); the same seed and knobs give the same trace")
      ->check(CLI::Validator(
          [](std::string& text) {
            std::uint64_t ignored = 0;
            return parse_seed(text, ignored);
          },
          "SEED"));
  auto* ops = gen->add_option("--ops", opt->ops,
                              "number of operations per trace, 0..10000000 (default 50; 100 with "
                              "--stats; streamed: memory does not grow with it)")
                  ->check(CLI::Range(0, 10000000));
  gen->add_flag("!--no-expect", opt->expectations, "omit the expectations (a plain workload)");
  gen->add_option_function<std::string>(
         "--weights",
         [opt](const std::string& text) { parse_weights(text, opt->knobs.weights); },
         "relative weights of operation kinds, KIND=N[,KIND=N...] with N in 0.." +
             std::to_string(kMaxWeight) +
             "; KIND as the alphabet names it (config_change, attr_write, read_queue_status, ...; "
             "docs/trace-format.md); kinds not named keep their default weight; 0 never draws the kind")
      ->check(CLI::Validator(
          [](std::string& text) {
            std::array<int, harness::kOpKinds> ignored{};
            return parse_weights(text, ignored);
          },
          "KIND=N,..."));
  gen->add_option("--mdevs", opt->knobs.mdev_uuids,
                  "the pool of mdev UUIDs, 1..255 (default " + std::to_string(d.mdev_uuids) +
                      "): creations mostly name a pool UUID no mdev has, so a trace tends toward "
                      "this many mdevs at once")
      ->check(CLI::Range(1, 255));
  gen->add_option("--guests", opt->knobs.guests,
                  "guests 0..N-1 that may be created, 1..64 (default " + std::to_string(d.guests) + ")")
      ->check(CLI::Range(1, 64));
  gen->add_option("--host", opt->host,
                  "the host's shape: apxa (APXA, maxima 255/255), non-apxa (63/15) or random "
                  "(default: per trace APXA 255/255, APXA 255/84 or non-APXA 63/15 = 2:1:1)")
      ->check(CLI::IsMember({"apxa", "non-apxa", "random"}));
  auto* reads = gen->add_option("--reads", opt->knobs.read_percent,
                                "the percentage of operations that are reads (cat, vcpu read), 0..100 "
                                "(default " + std::to_string(d.read_percent) +
                                    "); among themselves reads draw by --weights, and most read what "
                                    "the last mutation affected")
                    ->check(CLI::Range(0, 100));
  add_kernel_option(*gen, opt->knobs.kernel);
  gen->add_flag("--stats", opt->stats,
                "print no trace: run a batch of --traces traces (seeds S, S+1, ...) on the reference "
                "and print what it reached (every operation kind, observation kind, errno of each "
                "operation and attribute, reset response code and explain reason), what it did not, "
                "and a summary line 'reached X of Y'; exit 0");
  gen->add_option("--traces", opt->traces, "with --stats: the batch size, 1..100000 (default 100)")
      ->check(CLI::Range(1, 100000))
      ->needs("--stats");
  gen->callback([&action, opt, ops, reads] {
    action = [opt, ops, reads] {
      harness::GeneratorKnobs& k = opt->knobs;
      if (opt->host == "apxa") k.host = harness::HostShape::apxa;
      if (opt->host == "non-apxa") k.host = harness::HostShape::non_apxa;
      if (const std::string why = check_knobs(k, reads->count() > 0); !why.empty()) {
        std::cerr << "apcb gen: " << why << "\n";
        return kBadInput;
      }
      if (opt->stats) {
        const int per_trace = ops->count() > 0 ? opt->ops : 100;
        harness::ReachCounter reach(k.kernel);
        for (int i = 0; i < opt->traces; ++i)
          reach.add_trace(harness::generate_trace(opt->seed + static_cast<std::uint64_t>(i), per_trace, false,
                                                  nullptr, k));
        std::cout << "# apcb gen --stats --seed " << opt->seed << " --traces " << opt->traces << " --ops "
                  << per_trace << harness::knob_flags(k) << "\n"
                  << harness::render_reach(reach);
        return kHolds;
      }
      // Stops at the first failed write (a full disk, a closed pipe): main reports it, exit 2.
      harness::stream_generated_trace(
          opt->seed, opt->ops, opt->expectations,
          [](std::string_view text) { return static_cast<bool>(std::cout << text); }, k);
      return kHolds;
    };
  });
}

}  // namespace apcb::cli
