// apcb — the operation alphabet shared by every engine.
//
// One value of `Op` is one step of SPEC §2: what an administrator, the host firmware or a
// guest does. The model (model/step.h), the implementation, the Z3 encoding, the property
// tests, the fuzzers and the trace format all speak this alphabet and no other.
//
// Attribute writes carry the raw bytes written to sysfs (parsing is part of the semantics:
// `0x05`, `05` and `5\n` differ from `5 6`); host events carry already-decoded values.
#ifndef APCB_MODEL_OP_H_
#define APCB_MODEL_OP_H_

#include <cstdint>
#include <string>
#include <variant>

#include "model/state.h"

namespace apcb::model {

// The writable attributes of /sys/devices/vfio_ap/matrix/<uuid>/.
enum class MdevAttr : std::uint8_t {
  assign_adapter,
  unassign_adapter,
  assign_domain,
  unassign_domain,
  assign_control_domain,
  unassign_control_domain,
  ap_config,
};
// The readable attributes of /sys/devices/vfio_ap/matrix/<uuid>/.
enum class MdevView : std::uint8_t { matrix, guest_matrix, control_domains, ap_config };
// /sys/bus/ap/apmask or /sys/bus/ap/aqmask.
enum class BusMask : std::uint8_t { apmask, aqmask };

namespace op {
// Host: the QCI configuration becomes `cfg`: on_config_changed, the bus scan removing and
// probing queue devices (ascending APQN), then on_scan_complete.
struct ConfigChange {
  Matrix cfg;
  friend bool operator==(const ConfigChange&, const ConfigChange&) = default;
};
// Host: `echo a.d > /sys/bus/ap/drivers/<driver>/bind` for an unbound queue device.
struct QueueBind {
  Apqn apqn;
  Driver driver = Driver::vfio_ap;
  friend bool operator==(const QueueBind&, const QueueBind&) = default;
};
// Host: `echo a.d > /sys/bus/ap/drivers/<driver>/unbind` of a queue bound to that driver.
struct QueueUnbind {
  Apqn apqn;
  Driver driver = Driver::vfio_ap;
  friend bool operator==(const QueueUnbind&, const QueueUnbind&) = default;
};
// Hardware: from now on a reset (ZAPQ, then TAPQ until done) of this queue ends with `response`.
struct ResetResponse {
  Apqn apqn;
  std::uint8_t response = response::normal;
  friend bool operator==(const ResetResponse&, const ResetResponse&) = default;
};
// Host: a write to /sys/bus/ap/apmask or aqmask (absolute hex or relative `+a,-b-c`).
struct BusMaskWrite {
  BusMask mask = BusMask::apmask;
  std::string text;
  friend bool operator==(const BusMaskWrite&, const BusMaskWrite&) = default;
};
// mdev: write `uuid` to .../mdev_supported_types/vfio_ap-passthrough/create.
struct MdevCreate {
  std::string uuid;
  friend bool operator==(const MdevCreate&, const MdevCreate&) = default;
};
// mdev: `echo 1 > /sys/devices/vfio_ap/matrix/<uuid>/remove`.
struct MdevRemove {
  std::string uuid;
  friend bool operator==(const MdevRemove&, const MdevRemove&) = default;
};
// mdev: a write of `text` (raw bytes, trailing newline included) to an attribute.
struct AttrWrite {
  std::string uuid;
  MdevAttr attr = MdevAttr::assign_adapter;
  std::string text;
  friend bool operator==(const AttrWrite&, const AttrWrite&) = default;
};
// mdev: the VFIO_DEVICE_RESET ioctl.
struct DeviceReset {
  std::string uuid;
  friend bool operator==(const DeviceReset&, const DeviceReset&) = default;
};
// Guest: a KVM VM exists with these facilities (MSAX3 decides the CRYCB format with APXA).
struct GuestCreate {
  GuestId guest = 0;
  bool msax3 = true;
  friend bool operator==(const GuestCreate&, const GuestCreate&) = default;
};
// Guest: open the mdev's vfio device for this VM (open_device → set_kvm).
struct GuestAttach {
  std::string uuid;
  GuestId guest = 0;
  friend bool operator==(const GuestAttach&, const GuestAttach&) = default;
};
// Guest: close the device (close_device → unset_kvm).
struct GuestDetach {
  std::string uuid;
  friend bool operator==(const GuestDetach&, const GuestDetach&) = default;
};
// Guest: the VFIO device request (release) callback.
struct GuestRelease {
  std::string uuid;
  friend bool operator==(const GuestRelease&, const GuestRelease&) = default;
};
// Guest: a vCPU reads the APCB of its CRYCB (what its AP instructions are interpreted against).
struct VcpuObserve {
  GuestId guest = 0;
  friend bool operator==(const VcpuObserve&, const VcpuObserve&) = default;
};
// Reads: `cat /sys/devices/vfio_ap/matrix/<uuid>/<view>`.
struct ReadMdev {
  std::string uuid;
  MdevView view = MdevView::matrix;
  friend bool operator==(const ReadMdev&, const ReadMdev&) = default;
};
// Reads: `cat /sys/bus/ap/apmask` or aqmask.
struct ReadBusMask {
  BusMask mask = BusMask::apmask;
  friend bool operator==(const ReadBusMask&, const ReadBusMask&) = default;
};
// Reads: `cat /sys/bus/ap/devices/cardXX/XX.YYYY/status` (exists while bound to vfio_ap).
struct ReadQueueStatus {
  Apqn apqn;
  friend bool operator==(const ReadQueueStatus&, const ReadQueueStatus&) = default;
};
}  // namespace op

using Op = std::variant<op::ConfigChange, op::QueueBind, op::QueueUnbind, op::ResetResponse,
                        op::BusMaskWrite, op::MdevCreate, op::MdevRemove, op::AttrWrite,
                        op::DeviceReset, op::GuestCreate, op::GuestAttach, op::GuestDetach,
                        op::GuestRelease, op::VcpuObserve, op::ReadMdev, op::ReadBusMask,
                        op::ReadQueueStatus>;

// Whether `op` can change the state (reads and vCPU observations cannot).
bool is_mutating(const Op& op);

}  // namespace apcb::model

#endif  // APCB_MODEL_OP_H_
