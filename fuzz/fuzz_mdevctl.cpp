// libFuzzer harness: mdevctl JSON (readers/mdevctl.h) — the strict JSON reader under it
// (readers/json_reader.h), the parser, its validation, and `mdevctl start` with
// stop-at-first-failure on the model.
//
// Properties of the JSON reader, against nlohmann-json's own parser as an independent oracle:
// - read_json never throws or crashes; an error names a line >= 1 and a column >= 1 inside (or
//   just past) the input, and its message carries no raw control or non-ASCII byte;
// - what read_json accepts, nlohmann accepts, and the two values are equal;
// - what nlohmann accepts and read_json refuses is refused for a duplicate key, for nesting
//   beyond 64 levels, or at a NUL byte (where nlohmann ends its input), nothing else;
// - every value's recorded position is the byte its text starts with ('{' for an object, '"'
//   for a string, a digit or '-' for a number...), and every key's position is its '"';
// - the value printed by nlohmann reads back equal.
// Properties of the mdevctl layer:
// - parsing never throws or crashes; an error names a line ≥ 1 and a column ≥ 1 inside (or
//   just past) the input;
// - accepted devices print as --dumpjson text that parses back to the same devices, and
//   printing is idempotent;
// - starting every device on the ideal host keeps the model's structural invariants after each
//   device, and a start that fails leaves the host exactly as it was (the device it created is
//   removed again; nothing else changed);
// - the whole run, written as a trace, parses back to the same operations.
#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/oracle.h"
#include "model/invariants.h"
#include "model/step.h"
#include "readers/json_reader.h"
#include "readers/mdevctl.h"

namespace {

using nlohmann::json;

// Byte offsets of the starts of the text's lines. A leading UTF-8 byte order mark is not part of
// line 1's columns (read_json's convention: editors do not show it).
std::vector<std::size_t> line_starts(std::string_view text) {
  std::vector<std::size_t> starts{text.substr(0, 3) == "\xEF\xBB\xBF" ? std::size_t{3} : std::size_t{0}};
  for (std::size_t i = 0; i < text.size(); ++i)
    if (text[i] == '\n') starts.push_back(i + 1);
  return starts;
}

// The byte at a 1-based line and column, or -1 beyond the text.
int byte_at(std::string_view text, const std::vector<std::size_t>& starts, apcb::readers::JsonPosition p) {
  if (p.line < 1 || static_cast<std::size_t>(p.line) > starts.size() || p.column < 1) return -1;
  const std::size_t offset = starts[static_cast<std::size_t>(p.line - 1)] + static_cast<std::size_t>(p.column - 1);
  return offset < text.size() ? static_cast<unsigned char>(text[offset]) : -1;
}

// Every value below `v` starts where its position says; every key at its '"'.
void check_positions(const apcb::readers::JsonDocument& doc, const json& v, std::string_view text,
                     const std::vector<std::size_t>& starts) {
  const int b = byte_at(text, starts, doc.position_of(v));
  switch (v.type()) {
    case json::value_t::object: APCB_FUZZ_CHECK(b == '{'); break;
    case json::value_t::array: APCB_FUZZ_CHECK(b == '['); break;
    case json::value_t::string: APCB_FUZZ_CHECK(b == '"'); break;
    case json::value_t::boolean: APCB_FUZZ_CHECK(b == (v.get<bool>() ? 't' : 'f')); break;
    case json::value_t::null: APCB_FUZZ_CHECK(b == 'n'); break;
    default: APCB_FUZZ_CHECK(b == '-' || (b >= '0' && b <= '9')); break;
  }
  if (v.is_object()) {
    for (const auto& [key, member] : v.items()) {
      const auto k = doc.key_position_of(member);
      APCB_FUZZ_CHECK(k.has_value() && byte_at(text, starts, *k) == '"');
      check_positions(doc, member, text, starts);
    }
  } else if (v.is_array()) {
    for (const json& element : v) {
      APCB_FUZZ_CHECK(!doc.key_position_of(element).has_value());
      check_positions(doc, element, text, starts);
    }
  }
}

void check_json_reader(std::string_view text) {
  using namespace apcb;
  auto read = readers::read_json(text, "input");
  std::optional<json> theirs;
  try {
    theirs = json::parse(text.begin(), text.end());
  } catch (const json::exception&) {
  }
  if (const auto* e = std::get_if<trace::TraceError>(&read)) {
    APCB_FUZZ_CHECK(e->line >= 1 && e->column >= 1 && !e->message.empty());
    APCB_FUZZ_CHECK(static_cast<std::size_t>(e->line) <= line_starts(text).size());
    for (char c : e->message) APCB_FUZZ_CHECK(static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7f);
    if (theirs) {
      // nlohmann also ends its input at a NUL byte (C-string heritage): "9\0garbage" is 9 to it.
      const bool at_nul = byte_at(text, line_starts(text), readers::JsonPosition{e->line, e->column}) == 0;
      const bool allowed = e->message.find("duplicate key") == 0 ||
                           e->message.find("nested deeper than") != std::string::npos || at_nul;
      if (!allowed) std::fprintf(stderr, "nlohmann accepts, read_json refuses: %s\n", e->to_string().c_str());
      APCB_FUZZ_CHECK(allowed);
    }
    return;
  }
  const readers::JsonDocument& doc = std::get<readers::JsonDocument>(read);
  if (!theirs) std::fprintf(stderr, "read_json accepts what nlohmann refuses\n");
  APCB_FUZZ_CHECK(theirs.has_value());
  APCB_FUZZ_CHECK(*theirs == doc.root());
  check_positions(doc, doc.root(), text, line_starts(text));
  const std::string printed = doc.root().dump();  // read_json checked UTF-8: no throw
  auto again = readers::read_json(printed, "printed");
  APCB_FUZZ_CHECK(std::holds_alternative<readers::JsonDocument>(again));
  APCB_FUZZ_CHECK(std::get<readers::JsonDocument>(again).root() == doc.root());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace apcb;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  check_json_reader(text);
  // A single config gets this UUID, so both JSON forms reach the start.
  auto parsed = readers::parse_mdevctl(text, "input", std::string("0123abcd-0000-4000-8000-00000000cafe"));
  if (const auto* e = std::get_if<trace::TraceError>(&parsed)) {
    APCB_FUZZ_CHECK(e->line >= 1 && e->column >= 1 && !e->message.empty());
    std::size_t lines = 1;
    for (char c : text) lines += c == '\n' ? 1 : 0;
    APCB_FUZZ_CHECK(static_cast<std::size_t>(e->line) <= lines);
    return 0;
  }
  const auto& devices = std::get<std::vector<readers::MdevctlDevice>>(parsed);
  for (const readers::MdevctlDevice& d : devices) APCB_FUZZ_CHECK(model::valid_uuid(d.uuid));

  const std::string printed = readers::format_mdevctl_dumpjson(devices);
  auto again = readers::parse_mdevctl(printed, "printed");
  APCB_FUZZ_CHECK(std::holds_alternative<std::vector<readers::MdevctlDevice>>(again));
  const auto& back = std::get<std::vector<readers::MdevctlDevice>>(again);
  APCB_FUZZ_CHECK(back.size() == devices.size());
  for (std::size_t i = 0; i < back.size(); ++i) {
    APCB_FUZZ_CHECK(back[i].uuid == devices[i].uuid && back[i].autostart == devices[i].autostart);
    APCB_FUZZ_CHECK(back[i].attrs.size() == devices[i].attrs.size());
    for (std::size_t j = 0; j < back[i].attrs.size(); ++j)
      APCB_FUZZ_CHECK(back[i].attrs[j].key == devices[i].attrs[j].key &&
                      back[i].attrs[j].value == devices[i].attrs[j].value);
  }
  APCB_FUZZ_CHECK(readers::format_mdevctl_dumpjson(back) == printed);

  const trace::Trace host = readers::ideal_host_for(devices);
  model::State s = host.initial_state();
  for (const trace::TraceStep& step : host.steps) APCB_FUZZ_CHECK(model::apply(s, step.op).result == model::Errno::ok);
  for (const readers::MdevctlDevice& d : devices) {
    const model::State before = s;
    const readers::StartResult r = readers::start_device(s, d);
    APCB_FUZZ_CHECK(r.started == r.failure.empty());
    if (!r.started) {
      APCB_FUZZ_CHECK(s == before);
    } else {
      APCB_FUZZ_CHECK(s.find_mdev(d.uuid) != nullptr);
    }
    const auto v = model::check_state(s, model::Strength::structural);
    if (!v.empty()) {
      std::fprintf(stderr, "%s: %s\n", v[0].property.c_str(), v[0].detail.c_str());
      APCB_FUZZ_CHECK(v.empty());
    }
  }

  const trace::Trace trace = readers::mdevctl_trace(host, devices);
  auto reparsed = trace::parse_trace(trace::format_trace(trace), "mdevctl.trace");
  if (const auto* e = std::get_if<trace::TraceError>(&reparsed)) {
    std::fprintf(stderr, "%s\n", e->to_string().c_str());
    APCB_FUZZ_CHECK(false);
  }
  const trace::Trace& t2 = std::get<trace::Trace>(reparsed);
  APCB_FUZZ_CHECK(t2.steps.size() == trace.steps.size());
  for (std::size_t i = 0; i < t2.steps.size(); ++i) APCB_FUZZ_CHECK(t2.steps[i].op == trace.steps[i].op);
  return 0;
}
