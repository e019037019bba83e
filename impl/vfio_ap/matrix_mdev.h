// apcb impl — struct ap_matrix_mdev: one mediated matrix device.
#ifndef APCB_IMPL_VFIO_AP_MATRIX_MDEV_H_
#define APCB_IMPL_VFIO_AP_MATRIX_MDEV_H_

#include <string>

#include "impl/kvm/kvm.h"
#include "impl/vfio_ap/queue_table.h"
#include "model/state.h"

namespace apcb::impl::vfio_ap {

struct MatrixMdev {
  std::string uuid;
  model::Matrix matrix;       // what the administrator assigned
  model::Matrix shadow_apcb;  // what the guest gets (or would get): a filtered subset of matrix
  // apm_add / aqm_add / adm_add: IDs the host configuration gained that are assigned here,
  // waiting for on_scan_complete to hot plug them.
  model::Matrix add;
  kvm::Kvm* kvm = nullptr;  // the guest attached (open_device → set_kvm), or nullptr
  // A VFIO release request cleared the guest's CRYCB; the next commit (or the close) ends it.
  bool crycb_released = false;
  QueueTable qtable;  // the vfio_ap_queue objects linked here
};

}  // namespace apcb::impl::vfio_ap

#endif  // APCB_IMPL_VFIO_AP_MATRIX_MDEV_H_
