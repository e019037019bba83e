// The vfio_ap driver: the full filter, commits to the guest, queue resets.
#include "impl/testing_mutant.h"
#include "impl/vfio_ap/driver.h"

namespace apcb::impl::vfio_ap {

using model::Apqn;
using model::ApId;
using model::Errno;
using model::Mask;
using model::Matrix;

Errno VfioApDriver::update_guest_apcb(OpContext& ctx, MatrixMdev& m, bool signal) {
  if (m.kvm == nullptr) return Errno::ok;  // the shadow waits for the next attach
  Matrix old_apcb, new_apcb;
  if (Errno e = m.kvm->set_masks(m.shadow_apcb, &ctx.faults, old_apcb, new_apcb); e != Errno::ok)
    return e;
  UndoLog::Entry entry;
  entry.undo = [](const UndoLog::Entry& x) { static_cast<kvm::Kvm*>(x.a)->restore_apcb(x.old); };
  entry.a = m.kvm;
  entry.old = old_apcb;
  ctx.undo.record(entry);
  ctx.undo.set(m.crycb_released, false);
  ctx.emit(model::Commit{m.kvm->id(), new_apcb});
  if (signal) signal_guest_ap_cfg_changed(ctx, m);
  return Errno::ok;
}

void VfioApDriver::signal_guest_ap_cfg_changed(OpContext& ctx, MatrixMdev& m) {
  ctx.emit(model::Signal{m.kvm->id()});
}

Errno VfioApDriver::clear_guest_apcb(OpContext& ctx, MatrixMdev& m) {
  Matrix old_apcb;
  if (Errno e = m.kvm->clear_masks(&ctx.faults, old_apcb); e != Errno::ok) return e;
  UndoLog::Entry entry;
  entry.undo = [](const UndoLog::Entry& x) { static_cast<kvm::Kvm*>(x.a)->restore_apcb(x.old); };
  entry.a = m.kvm;
  entry.old = old_apcb;
  ctx.undo.record(entry);
  ctx.emit(model::Commit{m.kvm->id(), Matrix{}});
  return Errno::ok;
}

namespace {
// ZAPQ, then TAPQ until the reset is verified (Linux 6.6+: vfio_ap_mdev_reset_queue and the work
// item apq_reset_check, with no time limit since dd174833e44e "s390/vfio-ap: remove upper limit
// on wait for queue reset to complete"); returns the status the queue keeps, always the last
// ZAPQ's answer.
std::uint8_t walk_reset(ResetInFlight reset) {
  namespace rc = model::response;
  std::uint8_t zapq = reset.next();
  // Only a reset that started (NORMAL) or is under way is verified; anything else is final.
  if (zapq != rc::normal && !rc::transient(zapq)) return zapq;
  while (true) {
    const std::uint8_t tapq = reset.next();
    if (tapq == rc::busy || tapq == rc::reset_in_progress) continue;  // not done yet: poll again
    const bool done = tapq == rc::normal || tapq == rc::deconfigured || tapq == rc::checkstopped;
    // A Secure Execution association failure answers until the queue is reset: ZAPQ again
    // (7847a19b5b62). A ZAPQ that answered a transient code is re-issued once the queue is
    // quiet (e1f17f8ea93d for 0x0A, 411b0109daa5 for BUSY).
    const bool se = tapq == rc::assoc_secret_not_unique || tapq == rc::assoc_failed;
    if (se || (done && rc::transient(zapq))) {
      zapq = reset.next();
      continue;
    }
    return zapq;  // verified, Q NOT AVAILABLE, or an answer the check gives up on
  }
}
}  // namespace

Errno VfioApDriver::reset_queue(OpContext& ctx, VfioApQueue& q) {
  if (ctx.faults.hit(FaultPoint::reset)) return fault_errno(FaultPoint::reset);
  set_reset_status(ctx, q, walk_reset(hw_.reset_queue(q.apqn)));
  ctx.emit(model::Reset{q.apqn});
  return Errno::ok;
}

Errno VfioApDriver::reset_list(OpContext& ctx, VfioApQueue* head) {
  for (VfioApQueue* q = head; q != nullptr; q = q->reset_next)
    if (Errno e = reset_queue(ctx, *q); e != Errno::ok) return e;
  return Errno::ok;
}

Errno VfioApDriver::reset_all_queues(OpContext& ctx, MatrixMdev& m) {
  VfioApQueue* head = nullptr;
  m.qtable.for_each([&](VfioApQueue& q) {
    q.reset_next = head;
    head = &q;
  });
  return reset_list(ctx, head);
}

Errno VfioApDriver::reset_queues_for_apids(OpContext& ctx, MatrixMdev& m, const Mask& apids) {
  VfioApQueue* head = nullptr;
  VfioApQueue** tail = &head;
  apids.for_each([&](ApId a) {
    (m.qtable.linked_row(a) & m.shadow_apcb.domains).for_each([&](ApId d) {
      VfioApQueue* q = queues_.get(Apqn{a, d});
      q->reset_next = nullptr;
      *tail = q;
      tail = &q->reset_next;
    });
  });
  return reset_list(ctx, head);
}

bool VfioApDriver::filter_matrix(OpContext& ctx, MatrixMdev& m, Mask& apm_filtered) {
  const Mask a0 = m.matrix.adapters & info_.adapters;
  const Mask q0 = m.matrix.domains & info_.domains;
  Mask apm = a0;
  // Test-only (impl/testing_mutant.h): proves the engines catch a filter that ignores resets.
  const bool ignore_resets = testing_mutant_on(Mutant::filter_ignores_reset_responses);
  // The unit of filtering is the adapter: one 256-bit test per adapter, a word at a time.
  a0.for_each([&](ApId a) {
    if (q0.subset_of(ignore_resets ? m.qtable.linked_row(a) : m.qtable.passable_row(a))) return;
    apm.clear(a);
    if (m.shadow_apcb.adapters.test(a)) apm_filtered.set(a);  // was plugged: reset it
  });
  const bool changed = apm != m.shadow_apcb.adapters || q0 != m.shadow_apcb.domains;
  ctx.undo.set(m.shadow_apcb.adapters, apm);
  ctx.undo.set(m.shadow_apcb.domains, q0);
  return changed;
}

bool VfioApDriver::filter_cdoms(OpContext& ctx, MatrixMdev& m) {
  const Mask c = m.matrix.control_domains & info_.control_domains;
  const bool changed = c != m.shadow_apcb.control_domains;
  ctx.undo.set(m.shadow_apcb.control_domains, c);
  return changed;
}

Errno VfioApDriver::refilter_and_commit(OpContext& ctx, MatrixMdev& m, bool with_cdoms) {
  Mask filtered;
  bool changed = filter_matrix(ctx, m, filtered);
  if (with_cdoms) changed |= filter_cdoms(ctx, m);
  if (!changed) return Errno::ok;
  if (Errno e = update_guest_apcb(ctx, m); e != Errno::ok) return e;
  return reset_queues_for_apids(ctx, m, filtered);
}

}  // namespace apcb::impl::vfio_ap
