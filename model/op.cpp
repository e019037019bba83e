#include "model/op.h"

namespace apcb::model {

bool is_mutating(const Op& op) { return info(kind_of(op)).mutates; }

Op example_op(OpKind kind) {
  constexpr const char* kUuid = "11111111-1111-1111-1111-111111111111";
  const Apqn q{5, 4};
  switch (kind) {
    case OpKind::config_change: return op::ConfigChange{Matrix{Mask::of({5, 6}), Mask::of({4}), Mask::of({4})}};
    case OpKind::queue_bind: return op::QueueBind{q, Driver::vfio_ap};
    case OpKind::queue_unbind: return op::QueueUnbind{q, Driver::vfio_ap};
    case OpKind::reset_response: return op::ResetResponse{q, response::normal};
    case OpKind::bus_mask_write: return op::BusMaskWrite{BusMask::apmask, "-5\n"};
    case OpKind::mdev_create: return op::MdevCreate{kUuid};
    case OpKind::mdev_remove: return op::MdevRemove{kUuid};
    case OpKind::attr_write: return op::AttrWrite{kUuid, MdevAttr::assign_adapter, "5\n"};
    case OpKind::device_reset: return op::DeviceReset{kUuid};
    case OpKind::guest_create: return op::GuestCreate{1, true};
    case OpKind::guest_attach: return op::GuestAttach{kUuid, 1};
    case OpKind::guest_detach: return op::GuestDetach{kUuid};
    case OpKind::guest_release: return op::GuestRelease{kUuid};
    case OpKind::vcpu_observe: return op::VcpuObserve{1};
    case OpKind::read_mdev: return op::ReadMdev{kUuid, MdevView::matrix};
    case OpKind::read_bus_mask: return op::ReadBusMask{BusMask::apmask};
    case OpKind::read_queue_status: return op::ReadQueueStatus{q};
    case OpKind::read_features: return op::ReadFeatures{};
    case OpKind::driver_override_write: return op::DriverOverrideWrite{q, "vfio_ap\n"};
    case OpKind::driver_override_read: return op::DriverOverrideRead{q};
    case OpKind::guest_aqic: return op::GuestAqic{1, q};
  }
  return op::VcpuObserve{1};  // unreachable: every kind has a case (-Wswitch)
}

}  // namespace apcb::model

namespace apcb::model {

std::string operation_class(const Op& op) {
  std::string out(info(kind_of(op)).name);
  auto qualify = [&](std::string_view what) { (out += ' ') += what; };
  if (const auto* w = std::get_if<op::AttrWrite>(&op)) qualify(name_of(w->attr));
  if (const auto* r = std::get_if<op::ReadMdev>(&op)) qualify(name_of(r->view));
  if (const auto* m = std::get_if<op::BusMaskWrite>(&op)) qualify(name_of(m->mask));
  if (const auto* m = std::get_if<op::ReadBusMask>(&op)) qualify(name_of(m->mask));
  return out;
}

const std::vector<std::string>& operation_classes() {
  static const std::vector<std::string> classes = [] {
    std::vector<std::string> all;
    for (const OpInfo& i : kAlphabet) {
      const std::string name(i.name);
      auto with = [&](const auto& names) {
        for (std::string_view n : names) all.push_back(name + " " + std::string(n));
      };
      switch (i.kind) {
        case OpKind::attr_write: with(kMdevAttrNames); break;
        case OpKind::read_mdev: with(kMdevViewNames); break;
        case OpKind::bus_mask_write:
        case OpKind::read_bus_mask: with(kBusMaskNames); break;
        default: all.push_back(name);
      }
    }
    return all;
  }();
  return classes;
}

}  // namespace apcb::model
