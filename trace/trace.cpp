#include "trace/trace.h"

#include <cstdio>
#include <cstring>
#include <istream>
#include <optional>

#include "trace/reader.h"

namespace apcb::trace {

using namespace model;
namespace {

constexpr std::string_view kHeader = "apcb-trace 1";
// The declaration that a trace's expectations state every signal (docs/trace-format.md).
constexpr std::string_view kObserveSignals = "observe signals";
constexpr std::string_view kMatrixDir = "/sys/devices/vfio_ap/matrix/";
constexpr std::string_view kCreate =
    "/sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create";
constexpr std::string_view kBus = "/sys/bus/ap/";
constexpr std::string_view kVfioDriver = "/sys/bus/ap/drivers/vfio_ap/";
constexpr std::string_view kDefaultDriver = "/sys/bus/ap/drivers/cex4queue/";

std::string hex(unsigned value, int digits) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%0*x", digits, value);
  return buf;
}

std::string apqn_text(Apqn q) { return hex(q.adapter, 2) + "." + hex(q.domain, 4); }

// /sys/bus/ap/devices/XX.YYYY/<leaf>: a queue device's attribute (the bus's flat link to it).
constexpr std::string_view kQueueDevices = "/sys/bus/ap/devices/";

// The queue name of /sys/bus/ap/devices/<name>/<leaf> when `path` has that shape and <name>
// looks like a queue (XX.YYYY: seven characters with a dot), else nullopt; apqn() then checks
// the digits and reports where they are wrong.
std::optional<std::string_view> queue_device_file(std::string_view path, std::string_view leaf) {
  if (path.substr(0, kQueueDevices.size()) != kQueueDevices) return std::nullopt;
  std::string_view rest = path.substr(kQueueDevices.size());
  const std::size_t slash = rest.find('/');
  if (slash == std::string_view::npos || rest.substr(slash + 1) != leaf) return std::nullopt;
  std::string_view name = rest.substr(0, slash);
  if (name.size() != 7 || name[2] != '.') return std::nullopt;
  return name;
}

bool echo_safe(std::string_view word) {
  if (word.empty()) return false;
  for (char c : word) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == ',' || c == '.' || c == '+' || c == '-' || c == '_' || c == ':' || c == '=';
    if (!ok) return false;
  }
  // `echo -n`, `echo -e`, `echo -neE` … would be options, not words.
  if (word[0] == '-' && word.size() > 1 && word.find_first_not_of("neE", 1) == std::string_view::npos)
    return false;
  return true;
}

// A shell command writing exactly `bytes` to `path`.
std::string write_command(std::string_view bytes, std::string_view path) {
  std::string out;
  if (!bytes.empty() && bytes.back() == '\n' && echo_safe(bytes.substr(0, bytes.size() - 1))) {
    out = "echo " + std::string(bytes.substr(0, bytes.size() - 1));
  } else if (echo_safe(bytes)) {
    out = "echo -n " + std::string(bytes);
  } else {
    out = "printf '";
    for (unsigned char c : bytes) {
      if (c == '\n') out += "\\n";
      else if (c == '\\') out += "\\\\";
      else if (c == '%') out += "%%";
      else if (c < 0x20 || c >= 0x7f || c == '\'') out += "\\x" + hex(c, 2);
      else out += static_cast<char>(c);
    }
    out += "'";
  }
  out += " > ";
  out += path;
  return out;
}

std::string mdev_path(std::string_view uuid, std::string_view leaf) {
  return std::string(kMatrixDir) + std::string(uuid) + "/" + std::string(leaf);
}

std::string format_matrix_fields(const Matrix& m) {
  return "adapters=" + format_id_set(m.adapters, 2) + " domains=" + format_id_set(m.domains, 4) +
         " control=" + format_id_set(m.control_domains, 4);
}

// ---------------------------------------------------------------------------------------------
// Parsing

// A word of a line and the column (1-based) it starts at.
struct Token {
  std::string_view text;
  int column = 0;
};

// The words of `line` into `out` (cleared first; its capacity is reused from line to line).
void split_words(std::string_view line, std::vector<Token>& out) {
  out.clear();
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    if (i >= line.size()) break;
    const std::size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    out.push_back(Token{line.substr(start, i - start), static_cast<int>(start) + 1});
  }
}

std::vector<Token> split_words(std::string_view line) {
  std::vector<Token> out;
  split_words(line, out);
  return out;
}

// Whether a header comment's words are a kernel declaration `# kernel: ...` (well formed or
// not): the one rule both the reader (which then insists on exactly one known name) and
// declare_kernel (which drops such comments) follow.
bool is_kernel_declaration(const std::vector<Token>& words) {
  return words.size() >= 2 && words[0].text == "#" && words[1].text == "kernel:";
}

// The column (1-based) of the first control byte in `line` (a tab is allowed), or 0 when it
// has none. The common case, none, is a branch-free pass the compiler vectorises.
int control_byte_column(std::string_view line) {
  unsigned bad = 0;
  for (const char ch : line) {
    const auto c = static_cast<unsigned char>(ch);
    bad |= static_cast<unsigned>((c < 0x20) & (c != '\t')) | static_cast<unsigned>(c == 0x7f);
  }
  if (bad == 0) return 0;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const auto c = static_cast<unsigned char>(line[i]);
    if ((c < 0x20 && c != '\t') || c == 0x7f) return static_cast<int>(i) + 1;
  }
  return 0;
}

// Whether `path` is `dir` followed by exactly `leaf` (no string is built).
bool is_path(std::string_view path, std::string_view dir, std::string_view leaf) {
  return path.size() == dir.size() + leaf.size() && path.starts_with(dir) && path.ends_with(leaf);
}

class LineParser {
 public:
  LineParser(std::string_view file, int line_no) : file_(file), line_(line_no) {}

  TraceError error(int column, std::string message) const {
    return TraceError{std::string(file_), line_, column, std::move(message)};
  }

  std::optional<unsigned> number(std::string_view text, unsigned max) const {
    if (text.empty()) return std::nullopt;
    unsigned base = 10;
    if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
      base = 16;
      text.remove_prefix(2);
    }
    unsigned long long value = 0;
    for (char c : text) {
      int d = hex_digit(c);
      if (d < 0 || static_cast<unsigned>(d) >= base) return std::nullopt;
      value = value * base + static_cast<unsigned>(d);
      if (value > max) return std::nullopt;
    }
    return static_cast<unsigned>(value);
  }

  static int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  std::optional<unsigned> hex_id(std::string_view text) const {
    if (text.empty() || text.size() > 4) return std::nullopt;
    unsigned v = 0;
    for (char c : text) {
      int d = hex_digit(c);
      if (d < 0) return std::nullopt;
      v = v * 16 + static_cast<unsigned>(d);
    }
    if (v > 255) return std::nullopt;
    return v;
  }

  std::variant<Mask, TraceError> id_set(Token t) const {
    Mask m;
    if (t.text == "-") return m;
    std::size_t pos = 0;
    while (pos <= t.text.size()) {
      std::size_t comma = t.text.find(',', pos);
      if (comma == std::string_view::npos) comma = t.text.size();
      std::string_view item = t.text.substr(pos, comma - pos);
      const std::size_t dash = item.find('-');
      auto lo = hex_id(item.substr(0, dash));
      auto hi = dash == std::string_view::npos ? lo : hex_id(item.substr(dash + 1));
      if (!lo || !hi || *lo > *hi)
        return error(t.column + static_cast<int>(pos),
                     "expected an ID set: '-' or hex IDs and ranges like 05-07,0a");
      for (unsigned id = *lo; id <= *hi; ++id) m.set(static_cast<ApId>(id));
      pos = comma + 1;
    }
    return m;
  }

  std::variant<Apqn, TraceError> apqn(Token t) const {
    if (t.text.size() == 7 && t.text[2] == '.') {
      auto a = hex_id(t.text.substr(0, 2));
      auto d = hex_id(t.text.substr(3, 4));
      if (a && d) return Apqn{static_cast<ApId>(*a), static_cast<ApId>(*d)};
    }
    return error(t.column, "expected an APQN like 05.0004");
  }

  // key=value; the value's token keeps its column.
  std::variant<Token, TraceError> keyed(const Token& t, std::string_view key) const {
    if (t.text.size() <= key.size() || t.text.substr(0, key.size()) != key ||
        t.text[key.size()] != '=')
      return error(t.column, "expected " + std::string(key) + "=…");
    return Token{t.text.substr(key.size() + 1), t.column + static_cast<int>(key.size()) + 1};
  }

  std::variant<Matrix, TraceError> matrix_fields(const std::vector<Token>& w, std::size_t at) const {
    if (w.size() != at + 3)
      return error(w.empty() ? 1 : w.back().column, "expected adapters=… domains=… control=…");
    Matrix m;
    Mask* targets[] = {&m.adapters, &m.domains, &m.control_domains};
    const std::string_view keys[] = {"adapters", "domains", "control"};
    for (int i = 0; i < 3; ++i) {
      auto v = keyed(w[at + static_cast<std::size_t>(i)], keys[i]);
      if (auto* e = std::get_if<TraceError>(&v)) return *e;
      auto set = id_set(std::get<Token>(v));
      if (auto* e = std::get_if<TraceError>(&set)) return *e;
      *targets[i] = std::get<Mask>(set);
    }
    return m;
  }

  std::variant<GuestId, TraceError> guest_id(Token t) const {
    auto v = number(t.text, 0xFFFFFFFFu);
    if (!v) return error(t.column, "expected a guest number");
    return static_cast<GuestId>(*v);
  }

  // The bytes a write command writes, and the path it writes them to.
  struct Write {
    std::string bytes;
    Token path;
  };

  std::variant<Write, TraceError> write_command(std::string_view line, const std::vector<Token>& w) const {
    Write out;
    if (w[0].text == "echo") {
      std::size_t at = 1;
      bool newline = true;
      if (w.size() > 1 && w[1].text == "-n") {
        newline = false;
        at = 2;
      }
      if (w.size() != at + 3 || w[at + 1].text != ">")
        return error(w[0].column, "expected: echo [-n] VALUE > PATH");
      out.bytes = std::string(w[at].text);
      if (!echo_safe(out.bytes))
        return error(w[at].column, "this value needs printf '…' (only letters, digits and ,.+-_:= go with echo)");
      if (newline) out.bytes += '\n';
      out.path = w[at + 2];
      return out;
    }
    // printf 'ESCAPED' > PATH
    const std::size_t open = line.find('\'');
    const std::size_t close = open == std::string_view::npos ? open : line.find('\'', open + 1);
    if (open == std::string_view::npos || close == std::string_view::npos)
      return error(w[0].column, "expected: printf 'BYTES' > PATH");
    if (line.substr(w[0].column - 1 + 6, open - (static_cast<std::size_t>(w[0].column) - 1 + 6))
            .find_first_not_of(" \t") != std::string_view::npos)
      return error(w[0].column, "expected: printf 'BYTES' > PATH");
    std::string_view body = line.substr(open + 1, close - open - 1);
    for (std::size_t i = 0; i < body.size(); ++i) {
      const int col = static_cast<int>(open + 2 + i);
      char c = body[i];
      if (c == '%') {
        if (i + 1 < body.size() && body[i + 1] == '%') {
          out.bytes += '%';
          ++i;
          continue;
        }
        return error(col, "a literal % is written %%");
      }
      if (c != '\\') {
        out.bytes += c;
        continue;
      }
      if (i + 1 >= body.size()) return error(col, "dangling backslash");
      char e = body[++i];
      if (e == 'n') out.bytes += '\n';
      else if (e == 't') out.bytes += '\t';
      else if (e == '\\') out.bytes += '\\';
      else if (e == 'x') {
        int v = 0, n = 0;
        while (n < 2 && i + 1 < body.size() && hex_digit(body[i + 1]) >= 0) {
          v = v * 16 + hex_digit(body[++i]);
          ++n;
        }
        if (n == 0) return error(col, "\\x needs one or two hex digits");
        out.bytes += static_cast<char>(v);
      } else {
        return error(col, "unknown escape (use \\n, \\t, \\\\ or \\xHH)");
      }
    }
    std::vector<Token> rest = split_words(line.substr(close + 1));
    if (rest.size() != 2 || rest[0].text != ">")
      return error(static_cast<int>(close) + 2, "expected > PATH after the printf argument");
    out.path = Token{rest[1].text, rest[1].column + static_cast<int>(close) + 1};
    return out;
  }

  std::variant<Op, TraceError> write_op(Write w) const {
    std::string_view path = w.path.text;
    if (path == kCreate) {
      std::string uuid = w.bytes;
      if (!uuid.empty() && uuid.back() == '\n') uuid.pop_back();
      return Op{op::MdevCreate{uuid}};
    }
    for (std::size_t m = 0; m < std::size(kBusMaskNames); ++m)
      if (is_path(path, kBus, kBusMaskNames[m]))
        return Op{op::BusMaskWrite{static_cast<BusMask>(m), std::move(w.bytes)}};
    if (std::optional<std::string_view> qname = queue_device_file(path, "driver_override")) {
      auto q = apqn(Token{*qname, w.path.column + static_cast<int>(kQueueDevices.size())});
      if (auto* e = std::get_if<TraceError>(&q)) return *e;
      return Op{op::DriverOverrideWrite{std::get<Apqn>(q), std::move(w.bytes)}};
    }
    for (auto [prefix, driver] : {std::pair{kVfioDriver, Driver::vfio_ap},
                                  std::pair{kDefaultDriver, Driver::default_driver}}) {
      if (path.substr(0, prefix.size()) != prefix) continue;
      std::string_view leaf = path.substr(prefix.size());
      std::string name = w.bytes;
      if (!name.empty() && name.back() == '\n') name.pop_back();
      auto q = apqn(Token{name, w.path.column});
      if (std::holds_alternative<TraceError>(q))
        return error(w.path.column, "bind/unbind takes a queue name like 05.0004");
      if (leaf == "bind") return Op{op::QueueBind{std::get<Apqn>(q), driver}};
      if (leaf == "unbind") return Op{op::QueueUnbind{std::get<Apqn>(q), driver}};
      return error(w.path.column, "unknown driver file (bind or unbind)");
    }
    if (path.substr(0, kMatrixDir.size()) == kMatrixDir) {
      std::string_view rest = path.substr(kMatrixDir.size());
      const std::size_t slash = rest.find('/');
      if (slash != std::string_view::npos && slash > 0) {
        std::string uuid(rest.substr(0, slash));
        std::string_view leaf = rest.substr(slash + 1);
        if (leaf == "remove") {
          if (w.bytes != "1\n" && w.bytes != "1")
            return error(w.path.column, "remove takes 1");
          return Op{op::MdevRemove{uuid}};
        }
        for (std::size_t a = 0; a < std::size(kMdevAttrNames); ++a)
          if (leaf == kMdevAttrNames[a]) return Op{op::AttrWrite{std::move(uuid), static_cast<MdevAttr>(a), std::move(w.bytes)}};
        return error(w.path.column + static_cast<int>(kMatrixDir.size() + slash + 1),
                     "unknown or read-only mdev attribute '" + std::string(leaf) + "'");
      }
    }
    return error(w.path.column, "unknown sysfs path '" + std::string(path) + "'");
  }

  std::variant<Op, TraceError> read_op(const std::vector<Token>& w) const {
    if (w.size() != 2) return error(w[0].column, "expected: cat PATH");
    std::string_view path = w[1].text;
    for (std::size_t m = 0; m < std::size(kBusMaskNames); ++m)
      if (is_path(path, kBus, kBusMaskNames[m])) return Op{op::ReadBusMask{static_cast<BusMask>(m)}};
    if (std::optional<std::string_view> qname = queue_device_file(path, "driver_override")) {
      auto q = apqn(Token{*qname, w[1].column + static_cast<int>(kQueueDevices.size())});
      if (auto* e = std::get_if<TraceError>(&q)) return *e;
      return Op{op::DriverOverrideRead{std::get<Apqn>(q)}};
    }
    constexpr std::string_view devices = "/sys/bus/ap/devices/card";
    if (path.substr(0, devices.size()) == devices) {
      // cardXX/XX.YYYY/status
      std::string_view rest = path.substr(devices.size());
      if (rest.size() == 2 + 1 + 7 + 7 && rest[2] == '/' && rest.substr(10) == "/status" &&
          rest.substr(0, 2) == rest.substr(3, 2)) {
        auto q = apqn(Token{rest.substr(3, 7), w[1].column + static_cast<int>(devices.size()) + 3});
        if (auto* e = std::get_if<TraceError>(&q)) return *e;
        return Op{op::ReadQueueStatus{std::get<Apqn>(q)}};
      }
      return error(w[1].column, "expected /sys/bus/ap/devices/cardXX/XX.YYYY/status");
    }
    if (is_path(path, kMatrixDir, "features")) return Op{op::ReadFeatures{}};
    if (path.substr(0, kMatrixDir.size()) == kMatrixDir) {
      std::string_view rest = path.substr(kMatrixDir.size());
      const std::size_t slash = rest.find('/');
      if (slash != std::string_view::npos && slash > 0) {
        std::string uuid(rest.substr(0, slash));
        std::string_view leaf = rest.substr(slash + 1);
        for (std::size_t v = 0; v < std::size(kMdevViewNames); ++v)
          if (leaf == kMdevViewNames[v]) return Op{op::ReadMdev{uuid, static_cast<MdevView>(v)}};
        return error(w[1].column + static_cast<int>(kMatrixDir.size() + slash + 1),
                     "unknown or write-only mdev attribute '" + std::string(leaf) + "'");
      }
    }
    return error(w[1].column, "unknown sysfs path '" + std::string(path) + "'");
  }

  std::variant<Op, TraceError> event_op(const std::vector<Token>& w) const {
    const std::string_view verb = w[0].text;
    const std::string_view what = w.size() > 1 ? w[1].text : std::string_view();
    if (verb == "host" && what == "config") {
      auto m = matrix_fields(w, 2);
      if (auto* e = std::get_if<TraceError>(&m)) return *e;
      return Op{op::ConfigChange{std::get<Matrix>(m)}};
    }
    if (verb == "host" && what == "reset-response") {
      if (w.size() != 4) return error(w[0].column, "expected: host reset-response XX.YYYY RC[,RC...]");
      auto q = apqn(w[2]);
      if (auto* e = std::get_if<TraceError>(&q)) return *e;
      // RC[,RC...]: the answers of the reset's successive instructions (op::ResetResponse).
      op::ResetResponse out{std::get<Apqn>(q)};
      const std::string_view list = w[3].text;
      std::size_t start = 0;
      for (std::size_t n = 0;; ++n) {
        const std::size_t comma = list.find(',', start);
        const std::string_view item = list.substr(start, comma == std::string_view::npos ? list.npos : comma - start);
        const int column = w[3].column + static_cast<int>(start);
        if (n == response::max_reset_answers)
          return error(column, "at most " + std::to_string(response::max_reset_answers) +
                                   " response codes in a reset-response sequence");
        auto rc = number(item, 0xFF);
        if (!rc) return error(column, "expected a response code 0..0xff");
        if (n == 0)
          out.response = static_cast<std::uint8_t>(*rc);
        else
          out.then.push_back(static_cast<std::uint8_t>(*rc));
        if (comma == std::string_view::npos) break;
        start = comma + 1;
      }
      return Op{std::move(out)};
    }
    if (verb == "guest" && what == "create") {
      if (w.size() != 4) return error(w[0].column, "expected: guest create G msax3=0|1");
      auto g = guest_id(w[2]);
      if (auto* e = std::get_if<TraceError>(&g)) return *e;
      auto v = keyed(w[3], "msax3");
      if (auto* e = std::get_if<TraceError>(&v)) return *e;
      auto flag = number(std::get<Token>(v).text, 1);
      if (!flag) return error(std::get<Token>(v).column, "expected 0 or 1");
      return Op{op::GuestCreate{std::get<GuestId>(g), *flag == 1}};
    }
    if (verb == "vcpu" && what == "read") {
      if (w.size() != 3) return error(w[0].column, "expected: vcpu read G");
      auto g = guest_id(w[2]);
      if (auto* e = std::get_if<TraceError>(&g)) return *e;
      return Op{op::VcpuObserve{std::get<GuestId>(g)}};
    }
    if (verb == "vcpu" && what == "pqap") {
      if (w.size() != 5 || w[3].text != "aqic")
        return error(w.size() > 3 && w[3].text != "aqic" ? w[3].column : w[0].column,
                     "expected: vcpu pqap G aqic XX.YYYY");
      auto g = guest_id(w[2]);
      if (auto* e = std::get_if<TraceError>(&g)) return *e;
      auto q = apqn(w[4]);
      if (auto* e = std::get_if<TraceError>(&q)) return *e;
      return Op{op::GuestAqic{std::get<GuestId>(g), std::get<Apqn>(q)}};
    }
    if (verb == "vfio") {
      if (what == "open") {
        if (w.size() != 4) return error(w[0].column, "expected: vfio open UUID guest=G");
        auto v = keyed(w[3], "guest");
        if (auto* e = std::get_if<TraceError>(&v)) return *e;
        auto g = guest_id(std::get<Token>(v));
        if (auto* e = std::get_if<TraceError>(&g)) return *e;
        return Op{op::GuestAttach{std::string(w[2].text), std::get<GuestId>(g)}};
      }
      if (w.size() != 3) return error(w[0].column, "expected: vfio close|request|reset UUID");
      std::string uuid(w[2].text);
      if (what == "close") return Op{op::GuestDetach{uuid}};
      if (what == "request") return Op{op::GuestRelease{uuid}};
      if (what == "reset") return Op{op::DeviceReset{uuid}};
    }
    return error(w[0].column, "unknown step '" + std::string(verb) + " " + std::string(what) + "'");
  }

 private:
  std::string_view file_;
  int line_;
};

}  // namespace

std::string TraceError::to_string() const {
  return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message;
}


std::string format_host_init(const HostParams& params, const Matrix& config) {
  return "host init apxa=" + std::to_string(params.apxa ? 1 : 0) + " na=0x" + hex(params.na, 2) +
         " nd=0x" + hex(params.nd, 2) + " " + format_matrix_fields(config);
}

std::string format_op(const Op& op) {
  struct Formatter {
    std::string operator()(const op::ConfigChange& o) const {
      return "host config " + format_matrix_fields(o.cfg);
    }
    std::string operator()(const op::QueueBind& o) const {
      return write_command(apqn_text(o.apqn) + "\n",
                           std::string(o.driver == Driver::vfio_ap ? kVfioDriver : kDefaultDriver) + "bind");
    }
    std::string operator()(const op::QueueUnbind& o) const {
      return write_command(apqn_text(o.apqn) + "\n",
                           std::string(o.driver == Driver::vfio_ap ? kVfioDriver : kDefaultDriver) + "unbind");
    }
    std::string operator()(const op::ResetResponse& o) const {
      std::string out = "host reset-response " + apqn_text(o.apqn) + " 0x" + hex(o.response, 2);
      for (std::uint8_t rc : o.then) out += ",0x" + hex(rc, 2);
      return out;
    }
    std::string operator()(const op::BusMaskWrite& o) const {
      return write_command(o.text, std::string(kBus) + std::string(name_of(o.mask)));
    }
    std::string operator()(const op::MdevCreate& o) const {
      return write_command(o.uuid + "\n", kCreate);
    }
    std::string operator()(const op::MdevRemove& o) const {
      return write_command("1\n", mdev_path(o.uuid, "remove"));
    }
    std::string operator()(const op::AttrWrite& o) const {
      return write_command(o.text, mdev_path(o.uuid, name_of(o.attr)));
    }
    std::string operator()(const op::DeviceReset& o) const { return "vfio reset " + o.uuid; }
    std::string operator()(const op::GuestCreate& o) const {
      return "guest create " + std::to_string(o.guest) + " msax3=" + (o.msax3 ? "1" : "0");
    }
    std::string operator()(const op::GuestAttach& o) const {
      return "vfio open " + o.uuid + " guest=" + std::to_string(o.guest);
    }
    std::string operator()(const op::GuestDetach& o) const { return "vfio close " + o.uuid; }
    std::string operator()(const op::GuestRelease& o) const { return "vfio request " + o.uuid; }
    std::string operator()(const op::VcpuObserve& o) const {
      return "vcpu read " + std::to_string(o.guest);
    }
    std::string operator()(const op::ReadMdev& o) const {
      return "cat " + mdev_path(o.uuid, name_of(o.view));
    }
    std::string operator()(const op::ReadBusMask& o) const {
      return "cat " + std::string(kBus) + std::string(name_of(o.mask));
    }
    std::string operator()(const op::ReadFeatures&) const { return "cat " + std::string(kMatrixDir) + "features"; }
    std::string operator()(const op::DriverOverrideWrite& o) const {
      return write_command(o.text, std::string(kQueueDevices) + apqn_text(o.apqn) + "/driver_override");
    }
    std::string operator()(const op::DriverOverrideRead& o) const {
      return "cat " + std::string(kQueueDevices) + apqn_text(o.apqn) + "/driver_override";
    }
    std::string operator()(const op::GuestAqic& o) const {
      return "vcpu pqap " + std::to_string(o.guest) + " aqic " + apqn_text(o.apqn);
    }
    std::string operator()(const op::ReadQueueStatus& o) const {
      return "cat " + std::string(kBus) + "devices/card" + hex(o.apqn.adapter, 2) + "/" +
             apqn_text(o.apqn) + "/status";
    }
  };
  return std::visit(Formatter{}, op);
}

std::string format_observation(const Observation& obs) {
  std::string out = "= " + std::string(errno_name(obs.result)) + "\n";
  std::size_t pos = 0;
  while (pos < obs.output.size()) {
    std::size_t nl = obs.output.find('\n', pos);
    if (nl == std::string::npos) nl = obs.output.size();  // unterminated last line: see docs
    std::string_view line(obs.output.data() + pos, nl - pos);
    out += line.empty() ? "|\n" : "| " + std::string(line) + "\n";
    pos = nl + 1;
  }
  for (const Event& e : obs.events) {
    if (const auto* c = std::get_if<Commit>(&e))
      out += "commit guest=" + std::to_string(c->guest) + " " + format_matrix_fields(c->apcb) + "\n";
    else if (const auto* g = std::get_if<Signal>(&e))
      out += "signal guest=" + std::to_string(g->guest) + "\n";
    else
      out += "reset " + apqn_text(std::get<Reset>(e).apqn) + "\n";
  }
  return out;
}

std::string format_step(const TraceStep& step) {
  std::string out;
  for (const std::string& c : step.comments) out += c + "\n";
  out += format_op(step.op) + "\n";
  if (step.expected) out += format_observation(*step.expected);
  return out;
}

// Whether format_trace declares `observe signals`: when told to, when an expectation holds a
// signal (or it would not read back), or when every expectation was made by an observer that
// sees signals (the model's, a minor-1 plugin's), so that each reads back as it was.
static bool expects_signals(const Trace& trace) {
  if (trace.observes_signals) return true;
  bool any = false, all_see = true;
  for (const TraceStep& step : trace.steps) {
    if (!step.expected) continue;
    any = true;
    all_see = all_see && step.expected->sees_signals;
    for (const Event& e : step.expected->events)
      if (std::holds_alternative<Signal>(e)) return true;
  }
  return any && all_see;
}

std::string format_trace(const Trace& trace) {
  std::string out = std::string(kHeader) + "\n";
  // The comments first: a generated trace's second line is the command that regenerates it.
  for (const std::string& c : trace.comments) out += c + "\n";
  if (expects_signals(trace)) out += std::string(kObserveSignals) + "\n";
  out += format_host_init(trace.params, trace.config) + "\n";
  for (const TraceStep& step : trace.steps) out += format_step(step);
  for (const std::string& c : trace.trailing_comments) out += c + "\n";
  return out;
}

// ---------------------------------------------------------------------------------------------
// The streaming reader: one line at a time, one step at a time.

struct TraceReader::Impl {
  Impl(std::istream* input, std::string_view text, std::string name) : in(input), window(text), file(std::move(name)) {}

  // The next line without its newline (and '\r'), or nullopt at the end of the input. A line
  // longer than kMaxLineBytes is an error (overlong), so memory stays bounded.
  std::optional<std::string_view> next_line() {
    for (;;) {
      const std::size_t nl = window.find('\n', scanned);
      if (nl != std::string_view::npos) {
        if (nl > kMaxLineBytes) {
          overlong = true;
          return std::nullopt;
        }
        std::string_view line = window.substr(0, nl);
        window.remove_prefix(nl + 1);
        scanned = 0;
        return line;
      }
      scanned = window.size();
      if (in == nullptr || in_done) {
        if (window.empty()) return std::nullopt;
        if (window.size() > kMaxLineBytes) {
          overlong = true;
          return std::nullopt;
        }
        std::string_view line = window;  // the last line has no newline
        window = {};
        scanned = 0;
        return line;
      }
      if (window.size() > kMaxLineBytes) {
        overlong = true;
        return std::nullopt;
      }
      refill();
    }
  }

  // Moves the unread part of the window to the front of the buffer and reads more after it.
  void refill() {
    // The window lies in `buffer` (or is empty): move it to the front before growing the buffer,
    // which may move it.
    const std::size_t keep = window.size();
    if (keep > 0 && window.data() != buffer.data()) std::memmove(buffer.data(), window.data(), keep);
    if (buffer.size() < keep + kChunkBytes) buffer.resize(keep + kChunkBytes);
    in->read(buffer.data() + keep, static_cast<std::streamsize>(kChunkBytes));
    const auto got = static_cast<std::size_t>(in->gcount());
    if (got == 0 || !*in) in_done = true;
    if (in->bad()) read_failed = true;
    window = std::string_view(buffer.data(), keep + got);
  }

  bool fail(TraceError e) {
    error = std::move(e);
    return false;
  }

  // The next line, counted, without its '\r', and free of control bytes; nullopt at the end of
  // the input or at an error (an overlong line, a read error, a control byte: `error` is set).
  std::optional<std::string_view> checked_line() {
    std::optional<std::string_view> next = next_line();
    if (!next) {
      if (overlong) fail(TraceError{file, line_no + 1, 1, "line longer than " + std::to_string(kMaxLineBytes) + " bytes"});
      else if (read_failed) fail(TraceError{file, line_no + 1, 1, "cannot read the trace: input error"});
      return std::nullopt;
    }
    std::string_view line = *next;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (const int at = control_byte_column(line)) {
      fail(TraceError{file, line_no, at, "control byte in the trace (write it with printf escapes)"});
      return std::nullopt;
    }
    return line;
  }

  // Reads one line into the step being built (`pending`) or the comments; returns false at the
  // end of the input or an error; true with `completed` set when a step line closed the one
  // before it.
  bool read_line(bool& completed);

  static constexpr std::size_t kChunkBytes = std::size_t{1} << 20;
  static constexpr std::size_t kMaxLineBytes = std::size_t{16} << 20;

  std::istream* in;        // null: the whole text is `window`
  std::string_view window;  // the unread bytes
  std::size_t scanned = 0;  // bytes of `window` known to hold no newline
  std::string buffer;
  bool in_done = false;
  bool read_failed = false;
  bool overlong = false;
  std::string file;
  int line_no = 0;
  bool started = false;
  bool ended = false;
  bool observes_signals = false;  // the trace declared `observe signals`
  std::optional<TraceError> error;
  std::optional<TraceError> deferred_error;  // a bad step line, reported after the step before it
  HostParams params;
  Matrix config;
  std::vector<std::string> comments;
  std::optional<KernelVersion> kernel;  // `# kernel: V` in the header
  std::vector<std::string> pending_comments;
  std::vector<Token> words;
  bool has_pending = false;
  TraceStep pending;  // the step being read: its expectation lines may follow
  TraceStep ready;    // the step a new step line closed, handed out next
  std::size_t steps = 0;
};

bool TraceReader::Impl::read_line(bool& completed) {
  completed = false;
  std::optional<std::string_view> next = checked_line();
  if (!next) return false;
  std::string_view line = *next;
  LineParser p(file, line_no);
  split_words(line, words);
  const std::vector<Token>& w = words;
  if (w.empty()) return true;
  if (w[0].text[0] == '#') {
    pending_comments.emplace_back(line.substr(static_cast<std::size_t>(w[0].column) - 1));
    return true;
  }
  // Expectation lines attach to the step before them.
  const std::string_view first = w[0].text;
  if (first == "=" || first[0] == '|' || first == "commit" || first == "reset" || first == "signal") {
    if (!has_pending) return fail(p.error(w[0].column, "an expectation needs a step before it"));
    TraceStep& step = pending;
    if (first == "=") {
      if (step.expected) return fail(p.error(w[0].column, "this step already has a result"));
      if (w.size() != 2) return fail(p.error(w[0].column, "expected: = 0 or = ERRNO"));
      auto e = errno_from_name(w[1].text);
      if (!e) return fail(p.error(w[1].column, "unknown result '" + std::string(w[1].text) + "' (0 or an errno name like EINVAL)"));
      step.expected = Observation{*e, "", {}};
      step.expected->sees_signals = observes_signals;
      return true;
    }
    if (!step.expected) return fail(p.error(w[0].column, "start the expectation with '= RESULT'"));
    if (first[0] == '|') {
      const std::size_t bar = static_cast<std::size_t>(w[0].column) - 1;
      std::string_view rest = line.substr(bar + 1);
      if (!rest.empty()) {
        if (rest[0] != ' ') return fail(p.error(w[0].column + 1, "output lines are '| TEXT' or '|'"));
        rest.remove_prefix(1);
      }
      step.expected->output.append(rest);
      step.expected->output += '\n';
      return true;
    }
    if (first == "signal") {
      if (!observes_signals)
        return fail(p.error(w[0].column, "a signal line needs the line '" + std::string(kObserveSignals) +
                                             "' after the header (docs/trace-format.md)"));
      if (w.size() != 2) return fail(p.error(w[0].column, "expected: signal guest=G"));
      auto g = p.keyed(w[1], "guest");
      if (auto* e = std::get_if<TraceError>(&g)) return fail(std::move(*e));
      auto id = p.guest_id(std::get<Token>(g));
      if (auto* e = std::get_if<TraceError>(&id)) return fail(std::move(*e));
      step.expected->events.push_back(Signal{std::get<GuestId>(id)});
      return true;
    }
    if (first == "reset") {
      if (w.size() != 2) return fail(p.error(w[0].column, "expected: reset XX.YYYY"));
      auto q = p.apqn(w[1]);
      if (auto* e = std::get_if<TraceError>(&q)) return fail(std::move(*e));
      step.expected->events.push_back(Reset{std::get<Apqn>(q)});
      return true;
    }
    if (w.size() < 2) return fail(p.error(w[0].column, "expected: commit guest=G adapters=… domains=… control=…"));
    auto g = p.keyed(w[1], "guest");
    if (auto* e = std::get_if<TraceError>(&g)) return fail(std::move(*e));
    auto id = p.guest_id(std::get<Token>(g));
    if (auto* e = std::get_if<TraceError>(&id)) return fail(std::move(*e));
    auto m = p.matrix_fields(w, 2);
    if (auto* e = std::get_if<TraceError>(&m)) return fail(std::move(*e));
    step.expected->events.push_back(Commit{std::get<GuestId>(id), std::get<Matrix>(m)});
    return true;
  }
  std::variant<Op, TraceError> op = TraceError{};
  if (first == "echo" || first == "printf") {
    auto wr = p.write_command(line, w);
    if (auto* e = std::get_if<TraceError>(&wr)) return fail(std::move(*e));
    op = p.write_op(std::get<LineParser::Write>(std::move(wr)));
  } else if (first == "cat") {
    op = p.read_op(w);
  } else {
    op = p.event_op(w);
  }
  if (auto* e = std::get_if<TraceError>(&op)) {
    if (!has_pending) return fail(std::move(*e));
    // A bad step line still completes the step before it: that step is handed out first, and
    // the bad line is reported by the next call (a streaming run gets up to the bad line).
    deferred_error = std::move(*e);
    ready = std::move(pending);
    has_pending = false;
    completed = true;
    return true;
  }
  completed = has_pending;
  if (completed) {
    // The caller takes `pending` (swapped out); this step starts a new one.
    ready = std::move(pending);
  }
  pending.op = std::get<Op>(std::move(op));
  pending.expected.reset();
  pending.line = line_no;
  pending.comments = std::move(pending_comments);
  pending_comments.clear();
  has_pending = true;
  return true;
}

TraceReader::TraceReader(std::istream& in, std::string file) : impl_(std::make_unique<Impl>(&in, std::string_view(), std::move(file))) {}
TraceReader::TraceReader(std::string_view text, std::string file) : impl_(std::make_unique<Impl>(nullptr, text, std::move(file))) {}
TraceReader::~TraceReader() = default;
TraceReader::TraceReader(TraceReader&&) noexcept = default;
TraceReader& TraceReader::operator=(TraceReader&&) noexcept = default;

bool TraceReader::start() {
  Impl& r = *impl_;
  if (r.started || r.error) return !r.error;
  bool header = false;
  for (;;) {
    std::optional<std::string_view> next = r.checked_line();
    if (!next) {
      if (r.error) return false;
      if (!header) return r.fail(TraceError{r.file, r.line_no + 1, 1, "empty trace: expected the line '" + std::string(kHeader) + "'"});
      return r.fail(TraceError{r.file, r.line_no + 1, 1, "missing 'host init' line"});
    }
    std::string_view line = *next;
    LineParser p(r.file, r.line_no);
    split_words(line, r.words);
    const std::vector<Token>& w = r.words;
    if (w.empty()) continue;
    if (w[0].text[0] == '#') {
      if (header) r.pending_comments.emplace_back(line.substr(static_cast<std::size_t>(w[0].column) - 1));
      // `# kernel: V` declares the profile the expectations follow: exactly one known name.
      if (header && is_kernel_declaration(w)) {
        if (w.size() != 3)
          return r.fail(p.error(w[1].column, "expected '# kernel: VERSION' (one of " +
                                                 std::string(model::kernel_version_names()) + ")"));
        r.kernel = model::parse_kernel_version(w[2].text);
        if (!r.kernel)
          return r.fail(p.error(w[2].column, "'" + std::string(w[2].text) + "' is not a kernel version apcb has a profile for (" +
                                                 std::string(model::kernel_version_names()) + ")"));
      }
      continue;
    }
    if (!header) {
      if (line != kHeader) return r.fail(p.error(1, "a trace starts with the line '" + std::string(kHeader) + "'"));
      header = true;
      continue;
    }
    if (w.size() == 2 && w[0].text == "observe" && w[1].text == "signals") {
      if (r.observes_signals) return r.fail(p.error(w[0].column, "'" + std::string(kObserveSignals) + "' is declared twice"));
      r.observes_signals = true;
      continue;
    }
    if (w.size() < 2 || w[0].text != "host" || w[1].text != "init")
      return r.fail(p.error(w[0].column, "the second line of a trace is 'host init apxa=… na=… nd=… adapters=… domains=… control=…'"));
    if (w.size() != 8) return r.fail(p.error(w[0].column, "expected: host init apxa=0|1 na=N nd=N adapters=… domains=… control=…"));
    std::optional<unsigned> vals[3];
    const std::string_view keys[] = {"apxa", "na", "nd"};
    for (int i = 0; i < 3; ++i) {
      auto v = p.keyed(w[static_cast<std::size_t>(2 + i)], keys[i]);
      if (auto* e = std::get_if<TraceError>(&v)) return r.fail(std::move(*e));
      vals[i] = p.number(std::get<Token>(v).text, i == 0 ? 1 : 255);
      if (!vals[i]) return r.fail(p.error(std::get<Token>(v).column, i == 0 ? "expected 0 or 1" : "expected a number 0..255"));
    }
    r.params = HostParams{*vals[0] == 1, static_cast<ApId>(*vals[1]), static_cast<ApId>(*vals[2])};
    auto m = p.matrix_fields(w, 5);
    if (auto* e = std::get_if<TraceError>(&m)) return r.fail(std::move(*e));
    r.config = std::get<Matrix>(m);
    r.comments = std::move(r.pending_comments);
    r.pending_comments.clear();
    r.started = true;
    return true;
  }
}

bool TraceReader::next(TraceStep& step) {
  Impl& r = *impl_;
  if (!r.started || r.ended || r.error) return false;
  if (r.deferred_error) {
    r.error = std::move(r.deferred_error);
    r.deferred_error.reset();
    return false;
  }
  for (;;) {
    bool completed = false;
    if (!r.read_line(completed)) {
      if (r.error) return false;
      // The end of the input closes the last step.
      r.ended = true;
      if (!r.has_pending) return false;
      r.has_pending = false;
      step = std::move(r.pending);
      ++r.steps;
      return true;
    }
    if (completed) {
      step = std::move(r.ready);
      ++r.steps;
      return true;
    }
  }
}

const HostParams& TraceReader::params() const { return impl_->params; }
const Matrix& TraceReader::config() const { return impl_->config; }
const std::vector<std::string>& TraceReader::comments() const { return impl_->comments; }
std::optional<KernelVersion> TraceReader::kernel() const { return impl_->kernel; }
void declare_kernel(Trace& trace, KernelVersion kernel) {
  std::erase_if(trace.comments, [](const std::string& c) { return is_kernel_declaration(split_words(c)); });
  trace.kernel.reset();
  if (kernel == KernelVersion::latest) return;
  trace.comments.push_back("# kernel: " + std::string(model::kernel_version_name(kernel)));
  trace.kernel = kernel;
}

State TraceReader::initial_state() const {
  State s = State::initial(impl_->params, impl_->config);
  s.kernel = impl_->kernel.value_or(KernelVersion::latest);
  return s;
}
const std::optional<TraceError>& TraceReader::error() const { return impl_->error; }
const std::vector<std::string>& TraceReader::trailing_comments() const { return impl_->pending_comments; }
std::size_t TraceReader::steps_read() const { return impl_->steps; }
const std::string& TraceReader::file() const { return impl_->file; }
bool TraceReader::observes_signals() const { return impl_->observes_signals; }

std::variant<Trace, TraceError> parse_trace(std::string_view text, std::string_view file) {
  TraceReader reader(text, std::string(file));
  Trace trace;
  if (!reader.start()) return *reader.error();
  trace.params = reader.params();
  trace.config = reader.config();
  trace.comments = reader.comments();
  trace.kernel = reader.kernel();
  trace.observes_signals = reader.observes_signals();
  TraceStep step;
  while (reader.next(step)) trace.steps.push_back(std::move(step));
  if (reader.error()) return *reader.error();
  trace.trailing_comments = reader.trailing_comments();
  return trace;
}

}  // namespace apcb::trace
