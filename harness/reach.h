// apcb harness — what a batch of traces reached: the catalogue behind `apcb gen --stats`.
//
// The catalogue (reach_catalogue) lists what a generator should reach in the reference's
// terms, written down once with where each entry comes from:
//   operation    every operation kind of the alphabet (model/alphabet.def);
//   observation  every kind of observation (model/observation.h): a result that is 0 or an
//                errno; the events (a commit, a commit that clears a guest's APCB, a reset,
//                a reset after a commit in one operation, commits to two guests in one
//                operation, a batch of two or more resets between commits); and the output of
//                each read kind by its shape (a queue's status of each of its three texts,
//                each mdev view and the vCPU view empty or not, each bus mask, the features);
//   errno        every result each operation class can return (the attribute, view or mask
//                named for the kinds that have one), from model/step.cpp on any profile
//                and the kernel notes (/work/shared/reference/kernel-vfio-ap.md, ecosystem.md);
//   reset        every reset response code the model distinguishes (model::response) answering
//                an actual queue reset (a Reset event of a queue whose hardware answers it);
//   explain      every reason of model/explain.h on some row of explain_mdev of some mdev after
//                some step.
// An entry a default generator cannot reach by design carries the reason (`unreachable`); it
// is listed and counted apart, never silently dropped. The entries are the same for every
// kernel profile; what differs is which are reachable: a profile without an attribute (6.0 has
// no `features` and no `ap_config`) cannot reach its successes, and one with it cannot reach
// the ENOENT of a missing file (reach_catalogue(kernel)).
//
// Example:
//   ReachCounter r;
//   for (const trace::Trace& t : batch) r.add_trace(t);
//   std::cout << render_reach(r);  // one line per entry, then "reached X of Y ..."
#ifndef APCB_HARNESS_REACH_H_
#define APCB_HARNESS_REACH_H_

#include <cstddef>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "model/observation.h"
#include "model/op.h"
#include "model/state.h"
#include "trace/trace.h"

namespace apcb::harness {

// One thing a batch can reach.
// Example: {"errno", "attr_write assign_adapter EADDRINUSE", "step.cpp validate_masks", ""}.
struct ReachEntry {
  std::string group;        // operation, observation, errno, reset, explain
  std::string item;         // what is reached, e.g. "read_queue_status ENOENT"
  std::string source;       // where the entry comes from
  std::string unreachable;  // non-empty: why a generated trace cannot reach it
};

// The catalogue for traces that follow `kernel`, in the order `apcb gen --stats` prints it.
// Every profile's catalogue has the same entries in the same order; only `unreachable` differs.
// Example: reach_catalogue().front().item == "config_change" (group "operation");
//   the entry "errno read_features 0" is reachable under latest, unreachable under 6.0.
const std::vector<ReachEntry>& reach_catalogue(model::KernelVersion kernel = model::KernelVersion::latest);


// Counts, over the steps given to it, how often each catalogue entry was reached, and which
// (class, result) pairs the catalogue lacks (a result the table does not list is a finding:
// either the table or the model is wrong).
// Example: ReachCounter r; r.add_trace(t); r.count(i) is the number of steps reaching entry i.
class ReachCounter {
 public:
  // An empty count, sized to reach_catalogue().
  // Counts against reach_catalogue(kernel); the traces given should follow that profile.
  // Example: ReachCounter().steps() == 0; ReachCounter(KernelVersion::v6_0).kernel() == v6_0.
  explicit ReachCounter(model::KernelVersion kernel = model::KernelVersion::latest);
  // The profile whose catalogue this counter counts against.
  // Example: ReachCounter().kernel() == model::KernelVersion::latest.
  model::KernelVersion kernel() const { return kernel_; }

  // Runs `t` on the model from its initial state and counts every step (the trace's own
  // expectations are not looked at). Also records the most mdevs the trace held at once.
  // Example: r.add_trace(*trace::load_trace("t.trace"));
  void add_trace(const trace::Trace& t);

  // Counts one step: `op` took `before` to `after` observing `obs`.
  // Example: model::State a = b; auto o = model::apply(a, op); r.add_step(b, op, o, a);
  void add_step(const model::State& before, const model::Op& op, const model::Observation& obs,
                const model::State& after);

  // How often catalogue entry `i` was reached.
  // Example: r.count(0) > 0 once a config_change was counted.
  std::size_t count(std::size_t i) const { return counts_[i]; }
  // The (class, result) pairs seen that the catalogue has no errno entry for, e.g.
  // "device_reset EBUSY" on an older kernel.
  // Example: r.outside().empty() for every generated batch.
  const std::set<std::string>& outside() const { return outside_; }
  // Steps and traces counted.
  // Example: after add_trace of a 100-step trace, r.steps() == 100 and r.traces() == 1.
  std::size_t steps() const { return steps_; }
  std::size_t traces() const { return traces_; }
  // How many traces held at least n mdevs at once (n = 2 or 3).
  // Example: r.traces_with_mdevs(2) == 1 after a trace that created two mdevs.
  std::size_t traces_with_mdevs(int n) const;
  // Entries reached, reachable entries (catalogue minus the unreachable ones), and the
  // reachable entries not reached.
  // Example: r.reached() == r.reachable() when every reachable entry was reached.
  std::size_t reached() const;
  std::size_t reachable() const;

 private:
  void hit(const std::string& group, const std::string& item);

  model::KernelVersion kernel_;
  std::vector<std::size_t> counts_;
  std::set<std::string> outside_;
  std::size_t steps_ = 0;
  std::size_t traces_ = 0;
  std::vector<std::size_t> max_mdevs_;  // per trace
};

// The reach table: a header line, one line per catalogue entry (group, item, count or
// "NOT REACHED" or "unreachable: why"), any results outside the catalogue, the mdev shares
// and the summary "reached X of Y reachable entries" followed by either "; every reachable
// entry reached" or "; N NOT reached".
// Example: render_reach(r) ends "reached 131 of 131 reachable entries (2 unreachable by
//   design); every reachable entry reached\n" for a batch that reaches everything.
std::string render_reach(const ReachCounter& r);

}  // namespace apcb::harness

#endif  // APCB_HARNESS_REACH_H_
