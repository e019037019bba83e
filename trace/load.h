// apcb — reading trace files (and the other inputs a verb reads whole): from a path or standard
// input, with the error messages every verb prints the same way.
#ifndef APCB_TRACE_LOAD_H_
#define APCB_TRACE_LOAD_H_

#include <istream>
#include <memory>
#include <optional>
#include <string>

#include "trace/reader.h"
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

// A trace file open for reading step by step: the stream and its TraceReader, started (the
// header and `host init` are read).
//
// Example: auto input = open_trace("t.trace"); if (!input) return kBadInput;
//          trace::TraceStep step; while (input->reader.next(step)) { ... }
struct TraceInput {
  std::unique_ptr<std::istream> file;  // null for standard input
  TraceReader reader;
};

// Opens `path` ("-": standard input, named <stdin> in messages) and reads up to its `host init`
// line; on failure prints "PATH: cannot open the trace: reason" or the positioned error to
// stderr and returns null (the caller exits with code 2, bad input). Memory stays bounded by one
// step however long the trace is.
//
// Example: auto input = open_trace("-"); if (!input) return kBadInput;
std::unique_ptr<TraceInput> open_trace(const std::string& path);

// After the reader stopped: prints its positioned error to stderr and returns true, or returns
// false when the trace was read to its end.
//
// Example: while (input->reader.next(step)) run(step);
//          if (report_read_error(input->reader)) return kBadInput;
bool report_read_error(const TraceReader& reader);

}  // namespace apcb::trace

#endif  // APCB_TRACE_LOAD_H_
