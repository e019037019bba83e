// apcb tests — a small driver that runs operations on the model the way an administrator
// types them, so scenario tests read like the kernel documentation's examples.
#ifndef APCB_TESTS_MODEL_SCENARIO_H_
#define APCB_TESTS_MODEL_SCENARIO_H_

#include <string>
#include <vector>

#include "model/invariants.h"
#include "model/op.h"
#include "model/step.h"

namespace apcb::model::testing {

inline constexpr const char* kMdev1 = "11111111-1111-1111-1111-111111111111";
inline constexpr const char* kMdev2 = "22222222-2222-2222-2222-222222222222";
inline constexpr const char* kMdev3 = "33333333-3333-3333-3333-333333333333";

// Runs operations on a State and checks, after every one, the properties that hold in every
// state (structural P2/P7, P1, P3, P4, P6, P8), so every scenario is also an invariant test.
class Scenario {
 public:
  explicit Scenario(const HostParams& params, const Matrix& cfg) : s(State::initial(params, cfg)) {}

  Observation run(const Op& op) {
    const State before = s;
    Observation obs = apply(s, op);
    for (const Violation& v : check_state(s, Strength::structural)) violations.push_back(v);
    for (const Violation& v : check_unplug_before_reset(before, op, obs)) violations.push_back(v);
    for (const Violation& v : check_failure_atomicity(before, s, obs)) violations.push_back(v);
    return obs;
  }
  Errno write(const std::string& uuid, MdevAttr attr, const std::string& text) {
    return run(op::AttrWrite{uuid, attr, text}).result;
  }
  Errno assign_adapter(const std::string& uuid, const std::string& v) {
    return write(uuid, MdevAttr::assign_adapter, v + "\n");
  }
  Errno assign_domain(const std::string& uuid, const std::string& v) {
    return write(uuid, MdevAttr::assign_domain, v + "\n");
  }
  Errno unassign_adapter(const std::string& uuid, const std::string& v) {
    return write(uuid, MdevAttr::unassign_adapter, v + "\n");
  }
  Errno unassign_domain(const std::string& uuid, const std::string& v) {
    return write(uuid, MdevAttr::unassign_domain, v + "\n");
  }
  Errno assign_control_domain(const std::string& uuid, const std::string& v) {
    return write(uuid, MdevAttr::assign_control_domain, v + "\n");
  }
  Errno create(const std::string& uuid) { return run(op::MdevCreate{uuid}).result; }
  Errno apmask(const std::string& text) {
    return run(op::BusMaskWrite{BusMask::apmask, text + "\n"}).result;
  }
  Errno aqmask(const std::string& text) {
    return run(op::BusMaskWrite{BusMask::aqmask, text + "\n"}).result;
  }
  std::string read(const std::string& uuid, MdevView view) {
    return run(op::ReadMdev{uuid, view}).output;
  }
  std::string matrix(const std::string& uuid) { return read(uuid, MdevView::matrix); }
  std::string guest_matrix(const std::string& uuid) { return read(uuid, MdevView::guest_matrix); }
  const Mdev& mdev(const std::string& uuid) const { return *s.find_mdev(uuid); }

  State s;
  std::vector<Violation> violations;
};

}  // namespace apcb::model::testing

#endif  // APCB_TESTS_MODEL_SCENARIO_H_
