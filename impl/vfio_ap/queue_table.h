// apcb impl — an mdev's queue table (matrix_mdev->qtable): the queues linked to it.
//
// A hash table of vfio_ap_queue objects keyed by APQN with 2^8 buckets, chained through the
// objects themselves (no allocation), like the kernel's DECLARE_HASHTABLE(qtable, 8). Next to
// it the table keeps, per adapter, two 256-bit rows: the linked domains, and the linked domains
// whose last reset was not passable. The full filter then tests a whole adapter with one
// 4-word subset test (linked-and-passable row ⊇ the shadow's domains) instead of one hash
// lookup per APQN. The rows are maintained on every insert, erase and status change.
#ifndef APCB_IMPL_VFIO_AP_QUEUE_TABLE_H_
#define APCB_IMPL_VFIO_AP_QUEUE_TABLE_H_

#include <array>
#include <cstddef>
#include <cstdint>

#include "impl/vfio_ap/queue.h"
#include "model/mask.h"

namespace apcb::impl::vfio_ap {

class QueueTable {
 public:
  static constexpr int kBucketBits = 8;

  QueueTable() = default;
  QueueTable(const QueueTable&) = delete;
  QueueTable& operator=(const QueueTable&) = delete;

  // Adds `q` (not in any table).
  // Example: t.insert(q04_0002); t.find({4, 2}) == &q04_0002; t.linked_row(4) == {2}.
  void insert(VfioApQueue& q);
  // Removes `q` (in this table).
  // Example: t.erase(q04_0002); t.find({4, 2}) == nullptr.
  void erase(VfioApQueue& q);
  // The queue with that APQN, or nullptr.
  // Example: t.find({9, 9}) == nullptr on an empty table.
  VfioApQueue* find(model::Apqn apqn) const;
  // Re-reads q's reset status into the rows (q in this table).
  // Example: q.reset_status = q_not_avail; t.status_changed(q); — 2 leaves passable_row(4).
  void status_changed(const VfioApQueue& q);

  // Domains d with (a, d) in the table.
  // Example: t.linked_row(4) == Mask{} when no queue of adapter 4 is linked.
  const model::Mask& linked_row(model::ApId a) const { return linked_[a]; }
  // Domains d with (a, d) in the table and passable.
  // Example: linked {2, 3}, 04.0003 answered q_not_avail: passable_row(4) == {2}.
  model::Mask passable_row(model::ApId a) const { return linked_[a] - blocked_[a]; }
  // Example: t.size() == 1 after one insert.
  std::size_t size() const { return size_; }

  // Calls f(VfioApQueue&) for every queue, in bucket order (the kernel's hash_for_each order:
  // not ascending, which is why resets within one batch compare as a set). f must not insert
  // or erase.
  template <typename F>
  // Example: t.for_each([&](VfioApQueue& q) { q.reset_next = head; head = &q; });
  void for_each(F&& f) const {
    for (VfioApQueue* head : buckets_)
      for (VfioApQueue* q = head; q != nullptr; q = q->qnext) f(*q);
  }

 private:
  static std::size_t bucket_of(model::Apqn apqn) {
    // hash_32(key, 8): multiply by the 32-bit golden ratio, keep the top bits.
    return (static_cast<std::uint32_t>(apqn.packed()) * 0x61C88647U) >> (32 - kBucketBits);
  }

  std::array<VfioApQueue*, 1U << kBucketBits> buckets_{};
  std::array<model::Mask, 256> linked_{};
  std::array<model::Mask, 256> blocked_{};
  std::size_t size_ = 0;
};

}  // namespace apcb::impl::vfio_ap

#endif  // APCB_IMPL_VFIO_AP_QUEUE_TABLE_H_
