// apcb readers — a host's sysfs, captured as a directory, as input (ecosystem.md §8 I1).
//
// A snapshot is a directory laid out like SYSFS_ROOT (s390-tools) or MDEVCTL_ENV_ROOT: either
// DIR/sys/... or DIR/... directly. apcb reads
//   bus/ap/{apmask,aqmask,ap_adapter_mask,ap_usage_domain_mask,ap_control_domain_mask,
//           ap_max_adapter_id,ap_max_domain_id,features,bindings,bindings_complete_count}
//   bus/ap/devices/cardXX/XX.YYYY/{driver,status,driver_override}
//                                   (also bus/ap/devices/XX.YYYY and devices/ap/cardXX/XX.YYYY)
//   devices/vfio_ap/matrix/<uuid>/{matrix,guest_matrix,control_domains,ap_config}
// where `driver` is the kernel's symlink or, for tar- and CI-friendly captures, a plain file
// holding the driver's name. Each file is parsed in the kernel's own show format.
//
// Design choice: the snapshot becomes a model::State directly, not a trace that rebuilds it.
// Replaying assignments always ends in S = F, but a live host's guest_matrix may be a stale
// S ⊊ F (the kernel does not refilter after removals), and that staleness is exactly what
// `explain` must be able to point at. Reading is split from the disk so that tests and the
// fuzzer can feed a snapshot from memory.
#ifndef APCB_READERS_SNAPSHOT_H_
#define APCB_READERS_SNAPSHOT_H_

#include <map>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "model/state.h"
#include "trace/trace.h"

namespace apcb::readers {

// The parts of a snapshot apcb reads, by path relative to the sysfs root ("bus/ap/apmask").
struct SnapshotFiles {
  std::string root;  // prefix for messages ("DIR/sys"); empty for an in-memory snapshot
  std::map<std::string, std::string> files;  // regular files and their content
  std::map<std::string, std::string> links;  // symlinks and their target
  std::set<std::string> dirs;                // directories (queue and mdev directories)
  friend bool operator==(const SnapshotFiles&, const SnapshotFiles&) = default;
};

// What a snapshot says, in the model's terms.
struct Snapshot {
  model::State state;
  // What was assumed for missing files and what the model cannot represent (a queue bound to
  // a driver its bus masks do not allow, a broken invariant), one sentence each.
  std::vector<std::string> notes;
};

// Loads the parts apcb reads from directory `dir` (DIR/sys/bus/ap or DIR/bus/ap must exist).
// `driver` symlinks are recorded, not followed; other symlinks (bus/ap/devices/cardXX, a
// queue, a file) are followed the way `ls` and `cat` would. Absent paths stay absent
// (read_snapshot notes the default it takes). A path that is there but cannot be read as what
// sysfs has at that place is an error naming it (line 0): an attribute file that is a
// directory, FIFO, socket or device, a symlink loop, a symlink to nothing, a read that fails
// or is refused; devices/vfio_ap/matrix, an mdev, a card or a queue that is not a directory or
// cannot be listed. A file larger than 1 MiB is refused. Never throws.
// Examples:
//   load_snapshot_files("tests/cli/snapshots/unbound-queue") -> the files, links and directories
//   with DIR/sys/bus/ap/apmask a directory -> error "DIR/sys/bus/ap/apmask: a directory, but
//       sysfs has an attribute file here (a copy made with cp -L of a link?)"
//   with devices/vfio_ap/matrix unlistable -> error "DIR/sys/devices/vfio_ap/matrix: cannot list
//       the directory: Permission denied"
std::variant<SnapshotFiles, trace::TraceError> load_snapshot_files(const std::string& dir);

// The State a snapshot describes. Parameters: APXA from `features`, the maxima from
// ap_max_*_id; configuration from the three QCI masks (`not supported` = empty); bus masks
// from apmask/aqmask; each configured APQN bound as its `driver` says (vfio_ap, none, or any
// other name = the host's default driver); mdevs (in UUID order) assigned from ap_config or
// else matrix + control_domains, shadow from guest_matrix (or the full filter when absent,
// noted); an mdev with a queue whose status is `in use` has a guest attached (guest ids 1, 2, …
// in mdev order, CRYCB format from APXA, holding the shadow). Missing files get the kernel's
// defaults, noted. Bad content is an error naming the file, line and column; never throws.
// Only the kernel's renderings are read: a queue status other than "in use", "assigned" or
// "unassigned" (one final '\n' allowed), features other than upper-case words separated by
// single spaces or "-", a driver file that does not name a driver, are errors; a status that
// disagrees with the matrices is noted. bus/ap/bindings ("BOUND/ALL[ (complete)]\n") and the 6.19
// bus/ap/bindings_complete_count ("%llu\n", 51d921a613b1) change nothing in the state: they are
// checked (strictly, like the rest) and what contradicts the other files is noted.
// Examples:
//   read_snapshot(snapshot_files_of(s)).state == s for a state the kernel can show
//   with files["bus/ap/bindings_complete_count"] = "+1\n" -> error
//       "ROOT/bus/ap/bindings_complete_count:1:1: expected the kernel's count (decimal digits, no
//       sign or leading zero, then a newline), not '+1'"
//   with files["bus/ap/devices/card05/05.0004/status"] = "busy\n" -> error
//       "ROOT/bus/ap/devices/card05/05.0004/status:1:1: expected the kernel's queue status
//       'in use', 'assigned' or 'unassigned', not 'busy'"
std::variant<Snapshot, trace::TraceError> read_snapshot(const SnapshotFiles& files);

// The snapshot of `s` as the kernel would show it (for tests, the fuzzer's round trip, and
// producing fixtures): read_snapshot(snapshot_files_of(read_snapshot(x).state)).state equals
// read_snapshot(x).state. Every bus file, a queue device for each APQN within the bus's
// maximum IDs (a `driver` link unless unbound, a `status` when bound to vfio_ap, and for 6.19+
// profiles its `driver_override`), bus/ap/bindings, for 6.19+ profiles
// bus/ap/bindings_complete_count ("1\n" when every queue device is bound, else "0\n": the model
// keeps no history, so the smallest count the state allows), and each mdev's four files.
// Total: any State gives a snapshot; never throws.
// Example: for a state whose apmask is all zeros, files["bus/ap/apmask"] == "0x" + 64 '0' + "\n"
//   and files["bus/ap/features"] holds "APXA" exactly when s.params.apxa.
SnapshotFiles snapshot_files_of(const model::State& s);

// Writes `files` under directory `dir` (created as needed; `driver` links as symlinks; an
// existing file or link at a path is replaced). Returns the first failure as "PATH: reason"
// (a directory that cannot be created, a file that cannot be written), or empty on success;
// what was written before a failure stays. Never throws. Not atomic: for fixtures and tests.
// Example: write_snapshot_files(snapshot_files_of(s), "/tmp/snap") == "" and then
//   load_snapshot_files("/tmp/snap") reads back the same files, links and directories.
std::string write_snapshot_files(const SnapshotFiles& files, const std::string& dir);

// "file:line:column: message", or "file: message" when the error concerns the whole file
// (line 0). Total; never throws.
// Examples:
//   input_error_text({"d/sys/bus/ap/apmask", 1, 5, "expected 64 hex digits, found 2"})
//       == "d/sys/bus/ap/apmask:1:5: expected 64 hex digits, found 2"
//   input_error_text({"d", 0, 0, "not a sysfs snapshot: ..."}) == "d: not a sysfs snapshot: ..."
std::string input_error_text(const trace::TraceError& e);

// load_snapshot_files + read_snapshot; prints the error to stderr (input_error_text) and
// returns nullopt on failure (the caller exits with kBadInput), and prints each note to
// stderr as "DIR: note: …". Never throws.
// Examples:
//   load_snapshot("tests/cli/snapshots/unbound-queue") -> the snapshot, its notes on stderr
//   load_snapshot("tests/cli/mdevctl") -> nullopt, stderr "tests/cli/mdevctl: not a sysfs
//       snapshot: neither sys/bus/ap nor bus/ap is a directory in it"
std::optional<Snapshot> load_snapshot(const std::string& dir);

}  // namespace apcb::readers

#endif  // APCB_READERS_SNAPSHOT_H_
