// apcb — the full filter F of SPEC §1.3, the function the shadow APCB refines.
#ifndef APCB_MODEL_FILTER_H_
#define APCB_MODEL_FILTER_H_

#include "model/state.h"

namespace apcb::model {

// F(M, Cfg, Linked, Pass) for mdev m in s:
//   F.A = { a ∈ M.A ∩ cfgA | ∀ d ∈ M.Q ∩ cfgQ : (a, d) linked to m and passable },
//   F.Q = M.Q ∩ cfgQ,   F.C = M.C ∩ cfgC.
// The unit of filtering is the whole adapter: an APCB can only express a product set.
// Precondition: m is one of s.mdevs; there is no error case.
// Example: with cfg = ({5}, {0x47, 0x48}, {0x47}), m.assigned = ({5}, {0x47, 0x48}, {0x47}) and
//   both queues bound to vfio_ap with NORMAL resets, filter_matrix(s, m) == m.assigned; unbind
//   05.0048 and it is ({}, {0x47, 0x48}, {0x47}): the whole adapter 5 goes.
Matrix filter_matrix(const State& s, const Mdev& m);

}  // namespace apcb::model

#endif  // APCB_MODEL_FILTER_H_
