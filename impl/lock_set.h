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
  // Example: RankedMutex guests{LockRank::guests}; RankedMutex kvm7{LockRank::kvm, 7};
  explicit RankedMutex(LockRank rank, std::uint64_t sub = 0) : rank_(rank), sub_(sub) {}
  RankedMutex(const RankedMutex&) = delete;
  RankedMutex& operator=(const RankedMutex&) = delete;

  // Example: guests.rank() == LockRank::guests, kvm7.sub() == 7.
  LockRank rank() const { return rank_; }
  std::uint64_t sub() const { return sub_; }
  // The plain mutex (LockSet::acquire checks the order). Example: m.lock(); m.unlock();
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
  // Example: std::vector<RankedMutex*> held; LockSet locks(held); — released when it goes.
  explicit LockSet(std::vector<RankedMutex*>& storage) : held_(storage) { held_.clear(); }
  LockSet(const LockSet&) = delete;
  LockSet& operator=(const LockSet&) = delete;
  ~LockSet() { release_all(); }

  // Takes `m` unless this set already holds it. Aborts when taking it would break the order
  // (a lower or equal rank than the newest held lock, except kvm locks in ascending id).
  // Example: acquire(mdevs) then acquire(guests) aborts (mdevs ranks after guests).
  void acquire(RankedMutex& m);
  // Example: locks.acquire(m); locks.holds(m) == true.
  bool holds(const RankedMutex& m) const;
  // Number of locks held; release_to(depth()) later releases what was taken in between.
  // Example: const std::size_t d = locks.depth(); ...; locks.release_to(d);
  std::size_t depth() const { return held_.size(); }
  // Releases the locks taken after the set held `depth` of them, newest first. Only for
  // locks guarding reads (an in_use check): an operation never releases what it changed.
  // Example: in_use takes guests_lock and mdevs_lock, then release_to(its starting depth).
  void release_to(std::size_t depth);
  // Example: Host::apply calls release_all() once the undo journal is settled.
  void release_all() { release_to(0); }

 private:
  std::vector<RankedMutex*>& held_;
};

}  // namespace apcb::impl

#endif  // APCB_IMPL_LOCK_SET_H_
