// apcb tests — a small driver that runs operations the way an administrator types them, so
// scenario tests read like the kernel documentation's examples.
//
// Every operation runs on the model and on the reference implementation side by side
// (harness/lockstep.h): observations must be equivalent and states equal (P10), and the
// properties that hold in every state are checked after each step (structural P2/P7, P1, P3,
// P4, P6, P8). So each scenario test is also a conformance test of impl/ and an invariant test.
#ifndef APCB_TESTS_MODEL_SCENARIO_H_
#define APCB_TESTS_MODEL_SCENARIO_H_

#include <gtest/gtest.h>

#include "harness/lockstep.h"

namespace apcb::model::testing {

using harness::kMdev1;
using harness::kMdev2;
using harness::kMdev3;

// A lockstep run that fails the test when the implementation ever disagreed with the model.
class Scenario : public harness::Lockstep {
 public:
  using Lockstep::Lockstep;
  ~Scenario() { EXPECT_TRUE(report().empty()) << report(); }
};

}  // namespace apcb::model::testing

#endif  // APCB_TESTS_MODEL_SCENARIO_H_
