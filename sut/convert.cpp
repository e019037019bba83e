#include "sut/convert.h"

#include <cstring>

namespace apcb::sut {

// The plugin ABI numbers are the alphabet's (model/alphabet.def): a row whose number differs
// from apcb_sut.h's enumerator, or an ABI with kinds the alphabet lacks, does not compile.
#define APCB_OP(Type, kind, abi, abi_enum, ...) \
  static_assert((abi_enum) == (abi), #abi_enum " must equal the alphabet's number for " #kind);
#define APCB_EVENT(Type, kind, abi, abi_enum) \
  static_assert((abi_enum) == (abi), #abi_enum " must equal the alphabet's number for " #kind);
#include "model/alphabet.def"
static_assert(APCB_SUT_OP_LAST == model::kMaxOpAbi, "apcb_sut.h and model/alphabet.def end with the same kind");

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
    void operator()(const model::op::ConfigChange& o) { c.matrix = to_c(o.cfg); }
    void operator()(const model::op::QueueBind& o) {
      c.adapter = o.apqn.adapter; c.domain = o.apqn.domain; c.driver = driver_to_c(o.driver);
    }
    void operator()(const model::op::QueueUnbind& o) {
      c.adapter = o.apqn.adapter; c.domain = o.apqn.domain; c.driver = driver_to_c(o.driver);
    }
    void operator()(const model::op::ResetResponse& o) {
      c.adapter = o.apqn.adapter; c.domain = o.apqn.domain; c.response = o.response;
      // ABI minor 2: a sequence travels whole in `text`, one byte per code.
      if (!o.then.empty()) {
        std::string bytes(1, static_cast<char>(o.response));
        for (std::uint8_t rc : o.then) bytes += static_cast<char>(rc);
        text(bytes);
      }
    }
    void operator()(const model::op::BusMaskWrite& o) {
      c.bus_mask = static_cast<std::uint8_t>(o.mask); text(o.text);
    }
    void operator()(const model::op::MdevCreate& o) { uuid(o.uuid); }
    void operator()(const model::op::MdevRemove& o) { uuid(o.uuid); }
    void operator()(const model::op::AttrWrite& o) {
      uuid(o.uuid); c.attr = static_cast<std::uint8_t>(o.attr); text(o.text);
    }
    void operator()(const model::op::DeviceReset& o) { uuid(o.uuid); }
    void operator()(const model::op::GuestCreate& o) {
      c.guest = o.guest; c.msax3 = o.msax3 ? 1 : 0;
    }
    void operator()(const model::op::GuestAttach& o) { uuid(o.uuid); c.guest = o.guest; }
    void operator()(const model::op::GuestDetach& o) { uuid(o.uuid); }
    void operator()(const model::op::GuestRelease& o) { uuid(o.uuid); }
    void operator()(const model::op::VcpuObserve& o) { c.guest = o.guest; }
    void operator()(const model::op::ReadMdev& o) {
      uuid(o.uuid); c.view = static_cast<std::uint8_t>(o.view);
    }
    void operator()(const model::op::ReadBusMask& o) {
      c.bus_mask = static_cast<std::uint8_t>(o.mask);
    }
    void operator()(const model::op::ReadFeatures&) {}
    void operator()(const model::op::ReadQueueStatus& o) {
      c.adapter = o.apqn.adapter; c.domain = o.apqn.domain;
    }
    void operator()(const model::op::DriverOverrideWrite& o) {
      c.adapter = o.apqn.adapter; c.domain = o.apqn.domain; text(o.text);
    }
    void operator()(const model::op::DriverOverrideRead& o) {
      c.adapter = o.apqn.adapter; c.domain = o.apqn.domain;
    }
    void operator()(const model::op::GuestAqic& o) {
      c.guest = o.guest; c.adapter = o.apqn.adapter; c.domain = o.apqn.domain;
    }
  };
  op_.kind = model::info(model::kind_of(op)).abi;  // the alphabet's ABI number
  std::visit(Fill{*this, op_}, op);
}

std::uint32_t abi_minor_of(const model::Op& op) {
  if (const auto* r = std::get_if<model::op::ResetResponse>(&op); r != nullptr && !r->then.empty()) return 2;
  return model::info(model::kind_of(op)).abi >= 19 ? 2u : 0u;
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
  // The ABI number names the kind; the switch has no default, so a kind the alphabet gains
  // does not compile until it converts here.
  const std::optional<OpKind> known = kind_of_abi(c.kind);
  if (!known) return std::nullopt;
  const OpKind kind = *known;
  const bool bus_mask_ok = c.bus_mask < std::size(kBusMaskNames);
  const auto bus_mask = static_cast<BusMask>(c.bus_mask);
  switch (kind) {
    case OpKind::config_change: return Op{op::ConfigChange{from_c(c.matrix)}};
    case OpKind::queue_bind: if (auto d = driver()) return Op{op::QueueBind{q, *d}}; break;
    case OpKind::queue_unbind: if (auto d = driver()) return Op{op::QueueUnbind{q, *d}}; break;
    case OpKind::reset_response: {
      if (text.empty()) return Op{op::ResetResponse{q, c.response}};
      // A sequence (minor 2): its first byte is `response`; its length is bounded as a trace's.
      if (text.size() > response::max_reset_answers || static_cast<std::uint8_t>(text[0]) != c.response) break;
      op::ResetResponse out{q, c.response};
      for (std::size_t i = 1; i < text.size(); ++i) out.then.push_back(static_cast<std::uint8_t>(text[i]));
      return Op{std::move(out)};
    }
    case OpKind::bus_mask_write: if (bus_mask_ok) return Op{op::BusMaskWrite{bus_mask, text}}; break;
    case OpKind::mdev_create: if (auto u = uuid()) return Op{op::MdevCreate{*u}}; break;
    case OpKind::mdev_remove: if (auto u = uuid()) return Op{op::MdevRemove{*u}}; break;
    case OpKind::attr_write:
      if (auto u = uuid(); u && c.attr < std::size(kMdevAttrNames))
        return Op{op::AttrWrite{*u, static_cast<MdevAttr>(c.attr), text}};
      break;
    case OpKind::device_reset: if (auto u = uuid()) return Op{op::DeviceReset{*u}}; break;
    case OpKind::guest_create: return Op{op::GuestCreate{c.guest, c.msax3 != 0}};
    case OpKind::guest_attach: if (auto u = uuid()) return Op{op::GuestAttach{*u, c.guest}}; break;
    case OpKind::guest_detach: if (auto u = uuid()) return Op{op::GuestDetach{*u}}; break;
    case OpKind::guest_release: if (auto u = uuid()) return Op{op::GuestRelease{*u}}; break;
    case OpKind::vcpu_observe: return Op{op::VcpuObserve{c.guest}};
    case OpKind::read_mdev:
      if (auto u = uuid(); u && c.view < std::size(kMdevViewNames))
        return Op{op::ReadMdev{*u, static_cast<MdevView>(c.view)}};
      break;
    case OpKind::read_bus_mask: if (bus_mask_ok) return Op{op::ReadBusMask{bus_mask}}; break;
    case OpKind::read_queue_status: return Op{op::ReadQueueStatus{q}};
    case OpKind::read_features: return Op{op::ReadFeatures{}};
    case OpKind::driver_override_write: return Op{op::DriverOverrideWrite{q, text}};
    case OpKind::driver_override_read: return Op{op::DriverOverrideRead{q}};
    case OpKind::guest_aqic: return Op{op::GuestAqic{c.guest, q}};
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
    } else if (const auto* signal = std::get_if<model::Signal>(&e)) {
      c.kind = APCB_SUT_EVENT_SIGNAL;
      c.guest = signal->guest;
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
    else if (e.kind == APCB_SUT_EVENT_SIGNAL)
      obs.events.push_back(model::Signal{e.guest});
    else
      obs.events.push_back(model::Reset{model::Apqn{e.adapter, e.domain}});
  }
  return obs;
}

}  // namespace apcb::sut
