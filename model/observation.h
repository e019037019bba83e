// apcb — what one operation is observed to do: the oracle's unit of comparison.
//
// SPEC §2: the result (0 or errno), the text of a read, every CRYCB commit in order, and every
// queue reset in order relative to the commits. Two observations are equivalent when results,
// texts and commit sequences are equal and the resets between two consecutive commits are
// equal as multisets (the kernel walks a hash table, so their order inside one batch is not
// specified, but a queue reset twice is reset twice); `equivalent` implements exactly that.
#ifndef APCB_MODEL_OBSERVATION_H_
#define APCB_MODEL_OBSERVATION_H_

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "model/errno.h"
#include "model/state.h"

namespace apcb::model {

// One write of a guest's CRYCB with all vCPUs blocked (set_masks or clear_masks): `apcb` is
// the complete APCB afterwards, already truncated to the guest's CRYCB format.
// Example: Commit{.guest = 7, .apcb = {Mask::of({5}), Mask::of({0x47}), {}}} puts 05.0047 in
//   guest 7.
struct Commit {
  GuestId guest = 0;
  Matrix apcb;
  friend bool operator==(const Commit&, const Commit&) = default;
};

// One queue reset (ZAPQ, waited for).
// Example: Reset{Apqn{5, 0x47}} is one ZAPQ of queue 05.0047.
struct Reset {
  Apqn apqn;
  friend bool operator==(const Reset&, const Reset&) = default;
};

using Event = std::variant<Commit, Reset>;

// Everything one operation is observed to do; the oracle compares two with equivalent().
// Example: a successful `cat matrix` of an mdev holding 05.0047 observes
//   Observation{.result = Errno::ok, .output = "05.0047\n", .events = {}}.
struct Observation {
  Errno result = Errno::ok;
  std::string output;  // the text of a read or of a vCPU observation; empty otherwise
  std::vector<Event> events;
  friend bool operator==(const Observation&, const Observation&) = default;
};

// Equal up to the order of resets between two consecutive commits (a multiset: a duplicated
// reset is a difference).
// Example: events {Reset{{5, 1}}, Reset{{5, 2}}} and {Reset{{5, 2}}, Reset{{5, 1}}} are
//   equivalent; {Commit c, Reset r} and {Reset r, Commit c} are not; {Reset r} and
//   {Reset r, Reset r} are not.
bool equivalent(const Observation& a, const Observation& b);

// Which part of two observations that are not equivalent differs, as a short stable key (the
// cause of a divergence class in `apcb check --all` and allow lists), the first that differs
// of: "result X vs Y" (errno names, `implementation`'s first), "output", "commits N vs M"
// (their counts), "commit contents", "resets N vs M" (the counts of resets), "reset queues"
// (as many resets, of other queues), "resets between commits" (the same resets, in other
// batches). "" when the two are equivalent.
// Example: divergence_cause({Errno::ebusy}, {Errno::eio}) == "result EBUSY vs EIO".
std::string divergence_cause(const Observation& implementation, const Observation& reference);

}  // namespace apcb::model

#endif  // APCB_MODEL_OBSERVATION_H_
