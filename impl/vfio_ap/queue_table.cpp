#include "impl/vfio_ap/queue_table.h"

namespace apcb::impl::vfio_ap {

void QueueTable::insert(VfioApQueue& q) {
  VfioApQueue*& head = buckets_[bucket_of(q.apqn)];
  q.qnext = head;
  if (head != nullptr) head->qpprev = &q.qnext;
  q.qpprev = &head;
  head = &q;
  linked_[q.apqn.adapter].set(q.apqn.domain);
  blocked_[q.apqn.adapter].assign(q.apqn.domain, !q.passable());
  ++size_;
}

void QueueTable::erase(VfioApQueue& q) {
  *q.qpprev = q.qnext;
  if (q.qnext != nullptr) q.qnext->qpprev = q.qpprev;
  q.qnext = nullptr;
  q.qpprev = nullptr;
  linked_[q.apqn.adapter].clear(q.apqn.domain);
  blocked_[q.apqn.adapter].clear(q.apqn.domain);
  --size_;
}

VfioApQueue* QueueTable::find(model::Apqn apqn) const {
  for (VfioApQueue* q = buckets_[bucket_of(apqn)]; q != nullptr; q = q->qnext)
    if (q->apqn == apqn) return q;
  return nullptr;
}

void QueueTable::status_changed(const VfioApQueue& q) {
  blocked_[q.apqn.adapter].assign(q.apqn.domain, !q.passable());
}

}  // namespace apcb::impl::vfio_ap
