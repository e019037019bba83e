// apcb — reading trace files (and the other inputs a verb reads whole): from a path or standard
// input, with the error messages every verb prints the same way.
#ifndef APCB_TRACE_LOAD_H_
#define APCB_TRACE_LOAD_H_

#include <optional>
#include <string>

#include "trace/trace.h"

namespace apcb::trace {

// The whole text of the input file `path` ("-": standard input); on failure (absent, a
// directory, unreadable) prints "PATH: cannot read the WHAT: reason" to stderr and returns
// nullopt (the caller exits with code 2, bad input).
//
// Example: read_input("-", "trace") reads standard input; read_input("/tmp", "trace") prints
// "/tmp: cannot read the trace: Is a directory".
std::optional<std::string> read_input(const std::string& path, const std::string& what);

// Reads ("-": standard input, named <stdin> in messages) and parses a trace file; on failure
// prints the positioned error to stderr and returns nullopt (the caller exits with code 2, bad input).
//
// Example: auto trace = load_trace("tests/traces/hotplug.trace"); if (!trace) return kBadInput;
std::optional<trace::Trace> load_trace(const std::string& path);

}  // namespace apcb::trace

#endif  // APCB_TRACE_LOAD_H_
