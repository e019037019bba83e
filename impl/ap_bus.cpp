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

using Overrides = std::map<std::uint16_t, std::string>;

// target := value, journaled in `undo` (the old map is kept until the operation ends).
void set_overrides(UndoLog& undo, Overrides& target, Overrides value) {
  if (target == value) return;
  UndoLog::Entry e;
  e.a = &target;
  e.b = new Overrides(std::move(target));
  e.undo = [](const UndoLog::Entry& x) {
    auto* old = static_cast<Overrides*>(x.b);
    *static_cast<Overrides*>(x.a) = std::move(*old);
    delete old;
  };
  e.done = [](const UndoLog::Entry& x) { delete static_cast<Overrides*>(x.b); };
  undo.record(e);
  target = std::move(value);
}

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
  // (A device that went takes its driver_override with it.)
  Overrides kept;
  for (const auto& [qid, name] : overrides_)
    if (present(Apqn::unpack(qid))) kept.emplace(qid, name);
  set_overrides(ctx.undo, overrides_, std::move(kept));
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
  if (d == Driver::none) return Errno::enodev;
  if (auto it = overrides_.find(q.packed()); it != overrides_.end()) {
    // ap_device_probe (6.19): an override binds the driver it names, the masks aside.
    if (it->second != model::driver_name(d)) return Errno::enodev;
  } else if ((d == Driver::default_driver) != reserved(q)) {
    return Errno::enodev;
  }
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
  // 46030379f13c: no mask write while the override count is not zero (EINVAL, unparsed).
  if (override_count_ != 0) return Errno::einval;
  const bool is_apmask = which == model::BusMask::apmask;
  Mask& target = is_apmask ? apmask_ : aqmask_;
  const model::Parsed<Mask> parsed = model::parse_bus_mask(text, target);
  if (!parsed.ok()) return parsed.error;
  // apmask_commit/aqmask_commit: the drivers' in_use is asked only when the write sets an ID
  // the mask did not have, about those IDs crossed with an all-ones other mask (6917f434fda3):
  // a queue an override gave to vfio_ap may sit outside the other mask. A write that sets no
  // new ID is not vetoed, even when it reserves a queue an mdev holds (leaving the override
  // regime; finding F2, model/README.md).
  if (const Mask newly = parsed.value - target; newly.any()) {
    const Mask apm = is_apmask ? newly : Mask::all();
    const Mask aqm = is_apmask ? Mask::all() : newly;
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

bool ApBus::apqn_in_matrix_owned_by_def_drv(const Mask& apm, const Mask& aqm) const {
  bool owned = false;
  apm.for_each([&](ApId a) {
    Mask row = apmask_.test(a) ? aqmask_ : Mask{};
    for (const auto& [qid, name] : overrides_) {
      const Apqn q = Apqn::unpack(qid);
      if (q.adapter != a) continue;
      if (driver_of(q) == Driver::default_driver)
        row.set(q.domain);
      else
        row.clear(q.domain);
    }
    owned = owned || aqm.intersects(row);
  });
  return owned;
}

Errno ApBus::store_override(OpContext& ctx, Apqn q, std::string_view text) {
  ctx.locks.acquire(perms_mutex_);  // ap_attr_mutex: the masks and the override count
  ctx.locks.acquire(scan_mutex_);   // the device must exist while its attribute is written
  if (!present(q)) return Errno::enoent;
  if (text.empty()) return Errno::ok;  // sysfs calls no store for a write of no bytes
  if (apmask_ != Mask::all() || aqmask_ != Mask::all()) return Errno::einval;
  if (text.size() >= model::kDriverOverrideMax) return Errno::einval;
  const std::string name(text.substr(0, text.find_first_of(std::string_view("\0\n", 2))));
  Overrides next = overrides_;
  const bool had = next.count(q.packed()) != 0;
  if (name.empty())
    next.erase(q.packed());
  else
    next[q.packed()] = name;
  set_overrides(ctx.undo, overrides_, std::move(next));
  // ap_driver_override_ctr: changed here only; a device that goes keeps its share of it.
  if (had && name.empty()) ctx.undo.set(override_count_, override_count_ - 1);
  if (!had && !name.empty()) ctx.undo.set(override_count_, override_count_ + 1);
  return Errno::ok;
}

Errno ApBus::show_override(OpContext& ctx, Apqn q, std::string& out) {
  ctx.locks.acquire(perms_mutex_);
  ctx.locks.acquire(scan_mutex_);
  if (!present(q)) return Errno::enoent;
  auto it = overrides_.find(q.packed());
  out = (it == overrides_.end() ? std::string() : it->second) + "\n";
  return Errno::ok;
}

Errno ApBus::show_mask(OpContext& ctx, model::BusMask which, std::string& out) {
  ctx.locks.acquire(perms_mutex_);
  out = model::render_bus_mask(which == model::BusMask::apmask ? apmask_ : aqmask_);
  return Errno::ok;
}

}  // namespace apcb::impl
