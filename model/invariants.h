// apcb — the properties of SPEC §3 as executable predicates over states and observations.
//
// Each check returns the violations it finds, each naming its property and the first witness,
// so a failing run says which conjunct broke and where. The model's own tests, the property
// tests, the fuzzers and the trace checker all call these; the Z3 encoding states the same
// predicates symbolically (model/z3/).
#ifndef APCB_MODEL_INVARIANTS_H_
#define APCB_MODEL_INVARIANTS_H_

#include <string>
#include <vector>

#include "model/observation.h"
#include "model/op.h"
#include "model/state.h"

namespace apcb::model {

// One broken property and its first witness, as the checks below report it.
// Example: Violation{"P6", "a failed operation changed the state"}.
struct Violation {
  std::string property;  // "P1", "P2", "P2.passable", "P3", "P4", "P7", "P7.structural", "P8", …
  std::string detail;    // the first witness, in words
  friend bool operator==(const Violation&, const Violation&) = default;
};

// Which strength of P2/P7 to check. SPEC states both with `passable`; the kernel keeps an
// adapter in the shadow when a queue of it fails a reset that does not unplug it (guest
// detach, device reset), so the `passable` conjuncts only hold until such a reset: see
// model/README.md, finding F1. `structural` drops exactly the reset-status conjunct, and from
// 6.19 (KernelBehaviour::queue_driver_override) P3's host-reserved half too: the mask write that
// leaves the driver_override regime reserves queues mdevs hold with no veto (finding F2).
enum class Strength { spec, structural };

// P1 containment, P2 bound and available, P3 exclusivity, P4 commit consistency and P7
// refinement (S ⊆ F) on one state between operations; also that no pending add outlives an
// operation. Empty when all hold.
// Example: check_state(State::initial(HostParams{}, cfg)).empty() == true.
std::vector<Violation> check_state(const State& s, Strength strength = Strength::spec);

// P7's equality half: S = F for mdev `uuid` (true right after a full filter).
// Example: right after a successful assign, shadow_equals_filter(s, *s.find_mdev(uuid)) == true.
bool shadow_equals_filter(const State& s, const Mdev& m);

// P8 unplug before reset: replays `obs`'s commits over the guests' CRYCBs of `before` and
// reports a reset of a queue still in some guest's CRYCB. A device reset (VFIO_DEVICE_RESET)
// is the guest's own request and resets queues in use by design: it is exempt.
// Example: an unbind whose observation resets 05.0047 while guest 7's CRYCB still holds it,
//   with no commit before the reset, yields one Violation with property "P8".
std::vector<Violation> check_unplug_before_reset(const State& before, const Op& op,
                                                 const Observation& obs);
// The same, given only the guests of the state before (all that the check reads), for callers
// that do not keep the whole state.
// Example: check_unplug_before_reset(before.guests, op, obs) ==
//   check_unplug_before_reset(before, op, obs).
std::vector<Violation> check_unplug_before_reset(const std::vector<Guest>& guests_before,
                                                 const Op& op, const Observation& obs);

// P6 failure atomicity on one transition `op`: an operation that failed (an errno with
// !completed(op, result), step.h) changed nothing and observed no event. The one completed
// error, a device reset's EIO, is no failure: its resets happened; it is checked to have reset
// at least one queue ("P6.completed").
// Example: for an EEXIST MdevCreate with before == after and no events, the result is empty;
//   had `after` gained an mdev, it is {Violation{"P6", "a failed operation changed the state"}}.
std::vector<Violation> check_failure_atomicity(const State& before, const State& after,
                                               const Op& op, const Observation& obs);

}  // namespace apcb::model

#endif  // APCB_MODEL_INVARIANTS_H_
