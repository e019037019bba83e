// apcb impl — what one operation carries through the layers it runs in.
//
// An operation (a sysfs write, a host event, a guest event) runs from the facade through the
// AP bus, the vfio_ap driver and KVM. Each layer records its changes in the operation's undo
// journal, takes locks into the operation's lock set, reports commits and resets to the
// operation's observation, and asks the fault injector at the fault points. Passing this
// context explicitly (instead of globals) lets several operations run at once on different
// threads.
#ifndef APCB_IMPL_OP_CONTEXT_H_
#define APCB_IMPL_OP_CONTEXT_H_

#include "impl/fault.h"
#include "impl/lock_set.h"
#include "impl/undo_log.h"
#include "model/observation.h"

namespace apcb::impl {

struct OpContext {
  model::Observation& obs;
  UndoLog& undo;
  LockSet& locks;
  FaultInjector& faults;
  // Set by the AP bus while it scans or revises bindings: the driver's callbacks then run
  // several times in one operation and take every update lock at once on the first call
  // (they could not take a further kvm->lock once mdevs_lock is held).
  bool batch = false;
  // Set by an operation that ran to its end and still answers an errno: VFIO_DEVICE_RESET's
  // -EIO after resets that ended with a non-zero response (model::completed). Host::apply then
  // keeps its changes and events instead of rolling them back; every other errno (validation,
  // an injected fault) is a failure and is rolled back.
  bool completed = false;

  // Reports an event in order. Example: ctx.emit(model::Reset{q});
  void emit(const model::Event& e) { obs.events.push_back(e); }
};

}  // namespace apcb::impl

#endif  // APCB_IMPL_OP_CONTEXT_H_
