// apcb benchmarks. After the runs, the filter's speed-up (per-APQN loop time / word-parallel
// time) is printed per size, so the ratio comes from one run on one machine.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdio>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "harness/conformance.h"
#include "sut/client.h"
#include "harness/ops_lockstep.h"
#include "impl/host.h"
#include "impl/kvm/vcpu_thread.h"
#include "model/filter.h"
#include "model/step.h"
#include "trace/reader.h"

namespace {

using apcb::model::ApId;
using apcb::model::Apqn;
using apcb::model::Mask;
using apcb::model::Matrix;
using apcb::model::State;

constexpr const char* kUuid = "11111111-1111-1111-1111-111111111111";

// A host with every queue bound to vfio_ap and one mdev assigned n × n (adapters and domains
// 0..n−1). Every 7th adapter has one queue whose last reset failed, so the filter drops some
// adapters and has to look at every row.
State filter_state(int n) {
  const apcb::model::HostParams params{true, 255, 255};
  State s = State::initial(params, Matrix{Mask::up_to(255), Mask::up_to(255), Mask::up_to(255)});
  s.apmask = Mask{};
  s.aqmask = Mask{};
  apcb::model::Mdev m;
  m.uuid = kUuid;
  m.assigned = Matrix{Mask::up_to(n - 1), Mask::up_to(n - 1), Mask::up_to(n - 1)};
  s.mdevs.push_back(m);
  for (int a = 0; a < n; a += 7)
    s.last_response[Apqn{static_cast<ApId>(a), static_cast<ApId>((a * 3) % n)}.packed()] =
        apcb::model::response::busy;
  return s;
}

// The full filter as the model computes it: one 256-bit subset test per assigned adapter.
void BM_FilterWordParallel(benchmark::State& state) {
  const State s = filter_state(static_cast<int>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(apcb::model::filter_matrix(s, s.mdevs[0]));
  state.SetItemsProcessed(state.iterations() * state.range(0) * state.range(0));
}

// The same filter written the straightforward way: every APQN of A0 × Q0 tested on its own.
void BM_FilterPerApqn(benchmark::State& state) {
  const State s = filter_state(static_cast<int>(state.range(0)));
  const apcb::model::Mdev& m = s.mdevs[0];
  for (auto _ : state) {
    Matrix f;
    const Mask a0 = m.assigned.adapters & s.cfg.adapters;
    f.domains = m.assigned.domains & s.cfg.domains;
    a0.for_each([&](ApId a) {
      bool all = true;
      f.domains.for_each([&](ApId d) { all = all && apcb::model::passable(s, m, Apqn{a, d}); });
      if (all) f.adapters.set(a);
    });
    f.control_domains = m.assigned.control_domains & s.cfg.control_domains;
    benchmark::DoNotOptimize(f);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0) * state.range(0));
}

BENCHMARK(BM_FilterWordParallel)->Arg(8)->Arg(64)->Arg(256);
BENCHMARK(BM_FilterPerApqn)->Arg(8)->Arg(64)->Arg(256);

// `apcb gen --seed 1 --ops 100000`: a full-width (APXA, IDs to 255) random trace, weighted
// toward interesting cases, with mdevs, guests and commits.
const apcb::trace::Trace& replay_trace() {
  static const apcb::trace::Trace trace = [] {
    apcb::trace::Trace t;
    for (std::uint64_t seed = 1;; ++seed) {  // the first seed whose host is APXA
      t = apcb::harness::generate_trace(seed, 100000, false);
      if (t.params.apxa) return t;
    }
  }();
  return trace;
}

// Trace replay through the reference implementation (what `apcb run` does per step).
void BM_ReplayImpl(benchmark::State& state) {
  const apcb::trace::Trace& trace = replay_trace();
  apcb::model::Observation obs;
  for (auto _ : state) {
    state.PauseTiming();
    auto host = std::make_unique<apcb::impl::Host>(trace.params, trace.config);
    state.ResumeTiming();
    for (const apcb::trace::TraceStep& step : trace.steps) host->apply(step.op, obs);
    state.PauseTiming();
    host.reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(trace.steps.size()));
}

// The same trace through the executable model.
void BM_ReplayModel(benchmark::State& state) {
  const apcb::trace::Trace& trace = replay_trace();
  for (auto _ : state) {
    State s = trace.initial_state();
    for (const apcb::trace::TraceStep& step : trace.steps)
      benchmark::DoNotOptimize(apcb::model::apply(s, step.op));
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(trace.steps.size()));
}

BENCHMARK(BM_ReplayImpl)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_ReplayModel)->Unit(benchmark::kMillisecond)->UseRealTime();

// What `apcb check` does per step on the same trace, with expectations, as text: read it step by
// step (trace::TraceReader), run it on the reference implementation and compare
// (harness::check_steps; as for a trace file, the state before a divergence would be found again
// by re-reading, which a conforming trace never asks for). BM_ReplayImpl is its limit.
void BM_CheckStream(benchmark::State& state) {
  static const std::string text = [] {
    for (std::uint64_t seed = 1;; ++seed) {  // the same trace as replay_trace(), with expectations
      apcb::trace::Trace t = apcb::harness::generate_trace(seed, 100000, true);
      if (t.params.apxa) return apcb::trace::format_trace(t);
    }
  }();
  std::size_t steps = 0;
  for (auto _ : state) {
    std::istringstream in(text);
    apcb::trace::TraceReader reader(in, "bench.trace");
    if (!reader.start()) state.SkipWithError("the trace does not read");
    const auto r = apcb::harness::check_steps(
        reader.params(), reader.config(), [&](apcb::trace::TraceStep& step) { return reader.next(step); },
        apcb::harness::EngineKind::impl, apcb::model::KernelVersion::latest,
        [](const apcb::harness::Divergence&) { return false; },
        [](std::size_t) { return apcb::model::State{}; });  // never called: the trace conforms
    if (r.divergence || reader.error()) state.SkipWithError("the trace diverges or is bad");
    steps = r.checked;
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(steps));
  state.counters["trace_MB"] = static_cast<double>(text.size()) / 1e6;
}

BENCHMARK(BM_CheckStream)->Unit(benchmark::kMillisecond)->UseRealTime();

// The same trace through plugins (sut/apcb_sut.h), as `apcb check --sut` drives them: the
// reference implementation behind the ABI, and the real vfio_ap drivers of Linux 6.1 and 6.12
// (sut/kernel), side by side. The kernel plugins' figure is what a kernel conformance campaign
// runs at. Arg: 0 impl plugin, 1 apcb-kernel-6.1, 2 apcb-kernel-6.12.
void BM_ReplayPlugin(benchmark::State& state) {
  static const char* const paths[] = {APCB_BENCH_IMPL_PLUGIN, APCB_BENCH_KERNEL_6_1, APCB_BENCH_KERNEL_6_12};
  const char* path = paths[state.range(0)];
  std::string error;
  auto plugin = apcb::sut::Plugin::load(path, error);
  if (!plugin) {
    state.SkipWithError(error.c_str());
    return;
  }
  state.SetLabel(plugin->name().substr(0, plugin->name().find(' ')));
  const apcb::trace::Trace& trace = replay_trace();
  for (auto _ : state) {
    state.PauseTiming();
    auto instance = apcb::sut::Instance::create(*plugin, trace.params, trace.config);
    state.ResumeTiming();
    for (const apcb::trace::TraceStep& step : trace.steps) benchmark::DoNotOptimize(instance->apply(step.op));
    state.PauseTiming();
    instance.reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(trace.steps.size()));
}
BENCHMARK(BM_ReplayPlugin)->Arg(0)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

// The fuzz_ops harness on inputs that decode to 32 operations (harness/ops_lockstep.h, without
// libFuzzer's own bookkeeping): 64 fixed random inputs, run in turn. items/s is inputs per
// second on one core; the target is 20,000.
const std::vector<std::vector<std::uint8_t>>& fuzz_ops_inputs() {
  static const std::vector<std::vector<std::uint8_t>> inputs = [] {
    std::vector<std::vector<std::uint8_t>> out;
    std::mt19937_64 rng(1);
    while (out.size() < 64) {
      std::vector<std::uint8_t> bytes(512);
      for (std::uint8_t& b : bytes) b = static_cast<std::uint8_t>(rng());
      const apcb::trace::Trace t = apcb::harness::decode_trace(bytes.data(), bytes.size());
      if (t.steps.size() == static_cast<std::size_t>(apcb::harness::kMaxOps)) out.push_back(std::move(bytes));
    }
    return out;
  }();
  return inputs;
}

void BM_FuzzOpsInput(benchmark::State& state) {
  const auto& inputs = fuzz_ops_inputs();
  std::size_t i = 0;
  for (auto _ : state) {
    const std::vector<std::uint8_t>& in = inputs[i++ % inputs.size()];
    const std::string failure = apcb::harness::run_ops_lockstep(in.data(), in.size());
    if (!failure.empty()) {
      state.SkipWithError("fuzz_ops input failed: the implementation disagrees with the model");
      std::fputs(failure.c_str(), stderr);
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["ops/s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * apcb::harness::kMaxOps), benchmark::Counter::kIsRate);
}

BENCHMARK(BM_FuzzOpsInput)->Unit(benchmark::kMicrosecond);

// Commit latency: a guest with a 256 × 256 mdev, range(0) vCPU threads reading its CRYCB in a
// loop; each iteration assigns then unassigns one adapter, two commits that each block every
// vCPU out of SIE, write the triple and unblock.
void BM_CommitLatency(benchmark::State& state) {
  using namespace apcb::model;
  const int readers = static_cast<int>(state.range(0));
  const HostParams params{true, 255, 255};
  const Matrix all{Mask::up_to(255), Mask::up_to(255), Mask::up_to(255)};
  apcb::impl::Host host(params, all, apcb::impl::HostOptions{readers + 1});
  const std::string ones = "0x" + std::string(64, 'f');
  for (const Op& op : std::vector<Op>{
           op::BusMaskWrite{BusMask::apmask, "0x0"}, op::BusMaskWrite{BusMask::aqmask, "0x0"},
           op::MdevCreate{kUuid}, op::AttrWrite{kUuid, MdevAttr::ap_config, ones + "," + ones + "," + ones},
           op::AttrWrite{kUuid, MdevAttr::unassign_adapter, "5"}, op::GuestCreate{1, true},
           op::GuestAttach{kUuid, 1}}) {
    if (host.apply(op).result != Errno::ok) {
      state.SkipWithError("setup failed");
      return;
    }
  }
  std::vector<std::unique_ptr<apcb::impl::kvm::VcpuThread>> vcpus;
  for (int v = 1; v <= readers; ++v)
    vcpus.push_back(std::make_unique<apcb::impl::kvm::VcpuThread>(*host.guest(1), v,
                                                                  [](const Matrix&) {}));
  const Op assign = op::AttrWrite{kUuid, MdevAttr::assign_adapter, "5"};
  const Op unassign = op::AttrWrite{kUuid, MdevAttr::unassign_adapter, "5"};
  Observation obs;
  for (auto _ : state) {
    host.apply(assign, obs);
    host.apply(unassign, obs);
  }
  std::uint64_t reads = 0;
  for (auto& v : vcpus) {
    v->stop();
    reads += v->instructions();
  }
  state.SetItemsProcessed(state.iterations() * 2);  // commits
  state.counters["vcpu_reads"] = benchmark::Counter(static_cast<double>(reads));
}

BENCHMARK(BM_CommitLatency)->Arg(0)->Arg(1)->Arg(2)->Arg(4)->Arg(8)->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

// Remembers every run's real time per iteration so main can print the filter's ratio.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  explicit RatioReporter(OutputOptions options) : ConsoleReporter(options) {}
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& r : runs) times_[r.benchmark_name()] = r.GetAdjustedRealTime();
    ConsoleReporter::ReportRuns(runs);
  }
  void print_ratios() const {
    for (const char* n : {"8", "64", "256"}) {
      const auto fast = times_.find(std::string("BM_FilterWordParallel/") + n);
      const auto slow = times_.find(std::string("BM_FilterPerApqn/") + n);
      if (fast == times_.end() || slow == times_.end() || fast->second <= 0) continue;
      std::printf("filter %s x %s: word-parallel is %.1f times faster than the per-APQN loop\n",
                  n, n, slow->second / fast->second);
    }
  }

 private:
  std::map<std::string, double> times_;
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
  // Colours only on a terminal (the figures are also pasted into the README).
  RatioReporter reporter(isatty(STDOUT_FILENO) ? benchmark::ConsoleReporter::OO_Defaults
                                               : benchmark::ConsoleReporter::OO_Tabular);
  benchmark::RunSpecifiedBenchmarks(&reporter);
  reporter.print_ratios();
  benchmark::Shutdown();
  return 0;
}
