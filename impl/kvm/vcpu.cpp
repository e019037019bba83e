#include "impl/kvm/vcpu.h"

#include <thread>

namespace apcb::impl::kvm {

void Vcpu::enter_sie() {
  for (;;) {
    while (blocked_.load(std::memory_order_acquire)) std::this_thread::yield();
    in_sie_.store(true, std::memory_order_seq_cst);
    if (!blocked_.load(std::memory_order_seq_cst)) return;
    // A writer blocked us between the check and the entry: back out and wait.
    in_sie_.store(false, std::memory_order_release);
  }
}

void Vcpu::exit_sie() { in_sie_.store(false, std::memory_order_release); }

void Vcpu::block() {
  request_block();
  wait_out_of_sie();
}

void Vcpu::request_block() { blocked_.store(true, std::memory_order_seq_cst); }

void Vcpu::wait_out_of_sie() {
  while (in_sie_.load(std::memory_order_seq_cst)) std::this_thread::yield();
}

void Vcpu::unblock() { blocked_.store(false, std::memory_order_release); }

}  // namespace apcb::impl::kvm
