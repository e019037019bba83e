// apcb impl — struct vfio_ap_queue: vfio_ap's object for one queue device bound to it.
//
// It exists from probe to remove ("bound to vfio_ap" means exactly that, kernel-vfio-ap.md
// §1.6). While its APQN is in an mdev's assigned matrix it is linked into that mdev's queue
// table and points back at the mdev. It keeps the response code of its last reset, which
// decides whether the queue may be passed to a guest (_queue_passable).
#ifndef APCB_IMPL_VFIO_AP_QUEUE_H_
#define APCB_IMPL_VFIO_AP_QUEUE_H_

#include <cstdint>

#include "model/state.h"

namespace apcb::impl::vfio_ap {

struct MatrixMdev;

struct VfioApQueue {
  model::Apqn apqn;
  MatrixMdev* matrix_mdev = nullptr;  // the mdev whose queue table holds it, or nullptr
  std::uint8_t reset_status = 0;      // response code of the last reset; 0 (NORMAL) at probe
  // mdev_qnode: the chain of its queue-table bucket (an hlist: pprev points at the pointer
  // that points here, so unlinking needs no search).
  VfioApQueue* qnext = nullptr;
  VfioApQueue** qpprev = nullptr;
  // reset_qnode: the list of queues one step of an operation resets together.
  VfioApQueue* reset_next = nullptr;
  // The queue pool's free list.
  VfioApQueue* pool_next = nullptr;

  // Whether the filter may pass this queue to a guest (_queue_passable).
  // Example: reset_status == model::response::q_not_avail gives passable() == false.
  bool passable() const { return model::response::passable(reset_status); }
};

}  // namespace apcb::impl::vfio_ap

#endif  // APCB_IMPL_VFIO_AP_QUEUE_H_
