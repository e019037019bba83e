// apcb impl — the vfio_ap device driver and its matrix device (vfio_ap_drv.c, vfio_ap_ops.c).
//
// One object plays the kernel's `matrix_dev` (the host QCI copy `info`, the mdev list, the
// locks) and the AP driver (probe/remove of queue devices, the configuration callbacks and the
// in_use veto). The per-mdev operations follow the kernel's LATEST structure
// (kernel-vfio-ap.md §2–§6): every assignment links the queues it makes reachable and runs the
// full filter; unassignments and removals only clear shadow bits (hot unplug); a commit pushes
// the shadow to the attached guest's CRYCB; queues that leave a guest are reset after the
// commit that removed them (unplug before reset).
//
// Locks (lock_set.h): guests_lock protects mdev->kvm and the mdev list's membership;
// mdevs_lock protects every field of every mdev, the queue objects and their tables; the kvm
// lock of the attached guest is taken between them when an operation may commit. Every change
// is journaled in the operation's undo log, so a failed operation is rolled back completely.
#ifndef APCB_IMPL_VFIO_AP_DRIVER_H_
#define APCB_IMPL_VFIO_AP_DRIVER_H_

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "impl/ap_bus.h"
#include "impl/ap_driver.h"
#include "impl/ap_hw.h"
#include "impl/apqn_table.h"
#include "impl/kvm/kvm_list.h"
#include "impl/lock_set.h"
#include "impl/op_context.h"
#include "impl/vfio_ap/matrix_mdev.h"
#include "impl/vfio_ap/queue_pool.h"
#include "model/errno.h"
#include "model/state.h"

namespace apcb::impl::vfio_ap {

class VfioApDriver final : public ApDriver {
 public:
  // Example: VfioApDriver vfio(params, cfg, bus, hw, kvms); bus.register_vfio_driver(vfio);
  VfioApDriver(const model::HostParams& params, const model::Matrix& info, ApBus& bus,
               ApHardware& hw, kvm::KvmList& kvms);
  ~VfioApDriver() override;
  VfioApDriver(const VfioApDriver&) = delete;
  VfioApDriver& operator=(const VfioApDriver&) = delete;

  // --- ApDriver (called by the AP bus) -------------------------------------------------------
  // vfio_ap_mdev_probe_queue: allocate the queue object (FaultPoint::queue_alloc → -ENOMEM),
  // link it to the mdev whose matrix holds it, and unless that mdev waits for scan complete,
  // run the full filter, commit if the shadow changed, reset the adapters it filtered.
  // Example: mdev holds adapter 4 and domain 2: probe_queue(ctx, {4, 2}) links 04.0002 and
  // plugs it into the shadow (a commit if a guest is attached).
  model::Errno probe_queue(OpContext& ctx, model::Apqn q) override;
  // vfio_ap_mdev_remove_queue: a queue in the guest takes its adapter out of the shadow
  // (commit, then reset that adapter's queues the guest had); a queue not in a guest is reset
  // if still configured; then unlinked and freed.
  // Example: 04.0002 in a guest: remove_queue(ctx, {4, 2}) commits the shadow without adapter
  // 4, then resets 04.xxxx of the guest's domains.
  model::Errno remove_queue(OpContext& ctx, model::Apqn q) override;
  // vfio_ap_on_cfg_changed: removed IDs leave every shadow (one commit per changed mdev);
  // assigned IDs that arrived become pending adds; info := cur.
  // Example: adapter 4 leaves: every shadow drops 4 (a commit per changed mdev); info() == cur.
  model::Errno on_config_changed(OpContext& ctx, const model::Matrix& cur,
                                 const model::Matrix& prev) override;
  // vfio_ap_on_scan_complete: mdevs with pending adds are filtered and committed once.
  // Example: adapter 4 came back and is assigned to m: m is filtered and committed once.
  model::Errno on_scan_complete(OpContext& ctx, const model::Matrix& cur,
                                const model::Matrix& prev) override;
  // vfio_ap_mdev_resource_in_use: some mdev's matrix holds an APQN of apm × aqm.
  // Example: m assigned 04.0002: in_use(ctx, Mask::single(4), Mask::all()) is true.
  bool in_use(OpContext& ctx, const model::Mask& apm, const model::Mask& aqm) override;

  // --- the matrix device and the VFIO device ------------------------------------------------
  // Create mdev `uuid` (already validated and lower-cased): -EEXIST if it exists; the
  // allocation can fail (FaultPoint::mdev_alloc → -ENOMEM).
  // Example: create_mdev(ctx, u) == ok, then create_mdev(ctx, u) == Errno::eexist.
  model::Errno create_mdev(OpContext& ctx, std::string_view uuid);
  // Remove it: -ENOENT, -EBUSY while a guest has it open; every linked queue is reset.
  // Example: remove_mdev(ctx, "unknown") == Errno::enoent; with a guest attached, -EBUSY.
  model::Errno remove_mdev(OpContext& ctx, std::string_view uuid);
  // VFIO_DEVICE_RESET: every linked queue is reset, nothing else changes; -EIO (a completed
  // operation: ctx.completed) when a reset ended with a non-zero response code.
  // Example: a linked queue whose reset answers checkstopped: -EIO, ctx.completed, resets kept.
  model::Errno reset_device(OpContext& ctx, std::string_view uuid);
  // open_device → set_kvm: -ENOENT (no such mdev or guest), -EBUSY (already open), -EPERM
  // (the guest has another mdev); then the shadow is committed to the guest.
  // Example: open_device(ctx, u, 7) commits u's shadow to guest 7; again: -EBUSY.
  model::Errno open_device(OpContext& ctx, std::string_view uuid, model::GuestId guest);
  // close_device → unset_kvm: -EINVAL when not open; the CRYCB is cleared, then every linked
  // queue is reset. The shadow stays.
  // Example: close_device(ctx, u) on an open mdev emits Commit{g, {}}, then a Reset per linked
  // queue.
  model::Errno close_device(OpContext& ctx, std::string_view uuid);
  // The VFIO release request: -EINVAL when not open; the CRYCB is cleared and the guest's
  // AP-configuration-changed eventfd signalled, the shadow stays.
  // Example: request(ctx, u) emits Commit{g, {}}, Signal{g}; the next commit plugs the shadow back.
  model::Errno request(OpContext& ctx, std::string_view uuid);
  // handle_pqap, reached through m's PQAP hook for a guest's PQAP(AQIC) with IR=0 (the caller
  // holds the guest's kvm->lock): Q_NOT_AVAIL when m has no guest or `apqn` is not in m's queue
  // table, else what the hardware answers to disabling the queue's interruptions.
  // Example: with 05.0004 linked to m, handle_pqap(locks, m, {5, 4}) == response::normal.
  std::uint8_t handle_pqap(LockSet& locks, MatrixMdev& m, model::Apqn apqn);

  // --- update locks (vfio-ap-locking.rst) -----------------------------------------------------
  // guests_lock, the mdev's kvm->lock if a guest is attached, mdevs_lock; returns the mdev or
  // nullptr (the locks are taken either way and stay held until the operation ends).
  // Example: MatrixMdev* m = get_update_locks_for_mdev(ctx, uuid); if (!m) return Errno::enoent;
  MatrixMdev* get_update_locks_for_mdev(OpContext& ctx, std::string_view uuid);
  // mdevs_lock only (reads, device reset).
  // Example: const MatrixMdev* m = lock_mdevs_and_find(ctx, uuid); — for a show.
  MatrixMdev* lock_mdevs_and_find(OpContext& ctx, std::string_view uuid);
  // guests_lock, every attached guest's kvm->lock (ascending id), mdevs_lock: what an
  // operation that may commit to any guest (a bus scan, Host::full_state) holds.
  // Example: Host::full_state calls lock_all after the bus's two locks.
  void lock_all(LockSet& locks);

  // --- attribute operations: the sysfs layer parsed and range-checked the ID, and holds the
  // update locks for `m` (and ap_perms_mutex for the assignments and ap_config). -------------
  // The attribute stores, in the kernel's order: an ID already (not) assigned is a no-op; an
  // assignment validates (-EADDRNOTAVAIL, -EADDRINUSE), links and runs refilter_and_commit; an
  // unassignment hot unplugs.
  // Example: assign_adapter(ctx, m, 4) == Errno::eaddrinuse when another mdev holds 04.0002
  // and m holds domain 2.
  model::Errno assign_adapter(OpContext& ctx, MatrixMdev& m, model::ApId apid);
  model::Errno assign_domain(OpContext& ctx, MatrixMdev& m, model::ApId apqi);
  model::Errno unassign_adapter(OpContext& ctx, MatrixMdev& m, model::ApId apid);
  model::Errno unassign_domain(OpContext& ctx, MatrixMdev& m, model::ApId apqi);
  model::Errno assign_control_domain(OpContext& ctx, MatrixMdev& m, model::ApId id);
  model::Errno unassign_control_domain(OpContext& ctx, MatrixMdev& m, model::ApId id);
  // ap_config write of a parsed matrix: ownership (-EADDRNOTAVAIL, -EADDRINUSE), then range
  // (-ENODEV), all-or-nothing; then unplug removed adapters, removed domains, install, filter.
  // Example: next.adapters ∋ 300 > apm_max: -ENODEV and m unchanged.
  model::Errno write_ap_config(OpContext& ctx, MatrixMdev& m, const model::Matrix& next);
  // The queue device's `status` attribute: -ENOENT unless bound to vfio_ap.
  // Example: a bound queue no mdev holds: out == "unassigned\n".
  model::Errno show_queue_status(OpContext& ctx, model::Apqn q, std::string& out);

  // Example: driver.params().apm_max() bounds assign_adapter's IDs.
  const model::HostParams& params() const { return params_; }

  // --- introspection (the caller holds guests_lock and mdevs_lock) ---------------------------
  // Example: for (const MatrixMdev* m : vfio.mdevs()) ... — newest first.
  const std::vector<MatrixMdev*>& mdevs() const { return mdev_list_; }
  const VfioApQueue* queue(model::Apqn q) const { return queues_.get(q); }
  const model::Matrix& info() const { return info_; }
  std::size_t live_queue_objects() const { return pool_.live(); }
  RankedMutex& guests_lock() { return guests_lock_; }
  RankedMutex& mdevs_lock() { return mdevs_lock_; }

 private:
  model::Mask apm_range_, aqm_range_, adm_range_;  // IDs 0..*_max
  // --- queue objects (driver.cpp) ---
  void register_queue(OpContext& ctx, VfioApQueue& q);
  void unregister_queue(OpContext& ctx, VfioApQueue& q);
  void link_queue(OpContext& ctx, MatrixMdev& m, VfioApQueue& q);
  void unlink_queue(OpContext& ctx, VfioApQueue& q);
  void set_reset_status(OpContext& ctx, VfioApQueue& q, std::uint8_t status);
  MatrixMdev* find_mdev(std::string_view uuid) const;
  MatrixMdev* mdev_for_apqn(model::Apqn q) const;
  MatrixMdev* get_update_locks_by_apqn(OpContext& ctx, model::Apqn q);
  model::Errno check_attach(const MatrixMdev& m, const kvm::Kvm& guest) const;

  // --- commits, resets, filters (driver_filter.cpp) ---
  // vfio_ap_mdev_update_guest_apcb: commit the shadow to the attached guest, if any, then
  // signal its AP-configuration-changed eventfd (6.15, 07d89045bffe); `signal` is false for the
  // open's commit, made before user space can have registered that eventfd.
  model::Errno update_guest_apcb(OpContext& ctx, MatrixMdev& m, bool signal = true);
  // signal_guest_ap_cfg_changed: the eventfd QEMU 10.1 turns into a channel report to the guest
  // (user space is taken to register it right after the open and keep it until the close).
  void signal_guest_ap_cfg_changed(OpContext& ctx, MatrixMdev& m);
  // kvm_arch_crypto_clear_masks on the attached guest.
  model::Errno clear_guest_apcb(OpContext& ctx, MatrixMdev& m);
  model::Errno reset_queue(OpContext& ctx, VfioApQueue& q);
  // Resets the queues of a reset list (reset_next chain), in list order.
  model::Errno reset_list(OpContext& ctx, VfioApQueue* head);
  // Every queue in m's table (unset_kvm, device reset, mdev removal).
  model::Errno reset_all_queues(OpContext& ctx, MatrixMdev& m);
  // reset_queues_for_apids: linked (a, d) with a ∈ apids, d ∈ the shadow's domains.
  model::Errno reset_queues_for_apids(OpContext& ctx, MatrixMdev& m, const model::Mask& apids);
  // vfio_ap_mdev_filter_matrix: shadow A, Q := F.A, F.Q; `apm_filtered` gets the adapters it
  // took away that were plugged. Returns whether the shadow's adapters or domains changed.
  bool filter_matrix(OpContext& ctx, MatrixMdev& m, model::Mask& apm_filtered);
  // vfio_ap_mdev_filter_cdoms: shadow C := M.C ∩ cfgC. Returns whether it changed.
  bool filter_cdoms(OpContext& ctx, MatrixMdev& m);
  // Full filter (and cdoms), commit if changed, reset the filtered adapters' queues.
  model::Errno refilter_and_commit(OpContext& ctx, MatrixMdev& m, bool with_cdoms);

  // --- assignment helpers (driver_mdev_ops.cpp) ---
  model::Errno validate_masks(const MatrixMdev& m, const model::Matrix& candidate) const;
  void link_adapter(OpContext& ctx, MatrixMdev& m, model::ApId apid);
  void link_domain(OpContext& ctx, MatrixMdev& m, model::ApId apqi);
  // Unlink the queues of `apids` (`apqis`), take them out of the shadow, commit if it
  // changed, then reset the unlinked queues the guest had.
  model::Errno hot_unplug_adapters(OpContext& ctx, MatrixMdev& m, const model::Mask& apids);
  model::Errno hot_unplug_domains(OpContext& ctx, MatrixMdev& m, const model::Mask& apqis);

  model::HostParams params_;
  model::Matrix info_;  // matrix_dev->info: the host configuration as vfio_ap last heard it
  ApBus& bus_;
  ApHardware& hw_;
  kvm::KvmList& kvms_;
  std::vector<MatrixMdev*> mdev_list_;  // newest first, like the kernel's list; owned
  ApqnTable<VfioApQueue*> queues_;  // drvdata of each queue device bound here
  QueuePool pool_;
  RankedMutex guests_lock_{LockRank::guests};
  RankedMutex mdevs_lock_{LockRank::mdevs};
};

}  // namespace apcb::impl::vfio_ap

#endif  // APCB_IMPL_VFIO_AP_DRIVER_H_
