// apcb — what one operation is observed to do: the oracle's unit of comparison.
//
// SPEC §2: the result (0 or errno), the text of a read, every CRYCB commit in order, and every
// queue reset in order relative to the commits; since Linux 6.15 also every signal of the
// guest's AP-configuration-changed eventfd. Two observations are equivalent when results,
// texts and the sequences of commits and signals are equal and the resets between two
// consecutive commits or signals are equal as multisets (the kernel walks a hash table, so
// their order inside one batch is not specified, but a queue reset twice is reset twice);
// signals are compared only when both observers could see them (Observation::sees_signals);
// `equivalent` implements exactly that.
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

// One signal of the mdev's AP-configuration-changed eventfd (VFIO_AP_CFG_CHG_IRQ_INDEX, Linux
// 6.15 07d89045bffe "s390/vfio-ap: Signal eventfd when guest AP configuration is changed"),
// which QEMU 10.1 turns into a channel report to `guest`. It follows the commit it announces
// (model/README.md, "Guest notification", says which commits signal).
// Example: Signal{.guest = 7} tells guest 7's user space that its AP configuration changed.
struct Signal {
  GuestId guest = 0;
  friend bool operator==(const Signal&, const Signal&) = default;
};

using Event = std::variant<Commit, Reset, Signal>;

// Everything one operation is observed to do; the oracle compares two with equivalent().
// Example: a successful `cat matrix` of an mdev holding 05.0047 observes
//   Observation{.result = Errno::ok, .output = "05.0047\n", .events = {}}.
struct Observation {
  Errno result = Errno::ok;
  std::string output;  // the text of a read or of a vCPU observation; empty otherwise
  std::vector<Event> events;
  // Whether the observer could see Signal events: false for a trace that does not declare
  // `observe signals` (every trace written before signals existed) and for a plugin built
  // against apcb_sut.h minor version 0. An observation that does not see signals has none, and
  // equivalent() ignores the other side's.
  bool sees_signals = true;
  friend bool operator==(const Observation&, const Observation&) = default;
};

// Equal up to the order of resets between two consecutive commits or signals (a multiset: a
// duplicated reset is a difference); the signals are left out when either side does not see
// them (sees_signals).
// Example: events {Reset{{5, 1}}, Reset{{5, 2}}} and {Reset{{5, 2}}, Reset{{5, 1}}} are
//   equivalent; {Commit c, Reset r} and {Reset r, Commit c} are not; {Reset r} and
//   {Reset r, Reset r} are not; {Commit c, Signal s} and {Commit c} are not, unless one of the
//   two observations has sees_signals == false.
bool equivalent(const Observation& a, const Observation& b);

// Which part of two observations that are not equivalent differs, as a short stable key (the
// cause of a divergence class in `apcb check --all` and allow lists), the first that differs
// of: "result X vs Y" (errno names, `implementation`'s first), "output", "commits N vs M"
// (their counts), "commit contents", "signals N vs M" (their counts, when both see signals),
// "signal order" (as many signals, after other commits or for other guests), "resets N vs M"
// (the counts of resets), "reset queues" (as many resets, of other queues), "resets between
// commits" (the same resets, in other batches). "" when the two are equivalent.
// Example: divergence_cause({Errno::ebusy}, {Errno::eio}) == "result EBUSY vs EIO".
std::string divergence_cause(const Observation& implementation, const Observation& reference);

// `obs` without its Signal events and with sees_signals false: what an observer that cannot see
// signals would have observed.
// Example: without_signals(Observation{Errno::ok, "", {Commit{1, {}}, Signal{1}}}).events
//   == std::vector<Event>{Commit{1, {}}}.
Observation without_signals(Observation obs);

}  // namespace apcb::model

#endif  // APCB_MODEL_OBSERVATION_H_
