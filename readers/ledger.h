// apcb readers — the assurance ledger (.ci/assurance-ledger.json): the floor `apcb verify --ledger`
// compares a run with. Read strictly, because a ledger that reads as weaker than its file says
// (a second "checks" key, a misspelled one, a score written as text) would let CI pass a run
// that checks less.
#ifndef APCB_READERS_LEDGER_H_
#define APCB_READERS_LEDGER_H_

#include <nlohmann/json.hpp>

#include <string_view>
#include <variant>

#include "trace/trace.h"

namespace apcb::readers {

// Parses a ledger: a JSON object (readers/json_reader.h: strict, duplicate keys are errors) with
// only the keys `apcb verify --write-ledger` writes: "about" and "z3_version" strings,
// "mutation_score" a number >= 0 (a percentage; above 100 no run reaches) or null, "reasons"
// an array of strings, and "checks" an array of objects with string "layer" and "item", an
// optional string "property", and "width", "bound", "seeds", "budget" numbers >= 0 where
// present. The document, or the first fault at its FILE:LINE:COL ("not a ledger: ..."). Never
// throws. `file` is used in messages only.
//
// Example:
//   parse_ledger("{\n  \"mutation_score\": \"high\",\n  \"checks\": []\n}", "l.json")
//   -> error "l.json:2:21: not a ledger: \"mutation_score\" must be a number >= 0 or null"
std::variant<nlohmann::json, trace::TraceError> parse_ledger(std::string_view text, std::string_view file);

}  // namespace apcb::readers

#endif  // APCB_READERS_LEDGER_H_
