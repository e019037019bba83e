// apcb impl — the locks of the host and the order they are taken in.
//
// vfio-ap-locking.rst fixes the order   ap_perms_mutex → guests_lock → kvm->lock → mdevs_lock;
// the AP bus's scan lock sits between ap_perms_mutex and guests_lock (a bus scan calls the
// driver's callbacks, which take the update locks). Several kvm->locks may be held at once
// (a host event can commit to every guest); they are taken in ascending guest id. Leaf locks
// (the simulated hardware, the VM list, the queue pool) are never held while taking another
// lock and are not tracked here.
//
// Each operation holds every lock it took until it ends (strict two-phase locking): the
// undo journal can then roll a failed operation back without anyone having seen or changed
// what it touched. A LockSet is one operation's held locks; it checks the order on every
// acquisition (a small lockdep) and aborts on a violation, which is a bug.
#ifndef APCB_IMPL_LOCK_SET_H_
#define APCB_IMPL_LOCK_SET_H_

#include <cstdint>
#include <mutex>
#include <vector>

namespace apcb::impl {

enum class LockRank : std::uint8_t { ap_perms = 1, ap_bus = 2, guests = 3, kvm = 4, mdevs = 5 };

class RankedMutex {
 public:
  // `sub` orders locks of equal rank (the guest id of a kvm->lock).
  explicit RankedMutex(LockRank rank, std::uint64_t sub = 0) : rank_(rank), sub_(sub) {}
  RankedMutex(const RankedMutex&) = delete;
  RankedMutex& operator=(const RankedMutex&) = delete;

  LockRank rank() const { return rank_; }
  std::uint64_t sub() const { return sub_; }
  void lock() { m_.lock(); }
  void unlock() { m_.unlock(); }

 private:
  std::mutex m_;
  LockRank rank_;
  std::uint64_t sub_;
};

class LockSet {
 public:
  // `storage` is reused capacity (a thread's scratch vector), so acquiring does not allocate.
  explicit LockSet(std::vector<RankedMutex*>& storage) : held_(storage) { held_.clear(); }
  LockSet(const LockSet&) = delete;
  LockSet& operator=(const LockSet&) = delete;
  ~LockSet() { release_all(); }

  // Takes `m` unless this set already holds it. Aborts when taking it would break the order
  // (a lower or equal rank than the newest held lock, except kvm locks in ascending id).
  void acquire(RankedMutex& m);
  bool holds(const RankedMutex& m) const;
  // Number of locks held; release_to(depth()) later releases what was taken in between.
  std::size_t depth() const { return held_.size(); }
  // Releases the locks taken after the set held `depth` of them, newest first. Only for
  // locks guarding reads (an in_use check): an operation never releases what it changed.
  void release_to(std::size_t depth);
  void release_all() { release_to(0); }

 private:
  std::vector<RankedMutex*>& held_;
};

}  // namespace apcb::impl

#endif  // APCB_IMPL_LOCK_SET_H_
