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

// The matrix in C form: each mask as four 64-bit words, word 0 first (Mask::word). Total.
//
// Example: from_c(to_c(m)) == m for every model::Matrix m.
apcb_sut_matrix to_c(const model::Matrix& m);
// The matrix a C struct describes; every bit pattern is a matrix, so it cannot fail.
//
// Example: from_c(apcb_sut_matrix{}) == model::Matrix{} (all three masks empty).
model::Matrix from_c(const apcb_sut_matrix& m);
// The host a trace's `host init` names, in C form (apxa as 0/1, the configuration by to_c).
//
// Example: to_c_host(model::HostParams{true, 255, 255}, cfg).na == 255
apcb_sut_host to_c_host(const model::HostParams& params, const model::Matrix& config);
// The QCI parameters of a C host (apxa: any non-zero byte is true); the configuration is
// from_c(host.config). Total.
//
// Example: params_from_c(to_c_host(p, cfg)) == p
model::HostParams params_from_c(const apcb_sut_host& host);

// The plugin ABI minor version an operation needs (apcb_sut.h, Versioning): kinds 1..18 are
// minor 0, 19 and later minor 2, and a reset-response sequence of two or more codes is minor 2
// (an older plugin would read only its first code). apcb never sends a plugin an operation
// newer than its minor version: the step is skipped as if the plugin had answered
// APCB_SUT_CANNOT_COMPLY (sut::Instance::apply_with_status).
//
// Example: abi_minor_of(model::op::GuestAqic{1, q}) == 2; abi_minor_of(model::op::ReadFeatures{}) == 0;
//   abi_minor_of(model::op::ResetResponse{q, 0x05, {0x00}}) == 2.
std::uint32_t abi_minor_of(const model::Op& op);

// An operation in C form; the C struct points into this object, so keep it alive while the
// plugin runs.
//
// Example: const sut::COp c(op); plugin.vtable().apply(instance, c.get(), &observation);
class COp {
 public:
  // Converts `op` (every kind of the alphabet converts; fields the kind does not use stay 0),
  // copying its UUID and written text into this object.
  //
  // Example: sut::COp(model::op::MdevCreate{uuid}).get()->kind == APCB_SUT_OP_MDEV_CREATE
  explicit COp(const model::Op& op);
  COp(const COp&) = delete;
  COp& operator=(const COp&) = delete;
  // The C struct, valid while this object lives.
  //
  // Example: op_from_c(*sut::COp(op).get()) == op
  const apcb_sut_op* get() const { return &op_; }

 private:
  apcb_sut_op op_{};
  std::string uuid_;
  std::string text_;
};

// The operation a C struct describes; nullopt for an unknown kind or out-of-range field (a
// plugin answers CANNOT_COMPLY to those): a driver other than 1 or 2, a bus mask, attribute or
// view past its name table, a NULL uuid where the kind needs one. A NULL text reads as "".
//
// Example: op_from_c(apcb_sut_op{}) == std::nullopt (kind 0 is no kind).
std::optional<model::Op> op_from_c(const apcb_sut_op& op);

// An observation in C form, owning the storage the C struct points into (plugins written in
// C++ keep one per instance and refill it on every apply).
//
// Example: last.set(obs); last.fill(out); return APCB_SUT_OK;   (sut/plugin.h does this)
class CObservation {
 public:
  // Keeps a copy of `obs` and its events in C form; invalidates what an earlier fill pointed to.
  //
  // Example: c.set(model::Observation{model::Errno::ok, "05.\n", {}});
  void set(const model::Observation& obs);
  // Points `out` at the storage of the last set (result, output bytes, events); valid until the
  // next set or the destruction of this object. `out` must not be null.
  //
  // Example: c.set(obs); c.fill(&out); observation_from_c(out) == obs
  void fill(apcb_sut_observation* out) const;

 private:
  model::Observation obs_;
  std::vector<apcb_sut_event> events_;
};

// The observation a plugin filled in, copied out of the plugin's storage. The result is taken
// as is (an errno the model does not name stays a number); a NULL output reads as ""; an event
// kind other than COMMIT reads as a reset.
//
// Example: observation_from_c(apcb_sut_observation{}) == model::Observation{} (result 0, no output).
model::Observation observation_from_c(const apcb_sut_observation& obs);

}  // namespace apcb::sut

#endif  // APCB_SUT_CONVERT_H_
