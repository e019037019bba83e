// apcb readers — internal, not API: the pieces read_snapshot (readers/snapshot.h) is made of.
//
// read_snapshot reads a sysfs capture one area at a time, in the order each needs the one
// before: the AP bus's host parameters, the queue devices, the bus's QCI configuration, the
// bus masks, each queue's binding, the matrix device's mdevs, the guests. Each area is a
// function in its own file (readers/internal/snapshot_<area>.cpp) so that a change to how one
// area is read touches one file and one test section; they share the reading so far in a
// SnapshotReading, which only readers/snapshot.cpp creates. The show-format parsers they all
// use (and the disk loader and the renderer too) are in snapshot_formats.cpp.
//
// Nothing here is stable: only readers/ includes this header.
#ifndef APCB_READERS_INTERNAL_SNAPSHOT_AREAS_H_
#define APCB_READERS_INTERNAL_SNAPSHOT_AREAS_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "model/state.h"
#include "readers/snapshot.h"
#include "trace/trace.h"

namespace apcb::readers::internal {

// Where the mdevs live, relative to the sysfs root.
inline constexpr const char* kMatrixDir = "devices/vfio_ap/matrix/";

// ---------------------------------------------------------------------------------------------
// The kernel's show formats (snapshot_formats.cpp).
// ---------------------------------------------------------------------------------------------

// A problem inside one file: 1-based line and column, or line 0 for the whole file.
struct Problem {
  int line = 0;
  int column = 0;
  std::string message;
};
template <typename T>
using Result = std::variant<T, Problem>;

// The highest adapter, usage domain and control domain ID the host shows.
struct Maxima {
  int adapter;
  int domain;
  int control;
};

// `value`'s low `width` hex digits, lower case, zero-padded.
// Example: hex(5, 2) == "05"; hex(0xab, 4) == "00ab".
std::string hex(unsigned value, int width);

// `width` hex digits (either case) at text[pos..]; -1 unless all are there and hex digits.
// Example: hex_field("05.00ab", 3, 4) == 0xab; hex_field("0x", 0, 2) == -1.
int hex_field(std::string_view text, std::size_t pos, std::size_t width);

// "0x" + 64 hex digits (either case; ID 0 is the leftmost bit), then at most one '\n': the
// show format of apmask, aqmask and the QCI masks. `at` is the column of text[0] in messages.
// Example: parse_show_mask("0x80" + 62 zeros + "\n") -> the mask {0};
//          parse_show_mask("0x00\n") -> Problem{1, 5, "expected 64 hex digits, found 2"}.
Result<model::Mask> parse_show_mask(std::string_view text, int at = 1);

// A decimal number 0..255 and at most one '\n' (ap_max_adapter_id, ap_max_domain_id).
// Example: parse_decimal_id("85\n") == 85; parse_decimal_id("256") -> Problem{1, 1, "the
//          highest ID is at most 255"}.
Result<int> parse_decimal_id(std::string_view text);

// "adapter 40 is beyond the highest adapter ID 3f": the message of an ID above its maximum.
// Example: beyond("domain", 0x20, 0x0f, 4) == "domain 0020 is beyond the highest domain ID 000f".
std::string beyond(std::string_view what, int id, int max, int width);

// `matrix` or `guest_matrix`: "%02x.%04x" lines (the whole cross product, adapters outer), or
// "%02x." lines (adapters only), or ".%04x" lines (domains only), or nothing. The adapters
// and domains; the control domains stay empty. An ID beyond `max`, a line listed twice, mixed
// forms, or an incomplete cross product is a Problem.
// Example: parse_matrix_file("05.0004\n", max) -> adapters {5}, domains {4};
//          parse_matrix_file("05.0004\n05.0004\n", max) -> Problem{2, 1, "'05.0004' is listed twice"}.
Result<model::Matrix> parse_matrix_file(std::string_view text, const Maxima& max);

// `control_domains`: one "%04x" line per control domain, each at most max.control, none twice.
// Example: parse_control_domains_file("0004\n", max) -> {4};
//          parse_control_domains_file("4\n", max) -> Problem{1, 1, "expected a control domain 'dddd', not '4'"}.
Result<model::Mask> parse_control_domains_file(std::string_view text, const Maxima& max);

// `ap_config` (read): "0x<64>,0x<64>,0x<64>\n": adapters, domains, control domains, each
// within its maximum.
// Example: parse_ap_config_file(render_ap_config(m), max) -> m (for m within max);
//          parse_ap_config_file("0x00", max) -> Problem{1, 1, "expected three masks ..."}.
Result<model::Matrix> parse_ap_config_file(std::string_view text, const Maxima& max);

// "XX.YYYY" → the APQN (adapter, domain); nullopt unless it has that shape (the domain may
// still exceed 0xff).
// Example: queue_name("05.00ab") == std::pair{5, 0xab}; queue_name("card05") == std::nullopt.
std::optional<std::pair<int, int>> queue_name(std::string_view name);

// Whether `name` is "cardXX"; its adapter into *adapter when given.
// Example: card_name("card0a", &a) == true with a == 10; card_name("card5") == false.
bool card_name(std::string_view name, int* adapter = nullptr);

// `text` without one final '\n' (the kernel ends each show with one; a capture may drop it).
// Example: without_newline("in use\n") == "in use"; without_newline("a\n\n") == "a\n".
std::string_view without_newline(std::string_view text);

// A driver's name as sysfs spells it: letters, digits, '_', '-', '.'.
// Example: driver_name("vfio_ap") == true; driver_name("vfio ap") == false; driver_name("") == false.
bool driver_name(std::string_view name);

// The kernel's renderings of a vfio_ap queue's `status` (vfio_ap_ops.c status_show).
inline constexpr std::string_view kQueueStatuses[] = {"in use", "assigned", "unassigned"};

// ---------------------------------------------------------------------------------------------
// The reading so far, shared by the areas in read_snapshot's order.
// ---------------------------------------------------------------------------------------------

// What a queue directory says.
struct QueueInfo {
  std::string path;                   // the queue directory
  std::optional<std::string> driver;  // the driver's name, if any
  std::optional<std::string> status;  // "in use", "assigned" or "unassigned", if shown
  // 6.19 `driver_override`, if the snapshot has the file: the name, or "" for none.
  std::optional<std::string> driver_override;
};

struct SnapshotReading {
  explicit SnapshotReading(const SnapshotFiles& files) : f(files) {}

  // "ROOT/path" for messages (just `path` for an in-memory snapshot).
  std::string where(const std::string& path) const { return f.root.empty() ? path : f.root + "/" + path; }
  // The error `p` inside file `path`.
  trace::TraceError fail(const std::string& path, const Problem& p) const {
    return trace::TraceError{where(path), p.line, p.column, p.message};
  }
  // The content of file `path`, or nullptr when the snapshot lacks it.
  const std::string* file(const std::string& path) const {
    const auto it = f.files.find(path);
    return it == f.files.end() ? nullptr : &it->second;
  }

  const SnapshotFiles& f;
  std::vector<std::string> notes;
  // Set by read_host_parameters:
  bool no_qci = false;  // also set by read_configuration
  std::optional<int> max_ids[2];
  model::HostParams params;
  Maxima max{};
  // Set by read_queue_devices (by packed APQN):
  std::map<std::uint16_t, QueueInfo> queues;
  bool queue_tree = false;
  // Set by read_configuration:
  model::Matrix cfg;
  // Made from params and cfg by read_snapshot, then filled by the areas after it:
  model::State s;
};

// What an area returns: the first error of its files, or nullopt.
using AreaError = std::optional<trace::TraceError>;

// ---------------------------------------------------------------------------------------------
// The areas, in read_snapshot's order. Each reads only the files of its area, notes the
// defaults it takes, and returns the first error naming FILE:LINE:COL; none throws.
// ---------------------------------------------------------------------------------------------

// The AP bus's host parameters (snapshot_bus.cpp): bus/ap/features (APXA, or "-" for no QCI)
// and bus/ap/ap_max_{adapter,domain}_id into r.params and r.max.
// Example: features "APSC APXA QACT RC8A APSB\n" and ap_max_domain_id "85\n" -> params.apxa,
//          params.nd == 85; features "apxa\n" -> error "ROOT/bus/ap/features:1:1: expected the
//          kernel's feature words ...".
AreaError read_host_parameters(SnapshotReading& r);

// The queue devices (snapshot_queues.cpp): bus/ap/devices/[cardXX/]XX.YYYY and
// devices/ap/cardXX/XX.YYYY, their `driver`, `status` and (6.19) `driver_override`, into
// r.queues.
// Example: dirs {"bus/ap/devices/card05/05.0004"} with links[".../driver"] =
//          "../../../../bus/ap/drivers/vfio_ap" -> r.queues[0x0504].driver == "vfio_ap";
//          status "busy\n" -> error "ROOT/.../status:1:1: expected the kernel's queue status ...".
AreaError read_queue_devices(SnapshotReading& r);

// The AP bus's QCI configuration (snapshot_bus.cpp): bus/ap/ap_{adapter,usage_domain,
// control_domain}_mask into r.cfg; "not supported" means none; a missing mask is taken from
// the queue devices (noted).
// Example: no QCI mask files and queues 05.0004, 06.0004 -> cfg adapters {5, 6}, domains and
//          control domains {4}, and a note.
AreaError read_configuration(SnapshotReading& r);

// The AP bus masks (snapshot_bus.cpp): bus/ap/apmask and bus/ap/aqmask into r.s (missing:
// the kernel's default all ones, noted).
// Example: apmask "0x" + 64 'f' -> r.s.apmask all ones; apmask "0xff\n" -> error
//          "ROOT/bus/ap/apmask:1:5: expected 64 hex digits, found 2".
AreaError read_bus_masks(SnapshotReading& r);

// Each queue's binding (snapshot_queues.cpp) from its `driver` and (6.19) `driver_override`,
// against what the bus masks allow, into r.s.unbound, r.s.driver_override and
// r.s.override_bound; then bus/ap/bindings ("BOUND/ALL", " (complete)" once every queue
// device is bound) against the queue devices read; then (6.19, 51d921a613b1)
// bus/ap/bindings_complete_count ("%llu\n", how many times the bus announced every APQN
// bound), which changes nothing in r.s. What the model cannot represent, a bindings count the
// queue devices do not match, a completion count of 0 beside bindings "(complete)", and a
// completion count beside queue devices without driver_override (pre-6.19 files) are noted;
// only a malformed bindings or bindings_complete_count file is an error.
// Example: a queue the masks give to vfio_ap with driver "cex4queue" -> unbound, and the note
//          "queue ... is bound to 'cex4queue' although the bus masks give it to vfio_ap ...";
//          a queue bound to vfio_ap under all-ones masks with driver_override "vfio_ap\n" ->
//          r.s.override_bound has it; bindings "3/4\n" -> a note that a queue device was not
//          bound; bindings "3 of 4\n" -> error "ROOT/bus/ap/bindings:1:2: expected ...";
//          bindings_complete_count "0\n" beside bindings "4/4 (complete)\n" -> a note;
//          bindings_complete_count "0x1\n" -> error
//          "ROOT/bus/ap/bindings_complete_count:1:2: expected the kernel's count ...".
AreaError read_bindings(SnapshotReading& r);

// The matrix device's mdevs (snapshot_mdevs.cpp): devices/vfio_ap/matrix/<uuid>/{ap_config,
// matrix,control_domains,guest_matrix}, in UUID order, into r.s.mdevs.
// Example: an mdev whose guest_matrix lists adapter 07 that its matrix lacks -> error
//          "ROOT/devices/vfio_ap/matrix/<uuid>/guest_matrix: lists IDs that ROOT/.../matrix does
//          not assign".
AreaError read_mdevs(SnapshotReading& r);

// The guests (snapshot_guests.cpp): an mdev with a queue whose status is `in use` has a guest
// attached (ids 1, 2, … in mdev order), into r.s.guests; a status that disagrees with the
// matrices is noted.
// Example: mdev A holding queue 05.0004 `in use` in its shadow -> guest 1 attached to A.
void read_guests(SnapshotReading& r);

}  // namespace apcb::readers::internal

#endif  // APCB_READERS_INTERNAL_SNAPSHOT_AREAS_H_
