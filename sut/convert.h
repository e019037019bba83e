// apcb — conversions between the model's vocabulary and the plain-C plugin ABI (apcb_sut.h).
#ifndef APCB_SUT_CONVERT_H_
#define APCB_SUT_CONVERT_H_

#include <optional>
#include <string>
#include <vector>

#include "model/observation.h"
#include "model/op.h"
#include "model/state.h"
#include "sut/apcb_sut.h"

namespace apcb::sut {

apcb_sut_matrix to_c(const model::Matrix& m);
model::Matrix from_c(const apcb_sut_matrix& m);
apcb_sut_host to_c_host(const model::HostParams& params, const model::Matrix& config);
model::HostParams params_from_c(const apcb_sut_host& host);

// An operation in C form; the C struct points into this object, so keep it alive while the
// plugin runs.
class COp {
 public:
  explicit COp(const model::Op& op);
  COp(const COp&) = delete;
  COp& operator=(const COp&) = delete;
  const apcb_sut_op* get() const { return &op_; }

 private:
  apcb_sut_op op_{};
  std::string uuid_;
  std::string text_;
};

// The operation a C struct describes; nullopt for an unknown kind or out-of-range field (a
// plugin answers CANNOT_COMPLY to those).
std::optional<model::Op> op_from_c(const apcb_sut_op& op);

// An observation in C form, owning the storage the C struct points into (plugins written in
// C++ keep one per instance and refill it on every apply).
class CObservation {
 public:
  void set(const model::Observation& obs);
  void fill(apcb_sut_observation* out) const;

 private:
  model::Observation obs_;
  std::vector<apcb_sut_event> events_;
};

model::Observation observation_from_c(const apcb_sut_observation& obs);

}  // namespace apcb::sut

#endif  // APCB_SUT_CONVERT_H_
