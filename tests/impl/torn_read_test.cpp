// Torn-read detector (SPEC P5): vCPU threads check every APCB they see against the set of
// APCBs committed to their guest. With the test-only non-atomic commit (masks written one by
// one, vCPUs not blocked) the detector fires; with the kernel's block-all / write / unblock-all
// protocol it never does, with several writer and several reader threads.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "impl/host.h"
#include "impl/kvm/vcpu_thread.h"
#include "harness/lockstep.h"
#include "tests/sanitized.h"
#include "tests/impl/torn_detector.h"

namespace apcb::impl {
namespace {

using model::Errno;
using model::Mask;
using model::Matrix;
using harness::kMdev1;
using harness::kMdev2;
using testing::TornDetector;

// A host with adapters and domains 1..8 given to vfio_ap, two guests (MSAX3, format 2) with
// mdevs attached, a torn-read detector listening to every commit, and vCPU threads on every
// guest feeding the detector.
class TornReads {
 public:
  explicit TornReads(kvm::CommitProtocol protocol)
      : host(model::HostParams{true, 255, 255},
             Matrix{Mask::range(1, 8), Mask::range(1, 8), Mask::range(1, 8)}, HostOptions{4}) {
    host.set_commit_protocol(protocol);
    host.set_commit_listener([this](model::GuestId g, const Matrix& apcb) { detector.committed(g, apcb); });
    expect_ok(model::op::BusMaskWrite{model::BusMask::apmask, "-1-8\n"});
    for (model::GuestId g : {1U, 2U}) {
      detector.add_guest(g);
      expect_ok(model::op::GuestCreate{g, true});
    }
    expect_ok(model::op::MdevCreate{kMdev1});
    expect_ok(model::op::MdevCreate{kMdev2});
    expect_ok(model::op::GuestAttach{kMdev1, 1});
    expect_ok(model::op::GuestAttach{kMdev2, 2});
    for (model::GuestId g : {1U, 2U}) {
      kvm::Kvm& guest = *host.guest(g);
      for (int v = 1; v < guest.vcpu_count(); ++v)
        vcpus.push_back(std::make_unique<kvm::VcpuThread>(
            guest, v, [this, g](const Matrix& apcb) { detector.seen(g, apcb); }));
    }
  }
  ~TornReads() { stop(); }

  void expect_ok(const model::Op& op) {
    const model::Observation obs = host.apply(op);
    EXPECT_EQ(obs.result, Errno::ok) << harness::describe(op);
  }
  void stop() {
    for (auto& v : vcpus) v->stop();
  }

  // Writer threads: two alternate the whole matrix of mdev1 between two disjoint configurations
  // (each ap_config write commits up to three complete APCBs that differ in every mask), one
  // does the same to mdev2, one toggles a control domain of mdev1. Runs until `done` says so.
  template <typename Done>
  void write_until(Done done) {
    std::atomic<bool> stop_writers{false};
    auto writer = [&](const char* uuid, const char* a, const char* b) {
      for (int i = 0; !stop_writers.load(); ++i)
        host.apply(model::op::AttrWrite{uuid, model::MdevAttr::ap_config, i % 2 == 0 ? a : b});
    };
    // Adapters 1,2 × domains 1,2 × control domain 1 against adapters 3,4 × domains 3,4 × 3.
    const char* x = "0x60,0x60,0x40\n";
    const char* y = "0x18,0x18,0x10\n";
    // Adapters 5,6 × domains 5,6 × 5 against 7,8 × 7,8 × 7.
    const char* z = "0x06,0x06,0x04\n";
    const char* w = "0x0180,0x0180,0x01\n";
    std::vector<std::thread> writers;
    writers.emplace_back(writer, kMdev1, x, y);
    writers.emplace_back(writer, kMdev1, y, x);
    writers.emplace_back(writer, kMdev2, z, w);
    writers.emplace_back([&] {
      for (int i = 0; !stop_writers.load(); ++i)
        host.apply(model::op::AttrWrite{kMdev1, i % 2 == 0 ? model::MdevAttr::assign_control_domain
                                                           : model::MdevAttr::unassign_control_domain,
                                        "8\n"});
    });
    while (!done()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    stop_writers = true;
    for (auto& t : writers) t.join();
  }

  TornDetector detector;
  Host host;
  std::vector<std::unique_ptr<kvm::VcpuThread>> vcpus;
};

using Clock = std::chrono::steady_clock;

TEST(impl_TornReads, NonAtomicCommitIsDetected) {
  TornReads t(kvm::CommitProtocol::torn_for_testing);
  const auto deadline = Clock::now() + std::chrono::seconds(8);
  t.write_until([&] { return t.detector.torn() > 0 || Clock::now() > deadline; });
  t.stop();
  EXPECT_GT(t.detector.torn(), 0U) << "reads " << t.detector.reads() << ", commits " << t.detector.commits();
}

TEST(impl_TornReads, BlockAllProtocolIsNeverTorn) {
  TornReads t(kvm::CommitProtocol::block_all);
  const auto until = Clock::now() + std::chrono::milliseconds(apcb::testing::env_count("APCB_TORN_MS", 1500));
  t.write_until([&] {
    return Clock::now() > until && t.detector.commits() > 200 && t.detector.reads() > 2000;
  });
  t.stop();
  EXPECT_EQ(t.detector.torn(), 0U);
  EXPECT_GT(t.detector.commits(), 200U);
  EXPECT_GT(t.detector.reads(), 2000U);
  // Quiescent: each guest's APCB is its mdev's format-truncated shadow (P4).
  EXPECT_TRUE(model::check_state(t.host.state(), model::Strength::structural).empty());
}

// The same at the level of one guest, without the driver: two writers (serialised by
// kvm->lock, as the driver does) and three vCPU threads.
TEST(impl_TornReads, RawKvmWritersAndReaders) {
  for (kvm::CommitProtocol protocol : {kvm::CommitProtocol::torn_for_testing, kvm::CommitProtocol::block_all}) {
    kvm::KvmEnv env;
    env.protocol = protocol;
    TornDetector detector;
    env.listener = [&](model::GuestId g, const Matrix& apcb) { detector.committed(g, apcb); };
    kvm::Kvm guest(9, true, true, 4, env);
    detector.add_guest(9);
    std::vector<std::unique_ptr<kvm::VcpuThread>> vcpus;
    for (int v = 1; v < 4; ++v)
      vcpus.push_back(std::make_unique<kvm::VcpuThread>(guest, v, [&](const Matrix& m) { detector.seen(9, m); }));
    std::atomic<bool> stop{false};
    auto writer = [&](int base) {
      for (int i = 0; !stop.load(); ++i) {
        const int id = base + i % 16;
        const Matrix m{Mask::of({id}), Mask::of({id + 1}), Mask::of({id + 2})};
        std::vector<RankedMutex*> held;
        LockSet locks(held);
        locks.acquire(guest.lock());
        Matrix old_apcb, new_apcb;
        guest.set_masks(m, nullptr, old_apcb, new_apcb);
      }
    };
    std::thread w1(writer, 0), w2(writer, 100);
    const auto until = Clock::now() + std::chrono::milliseconds(protocol == kvm::CommitProtocol::block_all ? 700 : 8000);
    while (Clock::now() < until) {
      if (protocol == kvm::CommitProtocol::torn_for_testing && detector.torn() > 0) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    stop = true;
    w1.join();
    w2.join();
    for (auto& v : vcpus) v->stop();
    if (protocol == kvm::CommitProtocol::torn_for_testing)
      EXPECT_GT(detector.torn(), 0U);
    else
      EXPECT_EQ(detector.torn(), 0U) << "of " << detector.reads() << " reads";
    EXPECT_GT(detector.reads(), 0U);
  }
}

}  // namespace
}  // namespace apcb::impl
