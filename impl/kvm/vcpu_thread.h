// apcb impl — a vCPU as a real thread: it executes AP instructions against its guest's CRYCB
// in a loop and hands every APCB it saw to an observer (a torn-read detector, for instance).
#ifndef APCB_IMPL_KVM_VCPU_THREAD_H_
#define APCB_IMPL_KVM_VCPU_THREAD_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <thread>

#include "impl/kvm/kvm.h"
#include "model/state.h"

namespace apcb::impl::kvm {

class VcpuThread {
 public:
  using Observer = std::function<void(const model::Matrix& apcb)>;

  // Starts running vCPU `vcpu` (1..vcpu_count()-1; 0 belongs to op::VcpuObserve) of `kvm`.
  // Example: VcpuThread t(*h.guest(7), 1, [&](const model::Matrix& apcb) { detector.see(apcb); });
  VcpuThread(Kvm& kvm, int vcpu, Observer observer);
  ~VcpuThread() { stop(); }
  VcpuThread(const VcpuThread&) = delete;
  VcpuThread& operator=(const VcpuThread&) = delete;

  // Stops the loop and joins the thread (idempotent).
  // Example: t.stop(); t.stop(); — the second call does nothing.
  void stop();
  // AP instructions executed so far.
  // Example: wait until t.instructions() > 1000 before stopping a race test.
  std::uint64_t instructions() const { return count_.load(std::memory_order_relaxed); }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> count_{0};
  std::thread thread_;
};

}  // namespace apcb::impl::kvm

#endif  // APCB_IMPL_KVM_VCPU_THREAD_H_
