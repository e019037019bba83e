// apcb readers — mdevctl device configurations as input.
//
// mdevctl stores a vfio_ap mdev as JSON (`/etc/mdevctl.d/matrix/<uuid>`, ecosystem.md §2):
//   { "mdev_type": "vfio_ap-passthrough", "start": "auto",
//     "attrs": [ {"assign_adapter": "0x05"}, {"assign_domain": "18"} ] }
// and `mdevctl list --dumpjson` prints `[ { "<parent>": [ { "<uuid>": {config} } ] } ]`.
// Starting a device writes its UUID to the type's `create`, then each attribute in order,
// each value exactly as stored (a plain file write: no newline is appended, unlike `echo`),
// and the first write that fails stops the start and removes the device (`remove` ← "1").
// This module reads both JSON forms, validates them the way mdevctl does, turns a device into
// the operations of the alphabet, and runs a start with that stop-at-first-failure rule.
#ifndef APCB_READERS_MDEVCTL_H_
#define APCB_READERS_MDEVCTL_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "model/state.h"
#include "trace/trace.h"

namespace apcb::readers {

// One `{"key": "value"}` entry of a config's attrs, with where its value starts in the file.
struct MdevctlAttr {
  std::string key;
  std::string value;
  int line = 0;
  int column = 0;
  friend bool operator==(const MdevctlAttr&, const MdevctlAttr&) = default;
};

// One device configuration.
struct MdevctlDevice {
  std::string uuid;               // lower case, as the kernel names the mdev
  std::string parent = "matrix";  // the parent device (always "matrix" for vfio_ap)
  bool autostart = false;         // "start": "auto" (true) or "manual"
  std::vector<MdevctlAttr> attrs;  // in file order; keys may repeat
  int line = 0;                   // where the config object starts
  friend bool operator==(const MdevctlDevice&, const MdevctlDevice&) = default;
};

// Reads mdevctl JSON: a single config object, or the `--dumpjson` array. A single config does
// not name its UUID (mdevctl takes it from the file name), so it gets `single_uuid`; without
// one it is an error. The text is read by read_json (readers/json_reader.h): strict JSON, no
// duplicate keys, at most 64 levels deep, linear in its length. Validation, each failure an
// error at the offending value's line and column: a config is an object with "mdev_type" and
// "start" present; mdev_type the string "vfio_ap-passthrough" (the only type apcb models);
// start "auto" or "manual"; attrs absent, null or an array whose every element is an object
// with exactly one field whose value is a string. The --dumpjson form is an array of objects
// mapping parents to arrays of device entries, each an object mapping exactly one UUID to its
// config. Only parent "matrix" (the vfio_ap matrix device) is vfio_ap's: the devices of any
// other parent (a vfio_ccw subchannel such as "0.0.0313", a PCI device) are skipped unread,
// and `notes` (if given) gets one sentence per such parent. Unknown top-level keys of a config
// are ignored, as mdevctl ignores them. Never throws. `file` is used in messages only.
// Examples:
//   parse_mdevctl(R"({"mdev_type": "vfio_ap-passthrough", "start": "auto"})", "f", "1111…")
//       -> one device, no attrs
//   parse_mdevctl(R"([{"0.0.0313": [{"<uuid>": {"mdev_type": "vfio_ccw-io", "start": "auto"}}],
//                     "matrix": [{"<uuid>": {...}}]}])", "f", std::nullopt, &notes)
//       -> the matrix device; notes == {"skipped 1 device of parent '0.0.0313': not vfio_ap
//          (apcb reads the devices of parent 'matrix')"}
//   parse_mdevctl(R"({"start": "auto", "start": "manual"})", "f")
//       -> error "f:1:19: duplicate key \"start\" (first at line 1, column 2)"
std::variant<std::vector<MdevctlDevice>, trace::TraceError> parse_mdevctl(
    std::string_view text, std::string_view file, std::optional<std::string> single_uuid = std::nullopt,
    std::vector<std::string>* notes = nullptr);

// The inverse of parse_mdevctl for a list of devices: the --dumpjson form, one parent
// "matrix". parse_mdevctl(format_mdevctl_dumpjson(d)) gives d back up to positions.
// Example: format_mdevctl_dumpjson({}) == "[\n  {\n    \"matrix\": []\n  }\n]\n".
std::string format_mdevctl_dumpjson(const std::vector<MdevctlDevice>& devices);

// What a start of `d` writes, as steps of the alphabet: the create, then one attribute write
// per attr in order, each value written byte for byte. The list stops before the first attr
// that is not one of the seven writable vfio_ap attributes (mdevctl refuses a key with no
// such file, and a read-only file refuses the write): `*stopped_at` (if given) is then that
// attr's index, else attrs.size(). The steps carry no expectations.
// Example: a device with attrs {assign_adapter "5"}, {matrix "x"} gives [create, write
// assign_adapter "5"] and *stopped_at == 1.
std::vector<trace::TraceStep> start_steps(const MdevctlDevice& d, std::size_t* stopped_at = nullptr);

// The outcome of one `mdevctl start`.
struct StartResult {
  bool started = false;  // the create and every write succeeded
  // The steps that ran, with their observations: the create, the writes up to and including
  // the first that failed, then (after a failed write) the removal mdevctl performs.
  std::vector<trace::TraceStep> steps;
  std::optional<std::size_t> failed_attr;  // index into attrs of the write that stopped it
  std::string failure;  // one line: what failed and why (empty when started)
};

// Starts `d` on `s` the way `mdevctl start` does: create (an existing UUID fails and nothing
// is removed), then each attribute write in order; the first failing write stops the start
// and the device is removed, so a failed start leaves no device behind. Each step is applied
// with model::apply, so `s` is the state after it all.
// Example: on a host where APQN 05.0004 belongs to another mdev, a device writing
// assign_adapter "5" then assign_domain "4" gives started == false, failed_attr == 1, steps
// [create, write, write (EADDRINUSE), remove], and `s` as it was before.
StartResult start_device(model::State& s, const MdevctlDevice& d);

// The host an mdevctl config is tried on when no snapshot is given: APXA with maximum IDs
// 255, a QCI configuration holding exactly the adapters, domains and control domains that the
// configs' writes name (values as the kernel parses them), every APQN free for vfio_ap
// (apmask and aqmask all zero) and bound to it. On it, a start fails only for what the
// configs themselves decide: order, ranges, conflicts between configs, malformed values.
// As a trace prefix: the returned trace's `host init` plus its two bus-mask steps.
// Example: for one device writing assign_adapter "0x05" and assign_domain "4", the host
// configures adapters {5}, domains {4} and no control domain.
trace::Trace ideal_host_for(const std::vector<MdevctlDevice>& devices);

// The whole `mdevctl start` of every device in order, as a trace that starts from `base`'s
// steps (ideal_host_for, or empty): every step with its observation, a comment line before each
// device's create, and the removal after a failed write. Runs on the model from
// base.initial_state(). `results` (if given) receives each device's StartResult.
// Example: mdevctl_trace(ideal_host_for(d), d) is what `apcb run --mdevctl FILE` prints, and
// `apcb check` holds on it.
trace::Trace mdevctl_trace(const trace::Trace& base, const std::vector<MdevctlDevice>& devices,
                           std::vector<StartResult>* results = nullptr);

// Reads and parses an mdevctl file; "-" reads standard input (named <stdin> in messages). The
// single-config UUID is `uuid` if given, else the file's name when that is a UUID (mdevctl's
// own naming). On failure (unreadable, a directory, bad JSON or config) prints the reason or
// the positioned error to stderr and returns nullopt (the caller exits with kBadInput); the
// parser's notes go to stderr as "FILE: note: …".
// Example: load_mdevctl("-", "11111111-1111-1111-1111-111111111111") reads one config from
// standard input.
std::optional<std::vector<MdevctlDevice>> load_mdevctl(const std::string& path,
                                                      const std::optional<std::string>& uuid);

}  // namespace apcb::readers

#endif  // APCB_READERS_MDEVCTL_H_
