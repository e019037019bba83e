// apcb — random operations of the alphabet, biased toward interesting states: few IDs reused
// (so APQNs are shared and conflicts happen), IDs at the word and format boundaries (15/16,
// 63/64, 255), both attribute syntaxes and malformed input. `apcb gen`, the model's random
// tests and the differential tests draw from it; the same seed gives the same operations on
// every platform (std::mt19937_64 and hand-written draws, no std distributions).
#ifndef APCB_MODEL_GENERATE_H_
#define APCB_MODEL_GENERATE_H_

#include <array>
#include <random>
#include <string>

#include "model/op.h"
#include "model/state.h"

namespace apcb::model {

// The IDs every generator favours: the first few (so few IDs are reused and APQNs are shared
// across mdevs) and the boundaries of CRYCB format 0/1 (15/16, 63/64), of a mask word (63/64,
// 127/128) and of the ID space (255). RandomOps, the stateful property test and the fuzz
// decoder all draw from this one table.
inline constexpr std::array<int, 10> kInterestingIds{0, 1, 2, 3, 15, 16, 63, 64, 128, 255};

// The mdev UUIDs generators use: few, so operations keep meeting the same devices.
inline constexpr std::array<const char*, 3> kGeneratorUuids{
    "11111111-1111-1111-1111-111111111111", "22222222-2222-2222-2222-222222222222",
    "33333333-3333-3333-3333-333333333333"};

class RandomOps {
  // Not thread-safe; one generator per thread.
 public:
  explicit RandomOps(std::uint64_t seed) : rng_(seed) {}

  // The host of a run: APXA with all 256 IDs, or not (63/15). Later config() draws, and
  // next() without a state, keep to this host's IDs.
  HostParams params() {
    host_ = coin(3) ? HostParams{true, 255, 255} : HostParams{false, 63, 15};
    return host_;
  }
  // A QCI configuration a machine of the host drawn last can have: adapters 0..Na and
  // (control) domains 0..Nd as the AP bus sees them (bus_max_adapter/bus_max_domain). A
  // non-APXA machine has no adapter 64 or domain 16.
  Matrix config() { return config(host_); }
  static Matrix within_host(const Matrix& m, const HostParams& p) {
    const Mask q = Mask::up_to(p.bus_max_domain());
    return Matrix{m.adapters & Mask::up_to(p.bus_max_adapter()), m.domains & q,
                  m.control_domains & q};
  }

  // An operation drawn with an eye on `s`: mostly existing mdevs, guests and queues, and IDs
  // the host has, so most operations get past the "no such device" checks.
  Op next(const State& s) {
    state_ = &s;
    Op op = next();
    state_ = nullptr;
    return op;
  }

  Op next() {
    switch (pick(20)) {
      case 0: return op::ConfigChange{config(state_ != nullptr ? state_->params : host_)};
      case 1: return op::QueueBind{apqn(), coin(4) ? Driver::vfio_ap : Driver::default_driver};
      case 2: return op::QueueUnbind{apqn(), coin(4) ? Driver::vfio_ap : Driver::default_driver};
      case 3: return op::ResetResponse{apqn(), static_cast<std::uint8_t>(pick(8))};
      case 4: return op::BusMaskWrite{coin(2) ? BusMask::apmask : BusMask::aqmask, mask_text()};
      case 5: return op::MdevCreate{uuid()};
      case 6: return op::MdevRemove{uuid()};
      case 7: case 8: case 9: case 10: case 11:
        return op::AttrWrite{uuid(), static_cast<MdevAttr>(pick(6)), id_text()};
      case 12: return op::AttrWrite{uuid(), MdevAttr::ap_config, ap_config_text()};
      case 13: return op::DeviceReset{uuid()};
      case 14: return op::GuestCreate{static_cast<GuestId>(pick(2)), coin(4)};
      case 15: case 16: return op::GuestAttach{uuid(), static_cast<GuestId>(pick(2))};
      case 17: return op::GuestDetach{uuid()};
      case 18: return op::GuestRelease{uuid()};
      default: return op::ReadMdev{uuid(), static_cast<MdevView>(pick(4))};
    }
  }

 private:
  static constexpr const std::array<int, 10>& kIds = kInterestingIds;
  Matrix config(const HostParams& p) { return within_host(Matrix{ids(), ids(), ids()}, p); }
  bool coin(int one_in_not) { return pick(one_in_not) != 0; }
  // A draw in [0, n): the modulo bias is negligible for n ≤ 256 and keeps draws portable.
  int pick(int n) { return static_cast<int>(rng_() % static_cast<std::uint64_t>(n)); }
  int id() {
    if (state_ != nullptr && pick(3) == 0) {
      const int c = member(state_->cfg.adapters | state_->cfg.domains);
      if (c >= 0) return c;
    }
    return pick(4) != 0 ? kIds[static_cast<std::size_t>(pick(4))] : kIds[static_cast<std::size_t>(pick(10))];
  }
  Mask ids() {
    Mask m;
    for (int i = pick(5); i > 0; --i) m.set(static_cast<ApId>(id()));
    return m;
  }
  Apqn apqn() {
    if (state_ != nullptr && pick(4) != 0) {
      const int a = member(state_->cfg.adapters);
      const int d = member(state_->cfg.domains);
      if (a >= 0 && d >= 0) return Apqn{static_cast<ApId>(a), static_cast<ApId>(d)};
    }
    return Apqn{static_cast<ApId>(id()), static_cast<ApId>(id())};
  }
  // A random member of m, or -1 when empty.
  int member(const Mask& m) {
    const int n = m.count();
    if (n == 0) return -1;
    int k = pick(n);
    int found = -1;
    m.for_each([&](ApId i) {
      if (k-- == 0) found = i;
    });
    return found;
  }
  std::string uuid() {
    static constexpr const std::array<const char*, 3>& kUuids = kGeneratorUuids;
    if (state_ != nullptr && !state_->mdevs.empty() && pick(8) != 0)
      return state_->mdevs[static_cast<std::size_t>(pick(static_cast<int>(state_->mdevs.size())))].uuid;
    return kUuids[static_cast<std::size_t>(pick(3))];
  }
  std::string id_text() {
    const int v = id();
    switch (pick(8)) {
      case 0: return "0x" + hex(v) + "\n";
      case 1: return "0" + oct(v) + "\n";
      case 2: return std::to_string(v);
      case 3: return "x" + std::to_string(v) + "\n";  // malformed
      case 4: return std::to_string(v + 256) + "\n";  // beyond every maximum
      default: return std::to_string(v) + "\n";
    }
  }
  std::string mask_text() {
    if (coin(3)) {
      std::string out;
      for (int i = pick(3) + 1; i > 0; --i) {
        if (!out.empty()) out += ",";
        out += coin(2) ? "-" : "+";
        out += std::to_string(id());
      }
      return out + "\n";
    }
    return "0x" + ids().hex() + "\n";
  }
  std::string ap_config_text() {
    if (pick(10) == 0) return "0x1,0x2";
    return "0x" + ids().hex() + ",0x" + ids().hex() + ",0x" + ids().hex() + "\n";
  }
  static std::string hex(int v) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    do { out.insert(out.begin(), kDigits[v % 16]); v /= 16; } while (v != 0);
    return out;
  }
  static std::string oct(int v) {
    std::string out;
    do { out.insert(out.begin(), static_cast<char>('0' + v % 8)); v /= 8; } while (v != 0);
    return out;
  }

  std::mt19937_64 rng_;
  HostParams host_;               // the host params() drew last (APXA 255/255 before)
  const State* state_ = nullptr;  // set during next(const State&)
};

}  // namespace apcb::model

#endif  // APCB_MODEL_GENERATE_H_
