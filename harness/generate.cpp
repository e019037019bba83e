#include "harness/generate.h"

namespace apcb::harness {

std::string generator_uuid(int k) {
  static constexpr char kDigits[] = "0123456789abcdef";
  if (k >= 0 && k < 15) {
    const char c = kDigits[k + 1];
    std::string u(36, c);
    for (std::size_t dash : {8, 13, 18, 23}) u[dash] = '-';
    return u;
  }
  std::string tail(12, '0');
  for (std::size_t i = 12; i > 0 && k > 0; --i, k /= 16) tail[i - 1] = kDigits[k % 16];
  return "00000000-0000-0000-0000-" + tail;
}

model::Matrix within_host(const model::Matrix& m, const model::HostParams& p) {
  const model::Mask q = model::Mask::up_to(p.bus_max_domain());
  return model::Matrix{m.adapters & model::Mask::up_to(p.bus_max_adapter()), m.domains & q,
                       m.control_domains & q};
}

model::Op release_focused_adapters() { return model::op::BusMaskWrite{model::BusMask::apmask, "-1-4\n"}; }

namespace {

// Weights in variant order (model/op.h): ConfigChange, QueueBind, QueueUnbind, ResetResponse,
// BusMaskWrite, MdevCreate, MdevRemove, AttrWrite, DeviceReset, GuestCreate, GuestAttach,
// GuestDetach, GuestRelease, VcpuObserve, ReadMdev, ReadBusMask, ReadQueueStatus, ReadFeatures,
// DriverOverrideWrite, DriverOverrideRead, GuestAqic.
using Weights = std::array<int, kOpKinds>;
static_assert(kOpKinds == 21, "a new operation kind (model/alphabet.def) needs a weight in every preset");

}  // namespace

GeneratorKnobs GeneratorKnobs::defaults() {
  GeneratorKnobs k;
  // Mutations: attribute writes most (they decide what the filter sees), then the host events
  // and guest operations that make the filter, the resets and the commits matter. Reads (35%
  // of draws, among themselves by these weights): the mdev's four views and the queue status
  // most, the vCPU view of the guest and its PQAP(AQIC), the bus masks, the features file.
  k.weights = Weights{3, 2, 3, 3, 3, 2, 1, 10, 3, 1, 4, 2, 2, 2, 4, 1, 3, 1, 1, 1, 2};
  k.host = HostShape::machines;
  k.guests = 3;
  k.read_percent = 35;
  k.toggle_percent = 60;
  k.toggle_member_percent = 50;
  k.fresh_mdev_percent = 75;
  k.follow_percent = 60;
  k.every_reset_code = true;
  k.reset_sequence_percent = 25;
  k.overflow_text = true;
  k.mask_variants = true;
  k.setup_percent = 50;
  k.aim_percent = 60;
  k.assign_percent = 70;
  k.configured_percent = 40;
  k.config_min_ids = 2;
  return k;
}

GeneratorKnobs GeneratorKnobs::mix() {
  GeneratorKnobs k;
  k.weights = Weights{2, 1, 1, 1, 1, 1, 1, 6, 1, 1, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
  k.read_percent = 25;
  return k;
}

GeneratorKnobs GeneratorKnobs::focused() {
  GeneratorKnobs k;
  k.weights = Weights{6, 3, 3, 6, 3, 3, 1, 21, 2, 3, 6, 2, 1, 3, 6, 1, 3, 1, 0, 0, 2};
  k.ids = IdUniverse::focused;
  k.syntax_variants = false;
  k.malformed = false;
  k.toggle_percent = 100;
  return k;
}

GeneratorKnobs GeneratorKnobs::property() {
  GeneratorKnobs k;
  k.weights = Weights{2, 2, 2, 3, 4, 3, 1, 14, 2, 2, 4, 2, 1, 2, 3, 1, 1, 1, 1, 1, 2};
  k.guests = 3;
  return k;
}

GeneratorKnobs GeneratorKnobs::fuzz() {
  GeneratorKnobs k;
  // features (a constant of the driver, nothing for a differential fuzzer to reach), the
  // driver_override ops and the guest's PQAP(AQIC) (added after the seeds) weigh 0: the kind
  // byte stays % 32, so the committed seeds keep decoding to the runs they were found for
  // (fuzz/corpus/fuzz_ops/reaches-*).
  k.weights = Weights{1, 1, 1, 2, 3, 2, 1, 8, 1, 2, 3, 1, 1, 1, 2, 1, 1, 0, 0, 0, 0};
  k.guests = 3;
  return k;
}

std::string knob_flags(const GeneratorKnobs& k) {
  const GeneratorKnobs d = GeneratorKnobs::defaults();
  std::string out;
  std::string weights;
  for (std::size_t i = 0; i < kOpKinds; ++i) {
    if (k.weights[i] == d.weights[i]) continue;
    weights += (weights.empty() ? "" : ",") + std::string(model::kAlphabet[i].name) + "=" +
               std::to_string(k.weights[i]);
  }
  if (!weights.empty()) out += " --weights " + weights;
  if (k.mdev_uuids != d.mdev_uuids) out += " --mdevs " + std::to_string(k.mdev_uuids);
  if (k.guests != d.guests) out += " --guests " + std::to_string(k.guests);
  if (k.host != d.host && k.host == HostShape::apxa) out += " --host apxa";
  if (k.host != d.host && k.host == HostShape::non_apxa) out += " --host non-apxa";
  if (k.read_percent != d.read_percent && k.read_percent >= 0)
    out += " --reads " + std::to_string(k.read_percent);
  if (k.kernel != d.kernel) out += " --kernel " + std::string(model::kernel_version_name(k.kernel));
  return out;
}

}  // namespace apcb::harness
