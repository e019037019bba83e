// The implementation runs the protocol that is proved (proofs/protocol_unbounded.h): with a
// recorder set (impl/kvm/protocol_log.h), every commit of impl/kvm — set_masks, clear_masks,
// interrupted ones that write the old image back — is a sequence of writer events (block vCPU c,
// wait for it, write word w, unblock), and each recorded commit is run through the writer's
// steps of the proved protocol, whose guards must hold at every step, while vCPU threads enter
// and leave SIE. The test-only non-atomic protocol is refused by the same check.
#include <gtest/gtest.h>

#include <memory>
#include <mutex>
#include <random>
#include <thread>
#include <set>
#include <vector>

#include "impl/fault.h"
#include "impl/kvm/kvm.h"
#include "impl/kvm/protocol_log.h"
#include "impl/kvm/vcpu_thread.h"
#include "proofs/protocol_unbounded.h"

namespace apcb::impl {
namespace {

using kvm::ProtocolEvent;
using model::Errno;
using model::Mask;
using model::Matrix;

constexpr int kVcpus = 4;

// The CRYCB words (byte offset / 8) a vCPU reads for the format: the units of the proof.
std::vector<int> read_words(model::CrycbFormat f) {
  if (f == model::CrycbFormat::format2) {
    std::vector<int> out;
    for (int w = 0x80 / 8; w < (0x80 + 0x60) / 8; ++w) out.push_back(w);  // APCB1 apm, aqm, adm
    return out;
  }
  return {0, 1, 2};  // APCB0 apm, aqm, adm
}

const char* kind_name(ProtocolEvent::Kind k) {
  switch (k) {
    case ProtocolEvent::Kind::begin: return "begin";
    case ProtocolEvent::Kind::block: return "block";
    case ProtocolEvent::Kind::wait: return "wait";
    case ProtocolEvent::Kind::write: return "write";
    case ProtocolEvent::Kind::restart: return "restart";
    case ProtocolEvent::Kind::unblock: return "unblock";
    case ProtocolEvent::Kind::end: return "end";
  }
  return "?";
}

struct Commit {
  std::vector<proofs::detail::PWriterEvent> events;
  int outside_writes = 0;  // words no vCPU of this format reads (clear_masks zeroes both APCBs)
  bool restarted = false;
};

// Splits one guest's events into commits and maps written words to the proof's units.
std::vector<Commit> commits_of(const std::vector<ProtocolEvent>& events, model::CrycbFormat f) {
  const std::vector<int> words = read_words(f);
  std::vector<Commit> out;
  for (const ProtocolEvent& e : events) {
    if (e.kind == ProtocolEvent::Kind::begin) out.emplace_back();
    EXPECT_FALSE(out.empty()) << "an event before the first begin";
    if (out.empty()) continue;
    Commit& c = out.back();
    if (e.kind == ProtocolEvent::Kind::restart) c.restarted = true;
    if (e.kind == ProtocolEvent::Kind::write) {
      int unit = -1;
      for (std::size_t i = 0; i < words.size(); ++i)
        if (words[i] == e.index) unit = static_cast<int>(i);
      if (unit < 0) {
        ++c.outside_writes;
        continue;
      }
      c.events.push_back({"write", unit});
    } else {
      c.events.push_back({kind_name(e.kind), e.index});
    }
  }
  return out;
}

Matrix random_matrix(std::mt19937_64& rng) {
  return Matrix{Mask(Mask::Words{rng(), rng(), rng(), rng()}), Mask(Mask::Words{rng(), rng(), rng(), rng()}),
                Mask(Mask::Words{rng(), rng(), rng(), rng()})};
}

// `commits` commits on a guest of the given facilities with vCPU threads 1..kVcpus-1 running;
// every fifth is interrupted by a fault, every seventh is a clear. Returns the recorded commits.
struct CommitRun {
  std::vector<Commit> commits;
  int calls = 0;
  std::uint64_t instructions = 0;
};
CommitRun run_commits(bool msax3, bool apxa, kvm::CommitProtocol protocol, int commits) {
  kvm::ProtocolRecorder recorder;
  kvm::KvmEnv env;
  env.protocol = protocol;
  env.recorder = &recorder;
  kvm::Kvm guest(1, msax3, apxa, kVcpus, env);
  std::vector<std::unique_ptr<kvm::VcpuThread>> vcpus;
  for (int v = 1; v < kVcpus; ++v)
    vcpus.push_back(std::make_unique<kvm::VcpuThread>(guest, v, [](const Matrix&) {}));
  // Every vCPU thread runs before the first commit, so the commits race with vCPUs in SIE on
  // a loaded machine too (the scheduler may start a new thread late; this waits for it, with
  // no time limit of its own: ctest's timeout ends a run that never gets there).
  for (const auto& v : vcpus)
    while (v->instructions() == 0) std::this_thread::yield();
  std::mt19937_64 rng(0x19);
  FaultInjector faults;
  CommitRun run;
  for (int i = 0; i < commits; ++i) {
    // Leave the CPU to the vCPU threads between commits: back-to-back commits on two busy
    // cores could otherwise keep them blocked out of SIE for the whole run.
    std::this_thread::yield();
    const std::lock_guard<RankedMutex> lock(guest.lock());
    if (i % 5 == 4) faults.arm(FaultPoint::commit, 1);
    Matrix old_apcb, new_apcb;
    const Errno r = i % 7 == 6 ? guest.clear_masks(&faults, old_apcb)
                               : guest.set_masks(random_matrix(rng), &faults, old_apcb, new_apcb);
    EXPECT_EQ(r == Errno::ok, i % 5 != 4) << i;
    faults.disarm();
    ++run.calls;
  }
  for (auto& v : vcpus) {
    v->stop();
    run.instructions += v->instructions();
  }
  run.commits = commits_of(recorder.events(), guest.format());
  return run;
}

TEST(KvmProtocol, EveryRecordedCommitFollowsTheProvedWritersSteps) {
  for (const auto& [msax3, apxa] : {std::pair{true, true}, std::pair{true, false}, std::pair{false, true}}) {
    const CommitRun run = run_commits(msax3, apxa, kvm::CommitProtocol::block_all, 140);
    const int units = static_cast<int>(read_words(model::crycb_format(msax3, apxa)).size());
    ASSERT_EQ(static_cast<int>(run.commits.size()), run.calls);
    int restarted = 0, cleared = 0;
    for (std::size_t i = 0; i < run.commits.size(); ++i) {
      const Commit& c = run.commits[i];
      EXPECT_EQ(proofs::detail::pcheck_writer_run(kVcpus, units, c.events), "")
          << "commit " << i << " (format " << static_cast<int>(model::crycb_format(msax3, apxa)) << ")";
      restarted += c.restarted;
      cleared += c.outside_writes > 0 || (i % 7 == 6);
    }
    // Every interrupted commit wrote the old image back (restart), and the run had vCPUs
    // entering SIE throughout.
    EXPECT_EQ(restarted, 28);
    EXPECT_GT(cleared, 0);
    EXPECT_GT(run.instructions, 0U);
  }
}

TEST(KvmProtocol, RecordedEventsAreTheKernelsOrder) {
  // One commit, spelled out: per vCPU block then wait, the 12 words of APCB1, per vCPU unblock.
  kvm::ProtocolRecorder recorder;
  kvm::KvmEnv env;
  env.recorder = &recorder;
  kvm::Kvm guest(7, true, true, 2, env);
  EXPECT_TRUE(recorder.events().empty());  // creating the VM is no commit
  Matrix old_apcb, new_apcb;
  ASSERT_EQ(guest.set_masks(Matrix{Mask::of({1}), Mask::of({2}), Mask::of({3})}, nullptr, old_apcb, new_apcb),
            Errno::ok);
  using K = ProtocolEvent::Kind;
  std::vector<ProtocolEvent> want{{7, K::begin, 0}, {7, K::block, 0}, {7, K::wait, 0}, {7, K::block, 1}, {7, K::wait, 1}};
  for (int w = 16; w < 28; ++w) want.push_back({7, K::write, w});
  want.push_back({7, K::unblock, 0});
  want.push_back({7, K::unblock, 1});
  want.push_back({7, K::end, 0});
  EXPECT_EQ(recorder.events(), want);
}

TEST(KvmProtocol, NonAtomicCommitsAreRefused) {
  // The test-only protocol writes without blocking: the check refuses each of its commits.
  const CommitRun run = run_commits(true, true, kvm::CommitProtocol::torn_for_testing, 10);
  ASSERT_EQ(run.commits.size(), 10U);
  for (const Commit& c : run.commits) EXPECT_NE(proofs::detail::pcheck_writer_run(kVcpus, 12, c.events), "");
}

}  // namespace
}  // namespace apcb::impl
