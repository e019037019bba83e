#include "readers/allow_list.h"

#include <set>

#include "model/op.h"
#include "model/printable.h"
#include "readers/json_reader.h"

namespace apcb::readers {

bool glob_match(std::string_view pattern, std::string_view text) {
  // The iterative matcher: on a mismatch, go back to the last '*' and let it eat one byte
  // more. Only the last star needs remembering, so there is no recursion and no blow-up.
  std::size_t p = 0, t = 0;
  std::size_t star = std::string_view::npos, star_text = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      star_text = t;
    } else if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++star_text;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

bool AllowEntry::matches(std::string_view op_class, std::string_view cause_class,
                         std::string_view implementation_block, std::string_view reference_block) const {
  return glob_match(op, op_class) && glob_match(cause, cause_class) &&
         glob_match(implementation, implementation_block) && glob_match(reference, reference_block);
}

const AllowEntry* AllowList::first_match(std::string_view op_class, std::string_view cause_class,
                                         std::string_view implementation_block,
                                         std::string_view reference_block) const {
  for (const AllowEntry& e : entries)
    if (e.matches(op_class, cause_class, implementation_block, reference_block)) return &e;
  return nullptr;
}

std::variant<AllowList, trace::TraceError> parse_allow_list(std::string_view text, std::string_view file) {
  auto read = read_json(text, file);
  if (auto* e = std::get_if<trace::TraceError>(&read)) {
    e->message += " (not an allow list)";
    return std::move(*e);
  }
  const JsonDocument& doc = std::get<JsonDocument>(read);
  const nlohmann::json& root = doc.root();
  std::optional<trace::TraceError> fault;
  const auto fail = [&](const nlohmann::json& at, std::string message) {
    if (!fault) fault = doc.error_at(at, "not an allow list: " + std::move(message));
  };
  const auto fail_key = [&](const nlohmann::json& at, std::string message) {
    if (!fault) fault = doc.error_at_key(at, "not an allow list: " + std::move(message));
  };
  AllowList list;
  list.file = std::string(file);
  if (!root.is_object()) {
    fail(root, "the allow list is a JSON object with an \"allow\" array");
    return *fault;
  }
  for (const auto& [key, value] : root.items()) {
    if (key == "about") {
      if (!value.is_string()) fail(value, "\"about\" must be a string");
    } else if (key != "allow") {
      fail_key(value, "unknown key \"" + model::printable(key) + "\" (an allow list has \"about\" and \"allow\")");
    }
  }
  if (!root.contains("allow") || !root.at("allow").is_array()) {
    fail(root.contains("allow") ? root.at("allow") : root, "no \"allow\" array");
    return *fault;
  }
  std::set<std::string> ids;
  for (const nlohmann::json& entry : root.at("allow")) {
    if (!entry.is_object()) {
      fail(entry, "an entry of \"allow\" is an object");
      continue;
    }
    AllowEntry e;
    e.line = doc.position_of(entry).line;
    for (const auto& [key, value] : entry.items()) {
      std::string* field = key == "id"               ? &e.id
                           : key == "op"             ? &e.op
                           : key == "cause"          ? &e.cause
                           : key == "implementation" ? &e.implementation
                           : key == "reference"      ? &e.reference
                           : key == "reason"         ? &e.reason
                                                     : nullptr;
      if (field == nullptr) {
        fail_key(value, "unknown key \"" + model::printable(key) +
                            "\" in an entry (id, op, cause, implementation, reference, reason)");
        continue;
      }
      if (!value.is_string()) {
        fail(value, "\"" + key + "\" must be a string");
        continue;
      }
      *field = value.get<std::string>();
    }
    for (const char* required : {"id", "op", "cause", "reason"}) {
      if (!entry.contains(required)) {
        fail(entry, std::string("an entry needs \"") + required + "\"");
      } else if (entry.at(required).is_string() && entry.at(required).get_ref<const std::string&>().empty()) {
        fail(entry.at(required), std::string("\"") + required + "\" must not be empty");
      }
    }
    if (fault) continue;
    if (!ids.insert(e.id).second) fail(entry.at("id"), "a second entry with id \"" + model::printable(e.id) + "\"");
    bool names_an_operation = false;
    for (const std::string& c : model::operation_classes()) names_an_operation = names_an_operation || glob_match(e.op, c);
    if (!names_an_operation)
      fail(entry.at("op"), "\"op\" pattern \"" + model::printable(e.op) +
                               "\" matches no operation (they are named as `apcb check` reports them, e.g. "
                               "\"attr_write assign_adapter\", \"device_reset\")");
    list.entries.push_back(std::move(e));
  }
  if (fault) return *fault;
  return list;
}

}  // namespace apcb::readers
