// apcb — files apcb writes (reports, ledgers, traces, counterexamples): never half-written.
//
// The model has no I/O of its own; this lives here because every layer that writes a file (the
// tool, the proofs, the harnesses) depends on the model and on nothing else in common.
#ifndef APCB_MODEL_OUTPUT_FILE_H_
#define APCB_MODEL_OUTPUT_FILE_H_

#include <optional>
#include <string>
#include <string_view>

namespace apcb::model {

// Writes `text` to `path` atomically: into a temporary file in the same directory, fsync, then
// rename over `path`. On any failure (full disk, no permission, `path` a directory) the
// temporary file is removed, an existing `path` is left exactly as it was, and the reason is
// returned, naming the file and the errno text; nullopt on success. `path` "-" writes standard
// output (not atomic: a failed write still answers its reason).
//
// Example:
//   if (auto why = write_file_atomically("out/report.json", json.dump(2))) {
//     std::cerr << *why << "\n";   // "out/report.json: cannot write: No space left on device"
//     return kBadInput;
//   }
std::optional<std::string> write_file_atomically(const std::string& path, std::string_view text);

// Whether `path` could be written by write_file_atomically, checked before a long run so that
// an unwritable report path is found in the first second, not after the work: its directory
// exists and is writable, and `path` is not a directory. nullopt when it can; else the reason
// ("out/x.json: cannot write: No such file or directory"). Writes nothing.
//
// Example:
//   if (auto why = check_writable(args.json_path)) { std::cerr << *why << "\n"; return kBadInput; }
std::optional<std::string> check_writable(const std::string& path);

// Whether `a` and `b` name the same existing file (same device and inode), so that a run can
// refuse to write its report over an input it reads. False when either does not exist.
//
// Example: same_file("ledger.json", "./ledger.json") == true.
bool same_file(const std::string& a, const std::string& b);

// Flushes standard output (C and C++ streams) and answers whether everything written to it
// arrived: false on a full device, a closed descriptor or a broken pipe; `why` then holds
// the errno text.
//
// Example: apcb gen ... >/dev/full  ->  stdout_ok(why) == false, why == "No space left on device".
bool stdout_ok(std::string& why);

}  // namespace apcb::model

#endif  // APCB_MODEL_OUTPUT_FILE_H_
