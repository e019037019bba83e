// The vfio_ap driver: the mdev attribute operations (assign/unassign, ap_config) with their
// linking and hot plug/unplug.
#include "impl/vfio_ap/driver.h"

namespace apcb::impl::vfio_ap {

using model::Apqn;
using model::ApId;
using model::Errno;
using model::Mask;
using model::Matrix;

Errno VfioApDriver::validate_masks(const MatrixMdev& m, const Matrix& candidate) const {
  // ap_apqn_in_matrix_owned_by_def_drv first, then vfio_ap_mdev_verify_no_sharing.
  if (bus_.apqn_in_matrix_owned_by_def_drv(candidate.adapters, candidate.domains))
    return Errno::eaddrnotavail;
  for (const MatrixMdev* other : mdev_list_) {
    if (other == &m) continue;
    if (candidate.adapters.intersects(other->matrix.adapters) &&
        candidate.domains.intersects(other->matrix.domains))
      return Errno::eaddrinuse;
  }
  return Errno::ok;
}

void VfioApDriver::link_adapter(OpContext& ctx, MatrixMdev& m, ApId apid) {
  m.matrix.domains.for_each([&](ApId apqi) {
    VfioApQueue* q = queues_.get(Apqn{apid, apqi});
    if (q != nullptr && q->matrix_mdev == nullptr) link_queue(ctx, m, *q);
  });
}

void VfioApDriver::link_domain(OpContext& ctx, MatrixMdev& m, ApId apqi) {
  m.matrix.adapters.for_each([&](ApId apid) {
    VfioApQueue* q = queues_.get(Apqn{apid, apqi});
    if (q != nullptr && q->matrix_mdev == nullptr) link_queue(ctx, m, *q);
  });
}

Errno VfioApDriver::assign_adapter(OpContext& ctx, MatrixMdev& m, ApId apid) {
  if (m.matrix.adapters.test(apid)) return Errno::ok;
  Matrix candidate = m.matrix;
  candidate.adapters.set(apid);
  if (Errno e = validate_masks(m, candidate); e != Errno::ok) return e;
  ctx.undo.set(m.matrix.adapters, candidate.adapters);
  link_adapter(ctx, m, apid);
  return refilter_and_commit(ctx, m, /*with_cdoms=*/false);
}

Errno VfioApDriver::assign_domain(OpContext& ctx, MatrixMdev& m, ApId apqi) {
  if (m.matrix.domains.test(apqi)) return Errno::ok;
  Matrix candidate = m.matrix;
  candidate.domains.set(apqi);
  if (Errno e = validate_masks(m, candidate); e != Errno::ok) return e;
  ctx.undo.set(m.matrix.domains, candidate.domains);
  link_domain(ctx, m, apqi);
  return refilter_and_commit(ctx, m, /*with_cdoms=*/false);
}

Errno VfioApDriver::hot_unplug_adapters(OpContext& ctx, MatrixMdev& m, const Mask& apids) {
  VfioApQueue* head = nullptr;
  VfioApQueue** tail = &head;
  apids.for_each([&](ApId a) {
    const Mask row = m.qtable.linked_row(a);  // a copy: unlinking changes the row
    row.for_each([&](ApId d) {
      VfioApQueue* q = queues_.get(Apqn{a, d});
      unlink_queue(ctx, *q);
      if (m.shadow_apcb.adapters.test(a) && m.shadow_apcb.domains.test(d)) {
        q->reset_next = nullptr;
        *tail = q;
        tail = &q->reset_next;
      }
    });
  });
  const Mask apm = m.shadow_apcb.adapters - apids;
  if (apm != m.shadow_apcb.adapters) {
    ctx.undo.set(m.shadow_apcb.adapters, apm);
    if (Errno e = update_guest_apcb(ctx, m); e != Errno::ok) return e;
  }
  return reset_list(ctx, head);  // unplugged first, then reset
}

Errno VfioApDriver::hot_unplug_domains(OpContext& ctx, MatrixMdev& m, const Mask& apqis) {
  VfioApQueue* head = nullptr;
  VfioApQueue** tail = &head;
  apqis.for_each([&](ApId d) {
    m.matrix.adapters.for_each([&](ApId a) {
      VfioApQueue* q = queues_.get(Apqn{a, d});
      if (q == nullptr || q->matrix_mdev != &m) return;
      unlink_queue(ctx, *q);
      if (m.shadow_apcb.adapters.test(a) && m.shadow_apcb.domains.test(d)) {
        q->reset_next = nullptr;
        *tail = q;
        tail = &q->reset_next;
      }
    });
  });
  const Mask aqm = m.shadow_apcb.domains - apqis;
  if (aqm != m.shadow_apcb.domains) {
    ctx.undo.set(m.shadow_apcb.domains, aqm);
    if (Errno e = update_guest_apcb(ctx, m); e != Errno::ok) return e;
  }
  return reset_list(ctx, head);
}

Errno VfioApDriver::unassign_adapter(OpContext& ctx, MatrixMdev& m, ApId apid) {
  if (!m.matrix.adapters.test(apid)) return Errno::ok;
  Mask apm = m.matrix.adapters;
  apm.clear(apid);
  ctx.undo.set(m.matrix.adapters, apm);
  return hot_unplug_adapters(ctx, m, Mask::single(apid));
}

Errno VfioApDriver::unassign_domain(OpContext& ctx, MatrixMdev& m, ApId apqi) {
  if (!m.matrix.domains.test(apqi)) return Errno::ok;
  Mask aqm = m.matrix.domains;
  aqm.clear(apqi);
  ctx.undo.set(m.matrix.domains, aqm);
  return hot_unplug_domains(ctx, m, Mask::single(apqi));
}

Errno VfioApDriver::assign_control_domain(OpContext& ctx, MatrixMdev& m, ApId id) {
  if (m.matrix.control_domains.test(id)) return Errno::ok;
  // Control domains need no ownership or sharing check: several mdevs may hold one.
  Mask adm = m.matrix.control_domains;
  adm.set(id);
  ctx.undo.set(m.matrix.control_domains, adm);
  if (!filter_cdoms(ctx, m)) return Errno::ok;
  return update_guest_apcb(ctx, m);
}

Errno VfioApDriver::unassign_control_domain(OpContext& ctx, MatrixMdev& m, ApId id) {
  if (!m.matrix.control_domains.test(id)) return Errno::ok;
  Mask adm = m.matrix.control_domains;
  adm.clear(id);
  ctx.undo.set(m.matrix.control_domains, adm);
  if (!m.shadow_apcb.control_domains.test(id)) return Errno::ok;
  Mask shadow = m.shadow_apcb.control_domains;
  shadow.clear(id);
  ctx.undo.set(m.shadow_apcb.control_domains, shadow);
  return update_guest_apcb(ctx, m);
}

Errno VfioApDriver::write_ap_config(OpContext& ctx, MatrixMdev& m, const Matrix& next) {
  if (Errno e = validate_masks(m, next); e != Errno::ok) return e;
  // Here the range check follows the ownership checks (unlike the single-ID attributes).
  if (!next.adapters.subset_of(apm_range_) || !next.domains.subset_of(aqm_range_) ||
      !next.control_domains.subset_of(adm_range_))
    return Errno::enodev;
  const Matrix old = m.matrix;
  // With the old matrix still installed: adapters out in one batch, then domains.
  if (Errno e = hot_unplug_adapters(ctx, m, old.adapters - next.adapters); e != Errno::ok) return e;
  if (Errno e = hot_unplug_domains(ctx, m, old.domains - next.domains); e != Errno::ok) return e;
  ctx.undo.set(m.matrix, next);
  (next.adapters - old.adapters).for_each([&](ApId a) { link_adapter(ctx, m, a); });
  (next.domains - old.domains).for_each([&](ApId d) { link_domain(ctx, m, d); });
  return refilter_and_commit(ctx, m, /*with_cdoms=*/true);
}

}  // namespace apcb::impl::vfio_ap
