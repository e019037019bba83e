#include "proofs/ops.h"

#include <cstdio>
#include <stdexcept>
#include <type_traits>

namespace apcb::proofs::detail {

using model::Driver;
using model::MdevAttr;

const std::vector<std::string>& op_kind_names() {
  static const std::vector<std::string> names{
      "config_change",     "queue_bind",          "queue_unbind",
      "reset_response",    "bus_mask_write",      "mdev_create",
      "mdev_remove",       "assign_adapter",      "unassign_adapter",
      "assign_domain",     "unassign_domain",     "assign_control_domain",
      "unassign_control_domain", "ap_config",     "device_reset",
      "guest_create",      "guest_attach",        "guest_detach",
      "guest_release",     "vcpu_observe",        "read_mdev",
      "read_bus_mask",     "read_queue_status",   "driver_override_write",
      "driver_override_read"};
  return names;
}

namespace {

std::string slot_label(const char* what, int i) { return what + std::to_string(i); }

}  // namespace

OpKind op_kind(const z3enc::Encoder& enc, const std::string& prefix, const std::string& name) {
  z3::context& c = enc.ctx();
  const unsigned n = static_cast<unsigned>(enc.width());
  const unsigned ib = static_cast<unsigned>(enc.index_bits());
  const int slots = enc.shape().mdevs;
  const int guests = enc.shape().guests;
  auto idx = [&](const std::string& s) { return c.bv_const((prefix + "." + s).c_str(), ib); };
  auto mask = [&](const std::string& s) { return c.bv_const((prefix + "." + s).c_str(), n); };
  auto matrix = [&](const std::string& s) {
    return z3enc::SymMatrix{mask(s + ".A"), mask(s + ".Q"), mask(s + ".C")};
  };
  OpKind kind{name, true, {}};
  auto per_slot = [&](auto make) {
    for (int k = 0; k < slots; ++k) {
      OpInstance inst{slot_label("mdev", k), make(k), {}, {}, k, {}};
      kind.instances.push_back(std::move(inst));
    }
  };
  const std::pair<Driver, const char*> drivers[] = {
      {Driver::vfio_ap, "vfio_ap"}, {Driver::default_driver, "default"}, {Driver::none, "none"}};

  if (name == "config_change") {
    const z3enc::SymMatrix cfg = matrix("cfg");
    kind.instances.push_back({"", z3enc::sop::ConfigChange{cfg}, {}, {}, -1,
                              {cfg.adapters, cfg.domains, cfg.control_domains}});
  } else if (name == "queue_bind" || name == "queue_unbind") {
    const z3::expr a = idx("a");
    const z3::expr d = idx("d");
    for (const auto& [driver, label] : drivers) {
      z3enc::SymOp op = name == "queue_bind" ? z3enc::SymOp{z3enc::sop::QueueBind{a, d, driver}}
                                             : z3enc::SymOp{z3enc::sop::QueueUnbind{a, d, driver}};
      kind.instances.push_back({label, op, {a}, {}, -1, {}});
    }
  } else if (name == "reset_response") {
    const z3::expr a = idx("a");
    kind.instances.push_back(
        {"", z3enc::sop::ResetResponse{a, idx("d"), c.bool_const((prefix + ".passable").c_str()),
                                       c.bool_const((prefix + ".zero").c_str())},
         {a}, {}, -1, {}});
  } else if (name == "bus_mask_write" || name == "read_bus_mask") {
    for (model::BusMask m : {model::BusMask::apmask, model::BusMask::aqmask}) {
      const char* label = m == model::BusMask::apmask ? "apmask" : "aqmask";
      const z3::expr value = mask("value");
      // IDs beyond the width (none at 256): all set or none.
      const z3::expr high = enc.width() == 256 ? c.bool_val(true)
                                               : c.bool_const((prefix + ".value_high").c_str());
      z3enc::SymOp op = name == "read_bus_mask"
                            ? z3enc::SymOp{z3enc::sop::ReadBusMask{m}}
                            : z3enc::SymOp{z3enc::sop::BusMaskWrite{m, value, high}};
      kind.instances.push_back({label, op, {}, {}, -1, {value}});
    }
    kind.mutating = name == "bus_mask_write";
  } else if (name == "mdev_create") {
    per_slot([](int k) { return z3enc::SymOp{z3enc::sop::MdevCreate{k}}; });
  } else if (name == "mdev_remove") {
    per_slot([](int k) { return z3enc::SymOp{z3enc::sop::MdevRemove{k}}; });
  } else if (name == "device_reset") {
    per_slot([](int k) { return z3enc::SymOp{z3enc::sop::DeviceReset{k}}; });
  } else if (name == "guest_detach") {
    per_slot([](int k) { return z3enc::SymOp{z3enc::sop::GuestDetach{k}}; });
  } else if (name == "guest_release") {
    per_slot([](int k) { return z3enc::SymOp{z3enc::sop::GuestRelease{k}}; });
  } else if (name == "read_mdev") {
    per_slot([](int k) { return z3enc::SymOp{z3enc::sop::ReadMdev{k}}; });
    kind.mutating = false;
  } else if (name == "ap_config") {
    const z3enc::SymMatrix value = matrix("value");
    for (int k = 0; k < slots; ++k)
      kind.instances.push_back({slot_label("mdev", k), z3enc::sop::ApConfigWrite{k, value}, {},
                                {value.adapters}, k,
                                {value.adapters, value.domains, value.control_domains}});
  } else if (name == "assign_adapter" || name == "unassign_adapter" || name == "assign_domain" ||
             name == "unassign_domain" || name == "assign_control_domain" ||
             name == "unassign_control_domain") {
    const MdevAttr attr = name == "assign_adapter"     ? MdevAttr::assign_adapter
                          : name == "unassign_adapter" ? MdevAttr::unassign_adapter
                          : name == "assign_domain"    ? MdevAttr::assign_domain
                          : name == "unassign_domain"  ? MdevAttr::unassign_domain
                          : name == "assign_control_domain"
                              ? MdevAttr::assign_control_domain
                              : MdevAttr::unassign_control_domain;
    const z3::expr value = c.bv_const((prefix + ".value").c_str(), 64);
    const bool adapter = attr == MdevAttr::assign_adapter || attr == MdevAttr::unassign_adapter;
    for (int k = 0; k < slots; ++k) {
      OpInstance inst{slot_label("mdev", k), z3enc::sop::AttrWrite{k, attr, value}, {}, {}, k, {}};
      if (adapter) inst.indices.push_back(value.extract(ib - 1, 0));
      kind.instances.push_back(std::move(inst));
    }
  } else if (name == "guest_create") {
    const z3::expr msax3 = c.bool_const((prefix + ".msax3").c_str());
    for (int g = 0; g < guests; ++g)
      kind.instances.push_back(
          {slot_label("guest", g), z3enc::sop::GuestCreate{g, msax3}, {}, {}, -1, {}});
  } else if (name == "guest_attach") {
    for (int k = 0; k < slots; ++k)
      for (int g = 0; g < guests; ++g)
        kind.instances.push_back({slot_label("mdev", k) + "." + slot_label("guest", g),
                                  z3enc::sop::GuestAttach{k, g}, {}, {}, k, {}});
  } else if (name == "vcpu_observe") {
    for (int g = 0; g < guests; ++g)
      kind.instances.push_back({slot_label("guest", g), z3enc::sop::VcpuObserve{g}, {}, {}, -1, {}});
    kind.mutating = false;
  } else if (name == "read_queue_status") {
    const z3::expr a = idx("a");
    kind.instances.push_back({"", z3enc::sop::ReadQueueStatus{a, idx("d")}, {a}, {}, -1, {}});
    kind.mutating = false;
  } else if (name == "driver_override_write") {
    const z3::expr a = idx("a");
    const z3::expr d = idx("d");
    const std::pair<z3enc::sop::OverrideName, const char*> names[] = {
        {z3enc::sop::OverrideName::vfio_ap, "vfio_ap"},  // first: nonvacuity's witness
        {z3enc::sop::OverrideName::clear, "clear"},
        {z3enc::sop::OverrideName::default_driver, "default"},
        {z3enc::sop::OverrideName::other, "other"}};
    for (const auto& [what, label] : names)
      kind.instances.push_back({label,
                                z3enc::sop::DriverOverrideWrite{
                                    a, d, what, c.bool_const((prefix + ".empty").c_str()),
                                    c.bool_const((prefix + ".too_long").c_str())},
                                {a}, {}, -1, {}});
  } else if (name == "driver_override_read") {
    const z3::expr a = idx("a");
    kind.instances.push_back({"", z3enc::sop::DriverOverrideRead{a, idx("d")}, {a}, {}, -1, {}});
    kind.mutating = false;
  } else {
    throw std::invalid_argument("proofs: no operation kind " + name);
  }
  return kind;
}

std::vector<OpKind> op_kinds(const z3enc::Encoder& enc, const std::string& prefix) {
  std::vector<OpKind> out;
  for (const std::string& name : op_kind_names()) out.push_back(op_kind(enc, prefix, name));
  return out;
}

z3enc::Slots slot_names(const z3enc::Shape& shape) {
  z3enc::Slots slots;
  for (int k = 0; k < shape.mdevs; ++k) {
    const char digit = static_cast<char>('1' + k);
    std::string uuid(36, digit);
    for (std::size_t dash : {8, 13, 18, 23}) uuid[dash] = '-';
    slots.mdevs.push_back(uuid);
  }
  for (int g = 0; g < shape.guests; ++g) slots.guests.push_back(static_cast<model::GuestId>(g + 1));
  return slots;
}

model::Mask numeral_mask(const z3::expr& v, int width) {
  if (!v.is_numeral()) throw std::invalid_argument("proofs: a mask value is not a numeral");
  std::string bin = Z3_get_numeral_binary_string(v.ctx(), v);
  if (static_cast<int>(bin.size()) < width)
    bin.insert(0, static_cast<std::size_t>(width) - bin.size(), '0');
  model::Mask m;
  for (int i = 0; i < width; ++i)
    if (bin[static_cast<std::size_t>(i)] == '1') m.set(static_cast<model::ApId>(i));
  return m;
}

model::Op concrete_op(const z3enc::Encoder& enc, const z3enc::SymOp& op,
                      const z3enc::Valuation& value, const z3enc::Slots& slots) {
  namespace op_ = model::op;
  const int n = enc.width();
  auto mask = [&](const z3::expr& e) { return numeral_mask(value(e), n); };
  auto matrix = [&](const z3enc::SymMatrix& m) {
    return model::Matrix{mask(m.adapters), mask(m.domains), mask(m.control_domains)};
  };
  auto id = [&](const z3::expr& e) {
    const z3::expr v = value(e);
    if (!v.is_numeral()) throw std::invalid_argument("proofs: an index is not a numeral");
    return static_cast<model::ApId>(v.get_numeral_uint64());
  };
  auto apqn = [&](const z3::expr& a, const z3::expr& d) { return model::Apqn{id(a), id(d)}; };
  auto uuid = [&](int k) { return *slots.mdevs.at(static_cast<std::size_t>(k)); };
  auto guest = [&](int g) { return *slots.guests.at(static_cast<std::size_t>(g)); };
  auto hex3 = [](const model::Matrix& m) {
    return "0x" + m.adapters.hex() + ",0x" + m.domains.hex() + ",0x" + m.control_domains.hex() +
           "\n";
  };
  return std::visit(
      [&](const auto& o) -> model::Op {
        using T = std::decay_t<decltype(o)>;
        namespace s = z3enc::sop;
        if constexpr (std::is_same_v<T, s::ConfigChange>) {
          return op_::ConfigChange{matrix(o.cfg)};
        } else if constexpr (std::is_same_v<T, s::QueueBind>) {
          return op_::QueueBind{apqn(o.adapter, o.domain), o.driver};
        } else if constexpr (std::is_same_v<T, s::QueueUnbind>) {
          return op_::QueueUnbind{apqn(o.adapter, o.domain), o.driver};
        } else if constexpr (std::is_same_v<T, s::ResetResponse>) {
          const bool passable = value(o.passable).is_true();
          return op_::ResetResponse{apqn(o.adapter, o.domain),
                                    !passable                  ? z3enc::kNonPassableResponse
                                    : value(o.zero).is_true() ? model::response::normal
                                                              : z3enc::kPassableNonZeroResponse};
        } else if constexpr (std::is_same_v<T, s::BusMaskWrite>) {
          const model::Mask above = model::Mask::all() - model::Mask::up_to(n - 1);
          const model::Mask full = mask(o.value) | (value(o.high).is_true() ? above : model::Mask{});
          return op_::BusMaskWrite{o.mask, "0x" + full.hex() + "\n"};
        } else if constexpr (std::is_same_v<T, s::MdevCreate>) {
          return op_::MdevCreate{uuid(o.slot)};
        } else if constexpr (std::is_same_v<T, s::MdevRemove>) {
          return op_::MdevRemove{uuid(o.slot)};
        } else if constexpr (std::is_same_v<T, s::AttrWrite>) {
          const z3::expr v = value(o.value);
          if (!v.is_numeral()) throw std::invalid_argument("proofs: a value is not a numeral");
          return op_::AttrWrite{uuid(o.slot), o.attr, std::to_string(v.get_numeral_uint64()) + "\n"};
        } else if constexpr (std::is_same_v<T, s::ApConfigWrite>) {
          return op_::AttrWrite{uuid(o.slot), MdevAttr::ap_config, hex3(matrix(o.value))};
        } else if constexpr (std::is_same_v<T, s::DeviceReset>) {
          return op_::DeviceReset{uuid(o.slot)};
        } else if constexpr (std::is_same_v<T, s::GuestCreate>) {
          return op_::GuestCreate{guest(o.slot), value(o.msax3).is_true()};
        } else if constexpr (std::is_same_v<T, s::GuestAttach>) {
          return op_::GuestAttach{uuid(o.mdev), guest(o.guest)};
        } else if constexpr (std::is_same_v<T, s::GuestDetach>) {
          return op_::GuestDetach{uuid(o.slot)};
        } else if constexpr (std::is_same_v<T, s::GuestRelease>) {
          return op_::GuestRelease{uuid(o.slot)};
        } else if constexpr (std::is_same_v<T, s::VcpuObserve>) {
          return op_::VcpuObserve{guest(o.guest)};
        } else if constexpr (std::is_same_v<T, s::ReadMdev>) {
          return op_::ReadMdev{uuid(o.slot), model::MdevView::guest_matrix};
        } else if constexpr (std::is_same_v<T, s::ReadBusMask>) {
          return op_::ReadBusMask{o.mask};
        } else if constexpr (std::is_same_v<T, s::DriverOverrideWrite>) {
          // A value of the name's class; a too-long one is the name padded to a page.
          std::string text;
          if (!value(o.empty).is_true()) {
            switch (o.name) {
              case s::OverrideName::clear: text = "\n"; break;
              case s::OverrideName::vfio_ap: text = std::string(model::driver_name(Driver::vfio_ap)) + "\n"; break;
              case s::OverrideName::default_driver:
                text = std::string(model::driver_name(Driver::default_driver)) + "\n";
                break;
              case s::OverrideName::other: text = std::string(z3enc::kOtherOverrideName) + "\n"; break;
            }
            if (value(o.too_long).is_true()) text.resize(model::kDriverOverrideMax, '\n');
          }
          return op_::DriverOverrideWrite{apqn(o.adapter, o.domain), text};
        } else if constexpr (std::is_same_v<T, s::DriverOverrideRead>) {
          return op_::DriverOverrideRead{apqn(o.adapter, o.domain)};
        } else {
          static_assert(std::is_same_v<T, s::ReadQueueStatus>);
          return op_::ReadQueueStatus{apqn(o.adapter, o.domain)};
        }
      },
      op);
}

}  // namespace apcb::proofs::detail
