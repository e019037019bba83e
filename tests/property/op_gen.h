// apcb tests — the operation generator family (harness/generate.h) over RapidCheck: every
// choice the generator makes is an rc draw, so every drawn ID, text form and operation kind
// shrinks (toward choice 0, the simplest alternative).
#ifndef APCB_TESTS_PROPERTY_OP_GEN_H_
#define APCB_TESTS_PROPERTY_OP_GEN_H_

#include <rapidcheck.h>

#include "harness/generate.h"
#include "model/op.h"
#include "model/state.h"

namespace apcb::property {

// Entropy from RapidCheck: pick(n) is `*rc::gen::inRange(0, n)`, so it may only be called
// where RapidCheck draws are allowed (inside a property or rc::gen::exec).
// Example: rc::gen::exec([] { return RcEntropy{}.pick(4); }) generates 0..3, shrinking to 0.
struct RcEntropy {
  int pick(int n) { return *rc::gen::inRange(0, n); }
};

using Targets = harness::Targets;

// The generator of the stateful property test: the property preset over RapidCheck draws.
// Example (inside a property): auto gen = property_generator();
//                              model::HostParams p = gen.params();
inline harness::OpGenerator<RcEntropy> property_generator() {
  return harness::OpGenerator<RcEntropy>(RcEntropy{}, harness::GeneratorKnobs::property());
}

// One operation of the whole alphabet, drawn with an eye on `s`; `t` says which existing
// targets it was drawn for. Only inside a property or rc::gen::exec.
// Example: Targets t; model::Op op = draw_op(s, t);  // t.mdev: an existing mdev's UUID or ""
inline model::Op draw_op(const model::State& s, Targets& t) {
  auto gen = property_generator();
  model::Op op = gen.next(s);
  t = gen.targets();
  return op;
}

}  // namespace apcb::property

#endif  // APCB_TESTS_PROPERTY_OP_GEN_H_
