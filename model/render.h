// apcb — the kernel's sysfs renderings, byte-exact.
#ifndef APCB_MODEL_RENDER_H_
#define APCB_MODEL_RENDER_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "model/mask.h"
#include "model/state.h"

namespace apcb::model {

// `matrix` (of the assigned matrix) and `guest_matrix` (of the shadow): with adapters and
// domains set within 0..apm_max / 0..aqm_max, one "%02x.%04x\n" line per APQN, adapters
// outer, ascending; with adapters only, "%02x.\n" per adapter; with domains only, ".%04x\n"
// per domain; otherwise empty. IDs above the maxima are not shown.
// Example: with adapters {5} and domains {0x47}, render_matrix(m, HostParams{}) == "05.0047\n".
std::string render_matrix(const Matrix& m, const HostParams& params);

// `control_domains`: one "%04x\n" line per control domain within 0..adm_max, ascending.
// Example: with control domains {1, 0x47},
//   render_control_domains(m, HostParams{}) == "0001\n0047\n".
std::string render_control_domains(const Matrix& m, const HostParams& params);

// `ap_config` (read): "0x<64 hex>,0x<64 hex>,0x<64 hex>\n" of adapters, domains, control
// domains: full 256-bit masks, lower-case.
// Example: adapters {5}, no domains, no control domains ->
//   "0x0400…00,0x00…00,0x00…00\n" (each field "0x" and 64 digits; ID 5 is bit 0x04 of byte 0).
std::string render_ap_config(const Matrix& m);

// /sys/bus/ap/apmask and aqmask: "0x<64 hex>\n".
// Example: render_bus_mask(Mask::of({0, 1})) == "0xc0" + 62 × "0" + "\n".
std::string render_bus_mask(const Mask& m);

// A queue bound to vfio_ap, its `status`: "in use\n" when the owning mdev has a guest and the
// APQN is in its shadow, "assigned\n" when some mdev's assigned matrix holds it, else
// "unassigned\n". Precondition: s.bound_to_vfio(q).
// Example: q assigned to an mdev with no guest -> "assigned\n".
std::string render_queue_status(const State& s, Apqn q);

// /sys/devices/vfio_ap/matrix/features (vfio_ap_drv.c features_show, 6.12+): a constant list of
// what the driver supports, for libvirt and mdevctl to detect.
//
// Example: render_features() == "guest_matrix hotplug ap_config\n".
std::string render_features();

// What a vCPU observes: the guest's APCB in ap_config form ("0x…,0x…,0x…\n").
// Example: render_apcb(m) == render_ap_config(m) for every Matrix m.
std::string render_apcb(const Matrix& apcb);

// What a guest observes of its PQAP(AQIC) (op::GuestAqic): the mdev whose PQAP handler ran
// (`none` when KVM found no hook and answered itself) and the AP response code in general
// register 1, "handler=<uuid> rc=0x%02x\n"; or, when KVM refused the instruction before looking
// for a hook, the program exception it injected, "exception=specification\n". Every engine
// renders its observation through these two, so the text is written in one place.
// Example: render_aqic("11111111-1111-1111-1111-111111111111", 0)
//            == "handler=11111111-1111-1111-1111-111111111111 rc=0x00\n";
//          render_aqic("", response::q_not_avail) == "handler=none rc=0x01\n".
std::string render_aqic(std::string_view handler_uuid, std::uint8_t rc);
// Example: render_aqic_specification_exception() == "exception=specification\n".
std::string render_aqic_specification_exception();

}  // namespace apcb::model

#endif  // APCB_MODEL_RENDER_H_
