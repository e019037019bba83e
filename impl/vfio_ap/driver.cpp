// The vfio_ap driver: queue objects and their links, the AP bus callbacks, the mdev life cycle
// and the VFIO device (open/close/reset/request).
#include "impl/vfio_ap/driver.h"

#include <algorithm>

namespace apcb::impl::vfio_ap {

using model::Apqn;
using model::ApId;
using model::Errno;
using model::Mask;
using model::Matrix;

VfioApDriver::VfioApDriver(const model::HostParams& params, const Matrix& info, ApBus& bus,
                           ApHardware& hw, kvm::KvmList& kvms)
    : apm_range_(Mask::up_to(params.apm_max())),
      aqm_range_(Mask::up_to(params.aqm_max())),
      adm_range_(Mask::up_to(params.adm_max())),
      params_(params),
      info_(info),
      bus_(bus),
      hw_(hw),
      kvms_(kvms) {}

VfioApDriver::~VfioApDriver() {
  for (MatrixMdev* m : mdev_list_) delete m;
}

// --- queue objects -------------------------------------------------------------------------

void VfioApDriver::register_queue(OpContext& ctx, VfioApQueue& q) {
  queues_.at(q.apqn) = &q;
  UndoLog::Entry e;
  e.undo = [](const UndoLog::Entry& x) {
    auto* self = static_cast<VfioApDriver*>(x.a);
    auto* obj = static_cast<VfioApQueue*>(x.b);
    self->queues_.at(obj->apqn) = nullptr;
    self->pool_.free(obj);
  };
  e.a = this;
  e.b = &q;
  ctx.undo.record(e);
}

void VfioApDriver::unregister_queue(OpContext& ctx, VfioApQueue& q) {
  queues_.at(q.apqn) = nullptr;
  UndoLog::Entry e;
  e.undo = [](const UndoLog::Entry& x) {
    auto* obj = static_cast<VfioApQueue*>(x.b);
    static_cast<VfioApDriver*>(x.a)->queues_.at(obj->apqn) = obj;
  };
  // Freed only once the operation has succeeded: an undo puts the very object back.
  e.done = [](const UndoLog::Entry& x) {
    static_cast<VfioApDriver*>(x.a)->pool_.free(static_cast<VfioApQueue*>(x.b));
  };
  e.a = this;
  e.b = &q;
  ctx.undo.record(e);
}

void VfioApDriver::link_queue(OpContext& ctx, MatrixMdev& m, VfioApQueue& q) {
  q.matrix_mdev = &m;
  m.qtable.insert(q);
  UndoLog::Entry e;
  e.undo = [](const UndoLog::Entry& x) {
    auto* obj = static_cast<VfioApQueue*>(x.b);
    static_cast<MatrixMdev*>(x.a)->qtable.erase(*obj);
    obj->matrix_mdev = nullptr;
  };
  e.a = &m;
  e.b = &q;
  ctx.undo.record(e);
}

void VfioApDriver::unlink_queue(OpContext& ctx, VfioApQueue& q) {
  MatrixMdev& m = *q.matrix_mdev;
  m.qtable.erase(q);
  q.matrix_mdev = nullptr;
  UndoLog::Entry e;
  e.undo = [](const UndoLog::Entry& x) {
    auto* obj = static_cast<VfioApQueue*>(x.b);
    auto* mdev = static_cast<MatrixMdev*>(x.a);
    obj->matrix_mdev = mdev;
    mdev->qtable.insert(*obj);
  };
  e.a = &m;
  e.b = &q;
  ctx.undo.record(e);
}

void VfioApDriver::set_reset_status(OpContext& ctx, VfioApQueue& q, std::uint8_t status) {
  if (q.reset_status == status) return;
  UndoLog::Entry e;
  e.undo = [](const UndoLog::Entry& x) {
    auto* obj = static_cast<VfioApQueue*>(x.b);
    obj->reset_status = static_cast<std::uint8_t>(x.u);
    if (obj->matrix_mdev != nullptr) obj->matrix_mdev->qtable.status_changed(*obj);
  };
  e.b = &q;
  e.u = q.reset_status;
  ctx.undo.record(e);
  q.reset_status = status;
  if (q.matrix_mdev != nullptr) q.matrix_mdev->qtable.status_changed(q);
}

MatrixMdev* VfioApDriver::find_mdev(std::string_view uuid) const {
  for (MatrixMdev* m : mdev_list_)
    if (m->uuid == uuid) return m;
  return nullptr;
}

MatrixMdev* VfioApDriver::mdev_for_apqn(Apqn q) const {
  for (MatrixMdev* m : mdev_list_)
    if (m->matrix.adapters.test(q.adapter) && m->matrix.domains.test(q.domain)) return m;
  return nullptr;
}

// --- locks ---------------------------------------------------------------------------------

void VfioApDriver::lock_all(LockSet& locks) {
  locks.acquire(guests_lock_);
  // With guests_lock held no mdev's kvm pointer can change, so this set is stable.
  std::vector<kvm::Kvm*> guests;
  for (MatrixMdev* m : mdev_list_)
    if (m->kvm != nullptr) guests.push_back(m->kvm);
  std::sort(guests.begin(), guests.end(),
            [](const kvm::Kvm* a, const kvm::Kvm* b) { return a->id() < b->id(); });
  for (kvm::Kvm* g : guests) locks.acquire(g->lock());
  locks.acquire(mdevs_lock_);
}

MatrixMdev* VfioApDriver::get_update_locks_for_mdev(OpContext& ctx, std::string_view uuid) {
  ctx.locks.acquire(guests_lock_);
  MatrixMdev* m = find_mdev(uuid);
  if (m != nullptr && m->kvm != nullptr) ctx.locks.acquire(m->kvm->lock());
  ctx.locks.acquire(mdevs_lock_);
  return m;
}

MatrixMdev* VfioApDriver::lock_mdevs_and_find(OpContext& ctx, std::string_view uuid) {
  ctx.locks.acquire(mdevs_lock_);
  return find_mdev(uuid);
}

MatrixMdev* VfioApDriver::get_update_locks_by_apqn(OpContext& ctx, Apqn q) {
  if (ctx.batch) {
    lock_all(ctx.locks);
    return mdev_for_apqn(q);
  }
  ctx.locks.acquire(guests_lock_);
  // Matrices change only under guests_lock too, so the owner found here stays the owner.
  MatrixMdev* m = mdev_for_apqn(q);
  if (m != nullptr && m->kvm != nullptr) ctx.locks.acquire(m->kvm->lock());
  ctx.locks.acquire(mdevs_lock_);
  return m;
}

// --- AP bus callbacks ------------------------------------------------------------------------

Errno VfioApDriver::probe_queue(OpContext& ctx, Apqn apqn) {
  if (ctx.faults.hit(FaultPoint::queue_alloc)) return fault_errno(FaultPoint::queue_alloc);
  VfioApQueue* q = pool_.alloc(apqn);  // reset status zero: a fresh queue is passable
  MatrixMdev* m = get_update_locks_by_apqn(ctx, apqn);
  register_queue(ctx, *q);
  if (m == nullptr) return Errno::ok;
  link_queue(ctx, *m, *q);
  // During a host configuration change the filter waits for on_scan_complete, which then
  // sees every new queue at once.
  if (m->add.adapters.any() || m->add.domains.any()) return Errno::ok;
  return refilter_and_commit(ctx, *m, /*with_cdoms=*/false);
}

Errno VfioApDriver::remove_queue(OpContext& ctx, Apqn apqn) {
  MatrixMdev* m = nullptr;
  VfioApQueue* q = nullptr;
  if (ctx.batch) {
    lock_all(ctx.locks);
    q = queues_.get(apqn);
    m = q->matrix_mdev;
  } else {
    // get_update_locks_for_queue. The bus's scan mutex (held by the caller) keeps this
    // queue's object in place; its mdev link changes only under guests_lock.
    ctx.locks.acquire(guests_lock_);
    q = queues_.get(apqn);
    m = q->matrix_mdev;
    if (m != nullptr && m->kvm != nullptr) ctx.locks.acquire(m->kvm->lock());
    ctx.locks.acquire(mdevs_lock_);
  }
  if (m != nullptr && m->shadow_apcb.adapters.test(apqn.adapter) &&
      m->shadow_apcb.domains.test(apqn.domain)) {
    // The guest uses this queue: an APCB cannot drop one APQN, so the adapter goes; then
    // every queue of that adapter the guest had is reset.
    Mask apm = m->shadow_apcb.adapters;
    apm.clear(apqn.adapter);
    ctx.undo.set(m->shadow_apcb.adapters, apm);
    if (Errno e = update_guest_apcb(ctx, *m); e != Errno::ok) return e;
    if (Errno e = reset_queues_for_apids(ctx, *m, Mask::single(apqn.adapter)); e != Errno::ok) return e;
  } else if (info_.adapters.test(apqn.adapter) && info_.domains.test(apqn.domain)) {
    // Not in a guest: reset it for the next user, unless it left the host configuration
    // (a ZAPQ on a de-configured APQN fails).
    if (Errno e = reset_queue(ctx, *q); e != Errno::ok) return e;
  }
  if (m != nullptr) unlink_queue(ctx, *q);
  unregister_queue(ctx, *q);
  return Errno::ok;
}

Errno VfioApDriver::on_config_changed(OpContext& ctx, const Matrix& cur, const Matrix& prev) {
  lock_all(ctx.locks);
  const Matrix removed{prev.adapters - cur.adapters, prev.domains - cur.domains,
                       prev.control_domains - cur.control_domains};
  const Matrix added{cur.adapters - prev.adapters, cur.domains - prev.domains,
                     cur.control_domains - prev.control_domains};
  for (MatrixMdev* m : mdev_list_) {
    const Matrix& s = m->shadow_apcb;
    const Matrix unplugged{s.adapters - (removed.adapters & m->matrix.adapters),
                           s.domains - (removed.domains & m->matrix.domains),
                           s.control_domains - (removed.control_domains & m->matrix.control_domains)};
    if (unplugged != s) {
      ctx.undo.set(m->shadow_apcb, unplugged);
      if (Errno e = update_guest_apcb(ctx, *m); e != Errno::ok) return e;
    }
    ctx.undo.set(m->add, Matrix{added.adapters & m->matrix.adapters, added.domains & m->matrix.domains,
                                added.control_domains & m->matrix.control_domains});
  }
  ctx.undo.set(info_, cur);
  return Errno::ok;
}

Errno VfioApDriver::on_scan_complete(OpContext& ctx, const Matrix& cur, const Matrix& prev) {
  (void)cur, (void)prev;
  lock_all(ctx.locks);
  for (MatrixMdev* m : mdev_list_) {
    if (m->add.empty()) continue;
    Mask filtered;
    bool changed = false;
    if (m->add.adapters.any() || m->add.domains.any()) changed |= filter_matrix(ctx, *m, filtered);
    if (m->add.control_domains.any()) changed |= filter_cdoms(ctx, *m);
    ctx.undo.set(m->add, Matrix{});
    if (!changed) continue;
    if (Errno e = update_guest_apcb(ctx, *m); e != Errno::ok) return e;
    if (Errno e = reset_queues_for_apids(ctx, *m, filtered); e != Errno::ok) return e;
  }
  return Errno::ok;
}

bool VfioApDriver::in_use(OpContext& ctx, const Mask& apm, const Mask& aqm) {
  const std::size_t depth = ctx.locks.depth();
  ctx.locks.acquire(guests_lock_);
  ctx.locks.acquire(mdevs_lock_);
  bool busy = false;
  for (const MatrixMdev* m : mdev_list_)
    busy = busy || (m->matrix.adapters.intersects(apm) && m->matrix.domains.intersects(aqm));
  // A read-only check made before the operation changes anything: the locks may go.
  ctx.locks.release_to(depth);
  return busy;
}

// --- mdev life cycle -------------------------------------------------------------------------

Errno VfioApDriver::create_mdev(OpContext& ctx, std::string_view uuid) {
  ctx.locks.acquire(guests_lock_);
  ctx.locks.acquire(mdevs_lock_);
  if (find_mdev(uuid) != nullptr) return Errno::eexist;
  if (ctx.faults.hit(FaultPoint::mdev_alloc)) return fault_errno(FaultPoint::mdev_alloc);
  auto* m = new MatrixMdev(*this);
  m->uuid = std::string(uuid);
  // The kernel's list_add puts a new mdev at the head: host events visit the newest first.
  mdev_list_.insert(mdev_list_.begin(), m);
  UndoLog::Entry e;
  e.undo = [](const UndoLog::Entry& x) {
    auto* self = static_cast<VfioApDriver*>(x.a);
    delete self->mdev_list_.front();
    self->mdev_list_.erase(self->mdev_list_.begin());
  };
  e.a = this;
  ctx.undo.record(e);
  return Errno::ok;
}

Errno VfioApDriver::remove_mdev(OpContext& ctx, std::string_view uuid) {
  ctx.locks.acquire(guests_lock_);
  ctx.locks.acquire(mdevs_lock_);
  MatrixMdev* m = find_mdev(uuid);
  if (m == nullptr) return Errno::enoent;
  if (m->kvm != nullptr) return Errno::ebusy;  // removal waits for the close
  if (Errno e = reset_all_queues(ctx, *m); e != Errno::ok) return e;
  VfioApQueue* head = nullptr;
  m->qtable.for_each([&](VfioApQueue& q) {
    q.reset_next = head;
    head = &q;
  });
  for (VfioApQueue* q = head; q != nullptr;) {
    VfioApQueue* next = q->reset_next;
    unlink_queue(ctx, *q);
    q = next;
  }
  const auto it = std::find(mdev_list_.begin(), mdev_list_.end(), m);
  UndoLog::Entry e;
  e.undo = [](const UndoLog::Entry& x) {
    auto* self = static_cast<VfioApDriver*>(x.a);
    self->mdev_list_.insert(self->mdev_list_.begin() + static_cast<std::ptrdiff_t>(x.u),
                            static_cast<MatrixMdev*>(x.b));
  };
  e.done = [](const UndoLog::Entry& x) { delete static_cast<MatrixMdev*>(x.b); };
  e.a = this;
  e.b = m;
  e.u = static_cast<std::uint64_t>(it - mdev_list_.begin());
  ctx.undo.record(e);
  mdev_list_.erase(it);
  return Errno::ok;
}

Errno VfioApDriver::reset_device(OpContext& ctx, std::string_view uuid) {
  MatrixMdev* m = lock_mdevs_and_find(ctx, uuid);
  if (m == nullptr) return Errno::enoent;
  if (Errno e = reset_all_queues(ctx, *m); e != Errno::ok) return e;
  // vfio_ap_mdev_reset_queues: every queue was reset; -EIO when any of them ended with a
  // non-zero response code. The operation is complete either way: its resets stay.
  bool nonzero = false;
  m->qtable.for_each([&](const VfioApQueue& q) { nonzero |= q.reset_status != 0; });
  if (!nonzero) return Errno::ok;
  ctx.completed = true;
  return Errno::eio;
}

Errno VfioApDriver::open_device(OpContext& ctx, std::string_view uuid, model::GuestId guest) {
  kvm::Kvm* g = kvms_.find(guest);
  ctx.locks.acquire(guests_lock_);
  MatrixMdev* m = find_mdev(uuid);
  if (m == nullptr || g == nullptr) return Errno::enoent;
  if (m->kvm != nullptr) return Errno::ebusy;
  for (const MatrixMdev* other : mdev_list_)
    if (other->kvm == g) return Errno::eperm;
  ctx.locks.acquire(g->lock());
  ctx.locks.acquire(mdevs_lock_);
  // set_kvm: the guest's PQAP(AQIC) now reaches this mdev's handler; the journal withdraws it
  // again if the open fails after this point.
  kvm::PqapHook* hook = &m->pqap_hook;
  ctx.undo.set_ptr(g->pqap_hook(), hook);
  // The shadow was kept current while no guest was attached: commit it as it is. No signal:
  // user space registers the eventfd on the device this open returns.
  ctx.undo.set_ptr(m->kvm, g);
  return update_guest_apcb(ctx, *m, /*signal=*/false);
}

Errno VfioApDriver::close_device(OpContext& ctx, std::string_view uuid) {
  MatrixMdev* m = get_update_locks_for_mdev(ctx, uuid);
  if (m == nullptr) return Errno::enoent;
  if (m->kvm == nullptr) return Errno::einval;
  // unset_kvm withdraws the PQAP hook first, under the same locks.
  ctx.undo.set_ptr(m->kvm->pqap_hook(), static_cast<kvm::PqapHook*>(nullptr));
  // The guest loses every queue first, then every linked queue is reset.
  if (Errno e = clear_guest_apcb(ctx, *m); e != Errno::ok) return e;
  if (Errno e = reset_all_queues(ctx, *m); e != Errno::ok) return e;
  ctx.undo.set_ptr(m->kvm, static_cast<kvm::Kvm*>(nullptr));
  ctx.undo.set(m->crycb_released, false);
  return Errno::ok;
}

Errno VfioApDriver::request(OpContext& ctx, std::string_view uuid) {
  MatrixMdev* m = get_update_locks_for_mdev(ctx, uuid);
  if (m == nullptr) return Errno::enoent;
  if (m->kvm == nullptr) return Errno::einval;
  if (Errno e = clear_guest_apcb(ctx, *m); e != Errno::ok) return e;
  signal_guest_ap_cfg_changed(ctx, *m);  // then the request eventfd, which is not observed
  ctx.undo.set(m->crycb_released, true);
  return Errno::ok;
}

std::uint8_t VfioApDriver::handle_pqap(LockSet& locks, MatrixMdev& m, model::Apqn apqn) {
  locks.acquire(mdevs_lock_);
  // An mdev no guest uses has nothing to do, and a queue not in its table is not available.
  if (m.kvm == nullptr) return model::response::q_not_avail;
  if (m.qtable.find(apqn) == nullptr) return model::response::q_not_avail;
  // IR=0: disable interruptions on the queue; no notification byte, no page pinned.
  return hw_.disable_interruptions(apqn);
}

std::uint8_t MdevPqapHook::handle_pqap(LockSet& locks, kvm::Kvm& guest, model::Apqn apqn) {
  (void)guest;  // the handler needs no more of the vCPU than its registers (apqn, IR=0)
  return driver_.handle_pqap(locks, mdev_, apqn);
}

std::string_view MdevPqapHook::owner_uuid() const { return mdev_.uuid; }

Errno VfioApDriver::show_queue_status(OpContext& ctx, Apqn apqn, std::string& out) {
  ctx.locks.acquire(mdevs_lock_);
  const VfioApQueue* q = queues_.get(apqn);
  if (q == nullptr) return Errno::enoent;
  const MatrixMdev* m = q->matrix_mdev;
  if (m == nullptr)
    out = "unassigned\n";
  else if (m->kvm != nullptr && m->shadow_apcb.adapters.test(apqn.adapter) &&
           m->shadow_apcb.domains.test(apqn.domain))
    out = "in use\n";  // since the 2023 fix: attached *and* plugged into the guest
  else
    out = "assigned\n";
  return Errno::ok;
}

}  // namespace apcb::impl::vfio_ap
