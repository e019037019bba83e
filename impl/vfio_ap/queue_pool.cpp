#include "impl/vfio_ap/queue_pool.h"

namespace apcb::impl::vfio_ap {

VfioApQueue* QueuePool::alloc(model::Apqn apqn) {
  std::lock_guard<std::mutex> guard(lock_);
  if (free_ == nullptr) {
    chunks_.push_back(std::make_unique<VfioApQueue[]>(kChunk));
    VfioApQueue* chunk = chunks_.back().get();
    for (std::size_t i = 0; i < kChunk; ++i) {
      chunk[i].pool_next = free_;
      free_ = &chunk[i];
    }
  }
  VfioApQueue* q = free_;
  free_ = q->pool_next;
  *q = VfioApQueue{};
  q->apqn = apqn;
  ++live_;
  return q;
}

void QueuePool::free(VfioApQueue* q) {
  std::lock_guard<std::mutex> guard(lock_);
  *q = VfioApQueue{};
  q->pool_next = free_;
  free_ = q;
  --live_;
}

std::size_t QueuePool::live() const {
  std::lock_guard<std::mutex> guard(lock_);
  return live_;
}

}  // namespace apcb::impl::vfio_ap
