// apcb impl — struct ap_matrix_mdev: one mediated matrix device.
#ifndef APCB_IMPL_VFIO_AP_MATRIX_MDEV_H_
#define APCB_IMPL_VFIO_AP_MATRIX_MDEV_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "impl/kvm/kvm.h"
#include "impl/vfio_ap/queue_table.h"
#include "model/state.h"

namespace apcb::impl::vfio_ap {

class VfioApDriver;
struct MatrixMdev;

// matrix_mdev->pqap_hook: the hook set_kvm registers with the attached guest's KVM. Its handler
// is the driver's handle_pqap for the mdev that holds it (the kernel's container_of).
class MdevPqapHook final : public kvm::PqapHook {
 public:
  // Example: MdevPqapHook hook(driver, m); hook.owner_uuid() == m.uuid.
  MdevPqapHook(VfioApDriver& driver, MatrixMdev& mdev) : driver_(driver), mdev_(mdev) {}
  MdevPqapHook(const MdevPqapHook&) = delete;
  MdevPqapHook& operator=(const MdevPqapHook&) = delete;
  // VfioApDriver::handle_pqap for this hook's mdev.
  // Example: hook.handle_pqap(locks, guest, {5, 4}) == response::q_not_avail unless 05.0004 is
  // in the mdev's queue table.
  std::uint8_t handle_pqap(LockSet& locks, kvm::Kvm& guest, model::Apqn apqn) override;
  // Example: hook.owner_uuid() == "11111111-1111-1111-1111-111111111111" for that mdev.
  std::string_view owner_uuid() const override;

 private:
  VfioApDriver& driver_;
  MatrixMdev& mdev_;
};

struct MatrixMdev {
  // Example: auto* m = new MatrixMdev(driver); m->pqap_hook.owner_uuid() == m->uuid.
  explicit MatrixMdev(VfioApDriver& driver) : pqap_hook(driver, *this) {}
  MatrixMdev(const MatrixMdev&) = delete;
  MatrixMdev& operator=(const MatrixMdev&) = delete;

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
  // Registered as kvm->pqap_hook() of the attached guest from open_device to close_device.
  MdevPqapHook pqap_hook;
};

}  // namespace apcb::impl::vfio_ap

#endif  // APCB_IMPL_VFIO_AP_MATRIX_MDEV_H_
