// The kernel's show formats, read strictly (readers/internal/snapshot_areas.h): the parsers
// every snapshot area uses, and the disk loader and the renderer too.
//
// Strict because a file that does not look like the kernel's output (`0x` + 64 hex digits,
// `%02x.%04x` lines, decimal maxima) was edited or truncated, and guessing would explain a
// host that does not exist.
#include <algorithm>
#include <set>

#include "model/printable.h"
#include "readers/internal/snapshot_areas.h"

namespace apcb::readers::internal {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
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

}  // namespace

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
Result<model::Mask> parse_show_mask(std::string_view text, int at) {
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

bool card_name(std::string_view name, int* adapter) {
  if (name.size() != 6 || name.substr(0, 4) != "card") return false;
  const int a = hex_field(name, 4, 2);
  if (a < 0) return false;
  if (adapter != nullptr) *adapter = a;
  return true;
}

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

}  // namespace apcb::readers::internal
