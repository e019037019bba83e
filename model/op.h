// apcb — the operation alphabet shared by every engine.
//
// The alphabet's rows are model/alphabet.def: every list of kinds (the variant, OpKind, the
// ABI numbers, the attribute names) is expanded from it. One value of `Op` is one step of SPEC §2: what an administrator, the host firmware or a
// guest does. The model (model/step.h), the implementation, the Z3 encoding, the property
// tests, the fuzzers and the trace format all speak this alphabet and no other.
//
// Attribute writes carry the raw bytes written to sysfs (parsing is part of the semantics:
// `0x05`, `05` and `5\n` differ from `5 6`); host events carry already-decoded values.
#ifndef APCB_MODEL_OP_H_
#define APCB_MODEL_OP_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "model/state.h"

namespace apcb::model {

// The writable attributes of /sys/devices/vfio_ap/matrix/<uuid>/ (each named as its file).
enum class MdevAttr : std::uint8_t {
#define APCB_MDEV_ATTR(name, abi) name = abi,
#include "model/alphabet.def"
};
// The readable attributes of /sys/devices/vfio_ap/matrix/<uuid>/.
enum class MdevView : std::uint8_t {
#define APCB_MDEV_VIEW(name, abi) name = abi,
#include "model/alphabet.def"
};
// /sys/bus/ap/apmask or /sys/bus/ap/aqmask.
enum class BusMask : std::uint8_t {
#define APCB_BUS_MASK(name, abi) name = abi,
#include "model/alphabet.def"
};

// The sysfs file names of the enumerators above, indexed by their values.
inline constexpr std::string_view kMdevAttrNames[] = {
#define APCB_MDEV_ATTR(name, abi) #name,
#include "model/alphabet.def"
};
inline constexpr std::string_view kMdevViewNames[] = {
#define APCB_MDEV_VIEW(name, abi) #name,
#include "model/alphabet.def"
};
inline constexpr std::string_view kBusMaskNames[] = {
#define APCB_BUS_MASK(name, abi) #name,
#include "model/alphabet.def"
};
#define APCB_MDEV_ATTR(name, abi) static_assert(kMdevAttrNames[abi] == #name, "alphabet.def: attribute numbers run 0, 1, 2, ...");
#define APCB_MDEV_VIEW(name, abi) static_assert(kMdevViewNames[abi] == #name, "alphabet.def: view numbers run 0, 1, 2, ...");
#define APCB_BUS_MASK(name, abi) static_assert(kBusMaskNames[abi] == #name, "alphabet.def: mask numbers run 0, 1");
#include "model/alphabet.def"

// Example: name_of(MdevAttr::assign_domain) == "assign_domain".
constexpr std::string_view name_of(MdevAttr a) { return kMdevAttrNames[static_cast<std::size_t>(a)]; }
// Example: name_of(MdevView::guest_matrix) == "guest_matrix".
constexpr std::string_view name_of(MdevView v) { return kMdevViewNames[static_cast<std::size_t>(v)]; }
// Example: name_of(BusMask::aqmask) == "aqmask".
constexpr std::string_view name_of(BusMask m) { return kBusMaskNames[static_cast<std::size_t>(m)]; }

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
// Hardware: from now on the AP instructions of each reset of this queue (ZAPQ, then each TAPQ
// poll or re-issued ZAPQ) answer `response`, then `then` in order, then NORMAL; one answer alone
// keeps its meaning from before sequences (response::final_status).
struct ResetResponse {
  Apqn apqn;
  std::uint8_t response = response::normal;
  std::vector<std::uint8_t> then{};  // the answers after the first; at most max_reset_answers - 1
  // Every answer, first to last.
  // Example: op::ResetResponse{q, response::busy, {response::normal}}.answers() == {0x05, 0x00}.
  std::vector<std::uint8_t> answers() const {
    std::vector<std::uint8_t> out;
    out.reserve(then.size() + 1);
    out.push_back(response);
    for (std::uint8_t rc : then) out.push_back(rc);
    return out;
  }
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
// Reads: `cat /sys/devices/vfio_ap/matrix/features`, the driver's advertised features.
struct ReadFeatures {
  friend bool operator==(const ReadFeatures&, const ReadFeatures&) = default;
};
// Host (6.19): a write of `text` (raw bytes, trailing newline included) to the queue device's
// /sys/bus/ap/devices/XX.YYYY/driver_override; a newline alone (or nothing) clears it.
struct DriverOverrideWrite {
  Apqn apqn;
  std::string text;
  friend bool operator==(const DriverOverrideWrite&, const DriverOverrideWrite&) = default;
};
// Reads (6.19): `cat /sys/bus/ap/devices/XX.YYYY/driver_override`: the name and a newline, or
// a newline alone when none is set.
struct DriverOverrideRead {
  Apqn apqn;
  friend bool operator==(const DriverOverrideRead&, const DriverOverrideRead&) = default;
};
// Guest: a vCPU of `guest` issues PQAP(AQIC) for `apqn` with IR=0 (disable interruptions), which
// KVM intercepts and hands to the PQAP hook the vfio_ap driver registered at the open: the
// observation is which mdev's handler ran and the AP response code the guest gets. IR=0 so that
// no guest page (the notification byte) is involved. Changes nothing apcb models.
struct GuestAqic {
  GuestId guest = 0;
  Apqn apqn;
  friend bool operator==(const GuestAqic&, const GuestAqic&) = default;
};
}  // namespace op

namespace internal {
// std::variant of every type but the first: lets the alphabet's rows each expand to ", T".
template <class Ignored, class... Alternatives>
struct VariantOfRest {
  using type = std::variant<Alternatives...>;
};
}  // namespace internal

// One operation: the variant of the alphabet's rows, in their order.
using Op = internal::VariantOfRest<void
#define APCB_OP(Type, ...) , op::Type
#include "model/alphabet.def"
                                   >::type;

// The kind of an operation: Op's alternative index, named.
enum class OpKind : std::uint8_t {
#define APCB_OP(Type, kind, ...) kind,
#include "model/alphabet.def"
};
inline constexpr std::size_t kOpKindCount = std::variant_size_v<Op>;
#define APCB_OP(Type, kind, ...)                                                                   \
  static_assert(std::is_same_v<std::variant_alternative_t<static_cast<std::size_t>(OpKind::kind), Op>, op::Type>);
#include "model/alphabet.def"

// What the alphabet's table says about one kind.
struct OpInfo {
  OpKind kind;
  std::string_view name;      // the OpKind enumerator's name, e.g. "attr_write"
  std::uint32_t abi;          // APCB_SUT_OP_* in sut/apcb_sut.h
  bool mutates;               // whether it can change the state
  std::string_view spelling;  // the shape of its trace step
};
inline constexpr std::array<OpInfo, kOpKindCount> kAlphabet{{
#define APCB_OP(Type, kind, abi, abi_enum, mutates, spelling) OpInfo{OpKind::kind, #kind, abi, mutates, spelling},
#include "model/alphabet.def"
}};

// Example: kind_of(Op{op::VcpuObserve{1}}) == OpKind::vcpu_observe.
inline OpKind kind_of(const Op& op) { return static_cast<OpKind>(op.index()); }
// Example: info(OpKind::read_mdev).mutates == false; info(OpKind::read_mdev).abi == 15.
constexpr const OpInfo& info(OpKind kind) { return kAlphabet[static_cast<std::size_t>(kind)]; }

// The highest ABI number of the alphabet (APCB_SUT_OP_LAST). ABI numbers ascend with the
// rows but need not be contiguous: a number can be reserved for a row another branch adds.
// Example: kMaxOpAbi == info(kAlphabet.back().kind).abi.
inline constexpr std::uint32_t kMaxOpAbi = kAlphabet.back().abi;

// The kind whose ABI number is `abi` (APCB_SUT_OP_*), if any row has it.
// Example: kind_of_abi(15) == OpKind::read_mdev; kind_of_abi(0) == std::nullopt.
constexpr std::optional<OpKind> kind_of_abi(std::uint32_t abi) {
  for (const OpInfo& row : kAlphabet)
    if (row.abi == abi) return row.kind;
  return std::nullopt;
}

// A representative operation of `kind` (fixed arguments: the first generator UUID, guest 1,
// queue 05.0004, ...), for tests that walk the whole alphabet, the generated fuzz
// dictionaries and the documentation. A switch without default: a new row of the alphabet
// does not compile until it has one.
//
// Example: format_op(example_op(OpKind::vcpu_observe)) == "vcpu read 1" (trace/trace.h).
Op example_op(OpKind kind);

// Whether `op` can change the state (reads and vCPU observations cannot).
bool is_mutating(const Op& op);

// The class of an operation in divergence reports and allow lists (`apcb check --all`,
// `--allow`): its kind's name, with the attribute, view or mask for the kinds that have one,
// so "a wrong errno from assign_domain" is one class and "from unassign_adapter" another.
// Example: operation_class(op::AttrWrite{uuid, MdevAttr::assign_domain, "4\n"})
//          == "attr_write assign_domain"; operation_class(op::DeviceReset{uuid}) == "device_reset".
std::string operation_class(const Op& op);

// Every operation class operation_class can answer, kinds in alphabet order.
// Example: operation_classes() contains "read_mdev guest_matrix" and "read_features".
const std::vector<std::string>& operation_classes();

}  // namespace apcb::model

#endif  // APCB_MODEL_OP_H_
