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

}  // namespace apcb::proofs::detail

#endif  // APCB_PROOFS_PROTOCOL_H_
