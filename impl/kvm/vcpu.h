// apcb impl — a vCPU's side of the SIE block protocol that makes every commit atomic.
//
// KVM changes a guest's CRYCB only with every vCPU out of SIE and kept out
// (kvm_s390_vcpu_block_all: flag each vCPU blocked and kick it out of SIE, then write, then
// kvm_s390_vcpu_unblock_all). A vCPU interprets AP instructions against the CRYCB only while
// in SIE, and it enters SIE only while not blocked. Here that is two atomic flags per vCPU with
// the Dekker pattern (each side stores its flag, then reads the other's, sequentially
// consistent): a vCPU that entered sees no writer's half-done work, and a writer that blocked
// sees no vCPU still reading.
#ifndef APCB_IMPL_KVM_VCPU_H_
#define APCB_IMPL_KVM_VCPU_H_

#include <atomic>

namespace apcb::impl::kvm {

class Vcpu {
 public:
  // vCPU side: waits while blocked, then runs "in SIE" until exit_sie().
  // Example: v.enter_sie(); /* read the APCB */ v.exit_sie();
  void enter_sie();
  void exit_sie();
  // Writer side (kvm->lock held): flag the vCPU blocked and wait until it has left SIE
  // (block() is request_block() then wait_out_of_sie()).
  // Example: v.request_block(); v.wait_out_of_sie(); — from here v stays out of SIE until
  // v.unblock().
  void block();
  void request_block();
  void wait_out_of_sie();
  void unblock();

 private:
  std::atomic<bool> blocked_{false};
  std::atomic<bool> in_sie_{false};
};

}  // namespace apcb::impl::kvm

#endif  // APCB_IMPL_KVM_VCPU_H_
