#include "model/kernel.h"

namespace apcb::model {

std::optional<KernelVersion> parse_kernel_version(std::string_view text) {
  if (text == "6.1") return KernelVersion::v6_1;
  if (text == "6.12") return KernelVersion::v6_12;
  if (text == "latest") return KernelVersion::latest;
  return std::nullopt;
}

std::string_view kernel_version_name(KernelVersion v) {
  switch (v) {
    case KernelVersion::v6_1: return "6.1";
    case KernelVersion::v6_12: return "6.12";
    case KernelVersion::latest: break;
  }
  return "latest";
}

std::string_view kernel_version_names() { return "6.1, 6.12, latest"; }

const KernelBehaviour& behaviour(KernelVersion v) {
  // Debian's linux-source-6.1 (6.1.192): the 6.0 driver with the 6.8 full filter back-ported
  // (850fb7fa8c68, 16fb78cbf56e, 774d10196e64), but none of the 6.6 reset rework, the 6.8
  // reset-after-filter and unbind changes, or the 6.5 request callback.
  static constexpr KernelBehaviour v6_1{
      .request_clears_crycb = false,
      .reset_waits_for_completion = false,
      .abnormal_but_passable = false,
      .filter_resets_unplugged = false,
      .unbind_resets_adapter = false,
      .device_reset = DeviceResetReport::ebusy_or_eio_per_queue,
      .matrix_features = false,
  };
  // Debian's linux-source-6.12 (6.12.118): everything up to 6.12 and the 2026 fix batch's
  // back-ports; the request callback only signals user space (the CRYCB is cleared from 6.15).
  static constexpr KernelBehaviour v6_12{
      .request_clears_crycb = false,
      .reset_waits_for_completion = true,
      .abnormal_but_passable = true,
      .filter_resets_unplugged = true,
      .unbind_resets_adapter = true,
      .device_reset = DeviceResetReport::eio_if_any_nonzero,
      .matrix_features = true,
  };
  // The latest upstream driver, apcb's default semantics (SPEC §1.1), which impl/ implements
  // and the Z3 encoding proves: a reset that answers a transient code (response::transient)
  // is waited for and ends NORMAL, as from 6.6 on (docs/kernel-divergences.md,
  // "transient-reset-completes").
  static constexpr KernelBehaviour latest{
      .request_clears_crycb = true,
      .reset_waits_for_completion = true,
      .abnormal_but_passable = true,
      .filter_resets_unplugged = true,
      .unbind_resets_adapter = true,
      .device_reset = DeviceResetReport::eio_if_any_nonzero,
      .matrix_features = true,
  };
  switch (v) {
    case KernelVersion::v6_1: return v6_1;
    case KernelVersion::v6_12: return v6_12;
    case KernelVersion::latest: break;
  }
  return latest;
}

}  // namespace apcb::model
