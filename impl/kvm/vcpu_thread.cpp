#include "impl/kvm/vcpu_thread.h"

namespace apcb::impl::kvm {

VcpuThread::VcpuThread(Kvm& kvm, int vcpu, Observer observer)
    : thread_([this, &kvm, vcpu, obs = std::move(observer)] {
        while (!stop_.load(std::memory_order_relaxed)) {
          const model::Matrix seen = kvm.run_ap_instruction(vcpu);
          obs(seen);
          count_.fetch_add(1, std::memory_order_relaxed);
          // Leave the CPU to writers now and then: on a small machine a spinning reader would
          // otherwise starve the threads it is meant to race with.
          if ((count_.load(std::memory_order_relaxed) & 63) == 0) std::this_thread::yield();
        }
      }) {}

void VcpuThread::stop() {
  stop_.store(true, std::memory_order_relaxed);
  if (thread_.joinable()) thread_.join();
}

}  // namespace apcb::impl::kvm
