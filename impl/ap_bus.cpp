#include "impl/ap_bus.h"

#include "model/parse.h"
#include "model/render.h"

namespace apcb::impl {

using model::Apqn;
using model::ApId;
using model::Driver;
using model::Errno;
using model::Mask;
using model::Matrix;

namespace {

// The default (zcrypt) driver as far as the specification sees it: it takes the queues the
// masks reserve for it and keeps no state the specification observes.
class DefaultDriver final : public ApDriver {
 public:
  Errno probe_queue(OpContext& ctx, Apqn q) override {
    (void)ctx, (void)q;
    return Errno::ok;
  }
  Errno remove_queue(OpContext& ctx, Apqn q) override {
    (void)ctx, (void)q;
    return Errno::ok;
  }
};

}  // namespace

ApBus::ApBus(const model::HostParams& params, const Matrix& cfg)
    : params_(params),
      scan_adapters_(Mask::up_to(params.bus_max_adapter())),
      scan_domains_(Mask::up_to(params.bus_max_domain())),
      cfg_(cfg),
      default_driver_(std::make_unique<DefaultDriver>()) {
  // Every queue device of the configuration is reserved by the all-ones masks.
  device_adapters().for_each([&](ApId a) {
    device_domains().for_each([&](ApId d) {
      binding_.at(Apqn{a, d}) = static_cast<std::uint8_t>(Driver::default_driver);
    });
  });
}

ApBus::~ApBus() = default;

ApDriver& ApBus::driver(Driver d) { return d == Driver::vfio_ap ? *vfio_ : *default_driver_; }

Errno ApBus::attach(OpContext& ctx, Apqn q, Driver d) {
  if (Errno e = driver(d).probe_queue(ctx, q); e != Errno::ok) return e;
  ctx.undo.set(binding_.at(q), static_cast<std::uint8_t>(d));
  return Errno::ok;
}

Errno ApBus::detach(OpContext& ctx, Apqn q) {
  const Driver d = driver_of(q);
  if (d != Driver::none) {
    if (Errno e = driver(d).remove_queue(ctx, q); e != Errno::ok) return e;
  }
  ctx.undo.set(binding_.at(q), static_cast<std::uint8_t>(Driver::none));
  return Errno::ok;
}

Errno ApBus::change_config(OpContext& ctx, const Matrix& cur) {
  ctx.locks.acquire(perms_mutex_);  // the ownership rule reads the masks
  ctx.locks.acquire(scan_mutex_);
  ctx.batch = true;
  const Matrix prev = cfg_;
  for (ApDriver* drv : {default_driver_.get(), vfio_})
    if (Errno e = drv->on_config_changed(ctx, cur, prev); e != Errno::ok) return e;
  ctx.undo.set(cfg_, cur);
  // The scan (adapters 0..ap_max_adapter_id, domains 0..ap_max_domain_id): devices whose APQN
  // left the configuration go ...
  Errno err = Errno::ok;
  (prev.adapters & scan_adapters_).for_each([&](ApId a) {
    (prev.domains & scan_domains_).for_each([&](ApId d) {
      const Apqn q{a, d};
      if (err != Errno::ok || present(q)) return;
      err = detach(ctx, q);
    });
  });
  if (err != Errno::ok) return err;
  // ... and devices for new APQNs are bound to the driver their ownership names.
  (cur.adapters & scan_adapters_).for_each([&](ApId a) {
    (cur.domains & scan_domains_).for_each([&](ApId d) {
      const Apqn q{a, d};
      if (err != Errno::ok || (prev.adapters.test(a) && prev.domains.test(d))) return;
      err = attach(ctx, q, reserved(q) ? Driver::default_driver : Driver::vfio_ap);
    });
  });
  if (err != Errno::ok) return err;
  for (ApDriver* drv : {default_driver_.get(), vfio_})
    if (Errno e = drv->on_scan_complete(ctx, cur, prev); e != Errno::ok) return e;
  return Errno::ok;
}

Errno ApBus::bind(OpContext& ctx, Apqn q, Driver d) {
  ctx.locks.acquire(perms_mutex_);  // ap_device_probe checks the ownership under it
  ctx.locks.acquire(scan_mutex_);
  if (!present(q)) return Errno::enodev;
  if (driver_of(q) != Driver::none) return Errno::ebusy;
  if (d == Driver::none || (d == Driver::default_driver) != reserved(q)) return Errno::enodev;
  return attach(ctx, q, d);
}

Errno ApBus::unbind(OpContext& ctx, Apqn q, Driver d) {
  ctx.locks.acquire(scan_mutex_);
  const Driver bound = driver_of(q);
  if (bound == Driver::none || bound != d) return Errno::enodev;
  return detach(ctx, q);
}

Errno ApBus::store_mask(OpContext& ctx, model::BusMask which, std::string_view text) {
  ctx.locks.acquire(perms_mutex_);
  const bool is_apmask = which == model::BusMask::apmask;
  Mask& target = is_apmask ? apmask_ : aqmask_;
  const model::Parsed<Mask> parsed = model::parse_bus_mask(text, target);
  if (!parsed.ok()) return parsed.error;
  // Only IDs that become reserved can take a queue from a driver: ask about exactly those.
  const Mask newly = parsed.value - target;
  if (newly.any()) {
    const Mask apm = is_apmask ? newly : apmask_;
    const Mask aqm = is_apmask ? aqmask_ : newly;
    for (ApDriver* drv : {default_driver_.get(), vfio_})
      if (drv->in_use(ctx, apm, aqm)) return Errno::ebusy;
  }
  ctx.locks.acquire(scan_mutex_);
  ctx.batch = true;
  ctx.undo.set(target, parsed.value);
  // ap_bus_revise_bindings: every bound device whose owner changed is reprobed, ascending.
  Errno err = Errno::ok;
  device_adapters().for_each([&](ApId a) {
    device_domains().for_each([&](ApId d) {
      const Apqn q{a, d};
      if (err != Errno::ok) return;
      const Driver bound = driver_of(q);
      const Driver owner = reserved(q) ? Driver::default_driver : Driver::vfio_ap;
      if (bound == Driver::none || bound == owner) return;
      err = detach(ctx, q);
      if (err == Errno::ok) err = attach(ctx, q, owner);
    });
  });
  return err;
}

Errno ApBus::show_mask(OpContext& ctx, model::BusMask which, std::string& out) {
  ctx.locks.acquire(perms_mutex_);
  out = model::render_bus_mask(which == model::BusMask::apmask ? apmask_ : aqmask_);
  return Errno::ok;
}

}  // namespace apcb::impl
