#include "sut/convert.h"

#include <cstring>

namespace apcb::sut {
namespace {

void mask_to_c(const model::Mask& m, std::uint64_t (&out)[4]) {
  for (int w = 0; w < 4; ++w) out[w] = m.word(w);
}
model::Mask mask_from_c(const std::uint64_t (&in)[4]) {
  return model::Mask(model::Mask::Words{in[0], in[1], in[2], in[3]});
}

std::uint8_t driver_to_c(model::Driver d) { return d == model::Driver::vfio_ap ? 2 : 1; }

}  // namespace

apcb_sut_matrix to_c(const model::Matrix& m) {
  apcb_sut_matrix out{};
  mask_to_c(m.adapters, out.adapters);
  mask_to_c(m.domains, out.domains);
  mask_to_c(m.control_domains, out.control_domains);
  return out;
}

model::Matrix from_c(const apcb_sut_matrix& m) {
  return model::Matrix{mask_from_c(m.adapters), mask_from_c(m.domains), mask_from_c(m.control_domains)};
}

apcb_sut_host to_c_host(const model::HostParams& params, const model::Matrix& config) {
  return apcb_sut_host{static_cast<std::uint8_t>(params.apxa ? 1 : 0), params.na, params.nd, to_c(config)};
}

model::HostParams params_from_c(const apcb_sut_host& host) {
  return model::HostParams{host.apxa != 0, host.na, host.nd};
}

COp::COp(const model::Op& op) {
  struct Fill {
    COp& self;
    apcb_sut_op& c;
    void uuid(const std::string& u) {
      self.uuid_ = u;
      c.uuid = self.uuid_.c_str();
    }
    void text(const std::string& t) {
      self.text_ = t;
      c.text = reinterpret_cast<const std::uint8_t*>(self.text_.data());
      c.text_len = self.text_.size();
    }
    void operator()(const model::op::ConfigChange& o) { c.kind = APCB_SUT_OP_CONFIG_CHANGE; c.matrix = to_c(o.cfg); }
    void operator()(const model::op::QueueBind& o) {
      c.kind = APCB_SUT_OP_QUEUE_BIND; c.adapter = o.apqn.adapter; c.domain = o.apqn.domain; c.driver = driver_to_c(o.driver);
    }
    void operator()(const model::op::QueueUnbind& o) {
      c.kind = APCB_SUT_OP_QUEUE_UNBIND; c.adapter = o.apqn.adapter; c.domain = o.apqn.domain; c.driver = driver_to_c(o.driver);
    }
    void operator()(const model::op::ResetResponse& o) {
      c.kind = APCB_SUT_OP_RESET_RESPONSE; c.adapter = o.apqn.adapter; c.domain = o.apqn.domain; c.response = o.response;
    }
    void operator()(const model::op::BusMaskWrite& o) {
      c.kind = APCB_SUT_OP_BUS_MASK_WRITE; c.bus_mask = o.mask == model::BusMask::apmask ? 0 : 1; text(o.text);
    }
    void operator()(const model::op::MdevCreate& o) { c.kind = APCB_SUT_OP_MDEV_CREATE; uuid(o.uuid); }
    void operator()(const model::op::MdevRemove& o) { c.kind = APCB_SUT_OP_MDEV_REMOVE; uuid(o.uuid); }
    void operator()(const model::op::AttrWrite& o) {
      c.kind = APCB_SUT_OP_ATTR_WRITE; uuid(o.uuid); c.attr = static_cast<std::uint8_t>(o.attr); text(o.text);
    }
    void operator()(const model::op::DeviceReset& o) { c.kind = APCB_SUT_OP_DEVICE_RESET; uuid(o.uuid); }
    void operator()(const model::op::GuestCreate& o) {
      c.kind = APCB_SUT_OP_GUEST_CREATE; c.guest = o.guest; c.msax3 = o.msax3 ? 1 : 0;
    }
    void operator()(const model::op::GuestAttach& o) { c.kind = APCB_SUT_OP_GUEST_ATTACH; uuid(o.uuid); c.guest = o.guest; }
    void operator()(const model::op::GuestDetach& o) { c.kind = APCB_SUT_OP_GUEST_DETACH; uuid(o.uuid); }
    void operator()(const model::op::GuestRelease& o) { c.kind = APCB_SUT_OP_GUEST_RELEASE; uuid(o.uuid); }
    void operator()(const model::op::VcpuObserve& o) { c.kind = APCB_SUT_OP_VCPU_OBSERVE; c.guest = o.guest; }
    void operator()(const model::op::ReadMdev& o) {
      c.kind = APCB_SUT_OP_READ_MDEV; uuid(o.uuid); c.view = static_cast<std::uint8_t>(o.view);
    }
    void operator()(const model::op::ReadBusMask& o) {
      c.kind = APCB_SUT_OP_READ_BUS_MASK; c.bus_mask = o.mask == model::BusMask::apmask ? 0 : 1;
    }
    void operator()(const model::op::ReadQueueStatus& o) {
      c.kind = APCB_SUT_OP_READ_QUEUE_STATUS; c.adapter = o.apqn.adapter; c.domain = o.apqn.domain;
    }
  };
  std::visit(Fill{*this, op_}, op);
}

std::optional<model::Op> op_from_c(const apcb_sut_op& c) {
  using namespace model;
  const Apqn q{c.adapter, c.domain};
  auto uuid = [&]() -> std::optional<std::string> {
    if (c.uuid == nullptr) return std::nullopt;
    return std::string(c.uuid);
  };
  const std::string text = c.text == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(c.text), c.text_len);
  auto driver = [&]() -> std::optional<Driver> {
    if (c.driver == 1) return Driver::default_driver;
    if (c.driver == 2) return Driver::vfio_ap;
    return std::nullopt;
  };
  switch (c.kind) {
    case APCB_SUT_OP_CONFIG_CHANGE: return Op{op::ConfigChange{from_c(c.matrix)}};
    case APCB_SUT_OP_QUEUE_BIND: if (auto d = driver()) return Op{op::QueueBind{q, *d}}; break;
    case APCB_SUT_OP_QUEUE_UNBIND: if (auto d = driver()) return Op{op::QueueUnbind{q, *d}}; break;
    case APCB_SUT_OP_RESET_RESPONSE: return Op{op::ResetResponse{q, c.response}};
    case APCB_SUT_OP_BUS_MASK_WRITE:
      if (c.bus_mask <= 1) return Op{op::BusMaskWrite{c.bus_mask == 0 ? BusMask::apmask : BusMask::aqmask, text}};
      break;
    case APCB_SUT_OP_MDEV_CREATE: if (auto u = uuid()) return Op{op::MdevCreate{*u}}; break;
    case APCB_SUT_OP_MDEV_REMOVE: if (auto u = uuid()) return Op{op::MdevRemove{*u}}; break;
    case APCB_SUT_OP_ATTR_WRITE:
      if (auto u = uuid(); u && c.attr <= static_cast<std::uint8_t>(MdevAttr::ap_config))
        return Op{op::AttrWrite{*u, static_cast<MdevAttr>(c.attr), text}};
      break;
    case APCB_SUT_OP_DEVICE_RESET: if (auto u = uuid()) return Op{op::DeviceReset{*u}}; break;
    case APCB_SUT_OP_GUEST_CREATE: return Op{op::GuestCreate{c.guest, c.msax3 != 0}};
    case APCB_SUT_OP_GUEST_ATTACH: if (auto u = uuid()) return Op{op::GuestAttach{*u, c.guest}}; break;
    case APCB_SUT_OP_GUEST_DETACH: if (auto u = uuid()) return Op{op::GuestDetach{*u}}; break;
    case APCB_SUT_OP_GUEST_RELEASE: if (auto u = uuid()) return Op{op::GuestRelease{*u}}; break;
    case APCB_SUT_OP_VCPU_OBSERVE: return Op{op::VcpuObserve{c.guest}};
    case APCB_SUT_OP_READ_MDEV:
      if (auto u = uuid(); u && c.view <= static_cast<std::uint8_t>(MdevView::ap_config))
        return Op{op::ReadMdev{*u, static_cast<MdevView>(c.view)}};
      break;
    case APCB_SUT_OP_READ_BUS_MASK:
      if (c.bus_mask <= 1) return Op{op::ReadBusMask{c.bus_mask == 0 ? BusMask::apmask : BusMask::aqmask}};
      break;
    case APCB_SUT_OP_READ_QUEUE_STATUS: return Op{op::ReadQueueStatus{q}};
    default: break;
  }
  return std::nullopt;
}

void CObservation::set(const model::Observation& obs) {
  obs_ = obs;
  events_.clear();
  for (const model::Event& e : obs_.events) {
    apcb_sut_event c{};
    if (const auto* commit = std::get_if<model::Commit>(&e)) {
      c.kind = APCB_SUT_EVENT_COMMIT;
      c.guest = commit->guest;
      c.apcb = to_c(commit->apcb);
    } else {
      const model::Apqn q = std::get<model::Reset>(e).apqn;
      c.kind = APCB_SUT_EVENT_RESET;
      c.adapter = q.adapter;
      c.domain = q.domain;
    }
    events_.push_back(c);
  }
}

void CObservation::fill(apcb_sut_observation* out) const {
  out->result = static_cast<std::int32_t>(obs_.result);
  out->output = obs_.output.data();
  out->output_len = obs_.output.size();
  out->events = events_.data();
  out->event_count = events_.size();
}

model::Observation observation_from_c(const apcb_sut_observation& c) {
  model::Observation obs;
  obs.result = static_cast<model::Errno>(c.result);
  if (c.output != nullptr) obs.output.assign(c.output, c.output_len);
  for (std::size_t i = 0; i < c.event_count; ++i) {
    const apcb_sut_event& e = c.events[i];
    if (e.kind == APCB_SUT_EVENT_COMMIT)
      obs.events.push_back(model::Commit{e.guest, from_c(e.apcb)});
    else
      obs.events.push_back(model::Reset{model::Apqn{e.adapter, e.domain}});
  }
  return obs;
}

}  // namespace apcb::sut
