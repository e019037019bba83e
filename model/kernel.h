// apcb — the kernel versions the reference can follow (`--kernel 6.1|6.12|latest`).
//
// apcb's semantics are the latest upstream driver's (SPEC §1.1). A distribution kernel is an
// older base with back-ports; where its vfio_ap behaves differently, and the difference is a
// documented upstream change rather than a bug, the reference can follow that version instead,
// so that `apcb check --sut apcb-kernel-6.1.so --kernel 6.1` compares like with like. Each
// difference is one member of KernelBehaviour, named after what it changes and documented with
// the upstream commit that changed it (docs/kernel-divergences.md has a minimal trace for each).
//
// Only `latest` is proved (proofs/, the Z3 encoding) and implemented by impl/; the other
// versions run on the executable model.
//
// Example:
//   model::State s = model::State::initial(params, cfg);
//   s.kernel = *model::parse_kernel_version("6.12");
//   model::apply(s, op);  // follows Linux 6.12's vfio_ap
#ifndef APCB_MODEL_KERNEL_H_
#define APCB_MODEL_KERNEL_H_

#include <cstdint>
#include <optional>
#include <string_view>

namespace apcb::model {

enum class KernelVersion : std::uint8_t { v6_1, v6_12, latest };

// "6.1", "6.12" or "latest"; nullopt for anything else.
// Example: parse_kernel_version("6.12") == KernelVersion::v6_12,
//   parse_kernel_version("6.2") == std::nullopt.
std::optional<KernelVersion> parse_kernel_version(std::string_view text);
// The inverse: parse_kernel_version(kernel_version_name(v)) == v.
// Example: kernel_version_name(KernelVersion::v6_1) == "6.1".
std::string_view kernel_version_name(KernelVersion v);
// The accepted names, for --help and error messages: "6.1, 6.12, latest".
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
  // 6.15 "s390/vfio-ap: Notify userspace that guest's AP config changed when mdev removed":
  // the VFIO request callback clears the guest's CRYCB. Before (6.5 2e3d8d71e285 wired the
  // callback in; 6.1 has none) a request only signals user space.
  bool request_clears_crycb;
  // 6.6 reset rework (dd174833e44e "remove upper limit on wait", 411b0109daa5 "wait for rc 05
  // to clear", 9261f0438835 the work item that verifies the reset): a reset that answers RESET
  // IN PROGRESS, BUSY or STATE CHANGE IN PROGRESS (response::transient) is polled with TAPQ
  // until it completes, so its final status is the completed reset's, NORMAL
  // (response::after_wait). Before, the in-progress answer was kept as the queue's reset status.
  bool reset_waits_for_completion;
  // Which final reset statuses let a queue reach a guest: 6.6 c51f8c6bb5c8 (DECONFIGURED) and
  // 6.9 a681226c675c (CHECKSTOPPED) accept those two besides NORMAL; 6.1 accepts NORMAL only
  // (any non-zero reset_rc filters the adapter).
  bool abnormal_but_passable;
  // 6.8 f848cba767e5 "reset queues filtered from the guest's AP config": after a filter takes
  // adapters out of the guest, their queues are reset. 6.1 does not reset them.
  bool filter_resets_unplugged;
  // 6.8 f009cfa46655 / b9bd10c43456: a queue leaving vfio_ap while in the guest takes its
  // adapter out and every queue of that adapter the guest had is reset; a queue not in the
  // guest is reset only while still configured. 6.1 resets just the leaving queue, always
  // (a ZAPQ of a deconfigured queue resets nothing).
  bool unbind_resets_adapter;
  DeviceResetReport device_reset;
  // 6.12 2d8721364ce8 "s390/vfio-ap: Driver feature advertisement": the matrix device has a
  // read-only `features` attribute (`guest_matrix hotplug ap_config`); 6.1 has no such file.
  bool matrix_features;
};

// The behaviour of `v`.
// A reference to a static table: valid for the life of the program.
// Example: behaviour(KernelVersion::latest).reset_waits_for_completion == true.
const KernelBehaviour& behaviour(KernelVersion v);

}  // namespace apcb::model

#endif  // APCB_MODEL_KERNEL_H_
