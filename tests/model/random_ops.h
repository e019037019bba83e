// The generator moved to model/generate.h; this alias keeps tests/impl building until it
// includes that header directly.
#ifndef APCB_TESTS_MODEL_RANDOM_OPS_H_
#define APCB_TESTS_MODEL_RANDOM_OPS_H_
#include "model/generate.h"
namespace apcb::model::testing {
using RandomOps = apcb::model::RandomOps;
}  // namespace apcb::model::testing
#endif  // APCB_TESTS_MODEL_RANDOM_OPS_H_
