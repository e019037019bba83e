// apcb impl — the AP bus: host AP configuration, queue devices, drivers, ownership masks.
//
// What drivers/s390/crypto/ap_bus.c does for the specification:
//  - holds the host's QCI configuration; a change runs on_config_changed of every driver, a
//    scan that removes the queue devices that left the configuration and adds the new ones
//    (ascending APQN), then on_scan_complete;
//  - binds each queue device by the ownership rule: to the default driver (the zcrypt stand-in)
//    iff the APQN is reserved by apmask × aqmask, otherwise to vfio_ap; the administrator can
//    unbind a device by hand and bind it again (only to the driver its ownership names);
//  - (6.19) keeps each queue device's driver_override: writable only while both masks are all
//    ones, it decides the driver a probe binds (the masks are then ignored for that queue) and
//    who owns the queue for vfio_ap's validation; a mask write is refused while any is set;
//  - parses apmask/aqmask writes (absolute or relative, model::parse_bus_mask), asks the
//    drivers' in_use when it sets a new ID (-EBUSY on a veto), then revises the bindings of
//    the devices whose owner changed.
// Locks: ap_perms_mutex guards the masks, the scan mutex guards the configuration and the
// device bindings; both come before the driver's guests_lock (lock_set.h).
#ifndef APCB_IMPL_AP_BUS_H_
#define APCB_IMPL_AP_BUS_H_

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "impl/ap_driver.h"
#include "impl/apqn_table.h"
#include "impl/lock_set.h"
#include "impl/op_context.h"
#include "model/op.h"
#include "model/state.h"

namespace apcb::impl {

class ApBus {
 public:
  // A bus with configuration `cfg`, the masks all ones and every queue device bound to the
  // default driver (the state model::State::initial describes).
  // Example: ApBus bus(params, cfg); bus.driver_of(q) == Driver::default_driver for q in cfg.
  ApBus(const model::HostParams& params, const model::Matrix& cfg);
  ~ApBus();
  ApBus(const ApBus&) = delete;
  ApBus& operator=(const ApBus&) = delete;

  // Registers the non-default driver. Must happen before the first operation.
  // Example: bus.register_vfio_driver(vfio); — Host does this in its constructor.
  void register_vfio_driver(ApDriver& driver) { vfio_ = &driver; }

  // The QCI configuration becomes `cur`: on_config_changed, scan (remove, then add, ascending),
  // on_scan_complete. Fails only by an injected fault, and then changes nothing.
  // Example: change_config(ctx, cfg minus adapter 4) removes every queue device 04.xxxx.
  model::Errno change_config(OpContext& ctx, const model::Matrix& cur);
  // `echo a.d > /sys/bus/ap/drivers/<driver>/bind`: -ENODEV when the device does not exist or
  // the ownership masks give it to the other driver, -EBUSY when it is bound already.
  // Example: bind(ctx, {4, 2}, Driver::vfio_ap) == Errno::enodev while the masks reserve
  // 04.0002.
  model::Errno bind(OpContext& ctx, model::Apqn q, model::Driver driver);
  // `echo a.d > /sys/bus/ap/drivers/<driver>/unbind`: -ENODEV unless bound to that driver.
  // Example: unbind(ctx, {4, 2}, Driver::vfio_ap) == Errno::enodev when 04.0002 is bound to
  // the default driver.
  model::Errno unbind(OpContext& ctx, model::Apqn q, model::Driver driver);
  // A write of `text` to /sys/bus/ap/apmask or aqmask: -EINVAL when it does not parse, -EBUSY
  // when a driver says an APQN it would reserve is in use; else the bindings are revised.
  // Example: store_mask(ctx, BusMask::apmask, "-4") gives adapter 4's queues to vfio_ap;
  // store_mask(ctx, BusMask::apmask, "junk") == Errno::einval.
  model::Errno store_mask(OpContext& ctx, model::BusMask which, std::string_view text);
  // 6.19 `echo TEXT > /sys/bus/ap/devices/XX.YYYY/driver_override`: -ENOENT without the
  // queue device, -EINVAL unless both masks are all ones or for a value of 4095 bytes or
  // more; the value ends at its first NUL or newline, an empty one clears the override. No
  // device is reprobed.
  // Example: store_override(ctx, {4, 2}, "vfio_ap\n") == Errno::ok on a new bus; after
  //   store_mask(ctx, BusMask::apmask, "-4") it is Errno::einval.
  model::Errno store_override(OpContext& ctx, model::Apqn q, std::string_view text);
  // 6.19 `cat /sys/bus/ap/devices/XX.YYYY/driver_override`: the name and a newline, or a
  // newline alone; -ENOENT without the queue device.
  // Example: on a new bus show_override(ctx, {4, 2}, out) gives out == "\n".
  model::Errno show_override(OpContext& ctx, model::Apqn q, std::string& out);
  // Every driver_override set, by packed APQN (for Host::full_state).
  // Example: empty on a new bus.
  const std::map<std::uint16_t, std::string>& overrides() const { return overrides_; }
  // The bus's override count (model::State::override_count).
  // Example: after one override write and the queue device's removal, override_count() == 1.
  std::uint64_t override_count() const { return override_count_; }

  // `cat /sys/bus/ap/apmask` (or aqmask) into `out`.
  // Example: on a new bus out == "0xffff...ff\n" (64 hex digits).
  model::Errno show_mask(OpContext& ctx, model::BusMask which, std::string& out);

  // ap_apqn_in_matrix_owned_by_def_drv: whether some APQN of apm × aqm belongs to the
  // default drivers (ap_owned_by_def_drv: a queue with a driver_override iff bound to the
  // default driver, any other APQN iff the masks reserve it). The caller holds perms_mutex().
  // Example: with the masks all ones and no override,
  // apqn_in_matrix_owned_by_def_drv(Mask::single(4), Mask::single(2)) is true.
  bool apqn_in_matrix_owned_by_def_drv(const model::Mask& apm, const model::Mask& aqm) const;

  // The bus's locks (lock_set.h ranks). Example: locks.acquire(bus.perms_mutex());
  RankedMutex& perms_mutex() { return perms_mutex_; }
  RankedMutex& scan_mutex() { return scan_mutex_; }

  // Read access for Host::full_state; the caller holds perms_mutex() and scan_mutex().
  // Example: bus.config() == cfg until a change_config.
  const model::Matrix& config() const { return cfg_; }
  // The adapters and domains queue devices exist for: the configuration's, up to the bus's
  // maximum IDs.
  // Example: cfg adapters {4, 300 > bus max} give device_adapters() == {4}.
  model::Mask device_adapters() const { return cfg_.adapters & scan_adapters_; }
  model::Mask device_domains() const { return cfg_.domains & scan_domains_; }
  // Example: bus.apmask() == Mask::all() on a new bus.
  const model::Mask& apmask() const { return apmask_; }
  const model::Mask& aqmask() const { return aqmask_; }
  // The driver queue device `q` is bound to (none when unbound or when there is no device).
  // Example: driver_of(q) == Driver::none for a q outside the configuration.
  model::Driver driver_of(model::Apqn q) const {
    return static_cast<model::Driver>(binding_.get(q));
  }

 private:
  // A queue device exists: configured, and within ap_max_adapter_id / ap_max_domain_id (the
  // scan never looks beyond them, whatever the QCI masks hold).
  bool present(model::Apqn q) const {
    return cfg_.adapters.test(q.adapter) && cfg_.domains.test(q.domain) &&
           scan_adapters_.test(q.adapter) && scan_domains_.test(q.domain);
  }
  bool reserved(model::Apqn q) const {
    return apmask_.test(q.adapter) && aqmask_.test(q.domain);
  }
  ApDriver& driver(model::Driver d);
  // Binds device `q` to `d` (probe_queue, then record the binding).
  model::Errno attach(OpContext& ctx, model::Apqn q, model::Driver d);
  // Unbinds device `q` from its driver (remove_queue, then record "no driver").
  model::Errno detach(OpContext& ctx, model::Apqn q);

  model::HostParams params_;
  // IDs 0..ap_max_adapter_id and 0..ap_max_domain_id: what ap_scan_bus visits.
  model::Mask scan_adapters_;
  model::Mask scan_domains_;
  model::Matrix cfg_;  // the QCI configuration (handed to the drivers as it is)
  model::Mask apmask_ = model::Mask::all();
  model::Mask aqmask_ = model::Mask::all();
  // Per packed APQN: the model::Driver its queue device is bound to (none: unbound or absent).
  ApqnTable<std::uint8_t> binding_;
  // The queue devices' driver_override values, where set (6.19); the count of entries is the
  // kernel's ap_driver_override_ctr.
  std::map<std::uint16_t, std::string> overrides_;
  // ap_driver_override_ctr (model::State::override_count): not lowered when a device goes.
  std::uint64_t override_count_ = 0;
  std::unique_ptr<ApDriver> default_driver_;
  ApDriver* vfio_ = nullptr;
  RankedMutex perms_mutex_{LockRank::ap_perms};
  RankedMutex scan_mutex_{LockRank::ap_bus};
};

}  // namespace apcb::impl

#endif  // APCB_IMPL_AP_BUS_H_
