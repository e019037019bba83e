// Sysfs snapshots: the disk loader, the reader (kernel show formats, strictly), the renderer.
//
// The reader is strict about what the kernel itself prints (`0x` + 64 hex digits, `%02x.%04x`
// lines, decimal maxima) because a snapshot that does not look like the kernel's output was
// edited or truncated, and guessing would explain a host that does not exist. Whatever is
// merely absent (older kernels, partial captures) gets the kernel's default and a note.
#include "readers/snapshot.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
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

namespace apcb::readers {
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

// What a queue directory says.
struct QueueInfo {
  std::string path;                   // the queue directory
  std::optional<std::string> driver;  // the driver's name, if any
  std::optional<std::string> status;  // "in use", "assigned" or "unassigned", if shown
};

// The kernel's renderings of a vfio_ap queue's `status` (vfio_ap_ops.c status_show).
constexpr std::string_view kQueueStatuses[] = {"in use", "assigned", "unassigned"};

// `text` without one final '\n' (the kernel ends each show with one; a capture may drop it).
std::string_view without_newline(std::string_view text) {
  if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  return text;
}

// A driver's name as sysfs spells it: letters, digits, '_', '-', '.'.
bool driver_name(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.'))
      return false;
  return true;
}

// read_snapshot, one sysfs area at a time, in the order each needs the one before: host
// parameters, queue devices, the QCI configuration, the bus masks, bindings, mdevs, guests.
class SnapshotReader {
 public:
  explicit SnapshotReader(const SnapshotFiles& f) : f_(f) {}

  std::variant<Snapshot, trace::TraceError> read() {
    if (auto e = host_parameters()) return *e;
    if (auto e = queue_devices()) return *e;
    if (auto e = configuration()) return *e;
    s_ = model::State::initial(params_, cfg_);
    if (auto e = bus_masks()) return *e;
    bindings();
    if (auto e = mdevs()) return *e;
    guests();
    for (const model::Violation& v : model::check_state(s_, model::Strength::structural))
      notes_.push_back("the snapshot breaks " + v.property + ": " + v.detail);
    return Snapshot{std::move(s_), std::move(notes_)};
  }

 private:
  using Error = std::optional<trace::TraceError>;

  std::string where(const std::string& path) const { return f_.root.empty() ? path : f_.root + "/" + path; }
  trace::TraceError fail(const std::string& path, const Problem& p) const {
    return trace::TraceError{where(path), p.line, p.column, p.message};
  }
  const std::string* file(const std::string& path) const {
    const auto it = f_.files.find(path);
    return it == f_.files.end() ? nullptr : &it->second;
  }

  // bus/ap/features (APXA, or "-" for no QCI) and bus/ap/ap_max_{adapter,domain}_id.
  Error host_parameters() {
    std::optional<bool> apxa;
    const std::string features = "bus/ap/features";
    if (const std::string* c = file(features)) {
      // The kernel prints "-\n" without QCI, else its feature words (APSC APXA QACT RC8A APSB),
      // upper case, each followed by one space, the last space replaced by "\n".
      const std::string_view text = without_newline(*c);
      apxa = false;
      if (text == "-") {
        no_qci_ = true;
      } else {
        std::size_t start = 0;
        while (start < text.size()) {
          std::size_t end = text.find(' ', start);
          if (end == std::string_view::npos) end = text.size();
          const std::string_view word = text.substr(start, end - start);
          for (std::size_t i = 0; i <= word.size(); ++i)
            if (i == word.size() ? word.empty()
                                 : !((word[i] >= 'A' && word[i] <= 'Z') || (word[i] >= '0' && word[i] <= '9')))
              return fail(features, Problem{1, static_cast<int>(start + i) + 1,
                                            "expected the kernel's feature words (APSC APXA QACT RC8A APSB) separated "
                                            "by one space, or '-', not '" + model::printable(text) + "'"});
          if (word == "APXA") apxa = true;
          start = end + 1;
          if (end + 1 == text.size())
            return fail(features, Problem{1, static_cast<int>(end) + 1, "unexpected ' ' at the end"});
        }
      }
    }
    const char* max_files[2] = {"bus/ap/ap_max_adapter_id", "bus/ap/ap_max_domain_id"};
    for (int i = 0; i < 2; ++i)
      if (const std::string* c = file(max_files[i])) {
        auto r = parse_decimal_id(*c);
        if (auto* p = std::get_if<Problem>(&r)) return fail(max_files[i], *p);
        max_ids_[i] = std::get<int>(r);
      }
    if (!apxa) {
      apxa = (!max_ids_[0] && !max_ids_[1]) || (max_ids_[0] && *max_ids_[0] > 63) || (max_ids_[1] && *max_ids_[1] > 15);
      notes_.push_back(std::string("no bus/ap/features: APXA taken as ") + (*apxa ? "on" : "off") +
                       " from the maximum IDs");
    }
    params_.apxa = *apxa;
    // Without APXA the bus shows 63 and 15 whatever the machine has, and the model uses only
    // those; keeping a larger Na/Nd would make two snapshots of one host compare unequal.
    params_.na = static_cast<model::ApId>(*apxa && max_ids_[0] ? *max_ids_[0] : (*apxa ? 255 : 63));
    params_.nd = static_cast<model::ApId>(*apxa && max_ids_[1] ? *max_ids_[1] : (*apxa ? 255 : 15));
    max_ = Maxima{params_.apm_max(), params_.aqm_max(), params_.adm_max()};
    return std::nullopt;
  }

  // bus/ap/devices/[cardXX/]XX.YYYY and devices/ap/cardXX/XX.YYYY: `driver` and `status`.
  Error queue_devices() {
    for (const std::string& dir : f_.dirs) {
      std::string_view rest;
      bool bus = false;
      if (dir.rfind("bus/ap/devices", 0) == 0) {
        queue_tree_ = true;
        bus = true;
        rest = std::string_view(dir).substr(std::string_view("bus/ap/devices").size());
      } else if (dir.rfind("devices/ap", 0) == 0) {
        queue_tree_ = true;
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
      if (const auto l = f_.links.find(dir + "/driver"); l != f_.links.end()) {
        const std::string& target = l->second;
        info.driver = target.substr(target.find_last_of('/') == std::string::npos ? 0 : target.find_last_of('/') + 1);
      } else if (const std::string* c = file(dir + "/driver")) {
        const std::string_view name = without_newline(*c);
        if (!name.empty() && name != "-no-driver-" && !driver_name(name))
          return fail(dir + "/driver", Problem{1, 1, "expected the name of a driver (as the driver link's last "
                                                     "component), not '" + model::printable(name) + "'"});
        info.driver = std::string(name);
      }
      if (info.driver && (info.driver->empty() || *info.driver == "-no-driver-")) info.driver.reset();
      if (const std::string* c = file(dir + "/status")) {
        // Anything but the kernel's three renderings ("busy", "IN USE") was edited or comes from
        // another tool, and reading it as "not in use" would detach a guest.
        const std::string_view status = without_newline(*c);
        if (std::find(std::begin(kQueueStatuses), std::end(kQueueStatuses), status) == std::end(kQueueStatuses))
          return fail(dir + "/status", Problem{1, 1, "expected the kernel's queue status 'in use', 'assigned' or "
                                                     "'unassigned', not '" + model::printable(status) + "'"});
        info.status = std::string(status);
      }
      const auto key = static_cast<std::uint16_t>(a << 8 | d);
      if (const auto it = queues_.find(key); it != queues_.end()) {
        if (it->second.driver != info.driver)
          return fail(dir + "/driver", Problem{0, 0, "disagrees with " + where(it->second.path) + "/driver about the queue's driver"});
        // The same queue seen twice (bus/ap/devices/XX.YYYY is a link to the card's): where
        // both copies show a status, they must agree.
        if (it->second.status && info.status && it->second.status != info.status)
          return fail(dir + "/status", Problem{0, 0, "disagrees with " + where(it->second.path) + "/status about the queue's status"});
        if (!it->second.status) it->second.status = info.status;
        continue;
      }
      queues_.emplace(key, std::move(info));
    }
    return std::nullopt;
  }

  // The QCI configuration: bus/ap/ap_{adapter,usage_domain,control_domain}_mask.
  Error configuration() {
    const char* qci_files[3] = {"bus/ap/ap_adapter_mask", "bus/ap/ap_usage_domain_mask", "bus/ap/ap_control_domain_mask"};
    model::Mask* qci_parts[3] = {&cfg_.adapters, &cfg_.domains, &cfg_.control_domains};
    bool inferred = false;
    for (int i = 0; i < 3; ++i) {
      const std::string* c = file(qci_files[i]);
      if (c == nullptr) {
        inferred = true;
        continue;
      }
      if (without_newline(*c) == "not supported") {
        no_qci_ = true;
        continue;
      }
      auto r = parse_show_mask(*c);
      if (auto* p = std::get_if<Problem>(&r)) return fail(qci_files[i], *p);
      *qci_parts[i] = std::get<model::Mask>(r);
    }
    if (no_qci_) notes_.push_back("the host has no QCI (`not supported`): vfio_ap's configuration is empty");
    if (inferred && !no_qci_) {
      model::Mask a;
      model::Mask d;
      for (const auto& [key, q] : queues_) {
        a.set(static_cast<model::ApId>(key >> 8));
        d.set(static_cast<model::ApId>(key & 0xFF));
      }
      if (!file(qci_files[0])) cfg_.adapters = a;
      if (!file(qci_files[1])) cfg_.domains = d;
      if (!file(qci_files[2])) cfg_.control_domains = cfg_.domains;
      notes_.push_back("a QCI mask file is missing: the configuration is taken from the queue devices present "
                       "(control domains = usage domains)");
    }
    return std::nullopt;
  }

  // bus/ap/apmask and bus/ap/aqmask.
  Error bus_masks() {
    const char* bus_files[2] = {"bus/ap/apmask", "bus/ap/aqmask"};
    model::Mask* masks[2] = {&s_.apmask, &s_.aqmask};
    for (int i = 0; i < 2; ++i) {
      const std::string* c = file(bus_files[i]);
      if (c == nullptr) {
        notes_.push_back(std::string("no ") + bus_files[i] + ": taken as all ones, the kernel's default");
        continue;
      }
      auto r = parse_show_mask(*c);
      if (auto* p = std::get_if<Problem>(&r)) return fail(bus_files[i], *p);
      *masks[i] = std::get<model::Mask>(r);
    }
    return std::nullopt;
  }

  // Each queue's binding from its `driver`, against what the bus masks allow.
  void bindings() {
    int outside = 0;
    std::string first_outside;
    for (const auto& [key, q] : queues_)
      if (!s_.present(model::Apqn::unpack(key))) {
        if (outside++ == 0) first_outside = q.path;
      }
    if (outside > 0)
      notes_.push_back(std::to_string(outside) + " queue device(s) outside the host configuration (first: " +
                       first_outside + ") ignored: the model has queue devices only for configured APQNs");
    if (!queue_tree_)
      notes_.push_back("no queue devices in the snapshot: every configured queue is taken as bound to the driver its bus masks name");
    int missing = 0;
    // Only APQNs the bus has devices for (within its maximum IDs): the others have no binding.
    s_.bus_adapters().for_each([&](model::ApId a) {
      s_.bus_domains().for_each([&](model::ApId d) {
        const model::Apqn q{a, d};
        const auto it = queues_.find(q.packed());
        if (it == queues_.end()) {
          if (queue_tree_) {
            s_.unbound[a].set(d);
            ++missing;
          }
          return;
        }
        const std::optional<std::string>& drv = it->second.driver;
        if (!drv) {
          s_.unbound[a].set(d);
        } else if (*drv == "vfio_ap") {
          if (s_.reserved(q))
            notes_.push_back("queue " + it->second.path + " is bound to vfio_ap although apmask and aqmask reserve it "
                             "for the host: the model treats it as the host's");
        } else if (!s_.reserved(q)) {
          notes_.push_back("queue " + it->second.path + " is bound to '" + model::printable(*drv) +
                           "' although the bus masks give it to vfio_ap: the model treats it as not bound");
          s_.unbound[a].set(d);
        }
      });
    });
    if (missing > 0)
      notes_.push_back(std::to_string(missing) + " configured APQN(s) have no queue device in the snapshot: taken as not bound");
  }

  // devices/vfio_ap/matrix/<uuid>/{ap_config,matrix,control_domains,guest_matrix}, in UUID order.
  Error mdevs() {
    std::map<std::string, std::string> mdev_dirs;  // lower-case uuid → directory
    for (const std::string& dir : f_.dirs) {
      if (dir.rfind(kMatrixDir, 0) != 0) continue;
      const std::string name = dir.substr(std::string_view(kMatrixDir).size());
      if (!model::valid_uuid(name)) continue;
      std::string uuid = name;
      for (char& c : uuid)
        if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
      mdev_dirs.emplace(uuid, dir);
    }
    for (const auto& [uuid, dir] : mdev_dirs)
      if (auto e = mdev(uuid, dir)) return e;
    return std::nullopt;
  }

  Error mdev(const std::string& uuid, const std::string& dir) {
    model::Mdev m;
    m.uuid = uuid;
    bool have = false;
    const std::string p_config = dir + "/ap_config";
    const std::string p_matrix = dir + "/matrix";
    const std::string p_cdoms = dir + "/control_domains";
    const std::string p_guest = dir + "/guest_matrix";
    if (const std::string* c = file(p_config)) {
      auto r = parse_ap_config_file(*c, max_);
      if (auto* p = std::get_if<Problem>(&r)) return fail(p_config, *p);
      m.assigned = std::get<model::Matrix>(r);
      have = true;
    }
    if (const std::string* c = file(p_matrix)) {
      auto r = parse_matrix_file(*c, max_);
      if (auto* p = std::get_if<Problem>(&r)) return fail(p_matrix, *p);
      const model::Matrix& mx = std::get<model::Matrix>(r);
      if (have && (mx.adapters != m.assigned.adapters || mx.domains != m.assigned.domains))
        return fail(p_matrix, Problem{0, 0, "disagrees with " + where(p_config)});
      m.assigned.adapters = mx.adapters;
      m.assigned.domains = mx.domains;
    }
    if (const std::string* c = file(p_cdoms)) {
      auto r = parse_control_domains_file(*c, max_);
      if (auto* p = std::get_if<Problem>(&r)) return fail(p_cdoms, *p);
      const model::Mask& cd = std::get<model::Mask>(r);
      if (have && cd != m.assigned.control_domains) return fail(p_cdoms, Problem{0, 0, "disagrees with " + where(p_config)});
      m.assigned.control_domains = cd;
    }
    if (!have && file(p_matrix) == nullptr)
      notes_.push_back("mdev " + uuid + " has neither ap_config nor matrix: taken as assigning nothing");
    if (const std::string* c = file(p_guest)) {
      auto r = parse_matrix_file(*c, max_);
      if (auto* p = std::get_if<Problem>(&r)) return fail(p_guest, *p);
      m.shadow = std::get<model::Matrix>(r);
      // The shadow is filtered from the matrix: the kernel cannot show an ID in guest_matrix
      // that matrix lacks (P1), so such a snapshot was edited or mixes two captures.
      if (!m.shadow.adapters.subset_of(m.assigned.adapters) || !m.shadow.domains.subset_of(m.assigned.domains))
        return fail(p_guest, Problem{0, 0, "lists IDs that " + where(have ? p_config : p_matrix) + " does not assign"});
    } else {
      s_.mdevs.push_back(m);  // filter_matrix needs m inside s only for its reads of s
      m.shadow = model::filter_matrix(s_, s_.mdevs.back());
      s_.mdevs.pop_back();
      notes_.push_back("mdev " + uuid + " has no guest_matrix: its shadow is taken as the full filter");
    }
    m.shadow.control_domains = m.assigned.control_domains & cfg_.control_domains;
    s_.mdevs.push_back(std::move(m));
    return std::nullopt;
  }

  // A queue `in use` means its mdev's guest is attached. The kernel shows `in use` for a queue
  // bound to vfio_ap that the mdev holding it (by its matrix) has in an attached guest's
  // shadow; read back by the same rule. `assigned` and `unassigned` are checked against the
  // matrices too: a status that disagrees was captured at another time than the matrix.
  void guests() {
    std::vector<bool> attached(s_.mdevs.size(), false);
    for (const auto& [key, q] : queues_) {
      if (!q.status) continue;
      const model::Apqn apqn = model::Apqn::unpack(key);
      if (!s_.present(apqn)) continue;  // outside the configuration: noted and ignored
      const model::Mdev* owner = s_.owner_of(apqn);
      if (*q.status == "unassigned") {
        if (owner != nullptr)
          notes_.push_back("queue " + q.path + " is `unassigned` although mdev " + owner->uuid + " assigns it");
        continue;
      }
      if (owner == nullptr) {
        notes_.push_back("queue " + q.path + " is `" + *q.status + "` but no mdev's matrix assigns it");
        continue;
      }
      if (*q.status != "in use") continue;
      if (s_.bound_to_vfio(apqn) && owner->shadow.adapters.test(apqn.adapter) && owner->shadow.domains.test(apqn.domain))
        attached[static_cast<std::size_t>(owner - s_.mdevs.data())] = true;
      else
        notes_.push_back("queue " + q.path + " is `in use` but not bound to vfio_ap in the guest_matrix of the mdev holding it");
    }
    model::GuestId next = 1;
    for (std::size_t i = 0; i < s_.mdevs.size(); ++i) {
      if (!attached[i]) continue;
      model::Guest g;
      g.id = next++;
      g.msax3 = true;
      g.format = model::crycb_format(true, params_.apxa);
      g.apcb = model::truncate_to_format(s_.mdevs[i].shadow, g.format);
      s_.mdevs[i].guest = g.id;
      s_.guests.push_back(g);
    }
    if (!s_.mdevs.empty())
      notes_.push_back("guests: an mdev counts as attached when one of its queues is `in use`; sysfs does not show "
                       "queue reset responses, so none is assumed");
  }

  const SnapshotFiles& f_;
  std::vector<std::string> notes_;
  bool no_qci_ = false;
  std::optional<int> max_ids_[2];
  model::HostParams params_;
  Maxima max_{};
  std::map<std::uint16_t, QueueInfo> queues_;
  bool queue_tree_ = false;
  model::Matrix cfg_;
  model::State s_;
};

// What a path of the capture is, following symlinks.
enum class Entry { absent, file, directory, other };

// Loads the parts of a capture read_snapshot reads. Whatever is absent stays absent (older
// kernels, partial captures: read_snapshot notes the default it takes); whatever is there but
// cannot be read as what sysfs has at that place (a directory or a FIFO for an attribute file,
// a file for a directory, a symlink loop or a symlink to nothing, a read or listing that fails)
// is an error naming the path: silently skipping it would read as "absent" and explain a host
// that does not exist (an unreadable apmask as all ones, an unreadable matrix as no mdevs).
class SnapshotLoader {
 public:
  SnapshotLoader(const fs::path& root, SnapshotFiles& f) : root_(root), f_(f) {}

  std::optional<trace::TraceError> load() {
    for (const char* name : {"apmask", "aqmask", "ap_adapter_mask", "ap_usage_domain_mask", "ap_control_domain_mask",
                             "ap_max_adapter_id", "ap_max_domain_id", "features"})
      read(std::string("bus/ap/") + name);
    for (const std::string tree : {"bus/ap/devices", "devices/ap"}) {
      if (!directory(tree)) continue;
      f_.dirs.insert(tree);
      for (const std::string& name : entries(tree)) {
        const std::string rel = tree + "/" + name;
        if (queue_name(name) && tree == "bus/ap/devices") {
          if (directory(rel, "a queue device")) queue(rel);
        } else if (card_name(name)) {
          if (!directory(rel, "a card device")) continue;
          f_.dirs.insert(rel);
          for (const std::string& sub : entries(rel))
            if (queue_name(sub) && directory(rel + "/" + sub, "a queue device")) queue(rel + "/" + sub);
        }
      }
    }
    const std::string matrix = "devices/vfio_ap/matrix";
    if (directory(matrix, "the vfio_ap matrix device")) {
      const std::vector<std::string> names = entries(matrix);  // first: an unlistable matrix is named as such
      read(matrix + "/features");
      for (const std::string& name : names) {
        const std::string rel = matrix + "/" + name;
        if (!model::valid_uuid(name) || !directory(rel, "an mdev")) continue;
        f_.dirs.insert(rel);
        for (const char* attr : {"matrix", "guest_matrix", "control_domains", "ap_config"}) read(rel + "/" + attr);
      }
    }
    return error_;
  }

 private:
  void fail(const std::string& rel, std::string message) {
    if (!error_) error_ = trace::TraceError{f_.root + "/" + rel, 0, 0, std::move(message)};
  }

  // What `rel` is; an error (noted) for a symlink loop, a symlink to nothing, or a path whose
  // type cannot be read.
  Entry entry(const std::string& rel) {
    if (error_) return Entry::absent;
    std::error_code ec;
    const fs::path p = root_ / rel;
    const fs::file_status st = fs::status(p, ec);
    if (st.type() == fs::file_type::not_found) {
      std::error_code lec;
      if (fs::is_symlink(fs::symlink_status(p, lec))) fail(rel, "a symlink to nothing (its target was not captured)");
      return Entry::absent;
    }
    if (ec) {
      if (ec.value() == ELOOP) {
        fail(rel, "a symlink loop (" + ec.message() + ")");
      } else {
        fail(rel, "cannot read: " + ec.message());
      }
      return Entry::absent;
    }
    if (st.type() == fs::file_type::regular) return Entry::file;
    if (st.type() == fs::file_type::directory) return Entry::directory;
    return Entry::other;
  }

  // Whether `rel` is a directory; a path that exists and is not one is an error when `what`
  // names what sysfs has there.
  bool directory(const std::string& rel, const char* what = nullptr) {
    const Entry e = entry(rel);
    if (e == Entry::directory) return true;
    if (e != Entry::absent && what != nullptr) fail(rel, std::string("not a directory, but sysfs has ") + what + " here");
    if (e != Entry::absent && what == nullptr) fail(rel, "not a directory, but sysfs has a directory here");
    return false;
  }

  // The attribute file `rel` into f_.files, if it exists.
  void read(const std::string& rel) {
    switch (entry(rel)) {
      case Entry::absent: return;
      case Entry::directory:
        return fail(rel, "a directory, but sysfs has an attribute file here (a copy made with cp -L of a link?)");
      case Entry::other: return fail(rel, "not a regular file (a FIFO, socket or device), but sysfs has an attribute file here");
      case Entry::file: break;
    }
    // POSIX reads: an error of the read itself (EIO) must not read as an empty file. Sysfs
    // files report a size of 4096 whatever they hold, so the size is what the reads return.
    const int fd = ::open((root_ / rel).c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) return fail(rel, std::string("cannot read: ") + std::strerror(errno));
    std::string content;
    char buf[4096];
    for (;;) {
      const ssize_t n = ::read(fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        const int err = errno;
        ::close(fd);
        return fail(rel, std::string("cannot read: ") + std::strerror(err));
      }
      if (n == 0) break;
      content.append(buf, static_cast<std::size_t>(n));
      if (content.size() > kMaxFile) {
        ::close(fd);
        return fail(rel, "larger than 1 MiB: not a sysfs file");
      }
    }
    ::close(fd);
    f_.files[rel] = std::move(content);
  }

  // A queue directory: its `driver` (the kernel's symlink, recorded unfollowed, or a file
  // naming the driver) and `status`.
  void queue(const std::string& rel) {
    f_.dirs.insert(rel);
    std::error_code ec;
    const fs::path drv = root_ / rel / "driver";
    if (fs::is_symlink(fs::symlink_status(drv, ec))) {
      const fs::path target = fs::read_symlink(drv, ec);
      if (ec) return fail(rel + "/driver", "cannot read the link: " + ec.message());
      f_.links[rel + "/driver"] = target.string();
    } else {
      read(rel + "/driver");
    }
    read(rel + "/status");
  }

  // The entries of directory `rel`, sorted for a stable order; a listing that fails is an error.
  std::vector<std::string> entries(const std::string& rel) {
    std::vector<std::string> names;
    if (error_) return names;
    std::error_code ec;
    for (fs::directory_iterator it(root_ / rel, ec), end; !ec && it != end; it.increment(ec))
      names.push_back(it->path().filename().string());
    if (ec) {
      fail(rel, "cannot list the directory: " + ec.message());
      return {};
    }
    std::sort(names.begin(), names.end());
    return names;
  }

  fs::path root_;
  SnapshotFiles& f_;
  std::optional<trace::TraceError> error_;
};

}  // namespace

std::string input_error_text(const trace::TraceError& e) {
  if (e.line == 0) return e.file + ": " + e.message;
  return e.to_string();
}

std::variant<Snapshot, trace::TraceError> read_snapshot(const SnapshotFiles& f) {
  return SnapshotReader(f).read();
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

std::variant<SnapshotFiles, trace::TraceError> load_snapshot_files(const std::string& dir) {
  std::error_code ec;
  const fs::path base(dir);
  fs::path root;
  if (fs::is_directory(base / "sys" / "bus" / "ap", ec))
    root = base / "sys";
  else if (fs::is_directory(base / "bus" / "ap", ec))
    root = base;
  else
    return trace::TraceError{dir, 0, 0, "not a sysfs snapshot: neither sys/bus/ap nor bus/ap is a directory in it"};
  SnapshotFiles f;
  f.root = root.lexically_normal().string();
  if (!f.root.empty() && f.root.back() == '/') f.root.pop_back();
  SnapshotLoader loader(root, f);
  if (auto e = loader.load()) return *e;
  return f;
}

std::optional<Snapshot> load_snapshot(const std::string& dir) {
  auto files = load_snapshot_files(dir);
  if (auto* e = std::get_if<trace::TraceError>(&files)) {
    std::cerr << input_error_text(*e) << "\n";
    return std::nullopt;
  }
  auto snap = read_snapshot(std::get<SnapshotFiles>(files));
  if (auto* e = std::get_if<trace::TraceError>(&snap)) {
    std::cerr << input_error_text(*e) << "\n";
    return std::nullopt;
  }
  Snapshot out = std::get<Snapshot>(std::move(snap));
  for (const std::string& note : out.notes) std::cerr << dir << ": note: " << note << "\n";
  return out;
}

}  // namespace apcb::readers
