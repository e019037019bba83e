// apcb proofs — P9 in the runner: the encoding and the executable model agree on transitions.
// Internal to proofs/.
//
// The full agreement test is tests/model/z3_agreement_test.cpp (random walks at every width,
// an enumerated small scope, arbitrary states, the solver path). This obligation repeats its
// core on a smaller sample at the runner's width, so `apcb prove` reports agreement with the
// proofs it backs, and adds what the proofs here rely on beyond it: each transition's events
// (commits and reset batches, z3enc::SymEvent) equal model::apply's observed events.
#ifndef APCB_PROOFS_AGREEMENT_H_
#define APCB_PROOFS_AGREEMENT_H_

#include <string>

#include "model/observation.h"
#include "model/op.h"
#include "model/state.h"
#include "proofs/prover.h"

namespace apcb::proofs::detail {

// Random walks from State::initial at the prover's width: every step is evaluated on the
// encoding (closed, simplified) and on model::apply; post-states, results and events must agree.
void agreement(Prover& p);

// Checks one (state, op) pair on `enc`: "" when they agree (or the op is outside the encoding),
// else what differs. Counts the transitions checked in *checked.
std::string agree_on(z3enc::Encoder& enc, const model::State& s, const model::Op& op,
                     int* checked);

}  // namespace apcb::proofs::detail

#endif  // APCB_PROOFS_AGREEMENT_H_
