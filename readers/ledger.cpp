#include "readers/ledger.h"

#include "readers/json_reader.h"
#include "model/printable.h"

namespace apcb::readers {

std::variant<nlohmann::json, trace::TraceError> parse_ledger(std::string_view text, std::string_view file) {
  auto read = read_json(text, file);
  if (auto* e = std::get_if<trace::TraceError>(&read)) {
    e->message += " (not a ledger)";
    return std::move(*e);
  }
  const JsonDocument& doc = std::get<JsonDocument>(read);
  const nlohmann::json& root = doc.root();
  std::optional<trace::TraceError> fault;
  const auto fail = [&](const nlohmann::json& at, std::string message) {
    if (!fault) fault = doc.error_at(at, "not a ledger: " + std::move(message));
  };
  const auto fail_key = [&](const nlohmann::json& at, std::string message) {
    if (!fault) fault = doc.error_at_key(at, "not a ledger: " + std::move(message));
  };
  if (!root.is_object()) {
    fail(root, "the ledger is a JSON object");
  } else {
    for (const auto& [key, value] : root.items()) {
      if (key == "about" || key == "z3_version") {
        if (!value.is_string()) fail(value, "\"" + key + "\" must be a string");
      } else if (key == "mutation_score") {
        if (!value.is_null() && (!value.is_number() || value.get<double>() < 0))
          fail(value, "\"mutation_score\" must be a number >= 0 or null");
      } else if (key == "reasons") {
        if (!value.is_array()) fail(value, "\"reasons\" must be an array of strings");
        else
          for (const nlohmann::json& r : value)
            if (!r.is_string()) fail(r, "\"reasons\" must be an array of strings");
      } else if (key != "checks") {
        fail_key(value, "unknown key \"" + model::printable(key) + "\"");
      }
    }
    if (!root.contains("checks") || !root.at("checks").is_array()) {
      fail(root.contains("checks") ? root.at("checks") : root, "no \"checks\" array");
    } else {
      for (const nlohmann::json& c : root.at("checks")) {
        if (!c.is_object()) {
          fail(c, "a check is an object");
          continue;
        }
        for (const char* field : {"layer", "item"})
          if (!c.contains(field) || !c.at(field).is_string())
            fail(c.contains(field) ? c.at(field) : c, std::string("a check needs a string \"") + field + "\"");
        for (const auto& [key, value] : c.items()) {
          if (key == "layer" || key == "item") continue;
          if (key == "property") {
            if (!value.is_string()) fail(value, "\"property\" must be a string");
          } else if (key == "width" || key == "bound" || key == "seeds" || key == "budget") {
            if (!value.is_number() || value.get<double>() < 0)
              fail(value, "\"" + key + "\" must be a number >= 0");
          } else {
            fail_key(value, "unknown key \"" + model::printable(key) + "\" in a check");
          }
        }
      }
    }
  }
  if (fault) return std::move(*fault);
  return root;
}

}  // namespace apcb::readers
