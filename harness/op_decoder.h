// apcb harness — bytes to an operation sequence, for fuzz_ops and fuzz_sut.
//
// Any byte string decodes to a valid run: a host (QCI parameters and configuration) and up to
// kMaxOps operations of the whole alphabet (model/op.h), each optionally carrying a fault to
// inject. Decoding looks at the model state reached so far, with the biases of the other
// generators (model/generate.h): few IDs reused so APQNs are shared across mdevs, IDs at the
// format and word boundaries from model::kInterestingIds, non-APXA hosts, existing mdevs,
// guests and configured queues preferred. Running out of bytes reads zeros, so a short input
// still decodes (to a short run). The same bytes decode to the same run on every platform.
//
// Layout (one byte each unless said):
//   host:   params selector, adapters / domains / control-domain configuration (8 bits each
//           over kConfigIds; IDs beyond the host's bus maxima dropped)
//   op:     kind byte: low 5 bits pick the kind from kKinds (weighted by repetition), the top
//           three bits == 7 on a mutating op arm a fault: one more byte, nth = 1 + byte % 3;
//           then the kind's arguments (id, apqn = two ids, uuid, guest, text form, ...).
// The input ends the run when it is exhausted, or after kMaxOps operations.
//
// decode_trace() is the model-only decode: the same operations, each with the model's
// observation as its expectation, written in the trace format (model/trace.h). A crash input
// of fuzz_ops becomes a replayable trace with it.
#ifndef APCB_HARNESS_OP_DECODER_H_
#define APCB_HARNESS_OP_DECODER_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "model/generate.h"
#include "model/op.h"
#include "model/state.h"
#include "model/step.h"
#include "trace/trace.h"

namespace apcb::harness {

inline constexpr int kMaxOps = 32;

struct DecodedStep {
  model::Op op;
  std::uint32_t fault = 0;  // 0: none; n: fail at the nth fault point reached (impl/fault.h)
};

class OpDecoder {
 public:
  OpDecoder(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}

  // The host: read once, first.
  model::HostParams params() {
    switch (byte() % 8) {
      case 0: case 1: host_ = model::HostParams{false, 63, 15}; break;
      case 2: host_ = model::HostParams{true, 64, 16}; break;
      default: host_ = model::HostParams{true, 255, 255}; break;
    }
    return host_;
  }
  // A configuration that host can have: the bits of IDs beyond its bus maxima (adapter 64 or
  // domain 16 of a non-APXA host) are dropped, so a machine with these IDs is never made up.
  model::Matrix config() {
    const model::Matrix m{config_mask(), config_mask(), config_mask()};
    return model::RandomOps::within_host(m, host_);
  }

  // The next operation, drawn with an eye on `s` (the model state reached so far), or nullopt
  // when the input is exhausted or kMaxOps operations were decoded.
  std::optional<DecodedStep> next(const model::State& s) {
    if (pos_ >= size_ || ops_ >= kMaxOps) return std::nullopt;
    ++ops_;
    s_ = &s;
    const std::uint8_t k = byte();
    DecodedStep step{decode_kind(kKinds[k & 0x1f]), 0};
    if ((k >> 5) == 7 && model::is_mutating(step.op)) step.fault = 1 + byte() % 3;
    s_ = nullptr;
    return step;
  }

 private:
  // Operation kinds by index into the alphabet's variant order, repeated to weight them:
  // attribute writes (7) and the events that make the filter and resets matter come most.
  static constexpr std::array<std::uint8_t, 32> kKinds{0, 1, 2, 3, 3, 4, 4, 4, 5, 5, 6, 7, 7, 7, 7, 7,
                                                       7, 7, 8, 9, 10, 10, 11, 11, 11, 12, 13, 14, 15, 15, 16, 17};
  // The IDs the configuration bytes' bits stand for.
  static constexpr std::array<int, 8> kConfigIds{0, 1, 2, 3, 4, 15, 16, 63};

  std::uint8_t byte() { return pos_ < size_ ? data_[pos_++] : 0; }

  model::Mask config_mask() {
    const std::uint8_t b = byte();
    model::Mask m;
    for (std::size_t i = 0; i < kConfigIds.size(); ++i)
      if ((b >> i) & 1) m.set(static_cast<model::ApId>(kConfigIds[i]));
    return m;
  }

  // A member of m chosen by `sel`, or -1 when m is empty.
  static int member(const model::Mask& m, int sel) {
    const int n = m.count();
    if (n == 0) return -1;
    int k = sel % n, found = -1;
    m.for_each([&](model::ApId i) {
      if (k-- == 0) found = i;
    });
    return found;
  }

  // An ID: small (0..4, reused) for half the values, a boundary ID, or a configured one.
  int id() {
    const std::uint8_t b = byte();
    if (b < 128) return b % 5;
    if (b < 192) return model::kInterestingIds[static_cast<std::size_t>(b % model::kInterestingIds.size())];
    const int c = member(s_->cfg.adapters | s_->cfg.domains | s_->cfg.control_domains, b);
    return c >= 0 ? c : b % 5;
  }

  model::Mask mask() {
    model::Mask m;
    for (int n = byte() % 5; n > 0; --n) m.set(static_cast<model::ApId>(id()));
    return m;
  }

  model::Apqn apqn() {
    const std::uint8_t b = byte();
    const int a = member(s_->cfg.adapters, b >> 2);
    const int d = member(s_->cfg.domains, b >> 5);
    if ((b & 3) != 0 && a >= 0 && d >= 0) return model::Apqn{static_cast<model::ApId>(a), static_cast<model::ApId>(d)};
    const int x = id();
    return model::Apqn{static_cast<model::ApId>(x), static_cast<model::ApId>(id())};
  }

  std::string uuid() {
    const std::uint8_t b = byte();
    if (!s_->mdevs.empty() && (b & 7) != 0) return s_->mdevs[static_cast<std::size_t>((b >> 3) % s_->mdevs.size())].uuid;
    if (b == 0xff) return "1111";  // malformed
    if (b == 0xfe) return "AAAAAAAA-1111-1111-1111-111111111111";  // upper case: lower-cased
    return model::kGeneratorUuids[static_cast<std::size_t>((b >> 3) % model::kGeneratorUuids.size())];
  }

  model::GuestId guest() {
    const std::uint8_t b = byte();
    if (!s_->guests.empty() && (b & 3) != 0) return s_->guests[static_cast<std::size_t>((b >> 2) % s_->guests.size())].id;
    return static_cast<model::GuestId>(b % 3);
  }

  static std::string digits(int v, int base) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    do {
      out.insert(out.begin(), kDigits[v % base]);
      v /= base;
    } while (v != 0);
    return out;
  }

  std::string id_text() {
    const std::uint8_t form = byte();
    const int v = id();
    switch (form % 16) {
      case 0: return "0x" + digits(v, 16) + "\n";
      case 1: return "0" + digits(v, 8) + "\n";
      case 2: return std::to_string(v);
      case 3: return "x" + std::to_string(v) + "\n";  // malformed
      case 4: return std::to_string(v + 256) + "\n";  // beyond every maximum
      case 5: return "\n";
      default: return std::to_string(v) + "\n";
    }
  }

  std::string mask_text() {
    const std::uint8_t b = byte();
    if (b < 192) {
      std::string out;
      for (int i = b % 3 + 1; i > 0; --i) {
        if (!out.empty()) out += ",";
        out += (byte() & 3) != 0 ? "-" : "+";
        out += std::to_string(id());
      }
      return out + "\n";
    }
    return "0x" + (~mask()).hex() + "\n";
  }

  std::string ap_config_text() {
    if (byte() % 10 == 0) return "0x1,0x2";  // malformed: two fields
    const model::Mask a = mask(), q = mask(), c = mask();
    return "0x" + a.hex() + ",0x" + q.hex() + ",0x" + c.hex() + "\n";
  }

  model::Op decode_kind(std::uint8_t kind) {
    using namespace model;
    switch (kind) {
      case 0: {
        const Matrix m{mask(), mask(), mask()};
        return op::ConfigChange{RandomOps::within_host(m, s_->params)};
      }
      case 1: {
        const std::uint8_t d = byte();
        return op::QueueBind{apqn(), d % 5 != 0 ? Driver::vfio_ap : Driver::default_driver};
      }
      case 2: {
        const std::uint8_t d = byte();
        return op::QueueUnbind{apqn(), d % 5 != 0 ? Driver::vfio_ap : Driver::default_driver};
      }
      case 3: {
        const std::uint8_t r = byte();
        return op::ResetResponse{apqn(), static_cast<std::uint8_t>(r % 8)};
      }
      case 4: {
        const std::uint8_t m = byte();
        return op::BusMaskWrite{m % 3 != 0 ? BusMask::apmask : BusMask::aqmask, mask_text()};
      }
      case 5: return op::MdevCreate{uuid()};
      case 6: return op::MdevRemove{uuid()};
      case 7: {
        std::string u = uuid();
        const auto attr = static_cast<MdevAttr>(byte() % 6);
        return op::AttrWrite{std::move(u), attr, id_text()};
      }
      case 8: {
        std::string u = uuid();
        return op::AttrWrite{std::move(u), MdevAttr::ap_config, ap_config_text()};
      }
      case 9: return op::DeviceReset{uuid()};
      case 10: {
        const std::uint8_t b = byte();
        return op::GuestCreate{static_cast<GuestId>(b % 3), (b & 0x30) != 0};
      }
      case 11: {
        std::string u = uuid();
        return op::GuestAttach{std::move(u), guest()};
      }
      case 12: return op::GuestDetach{uuid()};
      case 13: return op::GuestRelease{uuid()};
      case 14: return op::VcpuObserve{guest()};
      case 15: {
        std::string u = uuid();
        return op::ReadMdev{std::move(u), static_cast<MdevView>(byte() % 4)};
      }
      case 16: return op::ReadBusMask{byte() % 2 == 0 ? BusMask::apmask : BusMask::aqmask};
      default: return op::ReadQueueStatus{apqn()};
    }
  }

  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
  int ops_ = 0;
  const model::State* s_ = nullptr;  // set during next()
  model::HostParams host_;            // set by params()
};

// The model-only decode of `data` as a trace: the host, then each decoded operation with the
// model's observation as its expectation; a step with a fault carries a comment naming it
// (the trace format has no fault syntax, and a fault does not change the model's effect: a
// fired fault must leave the state unchanged and the step is then run without one).
// At most `max_steps` steps are written (a failure's trace stops at the failing step).
inline trace::Trace decode_trace(const std::uint8_t* data, std::size_t size, std::size_t max_steps = kMaxOps) {
  OpDecoder dec(data, size);
  trace::Trace t;
  t.params = dec.params();
  t.config = dec.config();
  model::State s = t.initial_state();
  while (t.steps.size() < max_steps) {
    const auto step = dec.next(s);
    if (!step) break;
    trace::TraceStep ts{step->op, model::apply(s, step->op), 0, {}};
    if (step->fault != 0)
      ts.comments.push_back("# fuzz_ops injects a fault at the fault point #" + std::to_string(step->fault) +
                            " this step reaches, then runs it again without one");
    t.steps.push_back(std::move(ts));
  }
  return t;
}

}  // namespace apcb::harness

#endif  // APCB_HARNESS_OP_DECODER_H_
