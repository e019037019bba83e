// Concurrency stress (bounded): several threads apply random operations of the whole
// alphabet at once (sysfs writes and reads, host events, guest events), vCPU threads read the
// CRYCBs, and a checker reads consistent states (Host::state, under every lock). Every such
// state must satisfy the model's structural invariants (P1–P4, P7 structural) and the
// implementation's own consistency; no vCPU may see a torn APCB. Run under the tsan preset it
// is also the data-race test.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "impl/host.h"
#include "impl/kvm/vcpu_thread.h"
#include "model/invariants.h"
#include "harness/lockstep.h"
#include "harness/generate.h"
#include "tests/sanitized.h"
#include "tests/impl/torn_detector.h"

namespace apcb::impl {
namespace {

using Clock = std::chrono::steady_clock;

TEST(impl_Stress, ConcurrentWritersHostEventsAndVcpus) {
  const int millis = apcb::testing::env_count("APCB_STRESS_MS", apcb::testing::kUnderTsan ? 3000 : 2000);
  const model::HostParams params{true, 255, 255};
  const model::Matrix cfg{model::Mask::range(0, 4), model::Mask::range(0, 4), model::Mask::range(0, 4)};
  testing::TornDetector detector;
  Host host(params, cfg, HostOptions{4});
  host.set_commit_listener([&](model::GuestId g, const model::Matrix& apcb) { detector.committed(g, apcb); });
  ASSERT_EQ(host.apply(harness::release_focused_adapters()).result, model::Errno::ok);
  std::vector<std::unique_ptr<kvm::VcpuThread>> vcpus;
  for (model::GuestId g : {0U, 1U}) {
    detector.add_guest(g);
    ASSERT_EQ(host.apply(model::op::GuestCreate{g, true}).result, model::Errno::ok);
    kvm::Kvm& guest = *host.guest(g);
    for (int v = 1; v < guest.vcpu_count(); ++v)
      vcpus.push_back(std::make_unique<kvm::VcpuThread>(guest, v, [&detector, g](const model::Matrix& m) {
        detector.seen(g, m);
      }));
  }

  std::atomic<bool> stop{false};
  std::atomic<long> ops{0};
  std::mutex problems_lock;
  std::vector<std::string> problems;
  auto report = [&](const std::string& p) {
    std::lock_guard<std::mutex> guard(problems_lock);
    if (problems.size() < 10) problems.push_back(p);
  };
  std::vector<std::thread> threads;
  // Four operation threads: two focused (deep states), two with the wide mix. No thread sees a
  // consistent model state, so they draw without one (focused toggles start from cfg).
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      harness::OpGenerator deep(harness::SeededEntropy(900 + static_cast<std::uint64_t>(t)), harness::GeneratorKnobs::focused());
      deep.set_config(cfg);
      harness::OpGenerator wide(harness::SeededEntropy(700 + static_cast<std::uint64_t>(t)), harness::GeneratorKnobs::mix());
      model::Observation obs;
      while (!stop.load(std::memory_order_relaxed)) {
        host.apply(t < 2 ? deep.next() : wide.next(), obs);
        ops.fetch_add(1, std::memory_order_relaxed);
      }
    });
  }
  // The checker: consistent cuts between operations.
  std::atomic<long> checks{0};
  threads.emplace_back([&] {
    while (!stop.load(std::memory_order_relaxed)) {
      for (const model::Violation& v : model::check_state(host.state(), model::Strength::structural))
        report(v.property + ": " + v.detail);
      for (const std::string& p : host.check_structure()) report("structure: " + p);
      checks.fetch_add(1, std::memory_order_relaxed);
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(millis));
  stop = true;
  for (auto& t : threads) t.join();
  for (auto& v : vcpus) v->stop();

  EXPECT_TRUE(problems.empty()) << problems[0];
  EXPECT_EQ(detector.torn(), 0U);
  EXPECT_GT(ops.load(), 1000);
  EXPECT_GT(checks.load(), 5);
  EXPECT_GT(detector.reads(), 1000U);
  RecordProperty("operations", static_cast<int>(ops.load()));
  RecordProperty("commits", static_cast<int>(detector.commits()));
  RecordProperty("vcpu_reads", static_cast<int>(detector.reads()));
}

// Not a timed assertion: how many operations per second one thread gets through the whole
// stack (locks, journal, observation), for the record (`--gtest_output=xml` shows it).
TEST(impl_Throughput, OneThreadFocusedOperations) {
  const model::Matrix cfg{model::Mask::range(0, 4), model::Mask::range(0, 4), model::Mask::range(0, 4)};
  Host host(model::HostParams{true, 255, 255}, cfg, HostOptions{1});
  harness::OpGenerator gen(harness::SeededEntropy(42), harness::GeneratorKnobs::focused());
  gen.set_config(cfg);
  std::vector<model::Op> ops{harness::release_focused_adapters()};
  for (int i = 0; i < 200000; ++i) ops.push_back(gen.next());
  model::Observation obs;
  const auto start = Clock::now();
  for (const model::Op& op : ops) host.apply(op, obs);
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  RecordProperty("ops_per_second", static_cast<int>(static_cast<double>(ops.size()) / seconds));
  EXPECT_TRUE(host.check_structure().empty());
}

}  // namespace
}  // namespace apcb::impl
