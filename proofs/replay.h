// apcb proofs — the counterexample path: a model of a satisfiable query becomes a concrete
// State and Op, is replayed on model::apply, compared with what the encoding says in the same
// model, and written as a trace that starts from State::initial. Internal to proofs/.
#ifndef APCB_PROOFS_REPLAY_H_
#define APCB_PROOFS_REPLAY_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "model/invariants.h"
#include "model/observation.h"
#include "model/op.h"
#include "model/state.h"
#include "model/z3/encoding.h"
#include "proofs/ops.h"

namespace apcb::proofs::detail {

struct Replay {
  model::State pre;  // the pre-state the model denotes (z3enc normal form)
  model::Op op;
  model::State post;  // model::apply's post-state, normalized
  model::Observation observation;
  model::State z3_post;  // the encoding's post-state in the same model
  model::Errno z3_result = model::Errno::ok;
  bool matches = false;  // same post-state (up to slot order) and same result
  std::vector<model::Violation> pre_violations;      // check_state(pre, strength)
  std::vector<model::Violation> post_violations;     // check_state(post, strength)
  std::vector<model::Violation> z3_post_violations;  // check_state(z3_post, strength)
  // model::check_failure_atomicity(pre, post, op, observation): P6 on model::apply's transition.
  std::vector<model::Violation> step_violations;
  bool constructed = false;  // the trace builds `pre` from State::initial by operations
  std::string construction;  // how the trace reaches the pre-state, in words
  std::string trace;         // the trace: host init, the steps to `pre`, `op`, reads
};

// Replays `op` on `pre` at the width of `enc`: model::apply, and the encoding's transition on
// the ground state (concretize, lower, step, `mutate`, close, simplify), as the P9 check does.
// `claim` (may be empty), a Bool of the ground pre-state and closed transition, is evaluated
// into *claim_holds. Both post-states are checked at `strength`; the trace builds `pre` from
// State::initial where construct() can, and carries `comments` before the operation.
// Throws std::invalid_argument when `pre` or `op` does not fit the encoder's shape.
using Mutation = std::function<z3enc::Transition(const z3enc::Encoder&, const z3enc::SymState& pre,
                                                 z3enc::Transition)>;
using Claim = std::function<z3::expr(const z3enc::Encoder&, const z3enc::SymState& pre,
                                     const z3enc::Transition& closed)>;
Replay replay(z3enc::Encoder& enc, const model::State& pre, const model::Op& op,
              const Mutation& mutate, const Claim& claim, bool* claim_holds,
              model::Strength strength, const std::vector<std::string>& comments);

// A sequence of operations from State::initial(target.params, target.cfg) that reaches
// `target` (compared in z3enc::normalize form at `width`, up to mdev and guest order), or
// nullopt with the reason in *why: the target breaks the structural invariant, or it lies
// outside what this constructor builds (witness() in invariant.h lists the conditions).
std::optional<std::vector<model::Op>> construct(const model::State& target, int width,
                                                std::string* why);

// Equal up to the order of mdevs and guests (slot order in the encoding, creation order in
// the model).
bool same_state(const model::State& a, const model::State& b);

// The state as trace comments ("#   cfg …", one line per mdev and guest, the non-default
// queue tables), for counterexamples.
std::vector<std::string> describe(const model::State& s);

// Violations as one line: "P7: mdev …: …; P2.passable: …".
std::string violations_text(const std::vector<model::Violation>& v);

}  // namespace apcb::proofs::detail

#endif  // APCB_PROOFS_REPLAY_H_
