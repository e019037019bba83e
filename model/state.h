// apcb — the state of one host as the specification sees it.
//
// This is the abstract state of SPEC §2: the host's QCI configuration, the AP bus masks, the
// queue devices with their driver and reset responses, the mdevs (assigned matrix, shadow
// APCB, pending hot-plug adds, attached guest) and the guests' CRYCBs. It is a plain value:
// copyable and comparable, so "a failed operation changes nothing" (P6) is `before == after`.
#ifndef APCB_MODEL_STATE_H_
#define APCB_MODEL_STATE_H_

#include <array>
#include <compare>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/kernel.h"
#include "model/mask.h"

namespace apcb::model {

// An AP queue number: (adapter, usage domain). Packs as adapter << 8 | domain, the kernel's
// AP_MKQID, which is also the ascending order the model visits queues in.
// Example: Apqn{5, 0x47} is the queue the kernel names 05.0047.
struct Apqn {
  ApId adapter = 0;
  ApId domain = 0;
  // The kernel's qid: adapter << 8 | domain.
  // Example: Apqn{5, 0x47}.packed() == 0x0547.
  constexpr std::uint16_t packed() const {
    return static_cast<std::uint16_t>(adapter << 8 | domain);
  }
  // The inverse of packed(); every 16-bit value is some APQN.
  // Example: Apqn::unpack(0x0547) == Apqn{5, 0x47}.
  static constexpr Apqn unpack(std::uint16_t qid) {
    return Apqn{static_cast<ApId>(qid >> 8), static_cast<ApId>(qid & 0xFF)};
  }
  friend constexpr auto operator<=>(const Apqn&, const Apqn&) = default;
};

// Flags and maximum IDs of the host's QCI information. Fixed for the life of a host: a
// configuration change alters the masks (HostConfig below), never these.
// Example: HostParams{} is an APXA host with 256 adapters and 256 domains (na = nd = 255).
struct HostParams {
  bool apxa = true;  // AP extended addressing: IDs beyond 63/15 exist
  ApId na = 255;     // highest adapter number the machine supports
  ApId nd = 255;     // highest domain number
  // The `*_max` of vfio_ap_matrix_init: sysfs range checks and rendering ranges.
  // Example: HostParams{}.apm_max() == 255; HostParams{.apxa = false}.apm_max() == 63.
  constexpr int apm_max() const { return apxa ? na : 63; }
  // The highest usage domain sysfs accepts.
  // Example: HostParams{.apxa = false}.aqm_max() == 15.
  constexpr int aqm_max() const { return apxa ? nd : 15; }
  // The highest control domain sysfs accepts.
  // Example: HostParams{.apxa = true, .na = 255, .nd = 84}.adm_max() == 84.
  constexpr int adm_max() const { return apxa ? nd : 15; }
  // The AP bus's ap_max_adapter_id / ap_max_domain_id (ap_init_qci_info): 63 and 15, raised
  // to Na and Nd only with APXA and only when they are non-zero. The bus scan (ap_scan_bus)
  // visits adapters 0..bus_max_adapter() and domains 0..bus_max_domain() and nothing beyond
  // (ap_test_config_card_id / _usage_domain answer "not configured" there), so no queue device
  // exists outside them, whatever the QCI masks hold.
  // Example: HostParams{.apxa = true, .na = 0}.bus_max_adapter() == 63.
  constexpr int bus_max_adapter() const { return apxa && na != 0 ? na : 63; }
  // The highest domain the bus scans (see bus_max_adapter).
  // Example: HostParams{.apxa = false}.bus_max_domain() == 15.
  constexpr int bus_max_domain() const { return apxa && nd != 0 ? nd : 15; }
  friend constexpr bool operator==(const HostParams&, const HostParams&) = default;
};

// The (adapters, usage domains, control domains) triple: an assigned matrix, a shadow APCB, a
// set of pending adds, the host configuration or a CRYCB's APCB.
// Example: Matrix{Mask::of({5}), Mask::of({0x47}), Mask::of({0x47})} is APQN 05.0047 with
//   control domain 0x47.
struct Matrix {
  Mask adapters;
  Mask domains;
  Mask control_domains;
  // True when all three masks are empty.
  // Example: Matrix{}.empty() == true; Matrix{{}, {}, Mask::single(1)}.empty() == false.
  constexpr bool empty() const {
    return adapters.empty() && domains.empty() && control_domains.empty();
  }
  friend constexpr bool operator==(const Matrix&, const Matrix&) = default;
};

// The CRYCB format KVM picks for a guest (value = the low bits of the CRYCB designation).
enum class CrycbFormat : std::uint8_t { format0 = 0, format1 = 1, format2 = 3 };

// kvm_s390_set_crycb_format: format 0 without MSAX3, 1 with MSAX3 and no APXA, 2 with both.
// Example: crycb_format(true, false) == CrycbFormat::format1.
constexpr CrycbFormat crycb_format(bool msax3, bool apxa) {
  if (!msax3) return CrycbFormat::format0;
  return apxa ? CrycbFormat::format2 : CrycbFormat::format1;
}

// What kvm_arch_crypto_set_masks writes for `shadow`: APCB1 (format 2) takes all 256 bits of
// each mask; APCB0 (formats 0/1) holds adapters 0..63 and domains/control domains 0..15.
// Example: truncate_to_format({Mask::of({5, 70}), Mask::of({3, 20}), {}}, CrycbFormat::format1)
//   == Matrix{Mask::of({5}), Mask::of({3}), {}}; with format2 the matrix is unchanged.
Matrix truncate_to_format(const Matrix& shadow, CrycbFormat format);

using GuestId = std::uint32_t;

// A KVM guest: its facilities, the APCB its CRYCB currently holds (all zero when no mdev
// has committed to it, or after a clear) and the PQAP(AQIC) hook registered with its KVM.
// Example: Guest{.id = 1, .msax3 = false, .format = CrycbFormat::format0} holds an empty APCB
//   and has no hook.
struct Guest {
  GuestId id = 0;
  bool msax3 = true;
  CrycbFormat format = CrycbFormat::format2;
  Matrix apcb;
  // The uuid of the mdev whose PQAP(AQIC) handler KVM calls for this guest
  // (kvm->arch.crypto.pqap_hook, which points into that mdev); nullopt while none is
  // registered. State of its own, not derived from the mdevs' `guest`: under a profile without
  // KernelBehaviour::failed_attach_keeps_hook a failed open registers the failing mdev's hook,
  // so it can name an mdev that is not attached to this guest. Set by a successful open,
  // cleared by the close of the guest's attached mdev, whatever it names (unset_kvm).
  std::optional<std::string> pqap_hook;
  // The mdev pqap_hook names was removed while the hook still pointed into it: in the kernel a
  // dangling pointer (use after free, reachable only without failed_attach_keeps_hook). Kept so
  // that an mdev created later with the same uuid is not taken for it (step.cpp GuestAqic).
  bool pqap_hook_freed = false;
  friend bool operator==(const Guest&, const Guest&) = default;
};

// A vfio_ap mediated matrix device.
// Example: after op::MdevCreate{uuid}, s.find_mdev(uuid) is an Mdev with that uuid, empty
//   matrices and no guest.
struct Mdev {
  std::string uuid;
  Matrix assigned;     // what the administrator assigned (matrix_mdev->matrix)
  Matrix shadow;       // the shadow APCB (matrix_mdev->shadow_apcb), shown by guest_matrix
  Matrix pending_add;  // IDs added to the host config, assigned here, awaiting scan complete
  std::optional<GuestId> guest;  // the attached KVM guest (matrix_mdev->kvm)
  bool released = false;         // a VFIO release request cleared the CRYCB; cleared by a commit
  friend bool operator==(const Mdev&, const Mdev&) = default;
};

// AP response codes of a queue reset (ZAPQ / TAPQ status) that the model distinguishes.
namespace response {
inline constexpr std::uint8_t normal = 0x00;
inline constexpr std::uint8_t q_not_avail = 0x01;
inline constexpr std::uint8_t reset_in_progress = 0x02;
inline constexpr std::uint8_t deconfigured = 0x03;
inline constexpr std::uint8_t checkstopped = 0x04;
inline constexpr std::uint8_t busy = 0x05;
inline constexpr std::uint8_t invalid_address = 0x06;
inline constexpr std::uint8_t otherwise_changed = 0x07;
// LATEST _queue_passable: a queue whose last reset answered one of these may reach a guest.
// Example: passable(checkstopped) == true, passable(busy) == false.
constexpr bool passable(std::uint8_t rc) {
  return rc == normal || rc == deconfigured || rc == checkstopped;
}
inline constexpr std::uint8_t state_change_in_progress = 0x0A;
// Secure Execution: a PQAP(AAPQ) associating a secret with the guest failed; every AP instruction
// answers it until the queue is reset. From 6.6 a TAPQ answering either re-issues ZAPQ
// (7847a19b5b62 "s390/vfio-ap: check for TAPQ response codes 0x35 and 0x36").
inline constexpr std::uint8_t assoc_secret_not_unique = 0x35;
inline constexpr std::uint8_t assoc_failed = 0x36;
// The most answers one `host reset-response` gives a reset (trace/trace.cpp enforces it).
inline constexpr std::size_t max_reset_answers = 16;
// The answers of a reset that has not finished: polled until it has from 6.6 on.
// Example: transient(busy) == true, transient(deconfigured) == false.
constexpr bool transient(std::uint8_t rc) {
  return rc == reset_in_progress || rc == busy || rc == state_change_in_progress;
}
// What a reset that waits for completion (Linux 6.6+, the latest semantics) ends with when the
// hardware answers `rc`: a transient answer is polled with TAPQ until the reset completes, so
// the queue's final status is the completed reset's, NORMAL; any other answer is final.
// Example: after_wait(busy) == normal, after_wait(checkstopped) == checkstopped.
constexpr std::uint8_t after_wait(std::uint8_t rc) { return transient(rc) ? normal : rc; }
// What vfio_ap keeps as a queue's reset status under `kernel` when the successive AP
// instructions of the reset (the ZAPQ, then each TAPQ poll or re-issued ZAPQ in the order the
// driver issues them) answer `answers`, and NORMAL once they are used up. One answer keeps its
// meaning from before sequences: a lasting code is ZAPQ's answer, a transient one a reset in
// flight for a while that completes (after_wait from 6.6, kept as it is before).
// Two or more are walked instruction by instruction:
//   6.0-6.5 (vfio_ap_mdev_reset_queue with retry 1): ZAPQ; RESET IN PROGRESS re-issues ZAPQ
//     once; the status is the last ZAPQ's answer (the wait loop issues no TAPQ: a reset leaves
//     the queue empty with interruptions off).
//   6.6+ (reset_waits_for_completion; apq_reset_check): ZAPQ; NORMAL, RESET IN PROGRESS, BUSY
//     and 0x0A go on to TAPQ polling, anything else is final. A poll answering BUSY or RESET IN
//     PROGRESS polls again; NORMAL, DECONFIGURED or CHECKSTOPPED re-issue ZAPQ when the last
//     ZAPQ answered a transient code and end otherwise; 0x35/0x36 re-issue ZAPQ; any other
//     answer ends the check. The status is always the last ZAPQ's answer.
// Example: final_status(KernelVersion::latest, {busy, busy, normal}) == normal;
//   final_status(KernelVersion::latest, {busy, q_not_avail}) == busy;
//   final_status(KernelVersion::v6_1, {reset_in_progress, reset_in_progress}) == reset_in_progress.
// `read` (optional) receives how many of `answers` the walk read (the rest it never reached;
// instructions past the sequence answer NORMAL and are not counted).
// Example: final_status(latest, {q_not_avail, busy}, &n) gives n == 1.
std::uint8_t final_status(KernelVersion kernel, const std::vector<std::uint8_t>& answers,
                          std::size_t* read = nullptr);
}  // namespace response

enum class Driver : std::uint8_t { none, default_driver, vfio_ap };

// The name a driver has on the AP bus (/sys/bus/ap/drivers/<name>, what a driver_override
// names): the default driver of CEX4 and newer queues is cex4queue; "" for Driver::none.
// Example: driver_name(Driver::vfio_ap) == "vfio_ap".
constexpr std::string_view driver_name(Driver d) {
  switch (d) {
    case Driver::none: return "";
    case Driver::default_driver: return "cex4queue";
    case Driver::vfio_ap: return "vfio_ap";
  }
  return "";
}

// The driver core's limit on a driver_override write (driver_set_override): a value of
// PAGE_SIZE - 1 bytes or more is refused with EINVAL (s390 pages are 4 KiB).
inline constexpr std::size_t kDriverOverrideMax = 4095;

// The whole host: a plain value, so a test or a proof compares two states with ==.
// Example: State s = State::initial(HostParams{}, cfg); model::apply(s, op) advances it.
struct State {
  HostParams params;
  // The kernel version whose vfio_ap the model follows (model/kernel.h); latest by default.
  KernelVersion kernel = KernelVersion::latest;
  Matrix cfg;                 // host QCI configuration (matrix_dev->info masks)
  Mask apmask = Mask::all();  // /sys/bus/ap/apmask (ap_perms.apm)
  Mask aqmask = Mask::all();  // /sys/bus/ap/aqmask (ap_perms.aqm)
  // Queue devices exist for exactly the APQNs of cfg.adapters × cfg.domains within the bus's
  // maximum IDs (`present`; the bus scan keeps it so). `cfg` itself is the QCI configuration as
  // vfio_ap's matrix_dev->info holds it, IDs beyond those maxima included.
  // A present queue is bound to the driver its ownership names (default driver iff reserved,
  // else vfio_ap; vfio_ap for override_bound, 6.19) unless it was unbound by hand or its probe
  // failed: unbound[a] holds those.
  MaskRows unbound{};
  // What the successive AP instructions of a reset of the queue answer (response::final_status),
  // where not the single answer NORMAL (a host event sets it).
  std::map<std::uint16_t, std::vector<std::uint8_t>> hw_response;
  // The last reset status of vfio_ap's queue object, where not NORMAL. Zero at probe.
  std::map<std::uint16_t, std::uint8_t> last_response;
  // Linux 6.19 (KernelBehaviour::queue_driver_override): the `driver_override` attribute of the
  // present queue devices that have one set, keyed by packed APQN: the name last written, its
  // trailing newline stripped (never empty: an empty write clears it). A queue device that goes
  // in a configuration change takes its override with it; a new one has none.
  std::map<std::uint16_t, std::string> driver_override;
  // The queues bound to vfio_ap because their override named vfio_ap when they were probed,
  // whatever the masks say (writing an override rebinds nothing; the administrator unbinds and
  // binds). driver() answers vfio_ap for them. Only bound, present queues are in it: a queue
  // leaves it when it leaves vfio_ap, and a bus mask write (possible only once no override is
  // set) reprobes every queue by the masks and empties it.
  MaskRows override_bound{};
  // The AP bus's count of overrides (ap_driver_override_ctr, 6.19): one up when an override is
  // set on a queue device that had none, one down when one is cleared. A queue device that goes
  // with its override set does not lower it (46030379f13c changes the count only in
  // driver_override_store), so from then on the count exceeds the overrides there are, and
  // apmask/aqmask writes stay refused.
  std::uint64_t override_count = 0;
  std::vector<Mdev> mdevs;  // in creation order (host events visit them newest first)
  std::vector<Guest> guests;  // in creation order

  // A host with the given QCI parameters and configuration; every queue device present and
  // bound to the default driver (the bus masks start all ones).
  // Example: with cfg = ({5}, {0x47, 0x48}, {0x47}),
  //   State::initial(HostParams{}, cfg).driver({5, 0x47}) == Driver::default_driver.
  static State initial(const HostParams& params, const Matrix& cfg);

  // A queue device exists for q: q is configured and within the bus's maximum IDs.
  // Example: with cfg adapters {5} and domains {0x47}, s.present({5, 0x47}) == true and
  //   s.present({6, 0x47}) == false.
  bool present(Apqn q) const {
    return cfg.adapters.test(q.adapter) && cfg.domains.test(q.domain) &&
           q.adapter <= params.bus_max_adapter() && q.domain <= params.bus_max_domain();
  }
  // The adapters and domains the bus has queue devices for: present(a, d) iff a ∈ bus_adapters()
  // and d ∈ bus_domains().
  // Example: with cfg adapters {5, 80} and HostParams{.apxa = false},
  //   s.bus_adapters() == Mask::of({5}).
  Mask bus_adapters() const { return cfg.adapters & Mask::up_to(params.bus_max_adapter()); }
  // The domains counterpart of bus_adapters().
  // Example: with cfg domains {3, 20} and HostParams{.apxa = false},
  //   s.bus_domains() == Mask::of({3}).
  Mask bus_domains() const { return cfg.domains & Mask::up_to(params.bus_max_domain()); }
  // Whether q belongs to the host's default drivers: its adapter's apmask bit and its domain's
  // aqmask bit are both set (initially true for every APQN).
  // Example: after writing "-5" to apmask, s.reserved({5, 0x47}) == false.
  bool reserved(Apqn q) const { return apmask.test(q.adapter) && aqmask.test(q.domain); }
  // q's driver_override (6.19), or nullptr when none is set.
  // Example: after `echo vfio_ap > .../05.0047/driver_override`,
  //   *s.override_of({5, 0x47}) == "vfio_ap"; s.override_of({5, 0x48}) == nullptr.
  const std::string* override_of(Apqn q) const;
  // ap_owned_by_def_drv: whether vfio_ap must leave q to the host's default drivers. A queue
  // with a driver_override (6.19) is the host's iff it is bound to the default driver; any
  // other APQN (no override, or no queue device) is the host's iff reserved() by the masks.
  // Example: with all-ones masks, s.owned_by_default(q) == true unless q has an override and is
  //   not bound to the default driver.
  bool owned_by_default(Apqn q) const;
  // The domains d of adapter a with owned_by_default({a, d}).
  // Example: on State::initial, s.owned_row(5) == Mask::all().
  Mask owned_row(ApId a) const;
  // Whether any queue has a driver_override set (the AP bus's ap_driver_override_ctr != 0).
  // Example: false on State::initial.
  bool any_override() const { return !driver_override.empty(); }
  // Whether the bus refuses apmask/aqmask writes: its override count is not zero (an override
  // is set, or a queue device went with one; State::override_count).
  // Example: after `echo vfio_ap > .../05.0047/driver_override`, s.masks_locked() == true.
  bool masks_locked() const { return override_count != 0; }
  // The driver q is bound to; Driver::none when q is not present, was unbound or failed its probe.
  // Example: on State::initial every present queue answers Driver::default_driver.
  Driver driver(Apqn q) const;
  // Example: with 05.0047 present, after writing "-5" to apmask s.bound_to_vfio({5, 0x47}) == true.
  bool bound_to_vfio(Apqn q) const { return driver(q) == Driver::vfio_ap; }
  // The domains of adapter a whose queues are bound to vfio_ap.
  // Example: adapter 5 with domains 0x47 and 0x48 present, 05.0048 unbound: s.vfio_row(5) ==
  //   Mask::of({0x47}).
  Mask vfio_row(ApId a) const;
  // What a ZAPQ of q answers now: response::normal unless an op::ResetResponse set another code.
  // Example: s.hw_response_of({5, 0x47}) == response::normal on a fresh state.
  std::uint8_t hw_response_of(Apqn q) const;
  // The answers of the instructions of a reset of q, first to last: {response::normal} unless an
  // op::ResetResponse set others.
  // Example: after host reset-response 05.0047 0x05,0x00: s.hw_answers_of({5, 0x47}) == {5, 0}.
  std::vector<std::uint8_t> hw_answers_of(Apqn q) const;
  // The status of q's last reset as vfio_ap keeps it: response::normal when none is recorded.
  // Example: s.last_response_of({5, 0x47}) == response::normal on a fresh state.
  std::uint8_t last_response_of(Apqn q) const;

  // The mdev named `uuid`, or nullptr when there is none (the comparison is exact).
  // Example: s.find_mdev("no-such-uuid") == nullptr.
  Mdev* find_mdev(std::string_view uuid);
  // The same for a const state.
  // Example: std::as_const(s).find_mdev(uuid)->assigned.empty() right after op::MdevCreate{uuid}.
  const Mdev* find_mdev(std::string_view uuid) const;
  // The guest with id `id`, or nullptr when no op::GuestCreate made one.
  // Example: s.find_guest(7) == nullptr on a fresh state.
  Guest* find_guest(GuestId id);
  // The same for a const state.
  // Example: after op::GuestCreate{.guest = 7}, std::as_const(s).find_guest(7)->id == 7.
  const Guest* find_guest(GuestId id) const;
  // The mdev attached to guest `g` (matrix_mdev->kvm; at most one: an open for a guest that
  // has one fails with EPERM), or nullptr.
  // Example: after op::GuestAttach{uuid, 7}, s.attached_to(7)->uuid == uuid.
  const Mdev* attached_to(GuestId g) const;
  // The mdev whose assigned matrix holds q (at most one, by exclusivity), or nullptr.
  // Example: after assigning adapter 5 and domain 0x47 to mdev m, s.owner_of({5, 0x47}) == &m;
  //   s.owner_of({6, 0x47}) == nullptr.
  const Mdev* owner_of(Apqn q) const;
  // The same, for a caller that changes the owner.
  // Example: if (Mdev* m = s.owner_of(q)) m->assigned.adapters.clear(q.adapter);
  Mdev* owner_of(Apqn q);

  friend bool operator==(const State&, const State&) = default;
};

// Whether a queue whose last reset ended with `rc` may reach a guest under `kernel`
// (DECONFIGURED from 6.6, CHECKSTOPPED from 6.9, NORMAL always; KernelBehaviour).
// Example: passable_status(KernelVersion::latest, response::deconfigured) == true;
//   passable_status(KernelVersion::v6_1, response::deconfigured) == false.
bool passable_status(KernelVersion kernel, std::uint8_t rc);

// Linked_m: queue q is in mdev m's queue table iff it is bound to vfio_ap and
// q ∈ m.assigned.adapters × m.assigned.domains.
// Example: m assigned adapter 5 and domains {0x47, 0x48}, 05.0048 unbound from vfio_ap:
//   linked(s, m, {5, 0x47}) == true, linked(s, m, {5, 0x48}) == false.
bool linked(const State& s, const Mdev& m, Apqn q);
// The domains d of adapter a with (a, d) linked to m.
// Example: in the state of linked's example, linked_row(s, m, 5) == Mask::of({0x47}).
Mask linked_row(const State& s, const Mdev& m, ApId a);
// passable(q) of SPEC §1.3 for m: linked and last reset response acceptable.
// Example: a linked queue whose last reset answered response::normal is passable; one not
//   linked never is.
bool passable(const State& s, const Mdev& m, Apqn q);
// The domains d of adapter a with (a, d) passable for m.
// Example: in the state of linked's example, passable_row(s, m, 5) == Mask::of({0x47}).
Mask passable_row(const State& s, const Mdev& m, ApId a);

}  // namespace apcb::model

#endif  // APCB_MODEL_STATE_H_
