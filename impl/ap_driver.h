// apcb impl — the interface an AP device driver offers the AP bus (struct ap_driver).
//
// The bus calls probe_queue when it binds a queue device to the driver and remove_queue when
// it unbinds it; on_config_changed before a scan that follows a QCI change, on_scan_complete after it; and
// in_use before it lets an apmask/aqmask write reserve APQNs for the default drivers. Unlike
// the kernel's void callbacks, probe_queue/remove_queue/on_* return an errno: a fault injected inside them
// fails the whole bus operation, which the bus then rolls back (SPEC rule 8).
#ifndef APCB_IMPL_AP_DRIVER_H_
#define APCB_IMPL_AP_DRIVER_H_

#include "impl/op_context.h"
#include "model/errno.h"
#include "model/state.h"

namespace apcb::impl {

class ApDriver {
 public:
  virtual ~ApDriver() = default;
  // The queue device `q` is being bound to this driver. On failure nothing may have changed
  // beyond what the operation's undo journal holds.
  // Example: the bus binds 04.0002 to vfio_ap: vfio.probe_queue(ctx, {4, 2}).
  virtual model::Errno probe_queue(OpContext& ctx, model::Apqn q) = 0;
  // The queue device `q`, bound to this driver, is being unbound (still bound while this runs).
  // Example: an unbind of 04.0002 from vfio_ap: vfio.remove_queue(ctx, {4, 2}).
  virtual model::Errno remove_queue(OpContext& ctx, model::Apqn q) = 0;
  // The host's AP configuration changes from `prev` to `cur`; the scan has not run yet.
  // Example: adapter 4 leaves the configuration: on_config_changed(ctx, cur, prev) with
  // prev.adapters ∋ 4 ∌ cur.adapters, before its queue devices are removed.
  virtual model::Errno on_config_changed(OpContext& ctx, const model::Matrix& cur,
                                         const model::Matrix& prev) {
    (void)ctx, (void)cur, (void)prev;
    return model::Errno::ok;
  }
  // The scan that followed the change from `prev` to `cur` has probed and removed every device.
  // Example: after the scan that added adapter 4's queue devices, on_scan_complete(ctx, cur, prev).
  virtual model::Errno on_scan_complete(OpContext& ctx, const model::Matrix& cur,
                                        const model::Matrix& prev) {
    (void)ctx, (void)cur, (void)prev;
    return model::Errno::ok;
  }
  // Whether some APQN of apm × aqm is in use by this driver (so it may not become reserved for
  // the default drivers). Called with ap_perms_mutex held; must not change anything.
  // Example: an mdev holding 04.0002: in_use(ctx, Mask::single(4), Mask::single(2)) is true.
  virtual bool in_use(OpContext& ctx, const model::Mask& apm, const model::Mask& aqm) {
    (void)ctx, (void)apm, (void)aqm;
    return false;
  }
};

}  // namespace apcb::impl

#endif  // APCB_IMPL_AP_DRIVER_H_
