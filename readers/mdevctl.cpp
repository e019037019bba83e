// mdevctl JSON: reading, validation, and `mdevctl start` as steps of the alphabet.
//
// The text is read by the strict, positioned JSON reader (readers/json_reader.h: duplicate keys
// and over-deep nesting refused, linear in the input); validation then reports each problem at
// the line and column of the offending value, looked up by the value itself.
#include "readers/mdevctl.h"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "readers/json_reader.h"
#include "model/explain.h"
#include "model/parse.h"
#include "model/printable.h"
#include "model/step.h"

namespace apcb::readers {
namespace {

using nlohmann::json;

constexpr std::string_view kType = "vfio_ap-passthrough";
constexpr std::string_view kParent = "matrix";

std::string lower(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

std::string devices_text(std::size_t n) { return std::to_string(n) + (n == 1 ? " device" : " devices"); }

// Validation over the document, with positions for its messages.
class Reader {
 public:
  Reader(const JsonDocument& doc, std::vector<std::string>* notes) : doc_(doc), notes_(notes) {}

  std::optional<trace::TraceError> error;

  bool fail(const json& at, std::string message) {
    if (!error) error = doc_.error_at(at, std::move(message));
    return false;
  }
  bool fail_at_key(const json& member, std::string message) {
    if (!error) error = doc_.error_at_key(member, std::move(message));
    return false;
  }

  // One config object `c` for device `uuid`.
  bool config(const json& c, const std::string& uuid, std::vector<MdevctlDevice>& out) {
    if (!c.is_object()) return fail(c, "a device config must be a JSON object");
    MdevctlDevice d;
    d.uuid = uuid;
    d.line = doc_.position_of(c).line;
    // mdevctl treats a null mdev_type or start as missing.
    const auto type = c.find("mdev_type");
    if (type == c.end() || type->is_null()) return fail(c, "missing \"mdev_type\"");
    const auto start = c.find("start");
    if (start == c.end() || start->is_null()) return fail(c, "missing \"start\"");
    if (!type->is_string()) return fail(*type, "\"mdev_type\" must be a string");
    if (type->get_ref<const std::string&>() != kType)
      return fail(*type, "mdev_type '" + model::printable(type->get_ref<const std::string&>()) +
                             "' is not vfio_ap-passthrough, the only type apcb models");
    if (!start->is_string() || (*start != "auto" && *start != "manual"))
      return fail(*start, "\"start\" must be \"auto\" or \"manual\"");
    d.autostart = *start == "auto";
    if (const auto attrs = c.find("attrs"); attrs != c.end() && !attrs->is_null()) {
      if (!attrs->is_array()) return fail(*attrs, "\"attrs\" must be an array");
      for (std::size_t i = 0; i < attrs->size(); ++i) {
        const json& a = (*attrs)[i];
        const std::string name = "attrs[" + std::to_string(i) + "]";
        if (!a.is_object()) return fail(a, name + " is not an object");
        if (a.size() != 1) return fail(a, name + " must have exactly one field, not " + std::to_string(a.size()));
        const auto field = a.begin();  // the object's only field
        const std::string& key = field.key();
        const json& value = field.value();
        if (!value.is_string())
          return fail(value, name + " (\"" + model::printable(key) + "\"): the value must be a string");
        const JsonPosition pos = doc_.position_of(value);
        d.attrs.push_back(MdevctlAttr{key, value.get<std::string>(), pos.line, pos.column});
      }
    }
    out.push_back(std::move(d));
    return true;
  }

  // The --dumpjson form: [ { "<parent>": [ { "<uuid>": {config} }, ... ], ... }, ... ]. The
  // devices of parent "matrix" are read; another parent's (a vfio_ccw subchannel "0.0.0313",
  // a PCI device) are not vfio_ap's and are skipped with a note, their configs unread.
  bool dumpjson(const json& list, std::vector<MdevctlDevice>& out) {
    std::size_t skipped_total = 0;
    for (const json& entry : list) {
      if (!entry.is_object()) return fail(entry, "a --dumpjson entry must be an object mapping a parent to its devices");
      for (const auto& [parent, devices] : entry.items()) {
        const bool ours = parent == kParent;
        if (!devices.is_array())
          return fail(devices, "the devices of parent '" + model::printable(parent) + "' must be an array");
        std::size_t claims_vfio_ap = 0;
        for (const json& dev : devices) {
          if (!dev.is_object())
            return fail(dev, "a device entry must be an object mapping a UUID to its config");
          if (dev.size() != 1)
            return fail(dev, "a device entry must map exactly one UUID to its config, not " + std::to_string(dev.size()));
          // The iterator, not items(): items()'s proxy is a temporary, and a reference into it
          // dangles (ASan: stack-use-after-scope, found by fuzz_mdevctl's corpus run).
          const auto only = dev.begin();
          const std::string& uuid = only.key();
          const json& cfg = only.value();
          if (!ours) {
            if (cfg.is_object() && cfg.contains("mdev_type") && cfg["mdev_type"] == kType) ++claims_vfio_ap;
            continue;
          }
          if (!model::valid_uuid(uuid)) return fail_at_key(cfg, "'" + model::printable(uuid) + "' is not a UUID");
          if (!config(cfg, lower(uuid), out)) return false;
        }
        if (ours || notes_ == nullptr) continue;
        skipped_total += devices.size();
        std::string note = "skipped " + devices_text(devices.size()) + " of parent '" + model::printable(parent) +
                           "': not vfio_ap (apcb reads the devices of parent 'matrix')";
        if (claims_vfio_ap > 0)
          note += "; " + std::to_string(claims_vfio_ap) + " of them claim mdev_type vfio_ap-passthrough, which only "
                  "the matrix device provides on s390";
        notes_->push_back(std::move(note));
      }
    }
    if (notes_ != nullptr && skipped_total > 0 && out.empty())
      notes_->push_back("no device of parent 'matrix' in the file: nothing to start");
    return true;
  }

 private:
  const JsonDocument& doc_;
  std::vector<std::string>* notes_;
};

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

std::variant<std::vector<MdevctlDevice>, trace::TraceError> parse_mdevctl(
    std::string_view text, std::string_view file, std::optional<std::string> single_uuid,
    std::vector<std::string>* notes) {
  std::vector<MdevctlDevice> out;
  std::vector<std::string> found_notes;
  try {
    auto read = read_json(text, file);
    if (auto* e = std::get_if<trace::TraceError>(&read)) return *e;
    const JsonDocument& doc = std::get<JsonDocument>(read);
    const json& root = doc.root();
    Reader reader(doc, &found_notes);
    if (root.is_array()) {
      reader.dumpjson(root, out);
    } else if (root.is_object()) {
      // Validate first: a bad config is worth reporting even when its UUID is unknown.
      const bool named = single_uuid && model::valid_uuid(*single_uuid);
      if (reader.config(root, named ? lower(*single_uuid) : std::string(), out) && !named)
        reader.fail(root, "a single config does not name its UUID: name the file after it, as "
                          "/etc/mdevctl.d/matrix/<uuid> is named, or pass --mdev UUID");
    } else {
      reader.fail(root, "expected a device config (a JSON object) or the --dumpjson form (a JSON array)");
    }
    if (reader.error) return *reader.error;
  } catch (const std::exception& e) {  // an allocation failure: the reader itself does not throw
    return trace::TraceError{std::string(file), 1, 1, "cannot read the config: " + model::printable(e.what())};
  }
  if (notes != nullptr) notes->insert(notes->end(), found_notes.begin(), found_notes.end());
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

std::vector<trace::TraceStep> start_steps(const MdevctlDevice& d, std::size_t* stopped_at) {
  std::vector<trace::TraceStep> steps;
  steps.push_back(trace::TraceStep{model::op::MdevCreate{d.uuid}, std::nullopt, 0, {}});
  std::size_t i = 0;
  for (; i < d.attrs.size(); ++i) {
    const auto attr = writable_attr(d.attrs[i].key);
    if (!attr) break;
    steps.push_back(trace::TraceStep{model::op::AttrWrite{d.uuid, *attr, d.attrs[i].value}, std::nullopt, 0, {}});
  }
  if (stopped_at != nullptr) *stopped_at = i;
  return steps;
}

StartResult start_device(model::State& s, const MdevctlDevice& d) {
  StartResult r;
  // The state is not copied before each step (with 20,000 mdevs that copy made a run quadratic):
  // a step that fails changes nothing (P6, failure atomicity, which the model keeps and its
  // tests check; none of these steps is the device reset whose EIO completes), so the state
  // after a failed step is the state it failed on, which the failure text explains.
  auto run = [&](const model::Op& op) {
    model::Observation obs = model::apply(s, op);
    const model::Errno e = obs.result;
    r.steps.push_back(trace::TraceStep{op, std::move(obs), 0, {}});
    return e;
  };
  const model::Op create = model::op::MdevCreate{d.uuid};
  if (const model::Errno e = run(create); e != model::Errno::ok) {
    r.failure = "create " + d.uuid + ": " + failure_text(s, create, e);
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
      const model::Errno e = run(write);
      if (e == model::Errno::ok) continue;
      r.failure = where + ": " + failure_text(s, write, e);
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

trace::Trace ideal_host_for(const std::vector<MdevctlDevice>& devices) {
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
  trace::Trace t;
  t.params = model::HostParams{true, 255, 255};
  t.config = cfg;
  t.comments.push_back("# The ideal host for these mdevctl configs: every ID they name is configured,");
  t.comments.push_back("# free for vfio_ap (apmask and aqmask cleared) and bound to it.");
  t.steps.push_back(trace::TraceStep{model::op::BusMaskWrite{model::BusMask::apmask, "0\n"}, std::nullopt, 0, {}});
  t.steps.push_back(trace::TraceStep{model::op::BusMaskWrite{model::BusMask::aqmask, "0\n"}, std::nullopt, 0, {}});
  return t;
}

trace::Trace mdevctl_trace(const trace::Trace& base, const std::vector<MdevctlDevice>& devices,
                           std::vector<StartResult>* results) {
  trace::Trace t = base;
  model::State s = t.initial_state();
  for (trace::TraceStep& step : t.steps) step.expected = model::apply(s, step.op);
  for (const MdevctlDevice& d : devices) {
    StartResult r = start_device(s, d);
    if (!r.steps.empty())
      r.steps.front().comments.insert(r.steps.front().comments.begin(),
                                      "# mdevctl start " + d.uuid + " (" + (d.autostart ? "auto" : "manual") + ", " +
                                          std::to_string(d.attrs.size()) + " attrs)");
    for (const trace::TraceStep& step : r.steps) t.steps.push_back(step);
    if (results != nullptr) results->push_back(std::move(r));
  }
  return t;
}

std::optional<std::vector<MdevctlDevice>> load_mdevctl(const std::string& path,
                                                      const std::optional<std::string>& uuid) {
  const bool from_stdin = path == "-";
  const std::string name = from_stdin ? "<stdin>" : path;
  std::ifstream file;
  if (!from_stdin) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
      std::cerr << path << ": cannot read the mdevctl config: Is a directory\n";
      return std::nullopt;
    }
    file.open(path, std::ios::binary);
    if (!file) {
      std::cerr << path << ": cannot open the mdevctl config: " << std::strerror(errno) << "\n";
      return std::nullopt;
    }
  }
  std::istream& in = from_stdin ? std::cin : file;
  // Read no more than the JSON reader accepts: a runaway pipe must not fill memory first.
  const std::size_t limit = JsonLimits{}.max_bytes;
  std::string text;
  char chunk[65536];
  while (in.read(chunk, sizeof chunk) || in.gcount() > 0) {
    text.append(chunk, static_cast<std::size_t>(in.gcount()));
    if (text.size() > limit) {
      std::cerr << name << ": larger than " << limit << " bytes: not an mdevctl config\n";
      return std::nullopt;
    }
  }
  if (in.bad()) {
    std::cerr << name << ": cannot read the mdevctl config: " << std::strerror(errno) << "\n";
    return std::nullopt;
  }
  std::optional<std::string> single = uuid;
  if (!single && !from_stdin) single = std::filesystem::path(path).filename().string();
  std::vector<std::string> notes;
  auto parsed = parse_mdevctl(text, name, single, &notes);
  if (auto* e = std::get_if<trace::TraceError>(&parsed)) {
    std::cerr << e->to_string() << "\n";
    return std::nullopt;
  }
  for (const std::string& note : notes) std::cerr << name << ": note: " << note << "\n";
  return std::get<std::vector<MdevctlDevice>>(std::move(parsed));
}

}  // namespace apcb::readers
