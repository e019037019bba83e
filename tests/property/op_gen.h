// apcb tests — RapidCheck generators for the operation alphabet (model/op.h), biased the way
// model/generate.h's RandomOps is: few IDs reused (so APQNs are shared across mdevs and
// conflicts happen), IDs at the format and word boundaries (15/16, 63/64, 255, from
// model::kInterestingIds), non-APXA hosts, existing mdevs, guests and configured queues
// preferred so that most operations get past the "no such device" checks. Unlike RandomOps
// these are rc::Gen values, so every drawn ID, text form and operation kind shrinks.
#ifndef APCB_TESTS_PROPERTY_OP_GEN_H_
#define APCB_TESTS_PROPERTY_OP_GEN_H_

#include <rapidcheck.h>

#include <memory>
#include <string>
#include <vector>

#include "model/generate.h"
#include "model/op.h"
#include "model/state.h"

namespace apcb::property {

// The host's QCI parameters: APXA with every ID, non-APXA (63/15), or APXA with maxima just
// past the format-0/1 boundary (64/16), where range checks and truncation meet.
inline rc::Gen<model::HostParams> gen_params() {
  return rc::gen::weightedElement<model::HostParams>(
      {{4, model::HostParams{true, 255, 255}}, {2, model::HostParams{false, 63, 15}}, {1, model::HostParams{true, 64, 16}}});
}

// One ID: mostly 0..4 (reused, so APQNs collide), else a boundary ID, else (with a state) an ID
// the host has configured. Shrinks toward 0.
inline rc::Gen<int> gen_id(const std::shared_ptr<const model::State>& s = nullptr) {
  return rc::gen::exec([s] {
    std::vector<int> configured;
    if (s != nullptr)
      (s->cfg.adapters | s->cfg.domains | s->cfg.control_domains).for_each([&](model::ApId i) { configured.push_back(i); });
    const int from = *rc::gen::weightedElement<int>({{6, 0}, {3, 1}, {configured.empty() ? 0 : 3, 2}});
    if (from == 0) return *rc::gen::inRange(0, 5);
    if (from == 1) return *rc::gen::elementOf(std::vector<int>(model::kInterestingIds.begin(), model::kInterestingIds.end()));
    return *rc::gen::elementOf(configured);
  });
}

// A set of up to four IDs.
inline rc::Gen<model::Mask> gen_mask(const std::shared_ptr<const model::State>& s = nullptr) {
  return rc::gen::exec([s] {
    model::Mask m;
    for (int i = *rc::gen::inRange(0, 5); i > 0; --i) m.set(static_cast<model::ApId>(*gen_id(s)));
    return m;
  });
}

inline rc::Gen<model::Matrix> gen_matrix(const std::shared_ptr<const model::State>& s = nullptr) {
  return rc::gen::exec([s] { return model::Matrix{*gen_mask(s), *gen_mask(s), *gen_mask(s)}; });
}

// A QCI configuration a machine with these parameters can have: no ID beyond the AP bus's
// maxima (a non-APXA host has no adapter 64 and no domain 16).
inline rc::Gen<model::Matrix> gen_config(const model::HostParams& p,
                                         const std::shared_ptr<const model::State>& s = nullptr) {
  return rc::gen::map(gen_matrix(s), [p](const model::Matrix& m) { return model::RandomOps::within_host(m, p); });
}

// A queue: mostly a configured one (so it exists), else any pair of drawn IDs.
inline rc::Gen<model::Apqn> gen_apqn(const std::shared_ptr<const model::State>& s) {
  return rc::gen::exec([s] {
    std::vector<int> as, ds;
    s->cfg.adapters.for_each([&](model::ApId i) { as.push_back(i); });
    s->cfg.domains.for_each([&](model::ApId i) { ds.push_back(i); });
    if (!as.empty() && !ds.empty() && *rc::gen::inRange(0, 4) != 0)
      return model::Apqn{static_cast<model::ApId>(*rc::gen::elementOf(as)), static_cast<model::ApId>(*rc::gen::elementOf(ds))};
    return model::Apqn{static_cast<model::ApId>(*gen_id(s)), static_cast<model::ApId>(*gen_id(s))};
  });
}

inline std::string hex_digits(int v) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  do {
    out.insert(out.begin(), kDigits[v % 16]);
    v /= 16;
  } while (v != 0);
  return out;
}

inline std::string octal_digits(int v) {
  std::string out;
  do {
    out.insert(out.begin(), static_cast<char>('0' + v % 8));
    v /= 8;
  } while (v != 0);
  return out;
}

// The text of an ID attribute write: decimal with newline (most), hex, octal, no newline,
// malformed, beyond every maximum, empty.
inline rc::Gen<std::string> gen_id_text(const std::shared_ptr<const model::State>& s) {
  return rc::gen::exec([s] {
    const int v = *gen_id(s);
    switch (*rc::gen::weightedElement<int>({{8, 0}, {1, 1}, {1, 2}, {1, 3}, {1, 4}, {1, 5}, {1, 6}})) {
      case 1: return "0x" + hex_digits(v) + "\n";
      case 2: return "0" + octal_digits(v) + "\n";
      case 3: return std::to_string(v);
      case 4: return "x" + std::to_string(v) + "\n";
      case 5: return std::to_string(v + 256) + "\n";
      case 6: return std::string("\n");
      default: return std::to_string(v) + "\n";
    }
  });
}

// A bus mask write: relative (`-a,+b`, the common administrator form) or absolute hex.
inline rc::Gen<std::string> gen_mask_text(const std::shared_ptr<const model::State>& s) {
  return rc::gen::exec([s] {
    if (*rc::gen::inRange(0, 4) != 0) {
      std::string out;
      const int n = *rc::gen::inRange(1, 4);
      for (int i = 0; i < n; ++i) {
        if (!out.empty()) out += ",";
        out += *rc::gen::weightedElement<int>({{3, 0}, {1, 1}}) == 0 ? "-" : "+";
        out += std::to_string(*gen_id(s));
      }
      return out + "\n";
    }
    return "0x" + (~*gen_mask(s)).hex() + "\n";
  });
}

inline rc::Gen<std::string> gen_ap_config_text(const std::shared_ptr<const model::State>& s) {
  return rc::gen::exec([s] {
    if (*rc::gen::inRange(0, 10) == 0) return std::string("0x1,0x2");  // malformed: two fields
    const model::Mask a = *gen_mask(s), q = *gen_mask(s), c = *gen_mask(s);
    return "0x" + a.hex() + ",0x" + q.hex() + ",0x" + c.hex() + "\n";
  });
}

// Where an operation's target came from: drawn from the existing mdevs / guests, so the step
// only means what it was generated for while that target exists (the precondition).
struct Targets {
  std::string mdev;            // non-empty: the UUID of an existing mdev was drawn
  std::optional<model::GuestId> guest;  // an existing guest was drawn
};

// An mdev UUID and whether it names an existing mdev: an existing one (7 in 8 when there are
// some), else one of the generators' three, rarely a malformed or upper-case one.
inline rc::Gen<std::pair<std::string, bool>> gen_uuid(const std::shared_ptr<const model::State>& s) {
  return rc::gen::exec([s] {
    if (!s->mdevs.empty() && *rc::gen::inRange(0, 8) != 0)
      return std::pair{s->mdevs[static_cast<std::size_t>(*rc::gen::inRange(0, static_cast<int>(s->mdevs.size())))].uuid, true};
    switch (*rc::gen::weightedElement<int>({{12, 0}, {1, 1}, {1, 2}})) {
      case 1: return std::pair{std::string("1111"), false};
      case 2: return std::pair{std::string("AAAAAAAA-1111-1111-1111-111111111111"), false};
      default:
        return std::pair{std::string(*rc::gen::elementOf(std::vector<const char*>(model::kGeneratorUuids.begin(), model::kGeneratorUuids.end()))), false};
    }
  });
}

// A guest id and whether it names an existing guest.
inline rc::Gen<std::pair<model::GuestId, bool>> gen_guest(const std::shared_ptr<const model::State>& s) {
  return rc::gen::exec([s] {
    if (!s->guests.empty() && *rc::gen::inRange(0, 4) != 0)
      return std::pair{s->guests[static_cast<std::size_t>(*rc::gen::inRange(0, static_cast<int>(s->guests.size())))].id, true};
    return std::pair{static_cast<model::GuestId>(*rc::gen::inRange(0, 3)), false};
  });
}

// One operation of the whole alphabet, drawn with an eye on `s`; `t` says which existing
// targets it was drawn for.
inline model::Op draw_op(const std::shared_ptr<const model::State>& s, Targets& t) {
  using namespace model;
  auto uuid_of = [&t](std::pair<std::string, bool> u) {
    if (u.second) t.mdev = u.first;
    return u.first;
  };
  auto guest_of = [&t](std::pair<GuestId, bool> g) {
    if (g.second) t.guest = g.first;
    return g.first;
  };
  static constexpr MdevAttr kIdAttrs[] = {MdevAttr::assign_adapter, MdevAttr::unassign_adapter, MdevAttr::assign_domain,
                                          MdevAttr::unassign_domain, MdevAttr::assign_control_domain,
                                          MdevAttr::unassign_control_domain};
  // Weights: attribute writes and the events that make the filter and resets matter most.
  const int kind = *rc::gen::weightedElement<int>({{2, 0}, {2, 1}, {2, 2}, {3, 3}, {4, 4}, {3, 5}, {1, 6}, {12, 7}, {2, 8},
                                                  {2, 9}, {2, 10}, {4, 11}, {2, 12}, {1, 13}, {2, 14}, {3, 15}, {1, 16}, {1, 17}});
  switch (kind) {
    case 0: return op::ConfigChange{*gen_config(s->params, s)};
    case 1: return op::QueueBind{*gen_apqn(s), *rc::gen::weightedElement<Driver>({{4, Driver::vfio_ap}, {1, Driver::default_driver}})};
    case 2: return op::QueueUnbind{*gen_apqn(s), *rc::gen::weightedElement<Driver>({{4, Driver::vfio_ap}, {1, Driver::default_driver}})};
    case 3: return op::ResetResponse{*gen_apqn(s), static_cast<std::uint8_t>(*rc::gen::elementOf(std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7}))};
    case 4: return op::BusMaskWrite{*rc::gen::weightedElement<BusMask>({{2, BusMask::apmask}, {1, BusMask::aqmask}}), *gen_mask_text(s)};
    case 5: return op::MdevCreate{uuid_of(*gen_uuid(s))};
    case 6: return op::MdevRemove{uuid_of(*gen_uuid(s))};
    case 7: {
      const std::string uuid = uuid_of(*gen_uuid(s));
      return op::AttrWrite{uuid, *rc::gen::elementOf(std::vector<MdevAttr>(std::begin(kIdAttrs), std::end(kIdAttrs))), *gen_id_text(s)};
    }
    case 8: {
      const std::string uuid = uuid_of(*gen_uuid(s));
      return op::AttrWrite{uuid, MdevAttr::ap_config, *gen_ap_config_text(s)};
    }
    case 9: return op::DeviceReset{uuid_of(*gen_uuid(s))};
    case 10: return op::GuestCreate{static_cast<GuestId>(*rc::gen::inRange(0, 3)), *rc::gen::weightedElement<bool>({{3, true}, {1, false}})};
    case 11: {
      const std::string uuid = uuid_of(*gen_uuid(s));
      return op::GuestAttach{uuid, guest_of(*gen_guest(s))};
    }
    case 12: return op::GuestDetach{uuid_of(*gen_uuid(s))};
    case 13: return op::GuestRelease{uuid_of(*gen_uuid(s))};
    case 14: return op::VcpuObserve{guest_of(*gen_guest(s))};
    case 15: return op::ReadMdev{uuid_of(*gen_uuid(s)), *rc::gen::elementOf(std::vector<MdevView>{MdevView::matrix, MdevView::guest_matrix, MdevView::control_domains, MdevView::ap_config})};
    case 16: return op::ReadBusMask{*rc::gen::elementOf(std::vector<BusMask>{BusMask::apmask, BusMask::aqmask})};
    default: return op::ReadQueueStatus{*gen_apqn(s)};
  }
}

}  // namespace apcb::property

#endif  // APCB_TESTS_PROPERTY_OP_GEN_H_
