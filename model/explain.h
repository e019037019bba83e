// apcb — why a guest has, or lacks, each APQN and control domain of its mdev.
//
// Administrators ask "what will my guest see, and why is adapter 5 missing?". The answer is
// a chain of the model's own rules (SPEC §1.3–§1.5): the host configuration, the bus masks,
// the queue bindings and reset responses, the whole-adapter filter, the kernel's habit of not
// refiltering after removals (S ⊊ F), and whether the shadow reaches an attached guest.
// explain_* walk that chain in the order the kernel applies it and stop at the first rule that
// takes the APQN away, so each row carries exactly one reason and the APQN that witnesses it.
// The text renderings are part of the contract (tests pin them; docs/explain.md shows them).
#ifndef APCB_MODEL_EXPLAIN_H_
#define APCB_MODEL_EXPLAIN_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/errno.h"
#include "model/op.h"
#include "model/state.h"

namespace apcb::model {

// The one reason a row is (or is not) in the guest. Ordered roughly as the kernel's rules
// apply; explain_apqn documents the precedence.
enum class Reason : std::uint8_t {
  in_guest,                  // in the shadow and in the attached guest's CRYCB
  exceeds_max_id,            // beyond apm_max / aqm_max / adm_max: no sysfs write can assign it
  not_in_host_config,        // the host's QCI configuration lacks the adapter or domain
  host_owned,                // reserved for the host drivers: apmask bit and aqmask bit both set
  not_bound,                 // the APQN itself is not bound to vfio_ap
  reset_failed,              // the APQN's last reset answered a non-passable response code
  adapter_filtered_unbound,  // another APQN of the adapter is not bound: whole adapter out
  adapter_filtered_reset,    // another APQN of the adapter failed its last reset
  in_other_mdev,             // a candidate: assigned to another mdev
  not_assigned,              // a candidate: its adapter or domain is not assigned here
  shadow_stale,              // the full filter would pass it; the shadow lags (S ⊊ F)
  no_guest,                  // in the shadow, no guest attached
  guest_released,            // in the shadow, the guest was asked to release the device
  exceeds_crycb_format,      // in the shadow, beyond what the guest's CRYCB format holds
  not_committed,             // in the shadow, attached guest's CRYCB lacks it (P4 broken)
};

// Which kind of ID a reason is about.
enum class IdKind : std::uint8_t { adapter, domain, control_domain };

// One reason with its witness. Only the fields the reason names are meaningful.
// Example: Verdict{.reason = Reason::adapter_filtered_unbound, .witness = {5, 0x48}, .id = 5}
//   describe()s as "adapter 05 is filtered out: APQN 05.0048 is not bound to vfio_ap …".
struct Verdict {
  Reason reason = Reason::in_guest;
  Apqn witness{};               // the APQN the reason names (the row's own, or a sibling's)
  IdKind kind = IdKind::adapter;  // for ID reasons: which ID
  int id = 0;                   // that ID
  int limit = 0;                // exceeds_*: the highest ID allowed
  std::uint8_t response = 0;    // *reset*: the last reset's response code
  // *reset*: whether the profile waits for a reset in progress (6.6+,
  // KernelBehaviour::reset_waits_for_completion): a transient status kept then is a check that
  // gave up (the poll answered something else), before it a reset that was not waited for.
  bool reset_waited = true;
  Driver driver = Driver::none;  // *unbound / not_bound: the driver the queue has instead
  std::string other_mdev;       // in_other_mdev: its UUID
  GuestId guest = 0;            // guest reasons: the guest
  // host_owned / not_bound (6.19): the queue's driver_override, empty when it has none.
  std::string driver_override;
  // host_owned (6.19): the host is in the driver_override regime (some queue has an override,
  // so both bus masks are all ones and cannot change), where a queue reaches vfio_ap through
  // its own override, not through the masks.
  bool override_regime = false;
  CrycbFormat format = CrycbFormat::format2;  // exceeds_crycb_format: the guest's format
  // Whether the guest has the row.
  // Example: Verdict{}.has() == true (the default reason is in_guest).
  bool has() const { return reason == Reason::in_guest; }
  friend bool operator==(const Verdict&, const Verdict&) = default;
};

// One APQN row: what is assigned, in the shadow and in the guest, and why.
// Example: a row {apqn 05.0047, assigned, not in shadow, adapter_filtered_unbound}.
struct ApqnRow {
  Apqn apqn;
  bool assigned = false;  // in this mdev's M.A × M.Q (false for a candidate)
  bool in_shadow = false;  // in S.A × S.Q
  Verdict verdict;
};

// One control-domain row.
// Example: ControlRow{.domain = 0x47, .in_shadow = true, .verdict = {.reason = Reason::no_guest}}.
struct ControlRow {
  ApId domain = 0;
  bool in_shadow = false;
  Verdict verdict;
};

// Everything explain says about one mdev.
// Example: explain_mdev(s, m).apqns lists 05.0047 and 05.0048 for an mdev assigned
//   adapter 5 and domains 0x47, 0x48.
struct MdevExplanation {
  std::string uuid;
  std::optional<GuestId> guest;  // the attached guest
  bool released = false;
  Matrix assigned;
  Matrix shadow;
  Matrix guest_apcb;  // what the guest's CRYCB holds (all zero without a guest)
  std::vector<ApqnRow> apqns;            // ascending APQN
  std::vector<ControlRow> control_domains;  // ascending
};

// Why mdev m's guest has or lacks APQN q. For q ∈ M.A × M.Q, the first rule that applies:
//   exceeds_max_id;
//   then, if q is in the shadow: no_guest, guest_released, exceeds_crycb_format,
//   not_committed, else in_guest (the shadow comes before the configuration so that the
//   verdict always tells what the guest's CRYCB holds, even in a snapshot breaking P1);
//   otherwise not_in_host_config (adapter before domain), host_owned, not_bound (q itself),
//   reset_failed (q itself), then the adapter filter's witness — the lowest domain
//   d' ∈ M.Q ∩ cfgQ with (a, d') not passable: adapter_filtered_unbound or
//   adapter_filtered_reset — and, if the full filter passes q, shadow_stale.
// For a candidate q ∉ M.A × M.Q: exceeds_max_id, host_owned, in_other_mdev, else not_assigned
// (naming the adapter if it is not assigned here, else the domain).
// Precondition: m is one of s.mdevs.
// Example: m assigned adapter 5 and domains {0x47, 0x48}, 05.0048 unbound:
//   explain_apqn(s, m, {5, 0x47}).reason == Reason::adapter_filtered_unbound (witness 05.0048),
//   explain_apqn(s, m, {5, 0x48}).reason == Reason::not_bound.
Verdict explain_apqn(const State& s, const Mdev& m, Apqn q);

// Why mdev m's guest has or lacks control domain c: exceeds_max_id, not_assigned; then, if
// S.C lacks it, not_in_host_config or else shadow_stale (M.C ∩ cfgC has it, S.C does not);
// then the guest rules as for an APQN in the shadow. Precondition: m is one of s.mdevs.
// Example: control domain 0x47 assigned, in the shadow, no guest attached:
//   explain_control_domain(s, m, 0x47).reason == Reason::no_guest.
Verdict explain_control_domain(const State& s, const Mdev& m, ApId c);

// The rows explain shows for m: every APQN of M.A × (M.Q ∪ cfgQ) and (M.A ∪ cfgA) × M.Q —
// the assigned APQNs and the candidates that share an assigned adapter or domain — and every
// control domain of M.C. With `assigned_only`, only M.A × M.Q. Precondition: m ∈ s.mdevs.
// Example: for the mdev of explain_apqn's example, explain_mdev(s, m).apqns.size() == 2 and
//   .control_domains holds one row per assigned control domain.
MdevExplanation explain_mdev(const State& s, const Mdev& m, bool assigned_only = false);

// The stable, script-friendly code of a reason ("IN_GUEST", "ADAPTER_FILTERED_UNBOUND", …).
// Example: reason_code(Reason::not_bound) == "NOT_BOUND_TO_VFIO_AP".
std::string_view reason_code(Reason r);

// The sentence that explains `v` to an administrator, e.g. "adapter 05 is filtered out: APQN
// 05.0047 is not bound to vfio_ap (no driver: unbound, or its probe failed)".
// Example: describe(explain_apqn(s, m, {5, 0x48})) ==
//   "APQN 05.0048 is not bound to vfio_ap (no driver: unbound, or its probe failed)".
std::string describe(const Verdict& v);

// The AP architecture's name of a response code ("BUSY", "Q_NOT_AVAIL"), or "UNKNOWN".
// Example: response_name(0x05) == "BUSY", response_name(0x99) == "UNKNOWN".
std::string_view response_name(std::uint8_t rc);

// The `lszcrypt -d` grid of `apcb`'s domains: the header `DOMAIN 00 01 … 0f`, a rule of 54
// dashes, 16 rows labelled `00`…`f0` (right-aligned in 6 columns) with one cell per domain
// (`U` usage, `C` control, `B` both, `.` neither; each right-aligned in 2 columns after a
// space), a closing rule and the three-line legend. Every line ends with '\n'.
// Example: domains {0x47} and control domains {1, 0x47} give row "    40" with `B` in column
//   07 and row "    00" with `C` in column 01.
std::string render_domain_grid(const Matrix& apcb);

// The whole explanation of one mdev as text: a summary of assigned / shadow / guest, the
// APQN table, the control-domain table and the domain grid of the guest (or, with no guest
// attached, of the shadow a guest would get).
// Example: render_explanation(explain_mdev(s, m)) begins
//   "mdev 0a1b2c3d-0000-4000-8000-00000000abcd: no guest attached\n" for an mdev with no guest.
std::string render_explanation(const MdevExplanation& e);

// Why operation `op`, run on `before`, answered `result` (≠ ok): the witness the kernel's
// check found (the APQN another mdev holds, the reserved APQN, the ID beyond the maximum, the
// bytes that do not parse). Empty when there is nothing to add to the errno.
// Example: explain_failure(s, op::MdevCreate{uuid}, Errno::eexist) ==
//   "an mdev 0a1b2c3d-0000-4000-8000-00000000abcd already exists" when s has that mdev.
std::string explain_failure(const State& before, const Op& op, Errno result);

}  // namespace apcb::model

#endif  // APCB_MODEL_EXPLAIN_H_
