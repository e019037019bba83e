#include "impl/fault.h"

namespace apcb::impl {

std::string_view fault_point_name(FaultPoint p) {
  switch (p) {
    case FaultPoint::queue_alloc: return "queue_alloc";
    case FaultPoint::mdev_alloc: return "mdev_alloc";
    case FaultPoint::reset: return "reset";
    case FaultPoint::commit: return "commit";
  }
  return "?";
}

model::Errno fault_errno(FaultPoint p) {
  switch (p) {
    case FaultPoint::queue_alloc:
    case FaultPoint::mdev_alloc: return model::Errno::enomem;
    case FaultPoint::reset:
    case FaultPoint::commit: return model::Errno::eio;
  }
  return model::Errno::eio;
}

void FaultInjector::arm(FaultPoint p, std::uint32_t nth) {
  countdown_.store(nth, std::memory_order_relaxed);
  armed_.store(static_cast<int>(p), std::memory_order_release);
}

void FaultInjector::arm_any(std::uint32_t nth) {
  countdown_.store(nth, std::memory_order_relaxed);
  armed_.store(kAny, std::memory_order_release);
}

void FaultInjector::disarm() { armed_.store(kDisarmed, std::memory_order_release); }

bool FaultInjector::hit(FaultPoint p) {
  const int index = static_cast<int>(p);
  hits_[static_cast<std::size_t>(index)].fetch_add(1, std::memory_order_relaxed);
  const int armed = armed_.load(std::memory_order_acquire);
  if (armed == kDisarmed || (armed != kAny && armed != index)) return false;
  // Exactly one caller sees the count go from 1 to 0; later ones see it wrap and do not fire.
  if (countdown_.fetch_sub(1, std::memory_order_acq_rel) != 1) return false;
  armed_.store(kDisarmed, std::memory_order_release);
  fired_.store(index, std::memory_order_release);
  fired_count_[static_cast<std::size_t>(index)].fetch_add(1, std::memory_order_relaxed);
  return true;
}

std::optional<FaultPoint> FaultInjector::take_fired() {
  const int f = fired_.exchange(kDisarmed, std::memory_order_acq_rel);
  if (f < 0) return std::nullopt;
  return static_cast<FaultPoint>(f);
}

std::uint64_t FaultInjector::hits(FaultPoint p) const {
  return hits_[static_cast<std::size_t>(p)].load(std::memory_order_relaxed);
}

std::uint64_t FaultInjector::fired_count(FaultPoint p) const {
  return fired_count_[static_cast<std::size_t>(p)].load(std::memory_order_relaxed);
}

}  // namespace apcb::impl
