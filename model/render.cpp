#include "model/render.h"

#include <cstddef>

namespace apcb::model {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

// printf("%0<width>x") of an ID; IDs are below 256, so no rendering is ever wider than asked.
void append_hex(std::string& out, unsigned value, int width) {
  for (int shift = 4 * (width - 1); shift >= 0; shift -= 4)
    out += kHexDigits[(value >> shift) & 0xF];
}

// IDs 0..max as whole words, without the per-bit loop of Mask::up_to: renderings sit on the
// trace-replay path.
Mask ids_up_to(int max) {
  Mask::Words words{};
  for (int w = 0; w < Mask::kWords; ++w) {
    const int lo = w * 64;
    if (max >= lo + 63)
      words[static_cast<std::size_t>(w)] = ~0ULL;
    else if (max >= lo)
      words[static_cast<std::size_t>(w)] = ~0ULL << (63 - (max - lo));
  }
  return Mask(words);
}

void append_mask_field(std::string& out, const Mask& m) {
  out += "0x";
  out += m.hex();
}

}  // namespace

std::string render_matrix(const Matrix& m, const HostParams& params) {
  const Mask adapters = m.adapters & ids_up_to(params.apm_max());
  const Mask domains = m.domains & ids_up_to(params.aqm_max());
  std::string out;
  if (adapters.any() && domains.any()) {
    out.reserve(static_cast<std::size_t>(adapters.count() * domains.count() * 8));
    adapters.for_each([&](ApId a) {
      domains.for_each([&](ApId d) {
        append_hex(out, a, 2);
        out += '.';
        append_hex(out, d, 4);
        out += '\n';
      });
    });
  } else if (adapters.any()) {
    adapters.for_each([&](ApId a) {
      append_hex(out, a, 2);
      out += ".\n";
    });
  } else if (domains.any()) {
    domains.for_each([&](ApId d) {
      out += '.';
      append_hex(out, d, 4);
      out += '\n';
    });
  }
  return out;
}

std::string render_control_domains(const Matrix& m, const HostParams& params) {
  std::string out;
  (m.control_domains & ids_up_to(params.adm_max())).for_each([&](ApId c) {
    append_hex(out, c, 4);
    out += '\n';
  });
  return out;
}

std::string render_ap_config(const Matrix& m) {
  std::string out;
  out.reserve(3 * 66 + 3);
  append_mask_field(out, m.adapters);
  out += ',';
  append_mask_field(out, m.domains);
  out += ',';
  append_mask_field(out, m.control_domains);
  out += '\n';
  return out;
}

std::string render_bus_mask(const Mask& m) {
  std::string out;
  append_mask_field(out, m);
  out += '\n';
  return out;
}

std::string render_queue_status(const State& s, Apqn q) {
  const Mdev* owner = s.owner_of(q);
  if (owner == nullptr) return "unassigned\n";
  // Since the 2023 fix an attached guest alone is not enough: the queue must also be in the
  // shadow, i.e. actually plugged into the guest.
  if (owner->guest && owner->shadow.adapters.test(q.adapter) &&
      owner->shadow.domains.test(q.domain))
    return "in use\n";
  return "assigned\n";
}

std::string render_apcb(const Matrix& apcb) { return render_ap_config(apcb); }

std::string render_features() { return "guest_matrix hotplug ap_config\n"; }

std::string render_aqic(std::string_view handler_uuid, std::uint8_t rc) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "handler=";
  out += handler_uuid.empty() ? std::string_view("none") : handler_uuid;
  out += " rc=0x";
  out += kHex[rc >> 4];
  out += kHex[rc & 0xf];
  out += '\n';
  return out;
}

std::string render_aqic_specification_exception() { return "exception=specification\n"; }

}  // namespace apcb::model
