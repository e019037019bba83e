// mdevctl JSON: reading, validation, and `mdevctl start` as steps of the alphabet.
//
// nlohmann-json builds the document but keeps no source positions, and an administrator needs
// the line and column of the bad value. So a second, SAX pass over the (already well-formed)
// text walks the tokens in step with the parser's events and records where each value starts,
// keyed by its JSON pointer; validation then looks positions up by pointer.
#include "cli/mdevctl.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "model/explain.h"
#include "model/parse.h"
#include "model/printable.h"
#include "model/step.h"

namespace apcb::cli {
namespace {

using nlohmann::json;

constexpr std::string_view kType = "vfio_ap-passthrough";
constexpr std::string_view kParent = "matrix";

// 1-based line and column (in bytes) of byte offset `pos`.
std::pair<int, int> line_column(std::string_view text, std::size_t pos) {
  pos = std::min(pos, text.size());
  int line = 1;
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < pos; ++i)
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  return {line, static_cast<int>(pos - line_start) + 1};
}

// RFC 6901 escaping of one reference token.
std::string pointer_token(std::string_view key) {
  std::string out;
  for (char c : key) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out += c;
  }
  return out;
}

// Records the start offset of every value of a well-formed document, by JSON pointer. It keeps
// its own cursor: each event's token starts at the first byte after the previous token that is
// not whitespace, ',' or ':', and its length follows from its first byte.
class PositionSax : public nlohmann::json_sax<json> {
 public:
  explicit PositionSax(std::string_view text) : text_(text) {
    if (text_.substr(0, 3) == "\xEF\xBB\xBF") cursor_ = 3;  // the parser skips a UTF-8 BOM
  }
  const std::map<std::string, std::size_t>& positions() const { return positions_; }

  bool null() override { return scalar(); }
  bool boolean(bool) override { return scalar(); }
  bool number_integer(number_integer_t) override { return scalar(); }
  bool number_unsigned(number_unsigned_t) override { return scalar(); }
  bool number_float(number_float_t, const string_t&) override { return scalar(); }
  bool string(string_t&) override { return scalar(); }
  bool binary(binary_t&) override { return scalar(); }
  bool start_object(std::size_t) override { return open(false); }
  bool start_array(std::size_t) override { return open(true); }
  bool key(string_t& k) override {
    token();
    if (!frames_.empty()) frames_.back().key = pointer_token(k);
    return true;
  }
  bool end_object() override { return close(); }
  bool end_array() override { return close(); }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
    return false;
  }

 private:
  struct Frame {
    bool array = false;
    std::size_t index = 0;
    std::string key;
  };
  std::string pointer() const {
    std::string p;
    for (const Frame& f : frames_) p += "/" + (f.array ? std::to_string(f.index) : f.key);
    return p;
  }
  // Skips to the next token, steps over it, and returns where it started.
  std::size_t token() {
    while (cursor_ < text_.size() && (text_[cursor_] == ' ' || text_[cursor_] == '\t' ||
                                      text_[cursor_] == '\n' || text_[cursor_] == '\r' ||
                                      text_[cursor_] == ',' || text_[cursor_] == ':'))
      ++cursor_;
    const std::size_t start = cursor_;
    if (cursor_ >= text_.size()) return start;
    const char c = text_[cursor_];
    if (c == '"') {
      ++cursor_;
      while (cursor_ < text_.size() && text_[cursor_] != '"') cursor_ += text_[cursor_] == '\\' ? 2 : 1;
      ++cursor_;
    } else if (c == '{' || c == '[' || c == '}' || c == ']') {
      ++cursor_;
    } else if (c == 't' || c == 'n') {
      cursor_ += 4;
    } else if (c == 'f') {
      cursor_ += 5;
    } else {
      while (cursor_ < text_.size() && std::string_view("+-0123456789.eE").find(text_[cursor_]) != std::string_view::npos)
        ++cursor_;
    }
    return start;
  }
  void after_value() {
    if (!frames_.empty() && frames_.back().array) ++frames_.back().index;
  }
  bool scalar() {
    positions_[pointer()] = token();
    after_value();
    return true;
  }
  bool open(bool array) {
    positions_[pointer()] = token();
    frames_.push_back(Frame{array, 0, {}});
    return true;
  }
  bool close() {
    token();
    if (!frames_.empty()) frames_.pop_back();
    after_value();
    return true;
  }

  std::string_view text_;
  std::size_t cursor_ = 0;
  std::vector<Frame> frames_;
  std::map<std::string, std::size_t> positions_;
};

// Validation over the document, with positions for its messages.
class Reader {
 public:
  Reader(std::string_view text, std::string_view file, std::map<std::string, std::size_t> positions)
      : text_(text), file_(file), positions_(std::move(positions)) {}

  std::optional<model::TraceError> error;

  model::TraceError at(const std::string& pointer, std::string message) const {
    auto it = positions_.find(pointer);
    const auto [line, column] = line_column(text_, it == positions_.end() ? 0 : it->second);
    return model::TraceError{std::string(file_), line, column, std::move(message)};
  }
  bool fail(const std::string& pointer, std::string message) {
    if (!error) error = at(pointer, std::move(message));
    return false;
  }

  // One config object at `ptr` for device `uuid`.
  bool config(const json& c, const std::string& ptr, const std::string& uuid, std::vector<MdevctlDevice>& out) {
    if (!c.is_object()) return fail(ptr, "a device config must be a JSON object");
    MdevctlDevice d;
    d.uuid = uuid;
    d.line = at(ptr, "").line;
    // mdevctl treats a null mdev_type or start as missing.
    const auto type = c.find("mdev_type");
    if (type == c.end() || type->is_null()) return fail(ptr, "missing \"mdev_type\"");
    const auto start = c.find("start");
    if (start == c.end() || start->is_null()) return fail(ptr, "missing \"start\"");
    if (!type->is_string()) return fail(ptr + "/mdev_type", "\"mdev_type\" must be a string");
    if (type->get_ref<const std::string&>() != kType)
      return fail(ptr + "/mdev_type", "mdev_type '" + model::printable(type->get_ref<const std::string&>()) +
                                          "' is not vfio_ap-passthrough, the only type apcb models");
    if (!start->is_string() || (*start != "auto" && *start != "manual"))
      return fail(ptr + "/start", "\"start\" must be \"auto\" or \"manual\"");
    d.autostart = *start == "auto";
    if (const auto attrs = c.find("attrs"); attrs != c.end() && !attrs->is_null()) {
      if (!attrs->is_array()) return fail(ptr + "/attrs", "\"attrs\" must be an array");
      for (std::size_t i = 0; i < attrs->size(); ++i) {
        const json& a = (*attrs)[i];
        const std::string ap = ptr + "/attrs/" + std::to_string(i);
        const std::string name = "attrs[" + std::to_string(i) + "]";
        if (!a.is_object()) return fail(ap, name + " is not an object");
        if (a.size() != 1)
          return fail(ap, name + " must have exactly one field, not " + std::to_string(a.size()));
        const auto field = a.begin();  // the object's only field
        const std::string& key = field.key();
        const json& value = field.value();
        if (!value.is_string())
          return fail(ap + "/" + pointer_token(key), name + " (\"" + model::printable(key) + "\"): the value must be a string");
        const model::TraceError pos = at(ap + "/" + pointer_token(key), "");
        d.attrs.push_back(MdevctlAttr{key, value.get<std::string>(), pos.line, pos.column});
      }
    }
    out.push_back(std::move(d));
    return true;
  }

  bool dumpjson(const json& doc, std::vector<MdevctlDevice>& out) {
    for (std::size_t i = 0; i < doc.size(); ++i) {
      const json& entry = doc[i];
      const std::string ep = "/" + std::to_string(i);
      if (!entry.is_object())
        return fail(ep, "a --dumpjson entry must be an object mapping a parent to its devices");
      for (const auto& [parent, devices] : entry.items()) {
        const std::string pp = ep + "/" + pointer_token(parent);
        if (parent != kParent)
          return fail(pp, "parent '" + model::printable(parent) + "' is not the vfio_ap matrix device ('matrix')");
        if (!devices.is_array()) return fail(pp, "the devices of parent 'matrix' must be an array");
        for (std::size_t j = 0; j < devices.size(); ++j) {
          const json& dev = devices[j];
          const std::string dp = pp + "/" + std::to_string(j);
          if (!dev.is_object())
            return fail(dp, "a device entry must be an object mapping a UUID to its config");
          for (const auto& [uuid, cfg] : dev.items()) {
            const std::string cp = dp + "/" + pointer_token(uuid);
            if (!model::valid_uuid(uuid)) return fail(cp, "'" + model::printable(uuid) + "' is not a UUID");
            if (!config(cfg, cp, lower(uuid), out)) return false;
          }
        }
      }
    }
    return true;
  }

  static std::string lower(std::string s) {
    for (char& c : s)
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return s;
  }

 private:
  std::string_view text_;
  std::string_view file_;
  std::map<std::string, std::size_t> positions_;
};

// nlohmann's parse_error text without its "[json.exception…] parse error at line L, column C: "
// prefix (the position is ours).
std::string parse_error_text(const std::string& what) {
  const std::size_t col = what.find("column ");
  if (col != std::string::npos) {
    const std::size_t colon = what.find(": ", col);
    if (colon != std::string::npos) return model::printable(what.substr(colon + 2));
  }
  return model::printable(what);
}

// The attribute a key names, for the seven the vfio_ap mdev accepts writes on.
std::optional<model::MdevAttr> writable_attr(std::string_view key) {
  using model::MdevAttr;
  static constexpr std::pair<std::string_view, MdevAttr> kAttrs[] = {
      {"assign_adapter", MdevAttr::assign_adapter},
      {"unassign_adapter", MdevAttr::unassign_adapter},
      {"assign_domain", MdevAttr::assign_domain},
      {"unassign_domain", MdevAttr::unassign_domain},
      {"assign_control_domain", MdevAttr::assign_control_domain},
      {"unassign_control_domain", MdevAttr::unassign_control_domain},
      {"ap_config", MdevAttr::ap_config},
  };
  for (const auto& [name, attr] : kAttrs)
    if (name == key) return attr;
  return std::nullopt;
}

// Why mdevctl cannot write `key` at all: a read-only file refuses the open for writing; any
// other name is not a file of the mdev (mdevctl checks that before writing), or is one apcb
// does not model (remove, uevent), which would not configure the device either.
std::string unwritable_reason(std::string_view key) {
  if (key == "matrix" || key == "guest_matrix" || key == "control_domains")
    return "'" + std::string(key) + "' is read-only (EACCES: Permission denied)";
  if (key == "remove" || key == "uevent")
    return "writes to '" + std::string(key) + "' are not modelled by apcb";
  return "'" + model::printable(key) + "' is not an attribute of a vfio_ap mdev (mdevctl: Invalid attribute)";
}

// glibc's strerror text for the errnos a start can meet: what the administrator saw.
std::string_view strerror_text(model::Errno e) {
  using model::Errno;
  switch (e) {
    case Errno::eperm: return "Operation not permitted";
    case Errno::enoent: return "No such file or directory";
    case Errno::eio: return "Input/output error";
    case Errno::enomem: return "Cannot allocate memory";
    case Errno::ebusy: return "Device or resource busy";
    case Errno::eexist: return "File exists";
    case Errno::enodev: return "No such device";
    case Errno::einval: return "Invalid argument";
    case Errno::erange: return "Numerical result out of range";
    case Errno::eaddrinuse: return "Address already in use";
    case Errno::eaddrnotavail: return "Cannot assign requested address";
    default: return "";
  }
}

std::string failure_text(const model::State& before, const model::Op& op, model::Errno e) {
  std::string out = std::string(model::errno_name(e)) + " (" + std::string(strerror_text(e)) + ")";
  const std::string why = model::explain_failure(before, op, e);
  if (!why.empty()) out += ": " + why;
  return out;
}

}  // namespace

std::variant<std::vector<MdevctlDevice>, model::TraceError> parse_mdevctl(
    std::string_view text, std::string_view file, std::optional<std::string> single_uuid) {
  json doc;
  try {
    doc = json::parse(text.begin(), text.end());
  } catch (const json::parse_error& e) {
    const auto [line, column] = line_column(text, e.byte == 0 ? 0 : e.byte - 1);
    return model::TraceError{std::string(file), line, column, "invalid JSON: " + parse_error_text(e.what())};
  } catch (const std::exception& e) {
    return model::TraceError{std::string(file), 1, 1, "invalid JSON: " + model::printable(e.what())};
  }
  PositionSax sax(text);
  try {
    json::sax_parse(text.begin(), text.end(), &sax);
  } catch (const std::exception&) {
    // Positions are best effort: the document itself parsed, so validation goes on.
  }
  Reader reader(text, file, sax.positions());
  std::vector<MdevctlDevice> out;
  try {
    if (doc.is_array()) {
      reader.dumpjson(doc, out);
    } else if (doc.is_object()) {
      // Validate first: a bad config is worth reporting even when its UUID is unknown.
      const bool named = single_uuid && model::valid_uuid(*single_uuid);
      if (reader.config(doc, "", named ? Reader::lower(*single_uuid) : std::string(), out) && !named)
        reader.fail("", "a single config does not name its UUID: name the file after it, as "
                        "/etc/mdevctl.d/matrix/<uuid> is named, or pass --mdev UUID");
    } else {
      reader.fail("", "expected a device config (a JSON object) or the --dumpjson form (a JSON array)");
    }
  } catch (const std::exception& e) {
    reader.fail("", "cannot read the config: " + model::printable(e.what()));
  }
  if (reader.error) return *reader.error;
  return out;
}

std::string format_mdevctl_dumpjson(const std::vector<MdevctlDevice>& devices) {
  json list = json::array();
  for (const MdevctlDevice& d : devices) {
    json attrs = json::array();
    for (const MdevctlAttr& a : d.attrs) attrs.push_back(json::object({{a.key, a.value}}));
    json config = {{"mdev_type", std::string(kType)}, {"start", d.autostart ? "auto" : "manual"}, {"attrs", attrs}};
    list.push_back(json::object({{d.uuid, config}}));
  }
  // error_handler::replace: attribute text that is not UTF-8 still prints (as U+FFFD) rather
  // than throwing; such a value came from a file nlohmann accepted, so this does not happen.
  return json::array({json::object({{std::string(kParent), list}})}).dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

std::vector<model::TraceStep> start_steps(const MdevctlDevice& d, std::size_t* stopped_at) {
  std::vector<model::TraceStep> steps;
  steps.push_back(model::TraceStep{model::op::MdevCreate{d.uuid}, std::nullopt, 0, {}});
  std::size_t i = 0;
  for (; i < d.attrs.size(); ++i) {
    const auto attr = writable_attr(d.attrs[i].key);
    if (!attr) break;
    steps.push_back(model::TraceStep{model::op::AttrWrite{d.uuid, *attr, d.attrs[i].value}, std::nullopt, 0, {}});
  }
  if (stopped_at != nullptr) *stopped_at = i;
  return steps;
}

StartResult start_device(model::State& s, const MdevctlDevice& d) {
  StartResult r;
  auto run = [&](const model::Op& op) {
    const model::State before = s;
    model::Observation obs = model::apply(s, op);
    const model::Errno e = obs.result;
    r.steps.push_back(model::TraceStep{op, std::move(obs), 0, {}});
    return std::make_pair(e, before);
  };
  const model::Op create = model::op::MdevCreate{d.uuid};
  if (auto [e, before] = run(create); e != model::Errno::ok) {
    r.failure = "create " + d.uuid + ": " + failure_text(before, create, e);
    return r;
  }
  for (std::size_t i = 0; i < d.attrs.size(); ++i) {
    const MdevctlAttr& a = d.attrs[i];
    const std::string where = "attrs[" + std::to_string(i) + "] {\"" + model::printable(a.key) + "\": \"" + model::printable(a.value) + "\"}";
    const auto attr = writable_attr(a.key);
    if (!attr) {
      r.failure = where + ": " + unwritable_reason(a.key);
    } else {
      const model::Op write = model::op::AttrWrite{d.uuid, *attr, a.value};
      auto [e, before] = run(write);
      if (e == model::Errno::ok) continue;
      r.failure = where + ": " + failure_text(before, write, e);
    }
    r.failed_attr = i;
    // mdevctl's stop-at-first-failure: the device it created is removed again.
    run(model::op::MdevRemove{d.uuid});
    r.steps.back().comments.push_back("# mdevctl: the write of " + where +
                                      " failed, so the start stops and removes the device");
    return r;
  }
  r.started = true;
  return r;
}

model::Trace ideal_host_for(const std::vector<MdevctlDevice>& devices) {
  using model::MdevAttr;
  model::Matrix cfg;
  for (const MdevctlDevice& d : devices)
    for (const MdevctlAttr& a : d.attrs) {
      const auto attr = writable_attr(a.key);
      if (!attr) continue;
      if (*attr == MdevAttr::ap_config) {
        const auto p = model::parse_ap_config(a.value);
        if (p.ok()) {
          cfg.adapters |= p.value.adapters;
          cfg.domains |= p.value.domains;
          cfg.control_domains |= p.value.control_domains;
        }
        continue;
      }
      const auto v = model::parse_kstrtoul(a.value);
      if (!v.ok() || v.value > 255) continue;
      const auto id = static_cast<model::ApId>(v.value);
      switch (*attr) {
        case MdevAttr::assign_adapter:
        case MdevAttr::unassign_adapter: cfg.adapters.set(id); break;
        case MdevAttr::assign_domain:
        case MdevAttr::unassign_domain: cfg.domains.set(id); break;
        default: cfg.control_domains.set(id); break;
      }
    }
  model::Trace t;
  t.params = model::HostParams{true, 255, 255};
  t.config = cfg;
  t.comments.push_back("# The ideal host for these mdevctl configs: every ID they name is configured,");
  t.comments.push_back("# free for vfio_ap (apmask and aqmask cleared) and bound to it.");
  t.steps.push_back(model::TraceStep{model::op::BusMaskWrite{model::BusMask::apmask, "0\n"}, std::nullopt, 0, {}});
  t.steps.push_back(model::TraceStep{model::op::BusMaskWrite{model::BusMask::aqmask, "0\n"}, std::nullopt, 0, {}});
  return t;
}

model::Trace mdevctl_trace(const model::Trace& base, const std::vector<MdevctlDevice>& devices,
                           std::vector<StartResult>* results) {
  model::Trace t = base;
  model::State s = t.initial_state();
  for (model::TraceStep& step : t.steps) step.expected = model::apply(s, step.op);
  for (const MdevctlDevice& d : devices) {
    StartResult r = start_device(s, d);
    if (!r.steps.empty())
      r.steps.front().comments.insert(r.steps.front().comments.begin(),
                                      "# mdevctl start " + d.uuid + " (" + (d.autostart ? "auto" : "manual") + ", " +
                                          std::to_string(d.attrs.size()) + " attrs)");
    for (const model::TraceStep& step : r.steps) t.steps.push_back(step);
    if (results != nullptr) results->push_back(std::move(r));
  }
  return t;
}

std::optional<std::vector<MdevctlDevice>> load_mdevctl(const std::string& path,
                                                      const std::optional<std::string>& uuid) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::cerr << path << ": cannot open the mdevctl config\n";
    return std::nullopt;
  }
  std::stringstream buf;
  buf << in.rdbuf();
  std::optional<std::string> single = uuid;
  if (!single) single = std::filesystem::path(path).filename().string();
  auto parsed = parse_mdevctl(buf.str(), path, single);
  if (auto* e = std::get_if<model::TraceError>(&parsed)) {
    std::cerr << e->to_string() << "\n";
    return std::nullopt;
  }
  return std::get<std::vector<MdevctlDevice>>(std::move(parsed));
}

}  // namespace apcb::cli
