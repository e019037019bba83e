// apcb proofs — the commit protocol against concurrent vCPU reads, model checked by explicit
// state enumeration over every interleaving (P5's "never half-updated"). Internal to proofs/.
//
// The writer commits APCBs 1..C, each as W word writes (the triple's masks, or their 64-bit
// words); V vCPUs each enter SIE E times and read all W words once per entry. A read is torn
// when its words come from different APCBs. The kernel's protocol (kvm_s390_vcpu_block_all,
// the writes, kvm_s390_vcpu_unblock_all; SIE entry sets PROG_IN_SIE, then tests the block bit
// and leaves at once if it is set; the writer sets the block bit, then waits until PROG_IN_SIE
// is clear) is checked free of torn reads and of deadlocks. Two wrong protocols show that the
// check has teeth: writing without blocking, and a vCPU that tests the block bit before it
// announces that it is in SIE (the Dekker order reversed).
#ifndef APCB_PROOFS_PROTOCOL_H_
#define APCB_PROOFS_PROTOCOL_H_

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace apcb::proofs::detail {

enum class Protocol {
  block_all,         // the kernel's: block, wait for SIE exit, write, unblock
  no_block,          // the words written while vCPUs run
  check_then_enter,  // a vCPU tests the block bit, then sets PROG_IN_SIE
};

struct ProtocolBound {
  int vcpus = 2;
  int commits = 2;
  int words = 3;    // 3: apm, aqm, adm as one write each; 12: their 64-bit words at 256 bits
  int entries = 2;  // SIE entries (one full read each) per vCPU
};

struct ProtocolResult {
  std::size_t states = 0;
  std::size_t transitions = 0;
  std::size_t reads = 0;  // completed vCPU reads (transitions that finish one)
  bool torn = false;
  bool deadlock = false;
  std::vector<std::string> schedule;  // the shortest interleaving to the first violation
};

// Every interleaving of `protocol` within `bound`, breadth first; stops at the first torn read
// or deadlock (the schedule leads to it). Bounds above 3 vCPUs, 3 commits, 16 words or 3
// entries are refused (std::invalid_argument): the state space grows fast.
ProtocolResult check_protocol(Protocol protocol, const ProtocolBound& bound);

// --- the bounded instance read as the unbounded encoding (proofs/protocol_unbounded.h) ------
//
// A state of the explicit-state checker, expressed in the variables of the parameterized Z3
// encoding: the writer's phase (0 idle, 1 blocking, 2 writing, 3 unblocking), the number `gen`
// of the image being (or last) written, per vCPU the block bit, PROG_IN_SIE, whether the writer
// has waited for it in this commit, its program counter (0 out of SIE, 1 between its two entry
// steps, 2 in SIE), the words it has read in this SIE entry and what it read; per word whether
// this commit wrote it, and its tag (the image it holds, 0 the initial one). The checker's
// writer program has no separate steps for the encoding's phase changes, so a state where every
// vCPU has been waited for reads as `writing` with no word written (no_block: `idle`), and a
// state where every word is written reads as `writing` with every word written.
struct ProtocolSnapshot {
  int phase = 0;
  int gen = 0;
  std::vector<bool> block, in_sie, waited;
  std::vector<int> pc;
  std::vector<std::vector<bool>> read;  // [vCPU][word]
  std::vector<std::vector<int>> buf;    // [vCPU][word], meaningful where read
  std::vector<bool> written;            // [word]
  std::vector<int> mem;                 // [word]
};

// Calls `visit` on every reachable state of `protocol` within `bound` (breadth first, the
// whole space: torn reads do not stop it). Returns the number of states. Same bounds as
// check_protocol.
// Example: for_each_reachable(Protocol::block_all, {2, 2, 3, 2}, f) calls f 1,643 times.
std::size_t for_each_reachable(Protocol protocol, const ProtocolBound& bound,
                               const std::function<void(const ProtocolSnapshot&)>& visit);

// A schedule: the thread that moves at each step, -1 the writer, v >= 0 vCPU v. Every thread
// is deterministic (a vCPU testing its block bit goes the one way the bit says), so the thread
// sequence is the whole interleaving.
using Schedule = std::vector<int>;

// Runs `schedule` from the initial state. The result's schedule lists the actions taken;
// `torn` says a read completed torn; a step whose thread cannot move (waiting, or finished) is
// an error: std::invalid_argument naming the step.
// Example: replay_schedule(Protocol::no_block, {1, 1, 2, 1}, {0, 0, 0, -1, -1, 0, 0}) is torn
// (the vCPU reads word 0 of the initial image and word 1 of commit 1).
ProtocolResult replay_schedule(Protocol protocol, const ProtocolBound& bound, const Schedule& schedule);

// The part of a snapshot the counterexamples to induction are matched on: the writer's phase,
// one vCPU and two words (canonical: see canonical()).
struct ProtocolProjection {
  int phase = 0;
  bool written[2] = {false, false};
  int pc = 0;
  bool in_sie = false, block = false, waited = false;
  bool read[2] = {false, false};
  friend bool operator==(const ProtocolProjection&, const ProtocolProjection&) = default;
};

// The projection with the encoding's silent phase changes folded the way ProtocolSnapshot
// reads the checker (with the vCPU as the only one): blocking with the vCPU waited is writing
// with nothing written (no_block: writing with nothing written is idle); unblocking is writing
// with everything written while the vCPU is still blocked, idle once it is not; and fields that
// do not matter in a phase or at a pc are cleared (written outside writing, waited outside
// blocking, reads outside SIE).
// Example: canonical(no_block, {.phase = 2}) has phase 0.
ProtocolProjection canonical(Protocol protocol, ProtocolProjection p);

// vCPU `vcpu` and words `w0`, `w1` of a snapshot, canonical.
// Example: project(block_all, the initial state's snapshot, 0, 0, 1) == ProtocolProjection{}.
ProtocolProjection project(Protocol protocol, const ProtocolSnapshot& s, int vcpu, int w0, int w1);

// The shortest schedule (breadth first within `bound`) that reaches a state whose projection on
// vCPU 0 and words 0, 1 is `pre`, then one (the same or later) whose projection is `post`, then
// completes a torn read; nullopt when there is none within the bound.
// Example: find_tearing_schedule(no_block, {1, 1, 2, 1}, {.pc = 2, .in_sie = true}, same)
// finds a schedule (the vCPU enters SIE, the writer writes word 0, the vCPU reads both).
std::optional<Schedule> find_tearing_schedule(Protocol protocol, const ProtocolBound& bound,
                                              const ProtocolProjection& pre,
                                              const ProtocolProjection& post);

}  // namespace apcb::proofs::detail

#endif  // APCB_PROOFS_PROTOCOL_H_
