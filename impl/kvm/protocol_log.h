// apcb impl — the commit protocol's events as the KVM side runs them, recorded under test so
// that a test can check every commit against the writer's steps of the proved protocol
// (proofs/protocol_unbounded.h: block vCPU c, wait until it is out of SIE, write word w,
// unblock vCPU c). Recording is off unless a recorder is set in KvmEnv before the guest is
// created; then the cost is one pointer test per event.
#ifndef APCB_IMPL_KVM_PROTOCOL_LOG_H_
#define APCB_IMPL_KVM_PROTOCOL_LOG_H_

#include <cstdint>
#include <mutex>
#include <vector>

#include "model/state.h"

namespace apcb::impl::kvm {

struct ProtocolEvent {
  enum class Kind : std::uint8_t {
    begin,    // set_masks / clear_masks entered (kvm->lock held)
    block,    // vCPU `index`'s block bit set
    wait,     // the writer saw vCPU `index` out of SIE
    write,    // 64-bit CRYCB word `index` (byte offset / 8) stored
    restart,  // a fault interrupted the writes: the old image is written from here
    unblock,  // vCPU `index`'s block bit cleared
    end,      // the commit returns
  };
  model::GuestId guest = 0;
  Kind kind = Kind::begin;
  int index = 0;
  friend bool operator==(const ProtocolEvent&, const ProtocolEvent&) = default;
};

// A thread-safe append-only log of protocol events (several guests may commit at once).
// Example: ProtocolRecorder r; env.recorder = &r; then a guest created with env records
// {g, begin}, {g, block, 0}, {g, wait, 0}, ..., {g, write, 16}, ..., {g, unblock, 0}, {g, end}
// for each commit.
class ProtocolRecorder {
 public:
  void record(model::GuestId guest, ProtocolEvent::Kind kind, int index = 0) {
    const std::lock_guard<std::mutex> lock(mutex_);
    events_.push_back(ProtocolEvent{guest, kind, index});
  }
  // A copy of every event so far, in the order recorded.
  std::vector<ProtocolEvent> events() const {
    const std::lock_guard<std::mutex> lock(mutex_);
    return events_;
  }
  void clear() {
    const std::lock_guard<std::mutex> lock(mutex_);
    events_.clear();
  }

 private:
  mutable std::mutex mutex_;
  std::vector<ProtocolEvent> events_;
};

}  // namespace apcb::impl::kvm

#endif  // APCB_IMPL_KVM_PROTOCOL_LOG_H_
