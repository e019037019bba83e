// apcb impl — the mdev's sysfs attributes: bytes in → errno, bytes out byte-exact.
//
// /sys/devices/vfio_ap/matrix/<uuid>/{assign,unassign}_{adapter,domain,control_domain},
// ap_config (write) and matrix, guest_matrix, control_domains, ap_config (read). Parsing and
// rendering are the model's (model/parse.h, model/render.h: one way to do each); this layer
// adds what the kernel's store/show functions add around them: which locks, and which check
// wins (the mdev must exist, then parse → -EINVAL/-ERANGE, range → -ENODEV, then the driver's
// own checks). Input is parsed before any lock is taken, as the kernel does.
#ifndef APCB_IMPL_VFIO_AP_SYSFS_H_
#define APCB_IMPL_VFIO_AP_SYSFS_H_

#include <string>
#include <string_view>

#include "impl/ap_bus.h"
#include "impl/op_context.h"
#include "impl/vfio_ap/driver.h"
#include "model/op.h"

namespace apcb::impl::vfio_ap {

class MdevSysfs {
 public:
  // Example: MdevSysfs sysfs(vfio, bus);
  MdevSysfs(VfioApDriver& driver, ApBus& bus) : driver_(driver), bus_(bus) {}

  // A write of `text` to attribute `attr` of mdev `uuid`: -ENOENT when there is no such mdev,
  // else the attribute's result.
  // Example: store(ctx, u, MdevAttr::assign_adapter, "0x4") assigns adapter 4;
  // store(ctx, u, MdevAttr::assign_adapter, "x") == Errno::einval.
  model::Errno store(OpContext& ctx, std::string_view uuid, model::MdevAttr attr,
                     std::string_view text);
  // A read of `view` of mdev `uuid` into `out`: -ENOENT when there is no such mdev.
  // Example: show(ctx, u, MdevView::matrix, out) gives out == "04.0002\n" for 04.0002 assigned.
  model::Errno show(OpContext& ctx, std::string_view uuid, model::MdevView view, std::string& out);

 private:
  model::Errno store_id(OpContext& ctx, std::string_view uuid, model::MdevAttr attr,
                        std::string_view text);
  model::Errno store_ap_config(OpContext& ctx, std::string_view uuid, std::string_view text);

  VfioApDriver& driver_;
  ApBus& bus_;
};

}  // namespace apcb::impl::vfio_ap

#endif  // APCB_IMPL_VFIO_AP_SYSFS_H_
