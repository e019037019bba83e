// apcb — the kernel versions the reference can follow (`--kernel 6.0 … 6.19|latest`).
//
// apcb's semantics are the latest upstream driver's (SPEC §1.1). Users run many kernels: a
// distribution kernel is a base version plus back-ports, and the question they bring is "is
// this behaviour a bug or just my version?". Every version at which vfio_ap's observable
// behaviour changed since the shadow APCB (6.0) is a named profile; each difference is one
// member of KernelBehaviour, named after what it changes and documented with the upstream
// commit that changed it. docs/kernel-versions.md is the table, behaviour × version.
//
// Two profiles are distribution kernels, not mainline releases: 6.1 and 6.12 are Debian's
// linux-source-6.1 (6.1.192) and linux-source-6.12 (6.12.118), whose driver sources the kernel
// plugins compile (sut/kernel/), with the stable back-ports they carry (the 6.8 full filter in
// 6.1; the 2026 fix batch's cfg_remove fixes in both). Every other name is the mainline release.
//
// Only `latest` is implemented by impl/; the model follows every profile, and the Z3 encoding
// encodes each (`apcb prove --kernel V`).
//
// Example:
//   model::State s = model::State::initial(params, cfg);
//   s.kernel = *model::parse_kernel_version("6.12");
//   model::apply(s, op);  // follows Debian 6.12's vfio_ap
#ifndef APCB_MODEL_KERNEL_H_
#define APCB_MODEL_KERNEL_H_

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace apcb::model {

// In release order; `latest` last. kernel_versions() lists them.
enum class KernelVersion : std::uint8_t { v6_0, v6_1, v6_6, v6_8, v6_9, v6_10, v6_12, v6_15, v6_19, latest };

// Every profile, oldest first, `latest` last.
// Example: kernel_versions().front() == KernelVersion::v6_0.
const std::vector<KernelVersion>& kernel_versions();

// "6.0", "6.1", …, "6.19" or "latest"; nullopt for anything else.
// Example: parse_kernel_version("6.12") == KernelVersion::v6_12,
//   parse_kernel_version("6.2") == std::nullopt.
std::optional<KernelVersion> parse_kernel_version(std::string_view text);
// The inverse: parse_kernel_version(kernel_version_name(v)) == v.
// Example: kernel_version_name(KernelVersion::v6_1) == "6.1".
std::string_view kernel_version_name(KernelVersion v);
// The accepted names, for --help and error messages: "6.0, 6.1, 6.6, …, 6.19, latest".
// Example: std::cerr << "--kernel: one of " << kernel_version_names();
std::string_view kernel_version_names();

// How the device reset ioctl reports queues whose reset did not end NORMAL.
enum class DeviceResetReport : std::uint8_t {
  // 6.6+ (62aab082e999, 9261f0438835 "wait for response code"): -EIO when any reset queue's
  // final response code is non-zero.
  eio_if_any_nonzero,
  // Up to the 6.6 rework (Debian 6.1): each queue's reset returns -EBUSY for Q NOT AVAILABLE,
  // DECONFIGURED, CHECKSTOPPED or a reset still in progress after one retry, -EIO for any
  // other code; the ioctl returns the last non-zero one in the queue table's hash order.
  ebusy_or_eio_per_queue,
};

// What one kernel version's vfio_ap does differently, one flag per documented upstream change;
// true means the newer (latest) behaviour. Obtained from behaviour(), never built by callers.
// Example: behaviour(KernelVersion::v6_1).matrix_features == false.
struct KernelBehaviour {
  // 6.8 850fb7fa8c68 "always filter entire AP matrix" (with 16fb78cbf56e, 774d10196e64; Debian
  // 6.1 carries them): an adapter or domain assignment filters the whole matrix. Before (6.0
  // "delta filter") it checked only the new adapter's (or domain's) queues after rebuilding
  // the shadow from M ∩ cfg, so an adapter filtered earlier for an unbound queue came back
  // unchecked (kernel-vfio-ap.md §3.2, §7.3 scenario 1).
  bool full_filter;
  // The 2026 fix "control-domain removal in cfg_remove" (Debian 6.1 and 6.12 carry it): a
  // host configuration change takes removed control domains that are assigned out of the
  // shadow. Before (6.0 … 6.19) the removed set was "removed minus assigned", so assigned
  // control domains stayed in the shadow and the guest (kernel-vfio-ap.md §4.2).
  bool removal_unplugs_assigned_control_domains;
  // The 2026 fix "hot-unplug skipped when last adapter/domain removed" (Debian 6.1 and 6.12
  // carry it): vfio_ap_mdev_hot_unplug_cfg commits when a removal intersected the shadow.
  // Before (6.0 … 6.19) it committed only when a mask it removed from stayed non-empty
  // (bitmap_andnot's return), so removing the last adapter left it in the guest.
  bool removal_commits_emptied_shadow;
  // 6.6 reset rework (dd174833e44e "remove upper limit on wait", 411b0109daa5 "wait for rc 05
  // to clear", 9261f0438835 the work item that verifies the reset): a reset that answers RESET
  // IN PROGRESS, BUSY or STATE CHANGE IN PROGRESS (response::transient) is polled with TAPQ
  // until it completes, so its final status is the completed reset's, NORMAL
  // (response::after_wait). Before, the in-progress answer was kept as the queue's reset status.
  bool reset_waits_for_completion;
  // 6.6 c51f8c6bb5c8 "allow deconfigured queue to be passed through to a guest": a queue whose
  // reset ended DECONFIGURED may reach a guest. Before, any non-zero reset_rc filtered it.
  bool deconfigured_passable;
  // 6.9 a681226c675c "handle hardware checkstop state on queue reset operation": a queue whose
  // reset ended CHECKSTOPPED may reach a guest. Before, it filtered the adapter.
  bool checkstopped_passable;
  // 6.8 f848cba767e5 "reset queues filtered from the guest's AP config": after a filter takes
  // adapters out of the guest, their queues are reset. Before, they are not.
  bool filter_resets_unplugged;
  // 6.8 f009cfa46655 / b9bd10c43456: a queue leaving vfio_ap while in the guest takes its
  // adapter out and every queue of that adapter the guest had is reset; a queue not in the
  // guest is reset only while still configured. Before, just the leaving queue is reset, always
  // (a ZAPQ of a deconfigured queue resets nothing).
  bool unbind_resets_adapter;
  DeviceResetReport device_reset;
  // 6.10 e12aa0b5b2fb "Add ap_config sysfs attribute" and 8fb456bc9f9b "write support": the
  // mdev's `ap_config` attribute. Before, no such file (ENOENT on read and write).
  bool ap_config_attribute;
  // 6.12 2d8721364ce8 "s390/vfio-ap: Driver feature advertisement": the matrix device has a
  // read-only `features` attribute (`guest_matrix hotplug ap_config`); before, no such file.
  bool matrix_features;
  // 6.15 "s390/vfio-ap: Notify userspace that guest's AP config changed when mdev removed":
  // the VFIO request callback clears the guest's CRYCB. Before (6.5 2e3d8d71e285 wired the
  // callback in; 6.0 and Debian 6.1 have none) a request only signals user space.
  bool request_clears_crycb;
  // 6.15 07d89045bffe "s390/vfio-ap: Signal eventfd when guest AP configuration is changed"
  // (with its follow-up "Notify userspace that guest's AP config changed when mdev removed"):
  // every commit of the shadow to an attached guest, and the request's clear, signals the
  // mdev's AP-configuration-changed eventfd (a Signal event after the commit); the open's
  // commit and the close's clear do not (model/README.md, "Guest notification"). Before, no
  // such eventfd.
  bool signals_guest_config_change;
  // 6.19 (s390-6.19 pull) d38a87d7c064 "s390/ap: Support driver_override for AP queue devices",
  // 46030379f13c "s390/ap: Restrict driver_override versus apmask and aqmask use" (with
  // 6917f434fda3 "Use all-bits-one apmask/aqmask for vfio in_use() checks"): each AP queue
  // device has a `driver_override` attribute. An override decides which driver a probe binds
  // (masks ignored for that queue) and who owns the queue for vfio_ap's validation
  // (ap_owned_by_def_drv: a queue with an override is the host's iff bound to a default
  // driver); writing one needs both bus masks all ones (else EINVAL) and a mask write is
  // refused (EINVAL) while the bus's override count is not zero (State::override_count). Before,
  // no such file (ENOENT on read and write).
  bool queue_driver_override;
  // 4400270ec034 "s390/vfio-ap: fix stale pqap_hook pointer on error in vfio_ap_mdev_set_kvm()"
  // (kvms390, August 2026, taken as after 6.19; Debian 6.1 and 6.12 carry the back-port): an
  // open that fails with EPERM (another mdev is already attached to the guest) leaves the
  // guest's PQAP(AQIC) hook as it was. Before, since 86956e70761b "s390/vfio-ap: replace open
  // coded locks for VFIO_GROUP_NOTIFY_SET_KVM notification" (5.15), set_kvm registered the
  // failing mdev's hook before it looked for that other mdev, so the guest's PQAP(AQIC) reached
  // the failing mdev's handler (Guest::pqap_hook), which answers Q_NOT_AVAIL while that mdev
  // has no guest, until the attached mdev's close cleared the hook.
  bool failed_attach_keeps_hook;
};

// The behaviour of `v`.
// A reference to a static table: valid for the life of the program.
// Example: behaviour(KernelVersion::latest).reset_waits_for_completion == true.
const KernelBehaviour& behaviour(KernelVersion v);

// Whether the invariants of model/invariants.h hold after every step under `v`: the profiles
// with the full filter, both 2026 cfg_remove fixes and the pqap_hook fix (latest, Debian 6.1
// and 6.12; a failed attach that moves the hook changes the state, against P6), where
// `apcb prove --kernel V` proves every obligation. Under the others prove prints the
// historical bugs as counterexamples (docs/kernel-versions.md), so a checker that asserts the
// invariants must not assert them there.
// Example: invariants_hold(KernelVersion::v6_12) == true; invariants_hold(KernelVersion::v6_0)
//   == false.
bool invariants_hold(KernelVersion v);

}  // namespace apcb::model

#endif  // APCB_MODEL_KERNEL_H_
