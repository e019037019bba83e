// apcb impl — fault injection points inside multi-step operations.
//
// SPEC rule 8 (P6): an operation that fails changes nothing, whatever failed. Validation
// failures are easy (the code checks before it changes anything); the interesting failures are
// the ones in the middle of the work. These are the points where the implementation can be made
// to fail on purpose, and what each makes the operation return:
//
//   queue_alloc  vfio_ap_mdev_probe_queue cannot allocate its vfio_ap_queue      -> -ENOMEM
//   mdev_alloc   the mdev probe cannot allocate its ap_matrix_mdev                -> -ENOMEM
//   reset        a queue reset (ZAPQ, then TAPQ until done) aborts               -> -EIO
//   commit       kvm_arch_crypto_set_masks / clear_masks is interrupted after the
//                first mask was written, with every vCPU still blocked           -> -EIO
//
// The kernel's own paths cannot fail at the last two points (set_masks returns void, a reset
// that does not complete is logged and its status recorded — a device reset then answers -EIO
// as a completed operation, which is no failure: OpContext::completed); a bus scan whose probe fails
// leaves the device unbound and goes on. The implementation instead fails the whole operation
// and undoes it, because rule 8 asks for exactly that: a fault here is a question "is every
// step of this operation undoable?", and the answer is checked by tests/impl/fault_test.cpp.
#ifndef APCB_IMPL_FAULT_H_
#define APCB_IMPL_FAULT_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <optional>
#include <string_view>

#include "model/errno.h"

namespace apcb::impl {

enum class FaultPoint : std::uint8_t { queue_alloc, mdev_alloc, reset, commit };
inline constexpr int kFaultPoints = 4;

// "queue_alloc", "mdev_alloc", "reset", "commit".
// Example: fault_point_name(FaultPoint::reset) == "reset".
std::string_view fault_point_name(FaultPoint p);

// What an operation returns when `p` fires (see the table above).
// Example: fault_errno(FaultPoint::queue_alloc) == Errno::enomem.
model::Errno fault_errno(FaultPoint p);

// Decides, at each fault point reached, whether to fail there. Armed for one firing: at the
// nth point reached (of one kind, or of any kind) counted from arm(); then disarmed. Safe to
// call hit() from several threads; arm()/disarm() are meant for a test's driving thread.
class FaultInjector {
 public:
  // Fire at the nth (1-based) time point `p` is reached from now on.
  // Example: arm(FaultPoint::reset, 2): the second reset from now fails with -EIO.
  void arm(FaultPoint p, std::uint32_t nth);
  // Fire at the nth (1-based) fault point of any kind reached from now on.
  // Example: arm_any(1): the first fault point the next operation reaches fails.
  void arm_any(std::uint32_t nth);
  // No point fires until the next arm. Example: f.disarm(); f.hit(p) == false.
  void disarm();

  // Called at a fault point: true means "fail here". Counts the hit either way.
  // Example: if (ctx.faults.hit(FaultPoint::reset)) return fault_errno(FaultPoint::reset);
  bool hit(FaultPoint p);

  // The point that fired since the last call, if any (and forgets it).
  // Example: after the armed reset fired, take_fired() == FaultPoint::reset, then nullopt.
  std::optional<FaultPoint> take_fired();
  // How often `p` was reached since construction (armed or not).
  // Example: hits(FaultPoint::reset) counts every queue reset the host ran.
  std::uint64_t hits(FaultPoint p) const;
  // How often `p` fired since construction.
  // Example: fired_count(FaultPoint::commit) == 1 after one armed commit fault fired.
  std::uint64_t fired_count(FaultPoint p) const;

 private:
  static constexpr int kDisarmed = -2;
  static constexpr int kAny = -1;
  std::atomic<int> armed_{kDisarmed};
  std::atomic<std::uint32_t> countdown_{0};
  std::atomic<int> fired_{kDisarmed};
  std::array<std::atomic<std::uint64_t>, kFaultPoints> hits_{};
  std::array<std::atomic<std::uint64_t>, kFaultPoints> fired_count_{};
};

}  // namespace apcb::impl

#endif  // APCB_IMPL_FAULT_H_
