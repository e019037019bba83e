// apcb tests — the model's random operation generator (tests/model/random_ops.h) plus the reads
// it does not produce (vCPU observations, bus mask reads, queue status reads), so that
// differential runs cover the whole alphabet.
#ifndef APCB_TESTS_IMPL_RANDOM_MIX_H_
#define APCB_TESTS_IMPL_RANDOM_MIX_H_

#include <cstdint>
#include <cstdlib>
#include <random>
#include <string>

#include "tests/model/random_ops.h"
#include "tests/sanitized.h"

namespace apcb::impl::testing {

class RandomMix {
 public:
  explicit RandomMix(std::uint64_t seed) : ops_(seed), rng_(seed ^ 0x5EEDULL) {}

  model::HostParams params() { return ops_.params(); }
  model::Matrix config() { return ops_.config(); }

  model::Op next() {
    switch (pick(16)) {
      case 0: return model::op::VcpuObserve{static_cast<model::GuestId>(pick(2))};
      case 1: return model::op::ReadBusMask{pick(2) == 0 ? model::BusMask::apmask : model::BusMask::aqmask};
      case 2: {
        static constexpr int kIds[] = {0, 1, 2, 3, 15, 16, 63, 64, 128, 255};
        return model::op::ReadQueueStatus{model::Apqn{static_cast<model::ApId>(kIds[pick(10)]),
                                                      static_cast<model::ApId>(kIds[pick(10)])}};
      }
      default: return ops_.next();
    }
  }

 private:
  int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
  model::testing::RandomOps ops_;
  std::mt19937_64 rng_;
};

// A generator focused on the states where the filter, hot plug and resets matter: a universe of
// four adapters and four domains (plus the format boundaries now and then), queues given to
// vfio_ap early, guests attached, reset responses that fail, host configuration changes that
// toggle single IDs. The model's generator (RandomOps) spreads over many IDs and malformed
// input; this one reaches deep states.
class FocusedOps {
 public:
  explicit FocusedOps(std::uint64_t seed) : rng_(seed) {}

  model::HostParams params() {
    host_ = pick(4) != 0 ? model::HostParams{true, 255, 255} : model::HostParams{false, 63, 15};
    return host_;
  }
  // A configuration the host drawn last can have (no adapter 64 or domain 16 without APXA).
  model::Matrix config() {
    const model::Matrix m{ids(0.8), ids(0.8), ids(0.8)};
    return model::RandomOps::within_host(m, host_);
  }

  model::Op next() {
    using namespace model;
    static constexpr MdevAttr kAttrs[] = {MdevAttr::assign_adapter, MdevAttr::assign_domain,
                                          MdevAttr::assign_control_domain, MdevAttr::unassign_adapter,
                                          MdevAttr::unassign_domain, MdevAttr::unassign_control_domain};
    switch (pick(24)) {
      case 0: case 1: {
        // Toggle one ID of the configuration.
        Matrix c = cfg_;
        Mask& m = pick(3) == 0 ? c.adapters : (pick(2) == 0 ? c.domains : c.control_domains);
        const ApId id = some_id();
        m.assign(id, !m.test(id));
        cfg_ = model::RandomOps::within_host(c, host_);
        return op::ConfigChange{cfg_};
      }
      case 2: return op::QueueBind{apqn(), pick(5) != 0 ? Driver::vfio_ap : Driver::default_driver};
      case 3: return op::QueueUnbind{apqn(), pick(5) != 0 ? Driver::vfio_ap : Driver::default_driver};
      case 4: case 5: {
        static constexpr std::uint8_t kRc[] = {0, 0, 1, 2, 3, 4, 5, 7};
        return op::ResetResponse{apqn(), kRc[pick(8)]};
      }
      case 6: {
        std::string text = pick(2) == 0 ? "-" : "+";
        text += std::to_string(some_id());
        if (pick(2) == 0) text += (pick(2) == 0 ? ",-" : ",+") + std::to_string(some_id());
        return op::BusMaskWrite{pick(3) == 0 ? BusMask::aqmask : BusMask::apmask, text + "\n"};
      }
      case 7: return op::MdevCreate{uuid()};
      case 8: return pick(3) == 0 ? Op{op::MdevRemove{uuid()}} : Op{op::DeviceReset{uuid()}};
      case 9: case 10: case 11: case 12: case 13: case 14:
        return op::AttrWrite{uuid(), kAttrs[pick(6)], std::to_string(some_id()) + "\n"};
      case 15: {
        Mask a = ids(0.5), q = ids(0.5), c = ids(0.3);
        return op::AttrWrite{uuid(), MdevAttr::ap_config, "0x" + a.hex() + ",0x" + q.hex() + ",0x" + c.hex() + "\n"};
      }
      case 16: return op::GuestCreate{static_cast<GuestId>(pick(2)), pick(4) != 0};
      case 17: case 18: return op::GuestAttach{uuid(), static_cast<GuestId>(pick(2))};
      case 19: return pick(3) == 0 ? Op{op::GuestRelease{uuid()}} : Op{op::GuestDetach{uuid()}};
      case 20: return op::VcpuObserve{static_cast<GuestId>(pick(2))};
      case 21: return op::ReadQueueStatus{apqn()};
      default: return op::ReadMdev{uuid(), static_cast<MdevView>(pick(4))};
    }
  }

  // The first operations of a focused run: give the universe's queues to vfio_ap.
  static model::Op release_adapters() { return model::op::BusMaskWrite{model::BusMask::apmask, "-1-4\n"}; }

 private:
  int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
  model::ApId some_id() {
    static constexpr int kRare[] = {0, 15, 16, 63, 64, 255};
    return static_cast<model::ApId>(pick(12) == 0 ? kRare[pick(6)] : 1 + pick(4));
  }
  model::Mask ids(double p) {
    model::Mask m;
    for (int id = 1; id <= 4; ++id)
      if (std::uniform_real_distribution<double>(0, 1)(rng_) < p) m.set(static_cast<model::ApId>(id));
    if (pick(6) == 0) m.set(some_id());
    return m;
  }
  model::Apqn apqn() { return model::Apqn{some_id(), some_id()}; }
  std::string uuid() {
    static constexpr const char* kUuids[] = {"11111111-1111-1111-1111-111111111111",
                                             "22222222-2222-2222-2222-222222222222",
                                             "33333333-3333-3333-3333-333333333333"};
    return kUuids[pick(3)];
  }

  std::mt19937_64 rng_;
  model::Matrix cfg_;
  model::HostParams host_;

 public:
  // The configuration the generator believes the host has (toggles start from it).
  void set_config(const model::Matrix& cfg) { cfg_ = cfg; }
};

// Whether this build runs under ThreadSanitizer (about ten times slower): long runs shrink.
inline constexpr bool kUnderTsan = apcb::testing::kThreadSanitized;

// A count from the environment (for longer local runs), else `fallback`.
inline int env_count(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v != nullptr ? std::atoi(v) : fallback;
}

}  // namespace apcb::impl::testing

#endif  // APCB_TESTS_IMPL_RANDOM_MIX_H_
