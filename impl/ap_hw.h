// apcb impl — the simulated AP hardware: what the instructions of a queue reset answer.
//
// The only hardware behaviour the specification observes is what the AP instructions of a reset
// (ZAPQ, then TAPQ polls and re-issued ZAPQs) answer; a host event (op::ResetResponse) sets it
// per queue, as one answer or a sequence of them. The driver walks the answers
// (impl/vfio_ap/driver_filter.cpp, VfioApDriver::reset_queue). It is a property of the hardware,
// not of any driver, so it lives here, under its own leaf lock: callers never take another lock
// while holding it.
#ifndef APCB_IMPL_AP_HW_H_
#define APCB_IMPL_AP_HW_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <vector>

#include "impl/apqn_table.h"
#include "model/state.h"

namespace apcb::impl {

// One reset of one queue in flight: the answers of its instructions in the order issued, then
// NORMAL for every later instruction (the reset has completed).
class ResetInFlight {
 public:
  explicit ResetInFlight(std::vector<std::uint8_t> answers) : answers_(std::move(answers)) {}
  // What the next instruction (ZAPQ or TAPQ alike) answers.
  // Example: ResetInFlight({5}).next() == 5, then next() == model::response::normal.
  std::uint8_t next() { return next_ < answers_.size() ? answers_[next_++] : model::response::normal; }

 private:
  std::vector<std::uint8_t> answers_;
  std::size_t next_ = 0;
};

class ApHardware {
 public:
  // From now on a reset of `q` answers `response`, then `then`, instruction by instruction.
  // Example: hw.set_reset_response({4, 2}, model::response::q_not_avail, {});
  void set_reset_response(model::Apqn q, std::uint8_t response, const std::vector<std::uint8_t>& then);
  // Starts a reset of `q` (its first ZAPQ is the returned object's first next()). One answer
  // alone keeps its meaning from before sequences: a transient one is a reset that is in
  // progress for one poll (BUSY for BUSY, else RESET IN PROGRESS) and then completes.
  // Example: a new ApHardware's reset_queue(q).next() == model::response::normal for every q.
  ResetInFlight reset_queue(model::Apqn q);
  // Every queue whose reset does not answer the single NORMAL, keyed by packed APQN, its answers
  // first to last (model::State form).
  // Example: after set_reset_response({4, 2}, checkstopped, {}): {{Apqn{4, 2}.packed(), {checkstopped}}}.
  std::map<std::uint16_t, std::vector<std::uint8_t>> abnormal_responses() const;
  // AQIC with IR=0 (disable interruptions) on a configured queue: NORMAL. A reset response set
  // for the queue says what a reset answers, nothing else.
  // Example: hw.disable_interruptions({5, 4}) == model::response::normal.
  std::uint8_t disable_interruptions(model::Apqn q) const;

 private:
  mutable std::mutex lock_;
  ApqnTable<std::uint8_t> response_;                           // the first answer
  std::map<std::uint16_t, std::vector<std::uint8_t>> then_;    // the later ones, where any
  std::array<model::Mask, 256> abnormal_{};  // per adapter: domains not answering the single NORMAL
};

}  // namespace apcb::impl

#endif  // APCB_IMPL_AP_HW_H_
