// apcb readers — known differences: the allow list `apcb check --allow FILE` reads.
//
// An implementation under test often differs from the reference on purpose (it follows an
// older kernel, it chose another errno) or differs in a known way not fixed yet. Without a way
// to say so, that one difference stops `apcb check` at the first divergence and hides every
// later bug. An allow list names such differences by their divergence class — the operation
// (model::operation_class: `attr_write assign_adapter`, `read_mdev matrix`; `vfio reset` is
// `device_reset`) and the cause (model::divergence_cause, which part of the observation
// differs: `result EBUSY vs EIO`, implementation first; `output`; `commits 1 vs 0`; `commit
// contents`; `resets 2 vs 1`; `reset queues`; `resets between commits`) — optionally narrowed
// by patterns over both observations, each with a reason. The format, strict JSON (readers/json_reader.h):
//
//   {
//     "about": "optional text",
//     "allow": [
//       { "id": "no-eaddrinuse",
//         "op": "attr_write assign_*",
//         "cause": "result EBUSY vs EADDRINUSE",
//         "implementation": "*",          // optional, default "*"
//         "reference": "*",               // optional, default "*"
//         "reason": "follows 5.x, before the errno became EADDRINUSE" } ] }
//
// (JSON has no comments; they are here to explain.) Patterns are globs: `*` is any text,
// line breaks included, `?` one byte, every other byte itself; a pattern must match the whole
// text. `op` and `cause` match the class; `implementation` and `reference` match the
// observation as the trace format writes it (trace::format_observation: "= EBUSY\n", "| ...",
// "commit guest=..."). The first entry that matches allows the divergence.
#ifndef APCB_READERS_ALLOW_LIST_H_
#define APCB_READERS_ALLOW_LIST_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "trace/trace.h"

namespace apcb::readers {

// Whether `pattern` (`*` any text including line breaks, `?` one byte, other bytes literal)
// matches all of `text`. Linear in |pattern| x |text| at worst, no recursion: hostile patterns
// cost time in proportion to their size, never the stack.
// Example: glob_match("attr_write assign_*", "attr_write assign_domain") == true;
//          glob_match("result ? vs *", "result EBUSY vs EIO") == false ('?' is one byte).
bool glob_match(std::string_view pattern, std::string_view text);

// One known difference: which divergences it allows and why.
// Example: AllowEntry{"no-eaddrinuse", "attr_write assign_*", "result EBUSY vs EADDRINUSE",
//                     "*", "*", "follows 5.x", 4} allows an EBUSY where the reference answers
//          EADDRINUSE, on any assign attribute.
struct AllowEntry {
  std::string id;
  std::string op;                    // glob over the divergence class's operation
  std::string cause;                 // glob over its cause
  std::string implementation = "*";  // glob over the implementation's observation block
  std::string reference = "*";       // glob over the reference's observation block
  std::string reason;
  int line = 0;  // where the entry starts in its file, for reports

  // Whether this entry allows a divergence of class (op, cause) between these observation
  // blocks (trace::format_observation text).
  // Example: the entry above .matches("attr_write assign_domain", "result EBUSY vs EADDRINUSE",
  //          "= EBUSY\n", "= EADDRINUSE\n") == true.
  bool matches(std::string_view op_class, std::string_view cause_class, std::string_view implementation_block,
               std::string_view reference_block) const;
};

// A parsed allow list, in file order.
// Example: parse_allow_list("{\"allow\": []}", "a.json") holds no entry and allows nothing.
struct AllowList {
  std::string file;
  std::vector<AllowEntry> entries;

  // The first entry that allows the divergence, or nullptr.
  // Example: list.first_match("read_mdev matrix", "output", "| 05.0004\n", "") == nullptr
  //          unless an entry's patterns cover it.
  const AllowEntry* first_match(std::string_view op_class, std::string_view cause_class,
                                std::string_view implementation_block, std::string_view reference_block) const;
};

// Parses an allow list (the format above): a JSON object with an optional string "about" and
// an array "allow" of objects, each with non-empty strings "id" (unique in the file), "op",
// "cause" and "reason", and optional strings "implementation" and "reference"; no other key.
// An "op" pattern must match at least one operation class (model::operation_classes()) (a misspelt kind
// would silently allow nothing). The list, or the first fault at FILE:LINE:COL ("not an allow
// list: ..."). Never throws. `file` is used in messages only.
//
// Example:
//   parse_allow_list("{\"allow\": [{\"id\": \"x\", \"op\": \"atr_write*\", \"cause\": \"*\", "
//                    "\"reason\": \"r\"}]}", "a.json")
//   -> error "a.json:1:30: not an allow list: \"op\" pattern \"atr_write*\" matches no operation
//      (they are named as `apcb check` reports them, e.g. \"attr_write assign_adapter\")"
std::variant<AllowList, trace::TraceError> parse_allow_list(std::string_view text, std::string_view file);

}  // namespace apcb::readers

#endif  // APCB_READERS_ALLOW_LIST_H_
