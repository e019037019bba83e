// Sysfs snapshots: the disk loader, the reader (kernel show formats, strictly), the renderer.
//
// The reader is strict about what the kernel itself prints (`0x` + 64 hex digits, `%02x.%04x`
// lines, decimal maxima) because a snapshot that does not look like the kernel's output was
// edited or truncated, and guessing would explain a host that does not exist. Whatever is
// merely absent (older kernels, partial captures) gets the kernel's default and a note.
#include "cli/snapshot.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <system_error>

#include "model/filter.h"
#include "model/invariants.h"
#include "model/printable.h"
#include "model/render.h"
#include "model/step.h"

namespace apcb::cli {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kMaxFile = 1 << 20;  // no sysfs file apcb reads comes near this
constexpr const char* kMatrixDir = "devices/vfio_ap/matrix/";

// A problem inside one file: 1-based line and column, or line 0 for the whole file.
struct Problem {
  int line = 0;
  int column = 0;
  std::string message;
};
template <typename T>
using Result = std::variant<T, Problem>;

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string hex(unsigned value, int width) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (int shift = 4 * (width - 1); shift >= 0; shift -= 4) out += kHex[(value >> shift) & 0xF];
  return out;
}

// `width` hex digits at text[pos..]; -1 unless all are hex digits.
int hex_field(std::string_view text, std::size_t pos, std::size_t width) {
  if (pos + width > text.size()) return -1;
  int v = 0;
  for (std::size_t i = 0; i < width; ++i) {
    const int h = hex_value(text[pos + i]);
    if (h < 0) return -1;
    v = v * 16 + h;
  }
  return v;
}

std::string_view trim_end(std::string_view s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

// "0x" + 64 hex digits (either case; ID 0 is the leftmost bit), then at most one '\n': the
// show format of apmask, aqmask and the QCI masks. `at` is the column of text[0].
Result<model::Mask> parse_show_mask(std::string_view text, int at = 1) {
  if (text.substr(0, 2) != "0x") return Problem{1, at, "expected 0x and 64 hex digits"};
  model::Mask m;
  std::size_t i = 2;
  for (; i < text.size() && i < 66; ++i) {
    const int h = hex_value(text[i]);
    if (h < 0) break;
    for (int b = 0; b < 4; ++b)
      if ((h >> (3 - b)) & 1) m.set(static_cast<model::ApId>((i - 2) * 4 + static_cast<std::size_t>(b)));
  }
  if (i != 66) return Problem{1, at + static_cast<int>(i), "expected 64 hex digits, found " + std::to_string(i - 2)};
  std::string_view rest = text.substr(66);
  if (rest == "\n" || rest.empty()) return m;
  return Problem{1, at + 66, "unexpected '" + model::printable(rest.substr(0, 1)) + "' after the mask"};
}

// A decimal number 0..255 and at most one '\n' (ap_max_adapter_id, ap_max_domain_id).
Result<int> parse_decimal_id(std::string_view text) {
  std::string_view t = text;
  if (!t.empty() && t.back() == '\n') t.remove_suffix(1);
  if (t.empty()) return Problem{1, 1, "expected a decimal number"};
  int v = 0;
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (t[i] < '0' || t[i] > '9')
      return Problem{1, static_cast<int>(i) + 1, "unexpected '" + model::printable(t.substr(i, 1)) + "' in a decimal number"};
    v = v * 10 + (t[i] - '0');
    if (v > 255) return Problem{1, 1, "the highest ID is at most 255"};
  }
  return v;
}

// The lines of a show file: each without its '\n'; a last line without '\n' counts too.
std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) {
      out.push_back(text.substr(start));
      break;
    }
    out.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return out;
}

struct Maxima {
  int adapter;
  int domain;
  int control;
};

std::string beyond(std::string_view what, int id, int max, int width) {
  return std::string(what) + " " + hex(static_cast<unsigned>(id), width) + " is beyond the highest " +
         std::string(what) + " ID " + hex(static_cast<unsigned>(max), width);
}

// `matrix` or `guest_matrix`: "%02x.%04x" lines (the cross product, adapters outer), or
// "%02x." lines (adapters only), or ".%04x" lines (domains only), or nothing. Returns the
// adapters and domains; the control domains stay empty.
Result<model::Matrix> parse_matrix_file(std::string_view text, const Maxima& max) {
  model::Matrix m;
  enum class Form { none, apqn, adapters, domains } form = Form::none;
  std::set<std::uint16_t> listed;
  const auto lines = lines_of(text);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::string_view l = lines[i];
    const int ln = static_cast<int>(i) + 1;
    Form f;
    int a = -1;
    int d = -1;
    if (l.size() == 7 && l[2] == '.') {
      f = Form::apqn;
      a = hex_field(l, 0, 2);
      d = hex_field(l, 3, 4);
    } else if (l.size() == 3 && l[2] == '.') {
      f = Form::adapters;
      a = hex_field(l, 0, 2);
    } else if (l.size() == 5 && l[0] == '.') {
      f = Form::domains;
      d = hex_field(l, 1, 4);
    } else {
      return Problem{ln, 1, "expected an APQN line 'aa.dddd', 'aa.' or '.dddd', not '" + model::printable(l) + "'"};
    }
    if ((f != Form::domains && a < 0) || (f != Form::adapters && d < 0))
      return Problem{ln, 1, "'" + model::printable(l) + "' is not hex"};
    if (d > 255) return Problem{ln, f == Form::domains ? 2 : 4, "domain " + hex(static_cast<unsigned>(d), 4) + " is beyond 00ff"};
    if (form != Form::none && f != form)
      return Problem{ln, 1, "mixes APQN, adapter-only and domain-only lines"};
    form = f;
    if (a > max.adapter) return Problem{ln, 1, beyond("adapter", a, max.adapter, 2)};
    if (d > max.domain) return Problem{ln, f == Form::domains ? 2 : 4, beyond("domain", d, max.domain, 4)};
    const auto key = static_cast<std::uint16_t>((a < 0 ? 0 : a) << 8 | (d < 0 ? 0 : d));
    if (!listed.insert(key).second) return Problem{ln, 1, "'" + model::printable(l) + "' is listed twice"};
    if (a >= 0) m.adapters.set(static_cast<model::ApId>(a));
    if (d >= 0) m.domains.set(static_cast<model::ApId>(d));
  }
  if (form == Form::apqn && listed.size() != static_cast<std::size_t>(m.adapters.count() * m.domains.count())) {
    // The kernel prints the whole cross product; name the first APQN it would print and this
    // file lacks.
    std::string missing;
    m.adapters.for_each([&](model::ApId a) {
      m.domains.for_each([&](model::ApId d) {
        if (missing.empty() && listed.count(static_cast<std::uint16_t>(a << 8 | d)) == 0)
          missing = hex(a, 2) + "." + hex(d, 4);
      });
    });
    return Problem{0, 0, "the APQNs listed are not the cross product of their adapters and domains (" + missing + " is missing)"};
  }
  return m;
}

// `control_domains`: one "%04x" line per control domain.
Result<model::Mask> parse_control_domains_file(std::string_view text, const Maxima& max) {
  model::Mask m;
  const auto lines = lines_of(text);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const int ln = static_cast<int>(i) + 1;
    const int c = lines[i].size() == 4 ? hex_field(lines[i], 0, 4) : -1;
    if (c < 0) return Problem{ln, 1, "expected a control domain 'dddd', not '" + model::printable(lines[i]) + "'"};
    if (c > max.control) return Problem{ln, 1, beyond("control domain", c, max.control, 4)};
    if (m.test(static_cast<model::ApId>(c))) return Problem{ln, 1, "control domain " + hex(static_cast<unsigned>(c), 4) + " is listed twice"};
    m.set(static_cast<model::ApId>(c));
  }
  return m;
}

// `ap_config` (read): "0x<64>,0x<64>,0x<64>\n".
Result<model::Matrix> parse_ap_config_file(std::string_view text, const Maxima& max) {
  std::string_view t = text;
  if (!t.empty() && t.back() == '\n') t.remove_suffix(1);
  model::Matrix m;
  model::Mask* parts[] = {&m.adapters, &m.domains, &m.control_domains};
  const int maxima[] = {max.adapter, max.domain, max.control};
  const char* names[] = {"adapter", "domain", "control domain"};
  for (int i = 0; i < 3; ++i) {
    const std::size_t start = static_cast<std::size_t>(i) * 67;
    if (t.size() < start + 66) return Problem{1, static_cast<int>(std::min(start, t.size())) + 1, "expected three masks 0x<64 hex>,0x<64 hex>,0x<64 hex>"};
    auto r = parse_show_mask(t.substr(start, 66), static_cast<int>(start) + 1);
    if (auto* p = std::get_if<Problem>(&r)) return *p;
    *parts[i] = std::get<model::Mask>(r);
    if (i < 2 && (t.size() <= start + 66 || t[start + 66] != ','))
      return Problem{1, static_cast<int>(start) + 67, "expected ',' after the mask"};
    const int over = (*parts[i] - model::Mask::up_to(maxima[i])).first();
    if (over >= 0)
      return Problem{1, static_cast<int>(start) + 3 + over / 4, beyond(names[i], over, maxima[i], i == 0 ? 2 : 4)};
  }
  if (t.size() != 3 * 67 - 1) return Problem{1, 3 * 67, "unexpected text after the third mask"};
  return m;
}

// "XX.YYYY" → the APQN; nullopt unless it has that shape (the domain may still exceed 0xff).
std::optional<std::pair<int, int>> queue_name(std::string_view name) {
  if (name.size() != 7 || name[2] != '.') return std::nullopt;
  const int a = hex_field(name, 0, 2);
  const int d = hex_field(name, 3, 4);
  if (a < 0 || d < 0) return std::nullopt;
  return std::make_pair(a, d);
}

bool card_name(std::string_view name, int* adapter = nullptr) {
  if (name.size() != 6 || name.substr(0, 4) != "card") return false;
  const int a = hex_field(name, 4, 2);
  if (a < 0) return false;
  if (adapter != nullptr) *adapter = a;
  return true;
}

struct QueueInfo {
  std::string path;                   // the queue directory
  std::optional<std::string> driver;  // the driver's name, if any
  std::optional<std::string> status;
};

}  // namespace

std::string input_error_text(const model::TraceError& e) {
  if (e.line == 0) return e.file + ": " + e.message;
  return e.to_string();
}

std::variant<Snapshot, model::TraceError> read_snapshot(const SnapshotFiles& f) {
  Snapshot snap;
  auto& notes = snap.notes;
  auto where = [&](const std::string& path) { return f.root.empty() ? path : f.root + "/" + path; };
  auto fail = [&](const std::string& path, const Problem& p) {
    return model::TraceError{where(path), p.line, p.column, p.message};
  };
  auto file = [&](const std::string& path) -> const std::string* {
    const auto it = f.files.find(path);
    return it == f.files.end() ? nullptr : &it->second;
  };

  // --- host parameters ---------------------------------------------------------------------
  std::optional<bool> apxa;
  bool no_qci = false;
  if (const std::string* c = file("bus/ap/features")) {
    std::istringstream words{std::string(trim_end(*c))};
    std::string w;
    apxa = false;
    while (words >> w) {
      if (w == "APXA") apxa = true;
      if (w == "-") no_qci = true;
    }
  }
  std::optional<int> max_ids[2];
  const char* max_files[2] = {"bus/ap/ap_max_adapter_id", "bus/ap/ap_max_domain_id"};
  for (int i = 0; i < 2; ++i)
    if (const std::string* c = file(max_files[i])) {
      auto r = parse_decimal_id(*c);
      if (auto* p = std::get_if<Problem>(&r)) return fail(max_files[i], *p);
      max_ids[i] = std::get<int>(r);
    }
  if (!apxa) {
    apxa = (!max_ids[0] && !max_ids[1]) || (max_ids[0] && *max_ids[0] > 63) || (max_ids[1] && *max_ids[1] > 15);
    notes.push_back(std::string("no bus/ap/features: APXA taken as ") + (*apxa ? "on" : "off") +
                    " from the maximum IDs");
  }
  model::HostParams params;
  params.apxa = *apxa;
  // Without APXA the bus shows 63 and 15 whatever the machine has, and the model uses only
  // those; keeping a larger Na/Nd would make two snapshots of one host compare unequal.
  params.na = static_cast<model::ApId>(*apxa && max_ids[0] ? *max_ids[0] : (*apxa ? 255 : 63));
  params.nd = static_cast<model::ApId>(*apxa && max_ids[1] ? *max_ids[1] : (*apxa ? 255 : 15));
  const Maxima max{params.apm_max(), params.aqm_max(), params.adm_max()};

  // --- queue devices -----------------------------------------------------------------------
  std::map<std::uint16_t, QueueInfo> queues;
  bool queue_tree = false;
  for (const std::string& dir : f.dirs) {
    std::string_view rest;
    bool bus = false;
    if (dir.rfind("bus/ap/devices", 0) == 0) {
      queue_tree = true;
      bus = true;
      rest = std::string_view(dir).substr(std::string_view("bus/ap/devices").size());
    } else if (dir.rfind("devices/ap", 0) == 0) {
      queue_tree = true;
      rest = std::string_view(dir).substr(std::string_view("devices/ap").size());
    } else {
      continue;
    }
    if (rest.empty() || rest[0] != '/') continue;
    rest.remove_prefix(1);
    int card = -1;
    if (const std::size_t slash = rest.find('/'); slash != std::string_view::npos) {
      if (!card_name(rest.substr(0, slash), &card)) continue;
      rest.remove_prefix(slash + 1);
    } else if (!bus) {
      continue;  // devices/ap/cardXX itself
    }
    const auto qn = queue_name(rest);
    if (!qn) continue;
    const auto [a, d] = *qn;
    if (d > 255) return fail(dir, Problem{0, 0, "domain " + hex(static_cast<unsigned>(d), 4) + " of this queue is beyond 00ff"});
    if (card >= 0 && card != a)
      return fail(dir, Problem{0, 0, "queue of adapter " + hex(static_cast<unsigned>(a), 2) + " inside card" + hex(static_cast<unsigned>(card), 2)});
    QueueInfo info;
    info.path = dir;
    if (const auto l = f.links.find(dir + "/driver"); l != f.links.end()) {
      const std::string& target = l->second;
      info.driver = target.substr(target.find_last_of('/') == std::string::npos ? 0 : target.find_last_of('/') + 1);
    } else if (const std::string* c = file(dir + "/driver")) {
      info.driver = std::string(trim_end(*c));
    }
    if (info.driver && (info.driver->empty() || *info.driver == "-no-driver-")) info.driver.reset();
    if (const std::string* c = file(dir + "/status")) info.status = std::string(trim_end(*c));
    const auto key = static_cast<std::uint16_t>(a << 8 | d);
    if (const auto it = queues.find(key); it != queues.end()) {
      if (it->second.driver != info.driver)
        return fail(dir + "/driver", Problem{0, 0, "disagrees with " + where(it->second.path) + "/driver about the queue's driver"});
      continue;
    }
    queues.emplace(key, std::move(info));
  }

  // --- the host configuration and the bus masks --------------------------------------------
  model::Matrix cfg;
  const char* qci_files[3] = {"bus/ap/ap_adapter_mask", "bus/ap/ap_usage_domain_mask", "bus/ap/ap_control_domain_mask"};
  model::Mask* qci_parts[3] = {&cfg.adapters, &cfg.domains, &cfg.control_domains};
  bool inferred = false;
  for (int i = 0; i < 3; ++i) {
    const std::string* c = file(qci_files[i]);
    if (c == nullptr) {
      inferred = true;
      continue;
    }
    if (trim_end(*c) == "not supported") {
      no_qci = true;
      continue;
    }
    auto r = parse_show_mask(*c);
    if (auto* p = std::get_if<Problem>(&r)) return fail(qci_files[i], *p);
    *qci_parts[i] = std::get<model::Mask>(r);
  }
  if (no_qci) notes.push_back("the host has no QCI (`not supported`): vfio_ap's configuration is empty");
  if (inferred && !no_qci) {
    model::Mask a;
    model::Mask d;
    for (const auto& [key, q] : queues) {
      a.set(static_cast<model::ApId>(key >> 8));
      d.set(static_cast<model::ApId>(key & 0xFF));
    }
    if (!file(qci_files[0])) cfg.adapters = a;
    if (!file(qci_files[1])) cfg.domains = d;
    if (!file(qci_files[2])) cfg.control_domains = cfg.domains;
    notes.push_back("a QCI mask file is missing: the configuration is taken from the queue devices present "
                    "(control domains = usage domains)");
  }
  model::State s = model::State::initial(params, cfg);
  const char* bus_files[2] = {"bus/ap/apmask", "bus/ap/aqmask"};
  model::Mask* bus_masks[2] = {&s.apmask, &s.aqmask};
  for (int i = 0; i < 2; ++i) {
    const std::string* c = file(bus_files[i]);
    if (c == nullptr) {
      notes.push_back(std::string("no ") + bus_files[i] + ": taken as all ones, the kernel's default");
      continue;
    }
    auto r = parse_show_mask(*c);
    if (auto* p = std::get_if<Problem>(&r)) return fail(bus_files[i], *p);
    *bus_masks[i] = std::get<model::Mask>(r);
  }

  // --- bindings ----------------------------------------------------------------------------
  int outside = 0;
  std::string first_outside;
  for (const auto& [key, q] : queues)
    if (!s.present(model::Apqn::unpack(key))) {
      if (outside++ == 0) first_outside = q.path;
    }
  if (outside > 0)
    notes.push_back(std::to_string(outside) + " queue device(s) outside the host configuration (first: " +
                    first_outside + ") ignored: the model has queue devices only for configured APQNs");
  if (!queue_tree) notes.push_back("no queue devices in the snapshot: every configured queue is taken as bound to the driver its bus masks name");
  int missing = 0;
  // Only APQNs the bus has devices for (within its maximum IDs): the others have no binding.
  s.bus_adapters().for_each([&](model::ApId a) {
    s.bus_domains().for_each([&](model::ApId d) {
      const model::Apqn q{a, d};
      const auto it = queues.find(q.packed());
      if (it == queues.end()) {
        if (queue_tree) {
          s.unbound[a].set(d);
          ++missing;
        }
        return;
      }
      const std::optional<std::string>& drv = it->second.driver;
      if (!drv) {
        s.unbound[a].set(d);
      } else if (*drv == "vfio_ap") {
        if (s.reserved(q))
          notes.push_back("queue " + it->second.path + " is bound to vfio_ap although apmask and aqmask reserve it "
                          "for the host: the model treats it as the host's");
      } else if (!s.reserved(q)) {
        notes.push_back("queue " + it->second.path + " is bound to '" + model::printable(*drv) +
                        "' although the bus masks give it to vfio_ap: the model treats it as not bound");
        s.unbound[a].set(d);
      }
    });
  });
  if (missing > 0)
    notes.push_back(std::to_string(missing) + " configured APQN(s) have no queue device in the snapshot: taken as not bound");

  // --- mdevs -------------------------------------------------------------------------------
  std::map<std::string, std::string> mdev_dirs;  // lower-case uuid → directory
  for (const std::string& dir : f.dirs) {
    if (dir.rfind(kMatrixDir, 0) != 0) continue;
    const std::string name = dir.substr(std::string_view(kMatrixDir).size());
    if (!model::valid_uuid(name)) continue;
    std::string uuid = name;
    for (char& c : uuid)
      if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
    mdev_dirs.emplace(uuid, dir);
  }
  for (const auto& [uuid, dir] : mdev_dirs) {
    model::Mdev m;
    m.uuid = uuid;
    bool have = false;
    const std::string p_config = dir + "/ap_config";
    const std::string p_matrix = dir + "/matrix";
    const std::string p_cdoms = dir + "/control_domains";
    const std::string p_guest = dir + "/guest_matrix";
    if (const std::string* c = file(p_config)) {
      auto r = parse_ap_config_file(*c, max);
      if (auto* p = std::get_if<Problem>(&r)) return fail(p_config, *p);
      m.assigned = std::get<model::Matrix>(r);
      have = true;
    }
    if (const std::string* c = file(p_matrix)) {
      auto r = parse_matrix_file(*c, max);
      if (auto* p = std::get_if<Problem>(&r)) return fail(p_matrix, *p);
      const model::Matrix& mx = std::get<model::Matrix>(r);
      if (have && (mx.adapters != m.assigned.adapters || mx.domains != m.assigned.domains))
        return fail(p_matrix, Problem{0, 0, "disagrees with " + where(p_config)});
      m.assigned.adapters = mx.adapters;
      m.assigned.domains = mx.domains;
    }
    if (const std::string* c = file(p_cdoms)) {
      auto r = parse_control_domains_file(*c, max);
      if (auto* p = std::get_if<Problem>(&r)) return fail(p_cdoms, *p);
      const model::Mask& cd = std::get<model::Mask>(r);
      if (have && cd != m.assigned.control_domains) return fail(p_cdoms, Problem{0, 0, "disagrees with " + where(p_config)});
      m.assigned.control_domains = cd;
    }
    if (!have && file(p_matrix) == nullptr)
      notes.push_back("mdev " + uuid + " has neither ap_config nor matrix: taken as assigning nothing");
    if (const std::string* c = file(p_guest)) {
      auto r = parse_matrix_file(*c, max);
      if (auto* p = std::get_if<Problem>(&r)) return fail(p_guest, *p);
      m.shadow = std::get<model::Matrix>(r);
      // The shadow is filtered from the matrix: the kernel cannot show an ID in guest_matrix
      // that matrix lacks (P1), so such a snapshot was edited or mixes two captures.
      if (!m.shadow.adapters.subset_of(m.assigned.adapters) || !m.shadow.domains.subset_of(m.assigned.domains))
        return fail(p_guest, Problem{0, 0, "lists IDs that " + where(have ? p_config : p_matrix) + " does not assign"});
    } else {
      s.mdevs.push_back(m);  // filter_matrix needs m inside s only for its reads of s
      m.shadow = model::filter_matrix(s, s.mdevs.back());
      s.mdevs.pop_back();
      notes.push_back("mdev " + uuid + " has no guest_matrix: its shadow is taken as the full filter");
    }
    m.shadow.control_domains = m.assigned.control_domains & cfg.control_domains;
    s.mdevs.push_back(std::move(m));
  }

  // --- guests: a queue `in use` means its mdev's guest is attached -------------------------
  // The kernel shows `in use` for a queue bound to vfio_ap that the mdev holding it (by its
  // matrix) has in an attached guest's shadow; read back by the same rule.
  std::vector<bool> attached(s.mdevs.size(), false);
  for (const auto& [key, q] : queues) {
    if (q.status != "in use") continue;
    const model::Apqn apqn = model::Apqn::unpack(key);
    const model::Mdev* owner = s.bound_to_vfio(apqn) ? s.owner_of(apqn) : nullptr;
    if (owner != nullptr && owner->shadow.adapters.test(apqn.adapter) && owner->shadow.domains.test(apqn.domain))
      attached[static_cast<std::size_t>(owner - s.mdevs.data())] = true;
    else
      notes.push_back("queue " + q.path + " is `in use` but not bound to vfio_ap in the guest_matrix of the mdev holding it");
  }
  model::GuestId next = 1;
  for (std::size_t i = 0; i < s.mdevs.size(); ++i) {
    if (!attached[i]) continue;
    model::Guest g;
    g.id = next++;
    g.msax3 = true;
    g.format = model::crycb_format(true, params.apxa);
    g.apcb = model::truncate_to_format(s.mdevs[i].shadow, g.format);
    s.mdevs[i].guest = g.id;
    s.guests.push_back(g);
  }
  if (!s.mdevs.empty())
    notes.push_back("guests: an mdev counts as attached when one of its queues is `in use`; sysfs does not show "
                    "queue reset responses, so none is assumed");

  for (const model::Violation& v : model::check_state(s, model::Strength::structural))
    notes.push_back("the snapshot breaks " + v.property + ": " + v.detail);
  snap.state = std::move(s);
  return snap;
}

SnapshotFiles snapshot_files_of(const model::State& s) {
  SnapshotFiles f;
  auto mask = [](const model::Mask& m) { return "0x" + m.hex() + "\n"; };
  f.files["bus/ap/apmask"] = mask(s.apmask);
  f.files["bus/ap/aqmask"] = mask(s.aqmask);
  f.files["bus/ap/ap_adapter_mask"] = mask(s.cfg.adapters);
  f.files["bus/ap/ap_usage_domain_mask"] = mask(s.cfg.domains);
  f.files["bus/ap/ap_control_domain_mask"] = mask(s.cfg.control_domains);
  f.files["bus/ap/ap_max_adapter_id"] = std::to_string(s.params.apm_max()) + "\n";
  f.files["bus/ap/ap_max_domain_id"] = std::to_string(s.params.aqm_max()) + "\n";
  f.files["bus/ap/features"] = s.params.apxa ? "APSC APXA QACT RC8A APSB\n" : "APSC QACT RC8A APSB\n";
  f.dirs.insert("bus/ap/devices");
  // Queue devices exist only within the bus's maximum IDs (model::State::present).
  s.bus_adapters().for_each([&](model::ApId a) {
    const std::string card = "bus/ap/devices/card" + hex(a, 2);
    f.dirs.insert(card);
    s.bus_domains().for_each([&](model::ApId d) {
      const model::Apqn q{a, d};
      const std::string dir = card + "/" + hex(a, 2) + "." + hex(d, 4);
      f.dirs.insert(dir);
      switch (s.driver(q)) {
        case model::Driver::vfio_ap:
          f.links[dir + "/driver"] = "../../../../bus/ap/drivers/vfio_ap";
          f.files[dir + "/status"] = model::render_queue_status(s, q);
          break;
        case model::Driver::default_driver: f.links[dir + "/driver"] = "../../../../bus/ap/drivers/cex4queue"; break;
        case model::Driver::none: break;
      }
    });
  });
  f.files["devices/vfio_ap/matrix/features"] = "guest_matrix hotplug ap_config\n";
  for (const model::Mdev& m : s.mdevs) {
    const std::string dir = kMatrixDir + m.uuid;
    f.dirs.insert(dir);
    f.files[dir + "/matrix"] = model::render_matrix(m.assigned, s.params);
    f.files[dir + "/guest_matrix"] = model::render_matrix(m.shadow, s.params);
    f.files[dir + "/control_domains"] = model::render_control_domains(m.assigned, s.params);
    f.files[dir + "/ap_config"] = model::render_ap_config(m.assigned);
  }
  return f;
}

std::string write_snapshot_files(const SnapshotFiles& files, const std::string& dir) {
  std::error_code ec;
  const fs::path root(dir);
  for (const std::string& d : files.dirs) {
    fs::create_directories(root / d, ec);
    if (ec) return (root / d).string() + ": " + ec.message();
  }
  for (const auto& [path, content] : files.files) {
    fs::create_directories((root / path).parent_path(), ec);
    std::ofstream out(root / path, std::ios::binary | std::ios::trunc);
    out << content;
    if (!out) return (root / path).string() + ": cannot write";
  }
  for (const auto& [path, target] : files.links) {
    fs::create_directories((root / path).parent_path(), ec);
    fs::remove(root / path, ec);
    fs::create_symlink(target, root / path, ec);
    if (ec) return (root / path).string() + ": " + ec.message();
  }
  return {};
}

std::variant<SnapshotFiles, model::TraceError> load_snapshot_files(const std::string& dir) {
  std::error_code ec;
  const fs::path base(dir);
  fs::path root;
  if (fs::is_directory(base / "sys" / "bus" / "ap", ec))
    root = base / "sys";
  else if (fs::is_directory(base / "bus" / "ap", ec))
    root = base;
  else
    return model::TraceError{dir, 0, 0, "not a sysfs snapshot: neither sys/bus/ap nor bus/ap is a directory in it"};
  SnapshotFiles f;
  f.root = root.lexically_normal().string();
  if (!f.root.empty() && f.root.back() == '/') f.root.pop_back();
  std::optional<model::TraceError> error;

  auto read = [&](const std::string& rel) {
    const fs::path p = root / rel;
    if (error || !fs::is_regular_file(p, ec)) return;
    const auto size = fs::file_size(p, ec);
    if (ec || size > kMaxFile) {
      error = model::TraceError{f.root + "/" + rel, 0, 0, ec ? ec.message() : "larger than 1 MiB: not a sysfs file"};
      return;
    }
    std::ifstream in(p, std::ios::binary);
    std::stringstream buf;
    buf << in.rdbuf();
    if (!in && !in.eof()) {
      error = model::TraceError{f.root + "/" + rel, 0, 0, "cannot read"};
      return;
    }
    f.files[rel] = buf.str();
  };
  auto queue = [&](const std::string& rel) {
    f.dirs.insert(rel);
    const fs::path drv = root / rel / "driver";
    if (fs::is_symlink(drv, ec))
      f.links[rel + "/driver"] = fs::read_symlink(drv, ec).string();
    else
      read(rel + "/driver");
    read(rel + "/status");
  };
  // The entries of `rel` (a directory, or a symlink to one), sorted for a stable order.
  auto entries = [&](const std::string& rel) {
    std::vector<std::string> names;
    for (fs::directory_iterator it(root / rel, ec), end; !ec && it != end; it.increment(ec))
      names.push_back(it->path().filename().string());
    ec.clear();
    std::sort(names.begin(), names.end());
    return names;
  };
  auto is_dir = [&](const std::string& rel) { return fs::is_directory(root / rel, ec); };

  for (const char* name : {"apmask", "aqmask", "ap_adapter_mask", "ap_usage_domain_mask", "ap_control_domain_mask",
                           "ap_max_adapter_id", "ap_max_domain_id", "features"})
    read(std::string("bus/ap/") + name);
  for (const std::string tree : {"bus/ap/devices", "devices/ap"}) {
    if (!is_dir(tree)) continue;
    f.dirs.insert(tree);
    for (const std::string& name : entries(tree)) {
      const std::string rel = tree + "/" + name;
      if (queue_name(name) && tree == "bus/ap/devices" && is_dir(rel)) {
        queue(rel);
      } else if (card_name(name) && is_dir(rel)) {
        f.dirs.insert(rel);
        for (const std::string& sub : entries(rel))
          if (queue_name(sub) && is_dir(rel + "/" + sub)) queue(rel + "/" + sub);
      }
    }
  }
  const std::string matrix = "devices/vfio_ap/matrix";
  if (is_dir(matrix)) {
    read(matrix + "/features");
    for (const std::string& name : entries(matrix)) {
      const std::string rel = matrix + "/" + name;
      if (!model::valid_uuid(name) || !is_dir(rel)) continue;
      f.dirs.insert(rel);
      for (const char* attr : {"matrix", "guest_matrix", "control_domains", "ap_config"}) read(rel + "/" + attr);
    }
  }
  if (error) return *error;
  return f;
}

std::optional<Snapshot> load_snapshot(const std::string& dir) {
  auto files = load_snapshot_files(dir);
  if (auto* e = std::get_if<model::TraceError>(&files)) {
    std::cerr << input_error_text(*e) << "\n";
    return std::nullopt;
  }
  auto snap = read_snapshot(std::get<SnapshotFiles>(files));
  if (auto* e = std::get_if<model::TraceError>(&snap)) {
    std::cerr << input_error_text(*e) << "\n";
    return std::nullopt;
  }
  Snapshot out = std::get<Snapshot>(std::move(snap));
  for (const std::string& note : out.notes) std::cerr << dir << ": note: " << note << "\n";
  return out;
}

}  // namespace apcb::cli
