// apcb impl — where vfio_ap_queue objects come from.
//
// A probe allocates one object and a remove frees it; at full width a configuration change
// probes 65,536 of them. The pool hands out objects from chunks it keeps, so the hot path does
// not allocate once the pool has grown to the working set. It has its own leaf lock. The fault
// point for a failed allocation is in the probe (FaultPoint::queue_alloc), not here.
#ifndef APCB_IMPL_VFIO_AP_QUEUE_POOL_H_
#define APCB_IMPL_VFIO_AP_QUEUE_POOL_H_

#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

#include "impl/vfio_ap/queue.h"

namespace apcb::impl::vfio_ap {

class QueuePool {
 public:
  // A zero-initialised object for `apqn`.
  // Example: VfioApQueue* q = pool.alloc({4, 2}); q->reset_status == 0; pool.live() == 1.
  VfioApQueue* alloc(model::Apqn apqn);
  // Returns an object from alloc(); it must be unlinked from every table.
  // Example: pool.free(q); pool.live() == 0.
  void free(VfioApQueue* q);
  // Objects handed out and not yet freed.
  // Example: Host::check_structure compares live() with the registered queues.
  std::size_t live() const;

 private:
  static constexpr std::size_t kChunk = 256;
  mutable std::mutex lock_;
  std::vector<std::unique_ptr<VfioApQueue[]>> chunks_;
  VfioApQueue* free_ = nullptr;
  std::size_t live_ = 0;
};

}  // namespace apcb::impl::vfio_ap

#endif  // APCB_IMPL_VFIO_AP_QUEUE_POOL_H_
