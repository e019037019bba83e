// apcb impl — the simulated AP hardware: what a queue reset answers.
//
// The only hardware behaviour the specification observes is the response code a reset (ZAPQ)
// answers; a host event (op::ResetResponse) sets it per queue. A transient answer is a reset
// still in progress, which the driver polls (TAPQ) until it completes (NORMAL). It is a property of the hardware, not of any driver, so it lives here, under its own
// leaf lock: callers never take another lock while holding it.
#ifndef APCB_IMPL_AP_HW_H_
#define APCB_IMPL_AP_HW_H_

#include <array>
#include <cstdint>
#include <map>
#include <mutex>

#include "impl/apqn_table.h"
#include "model/state.h"

namespace apcb::impl {

class ApHardware {
 public:
  // From now on a reset of `q` ends with `response`.
  // Example: hw.set_reset_response({4, 2}, model::response::q_not_avail);
  void set_reset_response(model::Apqn q, std::uint8_t response);
  // Resets `q` (ZAPQ) and returns what it answers: the driver waits out a transient answer
  // (model::response::after_wait).
  // Example: a new ApHardware answers model::response::normal for every q.
  std::uint8_t reset_queue(model::Apqn q);
  // AQIC with IR=0 (disable interruptions) on a configured queue: NORMAL. A reset response set
  // for the queue says what a reset answers, nothing else.
  // Example: hw.disable_interruptions({5, 4}) == model::response::normal.
  std::uint8_t disable_interruptions(model::Apqn q) const;
  // Every queue whose reset does not answer NORMAL, keyed by packed APQN (model::State form).
  // Example: after set_reset_response({4, 2}, checkstopped): {{Apqn{4, 2}.packed(), checkstopped}}.
  std::map<std::uint16_t, std::uint8_t> abnormal_responses() const;

 private:
  mutable std::mutex lock_;
  ApqnTable<std::uint8_t> response_;
  std::array<model::Mask, 256> abnormal_{};  // per adapter: domains with response_ != NORMAL
};

}  // namespace apcb::impl

#endif  // APCB_IMPL_AP_HW_H_
