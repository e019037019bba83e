#include "model/kernel.h"

#include <array>
#include <utility>

namespace apcb::model {
namespace {

struct Profile {
  KernelVersion version;
  std::string_view name;
  KernelBehaviour behaviour;
};

constexpr KernelBehaviour kLatest{
    .full_filter = true,
    .removal_unplugs_assigned_control_domains = true,
    .removal_commits_emptied_shadow = true,
    .reset_waits_for_completion = true,
    .deconfigured_passable = true,
    .checkstopped_passable = true,
    .filter_resets_unplugged = true,
    .unbind_resets_adapter = true,
    .device_reset = DeviceResetReport::eio_if_any_nonzero,
    .ap_config_attribute = true,
    .matrix_features = true,
    .request_clears_crycb = true,
    .signals_guest_config_change = true,
    .queue_driver_override = true,
    .failed_attach_keeps_hook = true,
};

// One row per profile, oldest first; each starts from the previous one and changes what that
// version changed (docs/kernel-versions.md has the same table with the commit titles).
constexpr std::array<Profile, 10> make_profiles() {
  // Mainline 6.0 (eeb386aeb5b7, the end of the shadow-APCB series).
  KernelBehaviour v6_0{
      .full_filter = false,
      .removal_unplugs_assigned_control_domains = false,
      .removal_commits_emptied_shadow = false,
      .reset_waits_for_completion = false,
      .deconfigured_passable = false,
      .checkstopped_passable = false,
      .filter_resets_unplugged = false,
      .unbind_resets_adapter = false,
      .device_reset = DeviceResetReport::ebusy_or_eio_per_queue,
      .ap_config_attribute = false,
      .matrix_features = false,
      .request_clears_crycb = false,
      .signals_guest_config_change = false,
      .queue_driver_override = false,
      // Mainline since 5.15 (86956e70761b) until 4400270ec034, after 6.19.
      .failed_attach_keeps_hook = false,
  };
  // Debian's linux-source-6.1 (6.1.192): 6.0 with the 6.8 full filter back-ported
  // (850fb7fa8c68, 16fb78cbf56e, 774d10196e64), the 2026 cfg_remove fixes and the pqap_hook
  // fix (4400270ec034: the hook is registered after the EPERM check), but none of the
  // 6.6 reset rework, the 6.8 reset-after-filter and unbind changes, or the 6.5 request callback.
  KernelBehaviour v6_1 = v6_0;
  v6_1.full_filter = true;
  v6_1.removal_unplugs_assigned_control_domains = true;
  v6_1.removal_commits_emptied_shadow = true;
  v6_1.failed_attach_keeps_hook = true;  // the back-port of 4400270ec034
  // Mainline 6.6: the reset rework (62aab082e999 … 7aa7b2a80cb7) and DECONFIGURED passable.
  KernelBehaviour v6_6 = v6_0;
  v6_6.reset_waits_for_completion = true;
  v6_6.deconfigured_passable = true;
  v6_6.device_reset = DeviceResetReport::eio_if_any_nonzero;
  // Mainline 6.8: the full filter, reset after filter, unbind resets the adapter's queues.
  KernelBehaviour v6_8 = v6_6;
  v6_8.full_filter = true;
  v6_8.filter_resets_unplugged = true;
  v6_8.unbind_resets_adapter = true;
  // Mainline 6.9: CHECKSTOPPED passable.
  KernelBehaviour v6_9 = v6_8;
  v6_9.checkstopped_passable = true;
  // Mainline 6.10: the ap_config attribute.
  KernelBehaviour v6_10 = v6_9;
  v6_10.ap_config_attribute = true;
  // Debian's linux-source-6.12 (6.12.118): everything up to 6.12 and the 2026 fix batch's
  // back-ports; the request callback only signals user space (the CRYCB is cleared from 6.15).
  KernelBehaviour v6_12 = v6_10;
  v6_12.matrix_features = true;
  v6_12.removal_unplugs_assigned_control_domains = true;
  v6_12.removal_commits_emptied_shadow = true;
  v6_12.failed_attach_keeps_hook = true;  // the back-port of 4400270ec034
  // Mainline 6.15: the request clears the CRYCB; commits signal the guest's AP-configuration-
  // changed eventfd. (Mainline 6.12 and 6.15 lack the 2026 fixes.)
  KernelBehaviour v6_15 = v6_10;
  v6_15.matrix_features = true;
  v6_15.request_clears_crycb = true;
  v6_15.signals_guest_config_change = true;
  // Mainline 6.19: the AP bus driver_override regime (d38a87d7c064, 46030379f13c, 6917f434fda3).
  KernelBehaviour v6_19 = v6_15;
  v6_19.queue_driver_override = true;
  return {{{KernelVersion::v6_0, "6.0", v6_0},
           {KernelVersion::v6_1, "6.1", v6_1},
           {KernelVersion::v6_6, "6.6", v6_6},
           {KernelVersion::v6_8, "6.8", v6_8},
           {KernelVersion::v6_9, "6.9", v6_9},
           {KernelVersion::v6_10, "6.10", v6_10},
           {KernelVersion::v6_12, "6.12", v6_12},
           {KernelVersion::v6_15, "6.15", v6_15},
           {KernelVersion::v6_19, "6.19", v6_19},
           {KernelVersion::latest, "latest", kLatest}}};
}

constexpr std::array<Profile, 10> kProfiles = make_profiles();

const Profile& profile(KernelVersion v) {
  for (const Profile& p : kProfiles)
    if (p.version == v) return p;
  return kProfiles.back();
}

}  // namespace

const std::vector<KernelVersion>& kernel_versions() {
  static const std::vector<KernelVersion> all = [] {
    std::vector<KernelVersion> out;
    for (const Profile& p : kProfiles) out.push_back(p.version);
    return out;
  }();
  return all;
}

std::optional<KernelVersion> parse_kernel_version(std::string_view text) {
  for (const Profile& p : kProfiles)
    if (p.name == text) return p.version;
  return std::nullopt;
}

std::string_view kernel_version_name(KernelVersion v) { return profile(v).name; }

std::string_view kernel_version_names() {
  return "6.0, 6.1, 6.6, 6.8, 6.9, 6.10, 6.12, 6.15, 6.19, latest";
}

const KernelBehaviour& behaviour(KernelVersion v) { return profile(v).behaviour; }

bool invariants_hold(KernelVersion v) {
  const KernelBehaviour& k = behaviour(v);
  return k.full_filter && k.removal_unplugs_assigned_control_domains && k.removal_commits_emptied_shadow &&
         k.failed_attach_keeps_hook;
}

}  // namespace apcb::model
