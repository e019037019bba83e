// apcb — the Z3 encoding of the specification: symbolic states, the transition relation of
// every operation, and the invariant predicates.
//
// This is the second definition of the semantics (the first is model/step.cpp); the two are
// checked to agree (P9, tests/model/z3_agreement_test.cpp). It is shaped for proof speed, as
// measured in proof-encoding.md:
//   * masks are bit-vectors of width N (8, 16, 64 or 256), ID i being bit N−1−i (MSB-0, the
//     same numbering as model::Mask: at N = 256 the bit-vector's value is the four words
//     concatenated);
//   * everything per queue is stored per adapter row: Z3 arrays from an adapter index
//     (BV(log2 N)) to a domain mask BV(N), and every derived per-queue set (vfio-bound, linked,
//     passable, "adapter a passes the filter") has a local form at one symbolic index;
//   * a whole filter vector, which costs N row tests, is never inlined into a post-state: a
//     transition names it by a fresh constant and returns its definition separately
//     (`Definition`), so a proof can instantiate it at the indices it needs
//     (`definitions_at`) and a concrete evaluation can substitute it (`close`);
//   * bulk row updates (reset every linked queue) are lambdas, so `select(post.last_ok, a)`
//     beta-reduces to a local term.
//
// What is encoded, and what is not. Reset responses are two booleans per queue, the two things
// step.cpp ever asks of them: passable or not (the filter), and zero (NORMAL) or not (a device
// reset's EIO). A hardware answer is encoded by what a reset answering it ends with under the
// shape's kernel profile (from 6.6, response::after_wait: a transient answer is waited out and
// ends NORMAL; before, it is kept, and is not passable). Host parameters (APXA, Na, Nd) are constants of an
// instance. There is a fixed number K of mdev slots and G of guest slots; uuids and guest ids
// live outside Z3 (`Slots`). Pending adds are absent: step.cpp empties them within the host
// configuration change that fills them, so between operations they are always empty. Sysfs
// parsing (EINVAL/ERANGE) is the parsers' business: an operation here starts where the parsed
// value is checked. Each guest's PQAP(AQIC) hook is encoded (SymGuest: registered or not, the
// mdev slot it names, freed or not), so the open that fails with EPERM and moves it before
// 4400270ec034 is a transition like any other, and P6 speaks of it. Observations (commits,
// resets, read texts, the AQIC answer) are not encoded: a transition
// yields the post-state and the result code. The 6.19 driver_override regime is encoded per
// queue (SymState); one mask write of it is not (Encoder::assumptions says which, and lower()
// keeps it outside).
//
// Kernel profiles (Shape::kernel, model/kernel.h). The transitions follow the profile's
// KernelBehaviour flags as model/step.cpp does:
//   * full_filter = false (the 6.0 delta filter): an assignment's filter checks, for adapter a,
//     only the domains of its delta (assign_adapter x: {x} × M.Q; assign_domain y: M.A × {y};
//     scan complete: pending adapters × M.Q ∪ M.A × pending domains; a probe: everything);
//     Definition::bit is the filter restricted to that scope;
//   * removal_unplugs_assigned_control_domains, removal_commits_emptied_shadow: the host
//     configuration change's removed control domains and its commit condition;
//   * filter_resets_unplugged, unbind_resets_adapter, request_clears_crycb,
//     ap_config_attribute: the resets after a filter, remove_queue's resets, the release
//     request, and ap_config (ENOENT, no change, without the attribute);
//   * failed_attach_keeps_hook = false (before 4400270ec034): an open failing with EPERM
//     (another mdev attached to the guest) leaves the guest's hook on the failing mdev: the one
//     failed operation whose post-state is not its pre-state (Transition::failed);
//   * reset_waits_for_completion, deconfigured_passable, checkstopped_passable: in the meaning
//     of the two booleans (hw_ok is "a reset ends passable under the profile"), so only
//     concretize, extract, normalize and lower read them; without a passable non-NORMAL code
//     (before 6.6) "non-zero" is "not passable" (nonzero_row ignores hw_zero);
//   * device_reset = ebusy_or_eio_per_queue (6.0, 6.1): NOT encoded exactly. The encoding
//     answers EIO where the model answers EBUSY or EIO (the last non-zero queue in hash order);
//     both are a completed operation's report, the post-state is exact. The agreement
//     (proofs p9.agreement, tests/model/z3_agreement_test.cpp) compares that result as "EBUSY
//     or EIO" under such a profile (result_agrees).
#ifndef APCB_MODEL_Z3_ENCODING_H_
#define APCB_MODEL_Z3_ENCODING_H_

#include <z3++.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "model/errno.h"
#include "model/invariants.h"
#include "model/op.h"
#include "model/state.h"

namespace apcb::model::z3enc {

// The conjunction (disjunction) of `v`; true (false) when `v` is empty. Use these, not
// z3::mk_and/mk_or: an empty z3::mk_and prints as a bare `and` in SMT-LIB, which solvers other
// than Z3 reject (the exported queries are cross-checked with cvc5).
// Example: conjunction(z3::expr_vector(ctx)) is `true`; conjunction({p, q}) is `(and p q)`.
inline z3::expr conjunction(const z3::expr_vector& v) {
  return v.empty() ? v.ctx().bool_val(true) : z3::mk_and(v);
}
// The dual of conjunction: false when `v` is empty.
// Example: disjunction(z3::expr_vector(ctx)) is `false`; disjunction({p, q}) is `(or p q)`.
inline z3::expr disjunction(const z3::expr_vector& v) {
  return v.empty() ? v.ctx().bool_val(false) : z3::mk_or(v);
}

// The response codes written where the encoding's two booleans become a concrete code
// (extract, normalize, the proofs' counterexample operations): any code of the right kind
// would do, since the model asks only "passable" and "NORMAL" of a reset's final status. Both
// are final answers, not transient ones (response::transient), so a reset answering one ends
// with it: BUSY, the earlier choice, is a reset that completes NORMAL.
inline constexpr std::uint8_t kNonPassableResponse = response::q_not_avail;
// The name extract and normalize write for a driver_override that names neither vfio_ap nor the
// default driver (OverrideName::other): the AP bus only compares a name with its drivers'.
inline constexpr std::string_view kOtherOverrideName = "other_driver";
inline constexpr std::uint8_t kPassableNonZeroResponse = response::checkstopped;
static_assert(!response::transient(kNonPassableResponse) && !response::passable(kNonPassableResponse));
static_assert(!response::transient(kPassableNonZeroResponse) &&
              response::passable(kPassableNonZeroResponse) &&
              kPassableNonZeroResponse != response::normal);

// What a reset whose instructions answer `answers` ends with under `kernel`
// (response::final_status): the encoding keeps per queue only this folded status, so a
// reset-response sequence changes what the op writes, not the encoding's shape.
// Example: reset_ends_with(KernelVersion::latest, {response::busy}) == response::normal;
//   reset_ends_with(KernelVersion::v6_1, {response::busy}) == response::busy.
std::uint8_t reset_ends_with(KernelVersion kernel, const std::vector<std::uint8_t>& answers);
// A state's hardware answers (State::hw_response) folded per queue by reset_ends_with.
// Example: folded_hw_responses(KernelVersion::latest, {{q, {busy, q_not_avail}}}) == {{q, busy}}.
std::map<std::uint16_t, std::uint8_t> folded_hw_responses(
    KernelVersion kernel, const std::map<std::uint16_t, std::vector<std::uint8_t>>& hw);
// The code the encoding writes for a passable reset status that is not NORMAL under `kernel`
// (kPassableNonZeroResponse, CHECKSTOPPED, from 6.9; DECONFIGURED in 6.6 and 6.8), or nullopt
// before 6.6, where only NORMAL is passable.
// Example: passable_nonzero_code(KernelVersion::v6_8) == response::deconfigured.
std::optional<std::uint8_t> passable_nonzero_code(KernelVersion kernel);

// The size of an instance: mask width N, slot counts and the host's fixed QCI parameters.
// Every ID the instance can name is below N, so the sysfs maxima must be too (a non-APXA host,
// whose maxima are 63/15/15, needs N ≥ 64).
// Example: Shape{.width = 8, .mdevs = 2, .guests = 2, .params = {.apxa = true, .na = 7, .nd = 7}}
//   is the small instance of the bounded proofs; Shape{} with width 256 is the whole machine.
struct Shape {
  int width = 256;  // N ∈ {8, 16, 64, 256}
  int mdevs = 2;    // K mdev slots
  int guests = 2;   // G guest slots
  HostParams params;
  // The kernel profile the transitions follow (model/kernel.h; State::kernel of every state
  // concretized or extracted). See "Kernel profiles" above for what each flag becomes.
  KernelVersion kernel = KernelVersion::latest;
};

// Which concrete mdev (by uuid) and guest (by id) each slot stands for. An entry matters only
// while its slot is present; an absent slot's entry is ignored.
// Example: Slots{{"0a1b…", std::nullopt}, {7, std::nullopt}}: mdev slot 0 is uuid 0a1b…,
//   guest slot 0 is guest 7, slot 1 of each is unnamed.
struct Slots {
  std::vector<std::optional<std::string>> mdevs;
  std::vector<std::optional<GuestId>> guests;
  friend bool operator==(const Slots&, const Slots&) = default;
};

// (adapters, usage domains, control domains), each a BV(N).
// Example: enc.fresh("s").cfg is the SymMatrix {s.cfg.adapters, s.cfg.domains, …}.
struct SymMatrix {
  z3::expr adapters;
  z3::expr domains;
  z3::expr control_domains;
};

// One mdev slot. Fields other than `present` mean nothing while absent; `guest` (a guest slot
// number, BV of Encoder::guest_bits) means nothing while not attached.
// Example: enc.fresh("s").mdevs[0].present is the Bool constant of mdev slot 0.
struct SymMdev {
  z3::expr present;  // Bool
  SymMatrix assigned;
  SymMatrix shadow;
  z3::expr attached;  // Bool: matrix_mdev->kvm != NULL
  z3::expr guest;     // BV(guest_bits)
  z3::expr released;  // Bool
};

// One guest slot; the CRYCB format is crycb_format(msax3, params.apxa), so only msax3 is stored.
// The PQAP(AQIC) hook (Guest::pqap_hook, pqap_hook_freed) is state of its own: `hooked` says a
// hook is registered, `hook` the mdev slot whose uuid it names (BV of Encoder::mdev_bits) and
// `hook_freed` that this mdev was removed while the hook pointed into it. `hook` and
// `hook_freed` mean nothing while not hooked. A freed hook keeps its slot: lower() never gives a
// removed mdev's slot to another uuid (Slots keep the names of removed slots), so the slot still
// names the uuid the model's hook holds, also after an mdev of that uuid is created again.
// Example: enc.fresh("s").guests[1].msax3 is guest slot 1's MSAX3 flag.
struct SymGuest {
  z3::expr present;  // Bool
  z3::expr msax3;    // Bool
  SymMatrix apcb;
  z3::expr hooked;      // Bool: Guest::pqap_hook has a value
  z3::expr hook;        // BV(mdev_bits): the slot of the mdev it names
  z3::expr hook_freed;  // Bool: Guest::pqap_hook_freed
};

// Bool: the two guests' hooks are the same (equal registration; while registered, the same slot
// and freed flag): the guest part of Encoder::equal that proofs' equal_at shares.
// Example: hooks_equal(g, g).simplify() is true.
z3::expr hooks_equal(const SymGuest& x, const SymGuest& y);

// A symbolic State. Rows are arrays BV(log2 N) → BV(N) indexed by adapter:
//   unbound[a] ∋ d  iff State::unbound[a] ∋ d,
//   hw_ok[a]   ∋ d  iff response::passable(response::after_wait(hw_response_of(a, d))),
//   hw_zero[a] ∋ d  iff response::after_wait(hw_response_of(a, d)) == response::normal,
//   last_ok[a] ∋ d  iff response::passable(last_response_of(a, d)).
// hw_ok and hw_zero say what a reset of the queue ends with (a transient answer such as BUSY
// is a reset that completes: passable and zero); last_ok is the status a reset recorded.
// A State always has hw_zero ⊆ hw_ok (NORMAL is passable); a queue with hw_zero but not hw_ok
// (no State has one) counts as non-zero wherever the zero bit is read (Encoder::nonzero_row).
//
// The 6.19 driver_override regime (KernelBehaviour::queue_driver_override), four more rows:
//   overrides[a] ∋ d         iff State::driver_override has an entry for (a, d),
//   override_vfio[a] ∋ d     iff that entry names vfio_ap (read only within `overrides`),
//   override_default[a] ∋ d  iff it names the default driver (read only within `overrides`
//                            and outside `override_vfio`); any other name is neither,
//   override_bound[a] ∋ d    iff State::override_bound[a] ∋ d,
// the bus's override count (State::override_count, which a queue device that goes does not
// lower), and two Booleans saying whether the bus masks hold every ID from N to 255 (the masks' own
// bits stop at N; "all ones", which an override write asks for, is about all 256). A profile
// without the regime has the constant empty rows here (no State of it has an override), and
// at N = 256 the two Booleans are the constant true (there is no ID beyond the width).
// Example: enc.concretize(model_state).first is the ground SymState of a concrete State.
struct SymState {
  SymMatrix cfg;
  z3::expr apmask;
  z3::expr aqmask;
  z3::expr unbound;
  z3::expr hw_ok;
  z3::expr hw_zero;
  z3::expr last_ok;
  z3::expr apmask_high;  // Bool: IDs N..255 all in apmask
  z3::expr aqmask_high;  // Bool: IDs N..255 all in aqmask
  z3::expr overrides;
  z3::expr override_vfio;
  z3::expr override_default;
  z3::expr override_bound;
  z3::expr override_count;  // BV64: State::override_count (the constant 0 without the regime)
  std::vector<SymMdev> mdevs;
  std::vector<SymGuest> guests;
};

// The host-wide terms of a SymState (everything but cfg, mdevs and guests), for code that treats
// them alike — equality, a case split, a substitution: a field added to SymState is added to
// one of these two lists, and every such place follows. Rows are the arrays (Encoder::rows_sort);
// values the masks, Booleans and the count.
// Example: for (auto f : kSymStateRows) all.push_back(z3::select(a.*f, x) == z3::select(b.*f, x));
inline constexpr z3::expr SymState::*kSymStateRows[] = {
    &SymState::unbound,   &SymState::hw_ok,          &SymState::hw_zero,
    &SymState::last_ok,   &SymState::overrides,      &SymState::override_vfio,
    &SymState::override_default, &SymState::override_bound};
inline constexpr z3::expr SymState::*kSymStateValues[] = {
    &SymState::apmask, &SymState::aqmask, &SymState::apmask_high, &SymState::aqmask_high,
    &SymState::override_count};

// The operations at the semantic level, after parsing. IDs are BV(log2 N) indices, masks
// BV(N), attribute values the parsed 64-bit number (BV64), slots plain numbers (an operation on
// an absent slot is the "no such mdev/guest" case).
namespace sop {
// The host configuration becomes `cfg`.
// Example: sop::ConfigChange{enc.concretize(s).first.cfg} (no change).
struct ConfigChange {
  SymMatrix cfg;
};
// Bind queue (adapter, domain) to `driver`.
// Example: sop::QueueBind{enc.index(5), enc.index(3), Driver::vfio_ap}.
struct QueueBind {
  z3::expr adapter, domain;
  Driver driver;
};
// Unbind queue (adapter, domain) from `driver`.
// Example: sop::QueueUnbind{enc.index(5), enc.index(3), Driver::vfio_ap}.
struct QueueUnbind {
  z3::expr adapter, domain;
  Driver driver;
};
// From now on a reset of (adapter, domain) ends with a status that is `passable` and `zero`
// (lower: of response::after_wait(the answer), so a transient answer is passable and zero).
// Example: sop::ResetResponse{a, d, ctx.bool_val(false), ctx.bool_val(false)}: resets of (a, d)
//   end non-passable (extract writes kNonPassableResponse, Q_NOT_AVAIL).
struct ResetResponse {
  z3::expr adapter, domain;
  z3::expr passable;
  z3::expr zero;  // the reset ends NORMAL (0); taken only together with `passable`
};
// apmask or aqmask becomes `value` (a relative write already applied to the old mask), and
// its IDs N..255 all set when `high` (the constant true at N = 256).
// Example: sop::BusMaskWrite{BusMask::apmask, enc.ones(), ctx.bool_val(true)} writes all ones.
struct BusMaskWrite {
  BusMask mask;
  z3::expr value;  // the parsed new mask
  z3::expr high;   // Bool
};
// What a driver_override write names, as far as the AP bus compares it: nothing (the write
// clears the override), vfio_ap, the default driver's name, or any other name.
enum class OverrideName { clear, vfio_ap, default_driver, other };
// `echo TEXT > /sys/bus/ap/devices/XX.YYYY/driver_override` (6.19): `empty` when TEXT has no
// bytes at all (the write never reaches the attribute), `too_long` when it is a page less one
// byte or more; `name` what the value, cut at its first newline or NUL, names.
// Example: sop::DriverOverrideWrite{a, d, OverrideName::vfio_ap, ctx.bool_val(false),
//   ctx.bool_val(false)} is `echo vfio_ap > .../driver_override`.
struct DriverOverrideWrite {
  z3::expr adapter, domain;
  OverrideName name;
  z3::expr empty;     // Bool
  z3::expr too_long;  // Bool
};
// `cat /sys/bus/ap/devices/XX.YYYY/driver_override` (6.19): ENOENT without the attribute or the
// queue device; the text read is an observation, not encoded.
// Example: sop::DriverOverrideRead{enc.index(5), enc.index(3)}.
struct DriverOverrideRead {
  z3::expr adapter, domain;
};
// Create the mdev of slot `slot` (EEXIST when it is present).
// Example: sop::MdevCreate{0}.
struct MdevCreate {
  int slot;
};
// Remove the mdev of slot `slot`.
// Example: sop::MdevRemove{0}.
struct MdevRemove {
  int slot;
};
// The six single-ID attributes (attr != MdevAttr::ap_config); value as kstrtoul parsed it.
// Example: sop::AttrWrite{0, MdevAttr::assign_adapter, ctx.bv_val(5, 64)} is `echo 5 >
//   assign_adapter` of slot 0.
struct AttrWrite {
  int slot;
  MdevAttr attr;
  z3::expr value;
};
// A write of ap_config to slot `slot`, its three fields already parsed.
// Example: sop::ApConfigWrite{0, {enc.mask(Mask::of({1})), enc.zero(), enc.zero()}}.
struct ApConfigWrite {
  int slot;
  SymMatrix value;
};  // the three parsed masks
// VFIO_DEVICE_RESET of slot `slot`.
// Example: sop::DeviceReset{0}.
struct DeviceReset {
  int slot;
};
// Guest slot `slot` comes into being with this MSAX3 flag.
// Example: sop::GuestCreate{1, ctx.bool_val(true)}.
struct GuestCreate {
  int slot;
  z3::expr msax3;
};
// Attach mdev slot `mdev` to guest slot `guest`.
// Example: sop::GuestAttach{0, 1}.
struct GuestAttach {
  int mdev;
  int guest;
};
// Detach mdev slot `slot` from its guest.
// Example: sop::GuestDetach{0}.
struct GuestDetach {
  int slot;
};
// The release request of mdev slot `slot`.
// Example: sop::GuestRelease{0}.
struct GuestRelease {
  int slot;
};
// A vCPU of guest slot `guest` reads its APCB.
// Example: sop::VcpuObserve{1}.
struct VcpuObserve {
  int guest;
};
// A read of one of mdev slot `slot`'s views (the view does not change the state).
// Example: sop::ReadMdev{0}.
struct ReadMdev {
  int slot;
  bool ap_config = false;  // the view is ap_config (ENOENT before 6.10)
};
// A read of apmask or aqmask.
// Example: sop::ReadBusMask{BusMask::aqmask}.
struct ReadBusMask {
  BusMask mask;
};
// A read of queue (adapter, domain)'s status.
// Example: sop::ReadQueueStatus{enc.index(5), enc.index(3)}.
struct ReadQueueStatus {
  z3::expr adapter, domain;
};
}  // namespace sop

using SymOp = std::variant<sop::ConfigChange, sop::QueueBind, sop::QueueUnbind, sop::ResetResponse,
                           sop::BusMaskWrite, sop::MdevCreate, sop::MdevRemove, sop::AttrWrite,
                           sop::ApConfigWrite, sop::DeviceReset, sop::GuestCreate, sop::GuestAttach,
                           sop::GuestDetach, sop::GuestRelease, sop::VcpuObserve, sop::ReadMdev,
                           sop::ReadBusMask, sop::ReadQueueStatus, sop::DriverOverrideWrite,
                           sop::DriverOverrideRead>;

// A fresh BV(N) constant `var` standing for the vector whose bit at index i is `bit(i)` (a
// whole filter vector). The exact definition is var = concat(bit(0), …, bit(N−1)). `support`
// is a mask with bit(i) ⇒ i ∈ support, so where it is known the definition needs only its
// bits (a concrete evaluation then tests a handful of rows instead of N).
// Example: Transition t = enc.step(pre, op); enc.definitions(t) states every t.defs[i].var.
struct Definition {
  z3::expr var;
  std::function<z3::expr(const z3::expr&)> bit;  // index (BV(log2 N)) → Bool
  z3::expr support;
};

// One operation applied to a symbolic pre-state: the post-state and result (an errno number,
// BV8: 0 on success), in terms of the pre-state, the operation's arguments and `defs`. `failed`
// says the operation stopped at a check with an errno (model::completed is false): its
// post-state is the pre-state, but for the one failure the kernel let change the state (before
// 4400270ec034 an open failing with EPERM moves the guest's PQAP hook), so P6 is proved, not
// built in, and fails in those profiles (p6.failure_atomicity). The one errno of a completed
// operation, a device reset's EIO, is not a failure: its post-state holds the resets.
// One event of an operation, in the order step.cpp observes it (the model's Commit and Reset
// events; P5 and P8 are stated over them). A commit writes one guest's whole APCB triple: the
// truncated shadow of mdev `mdev`, or zeros when `clear` (unset_kvm, the release request). A
// reset batch resets, for every adapter x, the domains `resets(x)`; consecutive resets of the
// model with no commit between them may share one batch (the model's observations compare
// them as a set). `happens` is false when the event does not take place (no guest attached,
// nothing changed, the operation failed); a batch that does not take place resets nothing.
// `state` is the operation's in-progress state right after the event (the pre-state when the
// operation stops at a check).
// Example: for sop::GuestDetach{0} of an attached mdev, close(step(pre, op)).events is the commit
//   that clears the guest's CRYCB (Kind::commit, clear = true), then a reset batch.
struct SymEvent {
  enum class Kind { commit, reset };
  Kind kind = Kind::commit;
  z3::expr happens;  // Bool
  int mdev = -1;     // commit: the mdev slot whose shadow is written (or cleared)
  bool clear = false;
  z3::expr guest;  // commit: the guest slot term (BV of Encoder::guest_bits)
  std::function<z3::expr(const z3::expr&)> resets;  // reset: adapter index → domain mask
  SymState state;
};

// What Encoder::step returns for one operation.
// Example: Transition t = enc.step(pre, sop::MdevCreate{0}); t.failed is true iff pre has slot 0.
struct Transition {
  SymState post;
  z3::expr result;
  z3::expr failed;  // Bool: a check stopped the operation with an errno
  std::vector<Definition> defs;  // in dependency order: a definition uses only earlier ones
  std::vector<SymEvent> events;  // the operation's commits and resets, in order
  // Row index → Bool: the transition is model::apply's exactly at that adapter row. True
  // everywhere for every operation but one: a 6.19 bus-mask write that reprobes a queue an mdev
  // holds (leaving the driver_override regime: an assigned queue handed from the default
  // driver to vfio_ap, or a queue in a shadow taken from vfio_ap) is a sequence of refilters
  // and commits with no closed form; there `covered` is false and the other fields say nothing
  // about the model. Every proof takes covered at the rows it reasons about as a hypothesis,
  // so no obligation speaks of those writes (docs/kernel-versions.md, "Proofs"); lower()
  // refuses them on ground states.
  // Example: enc.step(pre, sop::MdevCreate{0}).covered(a) is true.
  std::function<z3::expr(const z3::expr&)> covered;
};

// How to read a value: a Z3 model's eval (model completion on) or, for closed ground terms,
// simplify. Must return a numeral, true or false for a term of the state.
using Valuation = std::function<z3::expr(const z3::expr&)>;

// Builds the Z3 terms of one Shape: symbolic states, the transition function, the properties.
// Example: z3::context ctx; Encoder enc(ctx, Shape{.width = 8, .params = {.na = 7, .nd = 7}});
//   SymState s = enc.fresh("s"); z3::expr ok = enc.p3(s);
class Encoder {
 public:
  // Throws std::invalid_argument unless width ∈ {8,16,64,256}, 1 ≤ mdevs, guests ≤ 8 and every
  // sysfs maximum of `shape.params` is below the width.
  // Example: Encoder(ctx, Shape{.width = 8}) throws (HostParams{} has maxima 255 ≥ 8).
  Encoder(z3::context& ctx, const Shape& shape);

  // The context every term of this encoder lives in.
  // Example: enc.ctx().bool_val(true).
  z3::context& ctx() const { return *ctx_; }
  // The shape given to the constructor.
  // Example: enc.shape().mdevs == 2 for Shape{} defaults.
  const Shape& shape() const { return shape_; }
  // The mask width N.
  // Example: enc.width() == 8 for Shape{.width = 8, …}.
  int width() const { return shape_.width; }
  // The kernel profile's behaviour (Shape::kernel).
  // Example: enc.behaviour().full_filter == true for Shape{} (latest).
  const KernelBehaviour& behaviour() const { return model::behaviour(shape_.kernel); }
  // Example: index_bits() == 3 at N = 8, 8 at N = 256.
  int index_bits() const { return index_bits_; }  // log2 N
  // Example: with 2 guest slots, guest_bits() == 1.
  int guest_bits() const { return guest_bits_; }  // bits of a guest slot number
  // Example: with 2 mdev slots, mdev_bits() == 1.
  int mdev_bits() const { return mdev_bits_; }  // bits of an mdev slot number (SymGuest::hook)

  // --- sorts and constants ---------------------------------------------------------------------
  // Example: enc.mask_sort().bv_size() == enc.width().
  z3::sort mask_sort() const;   // BV(N)
  // Example: enc.index_sort().bv_size() == enc.index_bits().
  z3::sort index_sort() const;  // BV(log2 N)
  // Example: enc.rows_sort().array_range() is mask_sort().
  z3::sort rows_sort() const;   // Array BV(log2 N) → BV(N)
  // Example: enc.zero() is #x00 at N = 8.
  z3::expr zero() const;        // the empty mask
  // Example: enc.ones().simplify() is #xff at N = 8.
  z3::expr ones() const;        // every ID 0..N−1
  // The mask numeral of `m` restricted to IDs below N.
  // Example: enc.mask(Mask::of({0, 9})) is #x80 at N = 8 (ID 9 is cut; ID 0 is the leftmost bit).
  z3::expr mask(const Mask& m) const;
  // IDs lo..hi ∩ [0, N).
  // Example: enc.range(6, 20).simplify() is #x03 at N = 8; enc.range(3, 2) is empty (#x00).
  z3::expr range(int lo, int hi) const;
  // The index numeral of ID `id`.
  // Example: enc.index(5) is #b101 at N = 8.
  z3::expr index(int id) const;         // precondition 0 ≤ id < N
  // The BV8 numeral of errno `e`, the form Transition::result takes.
  // Example: enc.errno_value(Errno::einval) is #x16 (22).
  z3::expr errno_value(Errno e) const;  // BV8 numeral

  // --- bits and rows (the local forms proofs build on)
  // -------------------------------------------- Bool: ID `idx` (an index term) is in `mask`. A
  // shift of the mask and one bit extraction.
  // Example: enc.bit(enc.mask(Mask::of({5})), enc.index(5)).simplify() is true.
  z3::expr bit(const z3::expr& mask, const z3::expr& idx) const;
  // The same at a concrete ID (precondition 0 ≤ id < N).
  // Example: enc.bit(enc.ones(), 0).simplify() is true.
  z3::expr bit(const z3::expr& mask, int id) const;
  // Example: enc.onehot(enc.index(1)).simplify() == enc.mask(Mask::single(1)), #x40 at N = 8.
  z3::expr onehot(const z3::expr& idx) const;  // the mask {idx}
  // Domains d with (a, d) reserved for the default drivers: aqmask if a ∈ apmask, else ∅.
  // Example: on State::initial (bus masks all ones), reserved_row(s, a) simplifies to ones().
  z3::expr reserved_row(const SymState& s, const z3::expr& a) const;
  // Domains d with (a, d) a queue device: a ∈ cfgA, d ∈ cfgQ, both within the AP bus's
  // maximum IDs (HostParams::bus_max_adapter / bus_max_domain).
  // Example: with cfg adapters {5} and domains {3}, present_row(s, enc.index(5)) is {3}.
  z3::expr present_row(const SymState& s, const z3::expr& a) const;
  // Domains d with (a, d) bound to vfio_ap: present, not unbound by hand, and not reserved or
  // bound by its driver_override (State::driver).
  // Example: on State::initial every present queue is reserved, so vfio_row is zero() for every a.
  z3::expr vfio_row(const SymState& s, const z3::expr& a) const;
  // Domains d of adapter a that a bound queue (a, d) holds for vfio_ap: not reserved, or bound
  // by its override (6.19; just "not reserved" in a profile without the regime).
  // Example: on State::initial, not_reserved_or_override_bound(s, a) simplifies to zero().
  z3::expr not_reserved_or_override_bound(const SymState& s, const z3::expr& a) const;
  // Domains d with (a, d) bound to the default driver: present, not unbound, reserved and not
  // bound to vfio_ap by its override.
  // Example: on State::initial, default_row(s, a) == present_row(s, a).
  z3::expr default_row(const SymState& s, const z3::expr& a) const;
  // Domains d with (a, d) the host's (State::owned_row, ap_apqn_in_matrix_owned_by_def_drv): a
  // queue with a driver_override iff bound to the default driver, any other iff reserved.
  // Example: without overrides, owned_row(s, a) == reserved_row(s, a).
  z3::expr owned_row(const SymState& s, const z3::expr& a) const;
  // Domains d whose (a, d) has a driver_override naming `driver` (vfio_ap or the default
  // driver; Driver::none names nothing).
  // Example: after `echo vfio_ap > .../05.0003/driver_override`, override_names_row(s,
  //   enc.index(5), Driver::vfio_ap) ∋ 3.
  z3::expr override_names_row(const SymState& s, const z3::expr& a, Driver driver) const;
  // Bool: the bus refuses mask writes, its override count not zero (State::masks_locked).
  // Example: enc.masks_locked(enc.concretize(State::initial(p, cfg)).first).simplify() is false.
  z3::expr masks_locked(const SymState& s) const;
  // Bool: some queue has a driver_override (State::any_override).
  // Example: enc.any_override(enc.concretize(State::initial(p, cfg)).first).simplify() is false.
  z3::expr any_override(const SymState& s) const;
  // Bool: no queue is bound to vfio_ap by its override (State::override_bound is empty).
  // Example: enc.no_override_binding(enc.concretize(State::initial(p, cfg)).first).simplify()
  //   is true.
  z3::expr no_override_binding(const SymState& s) const;
  // Bool: apmask and aqmask both hold all 256 IDs (the 6.19 driver_override regime's masks).
  // Example: on State::initial, all_ones_masks(s).simplify() is true.
  z3::expr all_ones_masks(const SymState& s) const;
  // Domains d with (a, d) linked to mdev slot k (bound to vfio_ap, in k's assigned matrix).
  // Example: mdev slot 0 assigned adapter 5, domain 3, 05.0003 bound to vfio_ap: linked_row(s, 0,
  //   enc.index(5)) is {3}; at an absent slot the row means nothing.
  z3::expr linked_row(const SymState& s, int k, const z3::expr& a) const;
  // linked_row ∩ last reset passable.
  // Example: as linked_row's, with 05.0003's last reset Q_NOT_AVAIL: passable_row(...) is zero().
  z3::expr passable_row(const SymState& s, int k, const z3::expr& a) const;
  // Domains d whose reset of (a, d) ends with a non-zero response code: ¬(hw_ok ∧ hw_zero).
  // Example: after ResetResponse 05.0003 → CHECKSTOPPED, nonzero_row(s, enc.index(5)) ∋ 3.
  z3::expr nonzero_row(const SymState& s, const z3::expr& a) const;
  // Bool: adapter a is in F.A of mdev k (SPEC §1.3): a ∈ M.A ∩ cfgA and every d ∈ M.Q ∩ cfgQ
  // is linked and passable. Strength::structural drops "passable" (invariants.h).
  // Example: in linked_row's example filter_bit(s, 0, enc.index(5)) simplifies to true.
  z3::expr filter_bit(const SymState& s, int k, const z3::expr& a,
                      Strength strength = Strength::spec) const;
  // The whole F.A of mdev k as one term: N filter_bit tests (expensive at N = 256; proofs
  // should prefer filter_bit at the indices they need).
  // Example: filter_adapters(s, 0) simplifies to enc.mask(filter_matrix(state, mdev).adapters)
  //   on a concretized state.
  z3::expr filter_adapters(const SymState& s, int k, Strength strength = Strength::spec) const;
  // What kvm_arch_crypto_set_masks writes for `shadow` into a guest with this MSAX3 flag.
  // Example: at N = 256, truncate(m, ctx.bool_val(false)) keeps adapters 0..63 and domains
  //   0..15 (format 0), truncate(m, ctx.bool_val(true)) all of m when params.apxa.
  SymMatrix truncate(const SymMatrix& shadow, const z3::expr& msax3) const;
  // Bool: guest slot term `g` equals slot number `slot`.
  // Example: guest_is(enc.ctx().bv_val(1, enc.guest_bits()), 1).simplify() is true.
  z3::expr guest_is(const z3::expr& g, int slot) const;
  // Bool: mdev slot term `k` (SymGuest::hook) equals slot number `slot`.
  // Example: mdev_is(enc.ctx().bv_val(1, enc.mdev_bits()), 1).simplify() is true.
  z3::expr mdev_is(const z3::expr& k, int slot) const;

  // --- states ----------------------------------------------------------------------------------
  // A state of uninterpreted constants named `<prefix>.<field>`.
  // Example: enc.fresh("pre").apmask is the BV(N) constant `pre.apmask`.
  SymState fresh(const std::string& prefix) const;
  // The ground SymState of `s`, mdev i at slot i and guest i at slot i (their vector order),
  // with those Slots. Throws std::invalid_argument when `s` does not fit the shape: other
  // parameters, more mdevs or guests than slots, an ID ≥ N anywhere but in the bus masks and
  // the reset-response tables (those are cut to the width, see `normalize`), a pending add,
  // a guest format that does not follow from its MSAX3 flag, or an mdev attached to no guest.
  // A PQAP hook naming a removed mdev's uuid (Guest::pqap_hook_freed) names it by the first
  // slot left unnamed after the mdevs' (throws when none is left).
  // Example: auto [sym, slots] = enc.concretize(model::State::initial(shape.params, cfg));
  std::pair<SymState, Slots> concretize(const State& s) const;
  // Same, with mdev uuid u at the slot `slots` names for it and guest id g likewise (every mdev
  // and guest of `s` must be named there, and so must the uuid of every guest's PQAP hook).
  // Throws std::invalid_argument as above.
  // Example: for s with mdevs uuid_a, uuid_b and no guests,
  //   enc.concretize(s, Slots{{uuid_b, uuid_a}, {std::nullopt, std::nullopt}}) puts uuid_b in slot 0.
  SymState concretize(const State& s, const Slots& slots) const;
  // The State a valuation of `s` denotes (a model of a satisfiable query, or simplify on a
  // closed ground state): present slots in slot order, named by `slots` (a missing name gets a
  // synthetic uuid / an unused id), non-passable responses as kNonPassableResponse. The result is
  // in normal form (`normalize`); a guest's PQAP hook names the uuid of its slot (a synthetic
  // one for a slot `slots` does not name). Requires wf(s) under the valuation; throws
  // std::invalid_argument when a value is not a numeral or an attached guest slot is absent.
  // Example: auto [sym, slots] = enc.concretize(s);
  //   enc.extract(sym, [](const z3::expr& e) { return e.simplify(); }, slots) == normalize(s, N).
  State extract(const SymState& s, const Valuation& value, const Slots& slots) const;
  // The same with `model.eval(·, true)` as the valuation.
  // Example: if (solver.check() == z3::sat)
  //   State cex = enc.extract(pre, solver.get_model(), slots);
  State extract(const SymState& s, const z3::model& model, const Slots& slots) const;

  // Bool: a and b denote the same State under the same Slots (absent slots' fields, a
  // detached mdev's guest slot and an unhooked guest's hook slot and freed flag are ignored).
  // Example: enc.equal(s, s).simplify() is true.
  z3::expr equal(const SymState& a, const SymState& b) const;
  // Bool: well-formed: an attached mdev names a present guest slot, no two present mdevs are
  // attached to the same guest, a present guest's hook names an mdev slot, a present one
  // unless freed (what step.cpp keeps: an open registers a present mdev's hook, its removal
  // marks the hook freed).
  // Example: enc.wf(enc.concretize(s).first).simplify() is true for every State s that fits.
  z3::expr wf(const SymState& s) const;
  // Bool: what `step` needs, beyond wf and Transition::covered, to agree with model::apply.
  // Before 6.19 one fact: no APQN an mdev has assigned is reserved for the default drivers
  // (P3's second half, `not_reserved`), which makes every queue an apmask/aqmask write hands
  // to vfio_ap ownerless, so the write refilters no mdev (step.cpp's probe loop, interleaved
  // across mdevs, has no closed form otherwise). From 6.19 the kernel does not keep that half
  // (finding F2: the write that leaves the driver_override regime is not vetoed), so the
  // writes that would need it are left out by Transition::covered instead, and the
  // assumptions are the mask regime's facts: with masks not both all ones, no override, no
  // override binding and a zero count (a mask write is refused while the count is not zero
  // and rebinds every queue by the masks; an override write needs all-ones masks).
  // Example: solver.add(enc.wf(pre) && enc.assumptions(pre)) before asking about step(pre, op).
  z3::expr assumptions(const SymState& s) const;
  // Bool: P3's second half under the shape's profile: no assigned APQN is reserved for the
  // host drivers; from 6.19 only while the masks are not all ones (invariants.cpp), and of the
  // spec strength only (finding F2).
  // Example: enc.not_reserved(enc.concretize(s).first).simplify() is true on State::initial.
  z3::expr not_reserved(const SymState& s) const;

  // --- transitions -------------------------------------------------------------------------------
  // `op` applied to `pre`, exactly as model::apply on every state satisfying wf and
  // assumptions. Fresh definition constants are named F!<n>, unique per encoder.
  // Example: Transition t = enc.step(pre, sop::MdevCreate{0}); t.result is errno_value(eexist)
  //   when pre's slot 0 is present, else 0.
  Transition step(const SymState& pre, const SymOp& op);
  // Bool: every definition of `t`, exactly (N bit tests each).
  // Example: solver.add(enc.definitions(t)) pins every F!<n> of t.
  z3::expr definitions(const Transition& t) const;
  // Bool: every definition of `t` at index `idx` only (sound as a hypothesis: it is implied by
  // `definitions`).
  // Example: solver.add(enc.definitions_at(t, a)) pins them at adapter index a only.
  z3::expr definitions_at(const Transition& t, const z3::expr& idx) const;
  // `t` with every definition constant replaced by its exact definition (each simplified), so
  // the result has no definitions (its events too). On a ground pre-state the result
  // simplifies to numerals.
  // Example: enc.close(enc.step(enc.concretize(s).first, op)).result.simplify() is the numeral of
  //   model::apply(s, op).result.
  Transition close(const Transition& t) const;
  // Bool: `post` and `result` are what `op` does to `pre`: definitions(t) ∧ equal(post, t.post)
  // ∧ result = t.result, for t = step(pre, op).
  // Example: solver.add(enc.relation(pre, op, post, r)) makes (post, r) the successor of pre.
  z3::expr relation(const SymState& pre, const SymOp& op, const SymState& post,
                    const z3::expr& result);

  // --- invariant predicates (invariants.cpp), over present slots ------------------------------
  // Example: enc.p1(enc.concretize(s).first).simplify() is true iff check_state(s) has no P1.
  z3::expr p1(const SymState& s) const;  // containment
  // P2 "bound and available": structural (in the shadow ⇒ linked) and passable (in the shadow
  // and linked ⇒ last reset passable); `*_at` is the conjunct for adapter index a.
  // Example: enc.p2_structural(enc.concretize(s).first).simplify() is true iff check_state(s,
  //   Strength::structural) reports no P2.
  z3::expr p2_structural(const SymState& s) const;
  // Example: enc.p2_passable(s) && enc.p2_structural(s) is P2 at Strength::spec.
  z3::expr p2_passable(const SymState& s) const;
  // Example: enc.p2_structural_at(s, 0, enc.index(5)) is P2.structural for adapter 5 of slot 0.
  z3::expr p2_structural_at(const SymState& s, int k, const z3::expr& a) const;
  // Example: enc.p2_passable_at(s, 0, enc.index(5)) is P2.passable for adapter 5 of slot 0.
  z3::expr p2_passable_at(const SymState& s, int k, const z3::expr& a) const;
  // Exclusivity and, at the spec strength or before 6.19, not host-reserved (not_reserved;
  // model::Strength: from 6.19 the kernel does not keep that half, finding F2).
  // Example: enc.p3(enc.concretize(s).first).simplify() is true iff check_state(s) has no P3.
  z3::expr p3(const SymState& s, Strength strength = Strength::spec) const;
  // Example: enc.p4(enc.concretize(s).first).simplify() is true iff check_state(s) has no P4.
  z3::expr p4(const SymState& s) const;  // commit consistency
  // P7 refinement S ⊆ F at the given strength; `p7_at` is the adapter conjunct at index a.
  // Example: enc.p7(s, Strength::structural) is P7.structural over every present slot.
  z3::expr p7(const SymState& s, Strength strength) const;
  // Example: enc.p7_at(s, 0, enc.index(5), Strength::spec) says: adapter 5 in slot 0's
  //   shadow ⇒ adapter 5 in F.A.
  z3::expr p7_at(const SymState& s, int k, const z3::expr& a, Strength strength) const;

 private:
  friend class TransitionBuilder;
  // The IDs that may be in `m`: its members when it simplifies to a numeral, else all of 0..N−1.
  // Full (all-adapter) forms skip the others, whose conjuncts or bits are trivially known.
  std::vector<int> candidates(const z3::expr& m) const;
  // concat(bit(0), …, bit(N−1)) with the bits outside `support` written as 0.
  z3::expr vector_of(const std::function<z3::expr(const z3::expr&)>& bit,
                     const z3::expr& support) const;
  z3::context* ctx_;
  Shape shape_;
  int index_bits_;
  int guest_bits_;
  int mdev_bits_;
  unsigned next_definition_ = 0;
};

// A model::Op lowered to the semantic operation for an instance, with the Slots to read the
// post-state with.
// Example: lower(enc, op::MdevCreate{uuid}, pre, slots)->op holds sop::MdevCreate{k}, k the
//   first free slot above every occupied one.
struct Lowered {
  SymOp op;
  Slots post_slots;
};

// Lowers `op` on state `pre` (whose mdevs and guests `slots` names, e.g. from concretize) to
// its SymOp: parses attribute texts and bus-mask writes with the model's parsers, maps uuids
// and guest ids to slots (an unknown one to an absent slot, a created one to the first free
// slot above every occupied one, so slot order stays creation order). nullopt when the
// operation is outside the encoding: a parse error (EINVAL/ERANGE, the parsers' business), an
// invalid uuid to create, an ID or ap_config mask beyond the width, or no slot free; a read
// of the driver's constant `features`, which shows nothing of the state; a guest's PQAP(AQIC),
// which changes nothing (its answer is an observation).
// Example: lower(enc, op::AttrWrite{uuid, MdevAttr::assign_adapter, "x\n"}, pre, slots) ==
//   std::nullopt (a parse error); with "5\n" it is sop::AttrWrite{k, assign_adapter, 5}.
std::optional<Lowered> lower(const Encoder& enc, const Op& op, const State& pre,
                             const Slots& slots);

// The projection of `s` onto what an instance of width N represents: bus masks cut to IDs
// below N, their IDs N..255 kept only when all set (all ones above the width, else none),
// driver_override names as their class (vfio_ap, the default driver's name, or
// kOtherOverrideName; overrides of queues beyond the width dropped), reset-response entries outside N × N dropped, a hardware answer replaced by what a
// reset ends with (response::after_wait: a transient one is absent, NORMAL), every non-passable
// response written as kNonPassableResponse; a passable non-zero hardware response
// (DECONFIGURED, CHECKSTOPPED) as kPassableNonZeroResponse, a passable last status as absent
// (NORMAL: only the filter reads last statuses). model::apply at the latest semantics commutes
// with it.
// Example: normalize(s, 8).apmask == s.apmask & Mask::up_to(7); an hw_response of BUSY vanishes.
State normalize(const State& s, int width);

// Whether the encoding's result `z3` agrees with model::apply's `model` for `op` under
// `kernel`: equal, or for a device reset under DeviceResetReport::ebusy_or_eio_per_queue, both
// a non-zero report (the encoding answers EIO for the model's EBUSY or EIO, see the header).
// Example: result_agrees(KernelVersion::v6_0, op::DeviceReset{u}, Errno::ebusy, Errno::eio) == true;
//   result_agrees(KernelVersion::latest, op::DeviceReset{u}, Errno::ebusy, Errno::eio) == false.
bool result_agrees(KernelVersion kernel, const Op& op, Errno model, Errno z3);

}  // namespace apcb::model::z3enc

#endif  // APCB_MODEL_Z3_ENCODING_H_
