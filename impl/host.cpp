#include "impl/host.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "model/render.h"
#include "model/step.h"

namespace apcb::impl {

using model::Apqn;
using model::ApId;
using model::Errno;
using model::Matrix;

namespace {

// One thread's reusable buffers: the undo journal and the held-locks list of the operation it
// runs (apply is not re-entrant, so one of each per thread suffices).
struct Scratch {
  UndoLog undo;
  std::vector<RankedMutex*> held;
};
thread_local Scratch tls_scratch;

std::string apqn_text(Apqn q) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02x.%04x", q.adapter, q.domain);
  return buf;
}

}  // namespace

Host::Host(const model::HostParams& params, const Matrix& cfg, HostOptions options)
    : params_(params),
      kvms_(params.apxa, options.vcpus_per_guest),
      bus_(std::make_unique<ApBus>(params, cfg)),
      vfio_(std::make_unique<vfio_ap::VfioApDriver>(params, cfg, *bus_, hw_, kvms_)),
      sysfs_(std::make_unique<vfio_ap::MdevSysfs>(*vfio_, *bus_)) {
  bus_->register_vfio_driver(*vfio_);
}

Host::~Host() = default;

void Host::set_commit_protocol(kvm::CommitProtocol p) { kvms_.env().protocol.store(p); }

void Host::set_commit_listener(kvm::CommitListener listener) {
  kvms_.env().listener = std::move(listener);
}

// Routes each operation to the layer the kernel would: the AP bus, the mdev's sysfs
// attributes, the matrix device, the VFIO device or KVM.
struct Host::Dispatch {
  Host& h;
  OpContext& ctx;
  model::Observation& out;

  Errno operator()(const model::op::ConfigChange& o) { return h.bus_->change_config(ctx, o.cfg); }
  Errno operator()(const model::op::QueueBind& o) { return h.bus_->bind(ctx, o.apqn, o.driver); }
  Errno operator()(const model::op::QueueUnbind& o) { return h.bus_->unbind(ctx, o.apqn, o.driver); }
  Errno operator()(const model::op::ResetResponse& o) {
    h.hw_.set_reset_response(o.apqn, o.response, o.then);
    return Errno::ok;
  }
  Errno operator()(const model::op::BusMaskWrite& o) { return h.bus_->store_mask(ctx, o.mask, o.text); }
  Errno operator()(const model::op::MdevCreate& o) {
    if (!model::valid_uuid(o.uuid)) return Errno::einval;
    std::string uuid = o.uuid;
    for (char& c : uuid) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return h.vfio_->create_mdev(ctx, uuid);
  }
  Errno operator()(const model::op::MdevRemove& o) { return h.vfio_->remove_mdev(ctx, o.uuid); }
  Errno operator()(const model::op::AttrWrite& o) { return h.sysfs_->store(ctx, o.uuid, o.attr, o.text); }
  Errno operator()(const model::op::DeviceReset& o) { return h.vfio_->reset_device(ctx, o.uuid); }
  Errno operator()(const model::op::GuestCreate& o) { return h.kvms_.create(o.guest, o.msax3); }
  Errno operator()(const model::op::GuestAttach& o) { return h.vfio_->open_device(ctx, o.uuid, o.guest); }
  Errno operator()(const model::op::GuestDetach& o) { return h.vfio_->close_device(ctx, o.uuid); }
  Errno operator()(const model::op::GuestRelease& o) { return h.vfio_->request(ctx, o.uuid); }
  Errno operator()(const model::op::VcpuObserve& o) {
    kvm::Kvm* g = h.kvms_.find(o.guest);
    if (g == nullptr) return Errno::enoent;
    out.output = model::render_apcb(g->observe());
    return Errno::ok;
  }
  Errno operator()(const model::op::ReadMdev& o) { return h.sysfs_->show(ctx, o.uuid, o.view, out.output); }
  Errno operator()(const model::op::ReadBusMask& o) { return h.bus_->show_mask(ctx, o.mask, out.output); }
  // The matrix device's features: the model's rendering, as for every other show.
  Errno operator()(const model::op::ReadFeatures&) {
    out.output = model::render_features();
    return Errno::ok;
  }
  Errno operator()(const model::op::ReadQueueStatus& o) {
    return h.vfio_->show_queue_status(ctx, o.apqn, out.output);
  }
  Errno operator()(const model::op::DriverOverrideWrite& o) {
    return h.bus_->store_override(ctx, o.apqn, o.text);
  }
  Errno operator()(const model::op::DriverOverrideRead& o) {
    return h.bus_->show_override(ctx, o.apqn, out.output);
  }
  // A vCPU's PQAP(AQIC): KVM's checks, then the hook the vfio_ap driver registered, if any.
  Errno operator()(const model::op::GuestAqic& o) {
    kvm::Kvm* g = h.kvms_.find(o.guest);
    if (g == nullptr) return Errno::enoent;
    const kvm::AqicAnswer a = g->pqap_aqic(ctx.locks, o.apqn);
    out.output = a.specification_exception ? model::render_aqic_specification_exception()
                                           : model::render_aqic(a.handler, a.rc);
    return Errno::ok;
  }
};

void Host::apply(const model::Op& op, model::Observation& out) {
  out.result = Errno::ok;
  out.output.clear();
  out.events.clear();
  Scratch& scratch = tls_scratch;
  LockSet locks(scratch.held);
  OpContext ctx{out, scratch.undo, locks, faults_};
  const Errno result = std::visit(Dispatch{*this, ctx, out}, op);
  // Still holding every lock the operation took: nobody has seen its changes but vCPUs.
  if (result == Errno::ok || ctx.completed) {
    scratch.undo.commit();
  } else {
    scratch.undo.rollback();
    out.output.clear();
    out.events.clear();
  }
  out.result = result;
  locks.release_all();
}

model::Observation Host::apply(const model::Op& op) {
  model::Observation out;
  apply(op, out);
  return out;
}

void Host::lock_everything(LockSet& locks) const {
  locks.acquire(bus_->perms_mutex());
  locks.acquire(bus_->scan_mutex());
  vfio_->lock_all(locks);
}

HostState Host::full_state_locked() const {
  HostState full;
  model::State& s = full.state;
  s.params = params_;
  s.cfg = bus_->config();
  s.apmask = bus_->apmask();
  s.aqmask = bus_->aqmask();
  s.hw_response = hw_.abnormal_responses();
  s.driver_override = bus_->overrides();
  s.override_count = bus_->override_count();
  bus_->device_adapters().for_each([&](ApId a) {
    bus_->device_domains().for_each([&](ApId d) {
      const Apqn q{a, d};
      if (bus_->driver_of(q) == model::Driver::none) s.unbound[a].set(d);
      // Bound to vfio_ap against the masks: an override's doing (model::State::override_bound).
      if (bus_->driver_of(q) == model::Driver::vfio_ap && s.reserved(q)) s.override_bound[a].set(d);
      if (const vfio_ap::VfioApQueue* obj = vfio_->queue(q)) {
        full.vfio_queues.emplace_back(q.packed(), obj->reset_status);
        if (obj->reset_status != model::response::normal) s.last_response[q.packed()] = obj->reset_status;
      }
    });
  });
  // The driver's list is newest first; the model keeps creation order.
  for (auto it = vfio_->mdevs().rbegin(); it != vfio_->mdevs().rend(); ++it) {
    const vfio_ap::MatrixMdev* m = *it;
    model::Mdev md;
    md.uuid = m->uuid;
    md.assigned = m->matrix;
    md.shadow = m->shadow_apcb;
    md.pending_add = m->add;
    if (m->kvm != nullptr) md.guest = m->kvm->id();
    md.released = m->crycb_released;
    s.mdevs.push_back(std::move(md));
    std::vector<std::uint16_t> table;
    m->qtable.for_each([&](const vfio_ap::VfioApQueue& q) { table.push_back(q.apqn.packed()); });
    std::sort(table.begin(), table.end());
    full.qtables.emplace_back(m->uuid, std::move(table));
  }
  for (const kvm::Kvm* g : kvms_.all()) {
    model::Guest guest{g->id(), g->msax3(), g->format(), g->apcb(), std::nullopt, false};
    // impl/ is latest: a hook is only ever into a live mdev (never pqap_hook_freed).
    if (const kvm::PqapHook* hook = g->pqap_hook()) guest.pqap_hook = std::string(hook->owner_uuid());
    s.guests.push_back(std::move(guest));
    full.crycbs.emplace_back(g->crycbd(), g->crycb_bytes());
  }
  full.live_queue_objects = vfio_->live_queue_objects();
  return full;
}

HostState Host::full_state() const {
  std::vector<RankedMutex*> held;
  LockSet locks(held);
  lock_everything(locks);
  return full_state_locked();
}

model::State Host::state() const { return full_state().state; }

std::vector<model::Apqn> Host::queue_table(std::string_view uuid) const {
  std::vector<Apqn> out;
  for (const auto& [id, table] : full_state().qtables) {
    if (id != uuid) continue;
    for (std::uint16_t q : table) out.push_back(Apqn::unpack(q));
  }
  return out;
}

std::vector<std::string> Host::check_structure() const {
  std::vector<RankedMutex*> held;
  LockSet locks(held);
  lock_everything(locks);
  std::vector<std::string> problems;
  auto problem = [&](std::string text) { problems.push_back(std::move(text)); };
  const Matrix& cfg = bus_->config();
  if (!(vfio_->info() == cfg)) problem("vfio_ap's info differs from the bus configuration");
  std::size_t registered = 0;
  bus_->device_adapters().for_each([&](ApId a) {
    bus_->device_domains().for_each([&](ApId d) {
      const Apqn q{a, d};
      const vfio_ap::VfioApQueue* obj = vfio_->queue(q);
      const bool bound = bus_->driver_of(q) == model::Driver::vfio_ap;
      if (bound != (obj != nullptr)) problem(apqn_text(q) + ": binding and queue object disagree");
      if (obj == nullptr) return;
      ++registered;
      const vfio_ap::MatrixMdev* owner = nullptr;
      for (const vfio_ap::MatrixMdev* m : vfio_->mdevs())
        if (m->matrix.adapters.test(a) && m->matrix.domains.test(d)) owner = m;
      if (obj->matrix_mdev != owner) problem(apqn_text(q) + ": linked to the wrong mdev (or not)");
    });
  });
  // Every live object is registered for a queue device: a leaked object, or one left
  // registered outside the devices, makes the pool count larger.
  if (registered != vfio_->live_queue_objects()) problem("queue pool and registry disagree");
  for (const vfio_ap::MatrixMdev* m : vfio_->mdevs()) {
    // The table's entries, sorted, rebuild its per-adapter rows (a few entries, where two
    // 256-row arrays per mdev were most of this check's cost).
    std::vector<std::pair<std::uint16_t, bool>> entries;  // packed APQN, passable
    m->qtable.for_each([&](const vfio_ap::VfioApQueue& q) {
      if (q.matrix_mdev != m) problem(apqn_text(q.apqn) + ": in a table, back pointer elsewhere");
      if (vfio_->queue(q.apqn) != &q) problem(apqn_text(q.apqn) + ": in a table, not registered");
      if (m->qtable.find(q.apqn) != &q) problem(apqn_text(q.apqn) + ": not found by its hash");
      entries.emplace_back(q.apqn.packed(), q.passable());
    });
    if (entries.size() != m->qtable.size()) problem(m->uuid + ": queue table size is off");
    std::sort(entries.begin(), entries.end());
    std::size_t next = 0;
    for (int a = 0; a < 256; ++a) {
      const auto id = static_cast<ApId>(a);
      model::Mask linked, passable;
      for (; next < entries.size() && Apqn::unpack(entries[next].first).adapter == id; ++next) {
        const ApId d = Apqn::unpack(entries[next].first).domain;
        linked.set(d);
        if (entries[next].second) passable.set(d);
      }
      if (m->qtable.linked_row(id) != linked || m->qtable.passable_row(id) != passable)
        problem(m->uuid + ": rows of adapter " + std::to_string(a) + " disagree with the table");
    }
  }
  return problems;
}

}  // namespace apcb::impl
