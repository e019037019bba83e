// apcb — the full filter F of SPEC §1.3, the function the shadow APCB refines.
#ifndef APCB_MODEL_FILTER_H_
#define APCB_MODEL_FILTER_H_

#include "model/state.h"

namespace apcb::model {

// F(M, Cfg, Linked, Pass) for mdev m in s:
//   F.A = { a ∈ M.A ∩ cfgA | ∀ d ∈ M.Q ∩ cfgQ : (a, d) linked to m and passable },
//   F.Q = M.Q ∩ cfgQ,   F.C = M.C ∩ cfgC.
// The unit of filtering is the whole adapter: an APCB can only express a product set.
Matrix filter_matrix(const State& s, const Mdev& m);

}  // namespace apcb::model

#endif  // APCB_MODEL_FILTER_H_
