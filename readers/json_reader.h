// apcb readers — a strict JSON reader that remembers where every value is.
//
// apcb's JSON inputs (mdevctl configs, the assurance ledger) come from administrators and CI,
// and a message about a bad value must name its file, line and column. nlohmann-json builds
// the document but keeps no positions, accepts duplicate keys (the last wins, so a second
// "checks" silently replaces the first), and nests as deep as the input asks. This reader
// builds the same nlohmann::json, strictly (RFC 8259: no trailing commas, no comments, UTF-8
// only, no duplicate keys), in time and memory linear in the input, with a nesting limit, and
// keeps the line and column of every value and every object key.
//
// Usage:
//   auto read = read_json(text, "ledger.json");
//   if (auto* e = std::get_if<trace::TraceError>(&read)) { print e->to_string(); exit 2; }
//   const JsonDocument& doc = std::get<JsonDocument>(read);
//   const nlohmann::json& score = doc.root().at("mutation_score");
//   if (!score.is_number()) return doc.error_at(score, "\"mutation_score\" must be a number");
//   // -> ledger.json:3:21: "mutation_score" must be a number
#ifndef APCB_READERS_JSON_READER_H_
#define APCB_READERS_JSON_READER_H_

#include <nlohmann/json.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>

#include "trace/trace.h"

namespace apcb::readers {

// A place in the text: 1-based line and 1-based column, the column counted in bytes (as
// compilers and editors' "go to line:column" do for ASCII text).
struct JsonPosition {
  int line = 1;
  int column = 1;
  friend bool operator==(const JsonPosition&, const JsonPosition&) = default;
};

// What the reader refuses beyond the grammar, so that hostile input costs at most its size.
struct JsonLimits {
  // Arrays and objects nested inside each other: the 65th level is an error. apcb's formats
  // nest at most 6 levels (the --dumpjson form); 64 leaves room without letting a file of
  // `[[[[…` run deep.
  std::size_t max_depth = 64;
  // Larger texts are refused before parsing (positions are ints).
  std::size_t max_bytes = std::size_t{1} << 28;
};

// A parsed document: the value tree and where each of its values and keys starts. Move-only:
// positions are recorded by the address of each value inside root(), which a move keeps and a
// copy would not.
class JsonDocument {
 public:
  JsonDocument(JsonDocument&&) noexcept = default;
  JsonDocument& operator=(JsonDocument&&) noexcept = default;
  JsonDocument(const JsonDocument&) = delete;
  JsonDocument& operator=(const JsonDocument&) = delete;

  // The document's value.
  // Example: read_json("[1, 2]", "f") gives root() == nlohmann::json::array({1, 2}).
  const nlohmann::json& root() const { return root_; }

  // The file name the document was read with, for messages.
  // Example: read_json("{}", "ledger.json") gives file() == "ledger.json".
  const std::string& file() const { return file_; }

  // Where `value` starts (its first byte: the quote of a string, the bracket of an array).
  // `value` must be root() or a value reached from it by reference (at(), [], find(), items());
  // for any other json (a copy, a temporary) the answer is the document's own start.
  // Example: for the text "{\n  \"a\": [true]\n}", position_of(root()["a"][0]) == {2, 9}.
  JsonPosition position_of(const nlohmann::json& value) const;

  // Where the key of the object member whose value is `value` starts (its opening quote);
  // nullopt when `value` is no object member of this document (the root, an array element).
  // Example: for "{\n  \"a\": 1}", key_position_of(root()["a"]) == JsonPosition{2, 3}.
  std::optional<JsonPosition> key_position_of(const nlohmann::json& value) const;

  // The value a JSON pointer (RFC 6901: "" is the root, "/a/0" is element 0 of member "a",
  // "~1" stands for '/' and "~0" for '~' in a key) names; nullptr when it names none.
  // Example: for "{\"a\": [5]}", find("/a/0") points to 5 and find("/a/1") is nullptr.
  const nlohmann::json* find(std::string_view pointer) const;

  // position_of(*find(pointer)), or nullopt when the pointer names no value.
  // Example: for "{\"a\": [5]}", position_at("/a/0") == JsonPosition{1, 8}.
  std::optional<JsonPosition> position_at(std::string_view pointer) const;

  // An error at `value`'s position in this document's file: the caller's message, which must
  // already be printable (quote outside text with model::printable).
  // Example: error_at(root()["a"], "\"a\" must be a number").to_string()
  //          == "ledger.json:1:7: \"a\" must be a number".
  trace::TraceError error_at(const nlohmann::json& value, std::string message) const;

  // An error at the key of the member whose value is `value` (for "unknown key" messages);
  // at the value itself when it is no object member.
  // Example: for "{\"chekcs\": []}", error_at_key(root()["chekcs"], "unknown key").to_string()
  //          == "f:1:2: unknown key".
  trace::TraceError error_at_key(const nlohmann::json& value, std::string message) const;

 private:
  friend class JsonParser;
  JsonDocument() = default;
  struct Where {
    JsonPosition value;
    JsonPosition key{0, 0};  // line 0: not an object member
  };
  nlohmann::json root_;
  JsonPosition root_position_;
  std::string file_;
  // Every value below the root, by address. The root itself moves with the document, so its
  // position is kept apart.
  std::unordered_map<const nlohmann::json*, Where> where_;
};

// Parses `text` as one JSON value (RFC 8259), strictly: a value, optionally surrounded by
// whitespace (a leading UTF-8 byte order mark is skipped); strings valid UTF-8 with no raw
// control bytes and no lone surrogates in \u escapes; numbers as nlohmann-json reads them
// (non-negative integers that fit become unsigned, negative ones signed, others double; a
// number beyond double's range is an error); objects with unique keys. Time and memory are
// linear in the text's length. Never throws (a failed allocation aside). `file` is used in
// messages only. Every error is "FILE:LINE:COLUMN: what", at the offending byte (a duplicate
// key at its second occurrence, an over-deep container at its opening bracket), with the
// input's bytes quoted through model::printable.
// Examples:
//   read_json("{\"a\": 1, \"a\": 2}", "f.json")  -> error "f.json:1:10: duplicate key \"a\"
//                                                    (first at line 1, column 2)"
//   read_json(std::string(100, '['), "f.json")    -> error "f.json:1:65: arrays and objects nested
//                                                    deeper than 64 levels"
//   read_json("[1,]", "f.json")                   -> error "f.json:1:4: invalid JSON: expected a
//                                                    value after ',', found ']' (JSON has no
//                                                    trailing commas)"
std::variant<JsonDocument, trace::TraceError> read_json(std::string_view text, std::string_view file,
                                                        const JsonLimits& limits = {});

// The RFC 6901 spelling of one reference token: '~' as "~0", '/' as "~1".
// Example: json_pointer_token("a/b~c") == "a~1b~0c".
std::string json_pointer_token(std::string_view key);

}  // namespace apcb::readers

#endif  // APCB_READERS_JSON_READER_H_
