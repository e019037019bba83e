// apcb — the transition function: what one operation does to the state, and what is observed.
//
// This is the executable specification of SPEC §2 at the kernel's "LATEST" behaviour with the
// fixes SPEC §1.1 names (kernel-vfio-ap.md §2–§6): the result code and its check order, the
// exact effect on the shadow (a full filter where the kernel filters, removal of bits where it
// only clears them, pending adds until scan complete), every commit to a guest's CRYCB and
// every queue reset, in the kernel's order. model/README.md lists the choices it makes where
// the kernel leaves something open.
#ifndef APCB_MODEL_STEP_H_
#define APCB_MODEL_STEP_H_

#include "model/observation.h"
#include "model/op.h"
#include "model/state.h"

namespace apcb::model {

// Applies `op` to `s` and returns what was observed. When the operation fails (the result is
// an errno and !completed(op, result)), `s` is exactly as before and no event was observed (P6),
// with one historical exception: under a profile without
// KernelBehaviour::failed_attach_keeps_hook an open failing with EPERM moves the guest's
// PQAP(AQIC) hook (Guest::pqap_hook) to the failing mdev, as those kernels did.
// Note: call it qualified (`model::apply`): `Op` is a std::variant, so an unqualified call
// also finds std::apply by argument-dependent lookup.
// Example: on a fresh state, model::apply(s, op::MdevCreate{uuid}).result == Errno::ok; the
//   same call again answers Errno::eexist and leaves s unchanged.
Observation apply(State& s, const Op& op);

// Whether an operation that answered `result` ran to its end, as opposed to failing before it
// acted (a validation, or in the implementation an injected fault). Every errno is such a
// failure, with one exception: VFIO_DEVICE_RESET's EIO, which the kernel returns after it
// has reset every queue of the mdev when one of the resets ended with a non-zero response
// code (vfio_ap_mdev_reset_queues). Those resets happened and changed the queues' reset
// statuses; P6 ("a failed operation changes nothing") is about the failures only. (Under
// `--kernel 6.1` the same ioctl reports EBUSY the same way: model/kernel.h.)
// Example: completed(op::DeviceReset{uuid}, Errno::eio) == true;
//   completed(op::MdevCreate{uuid}, Errno::eexist) == false; completed(op, Errno::ok) == true.
bool completed(const Op& op, Errno result);

// What a bus-mask write of `value` to `which` asks the drivers' in_use about
// (apmask_commit/aqmask_commit): the IDs it newly sets crossed with the other mask, from 6.19
// (6917f434fda3) an all-ones one. Empty when it sets no new ID: nothing is asked. An mdev
// whose assigned adapters meet .adapters and domains meet .domains vetoes the write (EBUSY).
// Example: with aqmask = all but 4, mask_write_in_use_query(s, BusMask::apmask, apmask + {5})
//   is {5} x (all but 4) before 6.19, {5} x all from 6.19.
Matrix mask_write_in_use_query(const State& s, BusMask which, const Mask& value);

// True for a well-formed mdev UUID (8-4-4-4-12 hex digits, either case), as uuid_parse wants.
// Example: valid_uuid("0a1b2c3d-0000-4000-8000-00000000ABCD") == true, valid_uuid("xyz") == false.
bool valid_uuid(std::string_view text);

}  // namespace apcb::model

#endif  // APCB_MODEL_STEP_H_
