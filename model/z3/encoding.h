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
// reset's EIO). A hardware answer is encoded by what a reset answering it ends with in the
// latest semantics (response::after_wait: a transient answer is waited out and ends NORMAL),
// the only semantics encoded. Host parameters (APXA, Na, Nd) are constants of an
// instance. There is a fixed number K of mdev slots and G of guest slots; uuids and guest ids
// live outside Z3 (`Slots`). Pending adds are absent: step.cpp empties them within the host
// configuration change that fills them, so between operations they are always empty. Sysfs
// parsing (EINVAL/ERANGE) is the parsers' business: an operation here starts where the parsed
// value is checked. Observations (commits, resets, read texts) are not encoded: a transition
// yields the post-state and the result code.
#ifndef APCB_MODEL_Z3_ENCODING_H_
#define APCB_MODEL_Z3_ENCODING_H_

#include <z3++.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
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
inline z3::expr conjunction(const z3::expr_vector& v) {
  return v.empty() ? v.ctx().bool_val(true) : z3::mk_and(v);
}
inline z3::expr disjunction(const z3::expr_vector& v) {
  return v.empty() ? v.ctx().bool_val(false) : z3::mk_or(v);
}

// The response codes written where the encoding's two booleans become a concrete code
// (extract, normalize, the proofs' counterexample operations): any code of the right kind
// would do, since the model asks only "passable" and "NORMAL" of a reset's final status. Both
// are final answers, not transient ones (response::transient), so a reset answering one ends
// with it: BUSY, the earlier choice, is a reset that completes NORMAL.
inline constexpr std::uint8_t kNonPassableResponse = response::q_not_avail;
inline constexpr std::uint8_t kPassableNonZeroResponse = response::checkstopped;
static_assert(!response::transient(kNonPassableResponse) && !response::passable(kNonPassableResponse));
static_assert(!response::transient(kPassableNonZeroResponse) &&
              response::passable(kPassableNonZeroResponse) &&
              kPassableNonZeroResponse != response::normal);

// The size of an instance: mask width N, slot counts and the host's fixed QCI parameters.
// Every ID the instance can name is below N, so the sysfs maxima must be too (a non-APXA host,
// whose maxima are 63/15/15, needs N ≥ 64).
struct Shape {
  int width = 256;  // N ∈ {8, 16, 64, 256}
  int mdevs = 2;    // K mdev slots
  int guests = 2;   // G guest slots
  HostParams params;
};

// Which concrete mdev (by uuid) and guest (by id) each slot stands for. An entry matters only
// while its slot is present; an absent slot's entry is ignored.
struct Slots {
  std::vector<std::optional<std::string>> mdevs;
  std::vector<std::optional<GuestId>> guests;
  friend bool operator==(const Slots&, const Slots&) = default;
};

// (adapters, usage domains, control domains), each a BV(N).
struct SymMatrix {
  z3::expr adapters;
  z3::expr domains;
  z3::expr control_domains;
};

// One mdev slot. Fields other than `present` mean nothing while absent; `guest` (a guest slot
// number, BV of Encoder::guest_bits) means nothing while not attached.
struct SymMdev {
  z3::expr present;  // Bool
  SymMatrix assigned;
  SymMatrix shadow;
  z3::expr attached;  // Bool: matrix_mdev->kvm != NULL
  z3::expr guest;     // BV(guest_bits)
  z3::expr released;  // Bool
};

// One guest slot; the CRYCB format is crycb_format(msax3, params.apxa), so only msax3 is stored.
struct SymGuest {
  z3::expr present;  // Bool
  z3::expr msax3;    // Bool
  SymMatrix apcb;
};

// A symbolic State. Rows are arrays BV(log2 N) → BV(N) indexed by adapter:
//   unbound[a] ∋ d  iff State::unbound[a] ∋ d,
//   hw_ok[a]   ∋ d  iff response::passable(response::after_wait(hw_response_of(a, d))),
//   hw_zero[a] ∋ d  iff response::after_wait(hw_response_of(a, d)) == response::normal,
//   last_ok[a] ∋ d  iff response::passable(last_response_of(a, d)).
// hw_ok and hw_zero say what a reset of the queue ends with (a transient answer such as BUSY
// is a reset that completes: passable and zero); last_ok is the status a reset recorded.
// A State always has hw_zero ⊆ hw_ok (NORMAL is passable); a queue with hw_zero but not hw_ok
// (no State has one) counts as non-zero wherever the zero bit is read (Encoder::nonzero_row).
struct SymState {
  SymMatrix cfg;
  z3::expr apmask;
  z3::expr aqmask;
  z3::expr unbound;
  z3::expr hw_ok;
  z3::expr hw_zero;
  z3::expr last_ok;
  std::vector<SymMdev> mdevs;
  std::vector<SymGuest> guests;
};

// The operations at the semantic level, after parsing. IDs are BV(log2 N) indices, masks
// BV(N), attribute values the parsed 64-bit number (BV64), slots plain numbers (an operation on
// an absent slot is the "no such mdev/guest" case).
namespace sop {
struct ConfigChange {
  SymMatrix cfg;
};
struct QueueBind {
  z3::expr adapter, domain;
  Driver driver;
};
struct QueueUnbind {
  z3::expr adapter, domain;
  Driver driver;
};
// From now on a reset of (adapter, domain) ends with a status that is `passable` and `zero`
// (lower: of response::after_wait(the answer), so a transient answer is passable and zero).
struct ResetResponse {
  z3::expr adapter, domain;
  z3::expr passable;
  z3::expr zero;  // the reset ends NORMAL (0); taken only together with `passable`
};
struct BusMaskWrite {
  BusMask mask;
  z3::expr value;
};  // the parsed new mask
struct MdevCreate {
  int slot;
};
struct MdevRemove {
  int slot;
};
// The six single-ID attributes (attr != MdevAttr::ap_config); value as kstrtoul parsed it.
struct AttrWrite {
  int slot;
  MdevAttr attr;
  z3::expr value;
};
struct ApConfigWrite {
  int slot;
  SymMatrix value;
};  // the three parsed masks
struct DeviceReset {
  int slot;
};
struct GuestCreate {
  int slot;
  z3::expr msax3;
};
struct GuestAttach {
  int mdev;
  int guest;
};
struct GuestDetach {
  int slot;
};
struct GuestRelease {
  int slot;
};
struct VcpuObserve {
  int guest;
};
struct ReadMdev {
  int slot;
};
struct ReadBusMask {
  BusMask mask;
};
struct ReadQueueStatus {
  z3::expr adapter, domain;
};
}  // namespace sop

using SymOp = std::variant<sop::ConfigChange, sop::QueueBind, sop::QueueUnbind, sop::ResetResponse,
                           sop::BusMaskWrite, sop::MdevCreate, sop::MdevRemove, sop::AttrWrite,
                           sop::ApConfigWrite, sop::DeviceReset, sop::GuestCreate, sop::GuestAttach,
                           sop::GuestDetach, sop::GuestRelease, sop::VcpuObserve, sop::ReadMdev,
                           sop::ReadBusMask, sop::ReadQueueStatus>;

// A fresh BV(N) constant `var` standing for the vector whose bit at index i is `bit(i)` (a
// whole filter vector). The exact definition is var = concat(bit(0), …, bit(N−1)). `support`
// is a mask with bit(i) ⇒ i ∈ support, so where it is known the definition needs only its
// bits (a concrete evaluation then tests a handful of rows instead of N).
struct Definition {
  z3::expr var;
  std::function<z3::expr(const z3::expr&)> bit;  // index (BV(log2 N)) → Bool
  z3::expr support;
};

// One operation applied to a symbolic pre-state: the post-state and result (an errno number,
// BV8: 0 on success), in terms of the pre-state, the operation's arguments and `defs`. `failed`
// says the operation stopped at a check with an errno (model::completed is false): its
// post-state is the pre-state (P6 holds by construction). The one errno of a completed
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

struct Transition {
  SymState post;
  z3::expr result;
  z3::expr failed;  // Bool: a check stopped the operation with an errno
  std::vector<Definition> defs;  // in dependency order: a definition uses only earlier ones
  std::vector<SymEvent> events;  // the operation's commits and resets, in order
};

// How to read a value: a Z3 model's eval (model completion on) or, for closed ground terms,
// simplify. Must return a numeral, true or false for a term of the state.
using Valuation = std::function<z3::expr(const z3::expr&)>;

class Encoder {
 public:
  // Throws std::invalid_argument unless width ∈ {8,16,64,256}, 1 ≤ mdevs, guests ≤ 8 and every
  // sysfs maximum of `shape.params` is below the width.
  Encoder(z3::context& ctx, const Shape& shape);

  z3::context& ctx() const { return *ctx_; }
  const Shape& shape() const { return shape_; }
  int width() const { return shape_.width; }
  int index_bits() const { return index_bits_; }  // log2 N
  int guest_bits() const { return guest_bits_; }  // bits of a guest slot number

  // --- sorts and constants ---------------------------------------------------------------------
  z3::sort mask_sort() const;   // BV(N)
  z3::sort index_sort() const;  // BV(log2 N)
  z3::sort rows_sort() const;   // Array BV(log2 N) → BV(N)
  z3::expr zero() const;        // the empty mask
  z3::expr ones() const;        // every ID 0..N−1
  // The mask numeral of `m` restricted to IDs below N.
  z3::expr mask(const Mask& m) const;
  // IDs lo..hi ∩ [0, N).
  z3::expr range(int lo, int hi) const;
  z3::expr index(int id) const;         // precondition 0 ≤ id < N
  z3::expr errno_value(Errno e) const;  // BV8 numeral

  // --- bits and rows (the local forms proofs build on)
  // -------------------------------------------- Bool: ID `idx` (an index term) is in `mask`. A
  // shift of the mask and one bit extraction.
  z3::expr bit(const z3::expr& mask, const z3::expr& idx) const;
  z3::expr bit(const z3::expr& mask, int id) const;
  z3::expr onehot(const z3::expr& idx) const;  // the mask {idx}
  // Domains d with (a, d) reserved for the default drivers: aqmask if a ∈ apmask, else ∅.
  z3::expr reserved_row(const SymState& s, const z3::expr& a) const;
  // Domains d with (a, d) a queue device: a ∈ cfgA, d ∈ cfgQ, both within the AP bus's
  // maximum IDs (HostParams::bus_max_adapter / bus_max_domain).
  z3::expr present_row(const SymState& s, const z3::expr& a) const;
  // Domains d with (a, d) bound to vfio_ap: present, not unbound by hand, not reserved.
  z3::expr vfio_row(const SymState& s, const z3::expr& a) const;
  // Domains d with (a, d) linked to mdev slot k (bound to vfio_ap, in k's assigned matrix).
  z3::expr linked_row(const SymState& s, int k, const z3::expr& a) const;
  // linked_row ∩ last reset passable.
  z3::expr passable_row(const SymState& s, int k, const z3::expr& a) const;
  // Domains d whose reset of (a, d) ends with a non-zero response code: ¬(hw_ok ∧ hw_zero).
  z3::expr nonzero_row(const SymState& s, const z3::expr& a) const;
  // Bool: adapter a is in F.A of mdev k (SPEC §1.3): a ∈ M.A ∩ cfgA and every d ∈ M.Q ∩ cfgQ
  // is linked and passable. Strength::structural drops "passable" (invariants.h).
  z3::expr filter_bit(const SymState& s, int k, const z3::expr& a,
                      Strength strength = Strength::spec) const;
  // The whole F.A of mdev k as one term: N filter_bit tests (expensive at N = 256; proofs
  // should prefer filter_bit at the indices they need).
  z3::expr filter_adapters(const SymState& s, int k, Strength strength = Strength::spec) const;
  // What kvm_arch_crypto_set_masks writes for `shadow` into a guest with this MSAX3 flag.
  SymMatrix truncate(const SymMatrix& shadow, const z3::expr& msax3) const;
  // Bool: guest slot term `g` equals slot number `slot`.
  z3::expr guest_is(const z3::expr& g, int slot) const;

  // --- states ----------------------------------------------------------------------------------
  // A state of uninterpreted constants named `<prefix>.<field>`.
  SymState fresh(const std::string& prefix) const;
  // The ground SymState of `s`, mdev i at slot i and guest i at slot i (their vector order),
  // with those Slots. Throws std::invalid_argument when `s` does not fit the shape: other
  // parameters, more mdevs or guests than slots, an ID ≥ N anywhere but in the bus masks and
  // the reset-response tables (those are cut to the width, see `normalize`), a pending add,
  // a guest format that does not follow from its MSAX3 flag, or an mdev attached to no guest.
  std::pair<SymState, Slots> concretize(const State& s) const;
  // Same, with mdev uuid u at the slot `slots` names for it and guest id g likewise (every mdev
  // and guest of `s` must be named there). Throws std::invalid_argument as above.
  SymState concretize(const State& s, const Slots& slots) const;
  // The State a valuation of `s` denotes (a model of a satisfiable query, or simplify on a
  // closed ground state): present slots in slot order, named by `slots` (a missing name gets a
  // synthetic uuid / an unused id), non-passable responses as kNonPassableResponse. The result is
  // in normal form (`normalize`). Requires wf(s) under the valuation; throws
  // std::invalid_argument when a value is not a numeral or an attached guest slot is absent.
  State extract(const SymState& s, const Valuation& value, const Slots& slots) const;
  State extract(const SymState& s, const z3::model& model, const Slots& slots) const;

  // Bool: a and b denote the same State under the same Slots (absent slots' fields and a
  // detached mdev's guest slot are ignored).
  z3::expr equal(const SymState& a, const SymState& b) const;
  // Bool: well-formed: an attached mdev names a present guest slot, no two present mdevs are
  // attached to the same guest.
  z3::expr wf(const SymState& s) const;
  // Bool: what `step` needs, beyond wf, to agree with model::apply. One fact: no APQN an
  // mdev has assigned is reserved for the default drivers (P3's second half), which makes
  // every queue an apmask/aqmask write hands to vfio_ap ownerless, so the write refilters no
  // mdev (step.cpp's probe loop, interleaved across mdevs, has no closed form otherwise).
  z3::expr assumptions(const SymState& s) const;

  // --- transitions -------------------------------------------------------------------------------
  // `op` applied to `pre`, exactly as model::apply on every state satisfying wf and
  // assumptions. Fresh definition constants are named F!<n>, unique per encoder.
  Transition step(const SymState& pre, const SymOp& op);
  // Bool: every definition of `t`, exactly (N bit tests each).
  z3::expr definitions(const Transition& t) const;
  // Bool: every definition of `t` at index `idx` only (sound as a hypothesis: it is implied by
  // `definitions`).
  z3::expr definitions_at(const Transition& t, const z3::expr& idx) const;
  // `t` with every definition constant replaced by its exact definition (each simplified), so
  // the result has no definitions (its events too). On a ground pre-state the result
  // simplifies to numerals.
  Transition close(const Transition& t) const;
  // Bool: `post` and `result` are what `op` does to `pre`: definitions(t) ∧ equal(post, t.post)
  // ∧ result = t.result, for t = step(pre, op).
  z3::expr relation(const SymState& pre, const SymOp& op, const SymState& post,
                    const z3::expr& result);

  // --- invariant predicates (invariants.cpp), over present slots ------------------------------
  z3::expr p1(const SymState& s) const;  // containment
  // P2 "bound and available": structural (in the shadow ⇒ linked) and passable (in the shadow
  // and linked ⇒ last reset passable); `*_at` is the conjunct for adapter index a.
  z3::expr p2_structural(const SymState& s) const;
  z3::expr p2_passable(const SymState& s) const;
  z3::expr p2_structural_at(const SymState& s, int k, const z3::expr& a) const;
  z3::expr p2_passable_at(const SymState& s, int k, const z3::expr& a) const;
  z3::expr p3(const SymState& s) const;  // exclusivity and not host-reserved
  z3::expr p4(const SymState& s) const;  // commit consistency
  // P7 refinement S ⊆ F at the given strength; `p7_at` is the adapter conjunct at index a.
  z3::expr p7(const SymState& s, Strength strength) const;
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
  unsigned next_definition_ = 0;
};

// A model::Op lowered to the semantic operation for an instance, with the Slots to read the
// post-state with.
struct Lowered {
  SymOp op;
  Slots post_slots;
};

// Lowers `op` on state `pre` (whose mdevs and guests `slots` names, e.g. from concretize) to
// its SymOp: parses attribute texts and bus-mask writes with the model's parsers, maps uuids
// and guest ids to slots (an unknown one to an absent slot, a created one to the first free
// slot above every occupied one, so slot order stays creation order). nullopt when the
// operation is outside the encoding: a parse error (EINVAL/ERANGE, the parsers' business), an
// invalid uuid to create, an ID or ap_config mask beyond the width, or no slot free; and a read
// of the driver's constant `features`, which shows nothing of the state.
std::optional<Lowered> lower(const Encoder& enc, const Op& op, const State& pre,
                             const Slots& slots);

// The projection of `s` onto what an instance of width N represents: bus masks cut to IDs
// below N, reset-response entries outside N × N dropped, a hardware answer replaced by what a
// reset ends with (response::after_wait: a transient one is absent, NORMAL), every non-passable
// response written as kNonPassableResponse; a passable non-zero hardware response
// (DECONFIGURED, CHECKSTOPPED) as kPassableNonZeroResponse, a passable last status as absent
// (NORMAL: only the filter reads last statuses). model::apply at the latest semantics commutes
// with it.
State normalize(const State& s, int width);

}  // namespace apcb::model::z3enc

#endif  // APCB_MODEL_Z3_ENCODING_H_
