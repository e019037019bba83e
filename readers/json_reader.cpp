// The strict, positioned JSON reader (readers/json_reader.h).
//
// A recursive-descent parser over the bytes, one pass, building nlohmann::json directly. Why not
// nlohmann's parser plus a position pass: its SAX events carry no positions, so positions had
// to be recovered by a second walk keyed by JSON-pointer strings, and building a pointer string
// per value is quadratic in the depth (60 KB of `[` took 18 s and 1.9 GB); its duplicate keys
// silently keep the last value; and it nests without limit. Here the line and column are
// counted as the bytes pass (a newline can only occur in whitespace: strings refuse raw control
// bytes), recursion is bounded by JsonLimits::max_depth, and each value's position is stored
// once, by the address of its final node.
#include "readers/json_reader.h"

#include <cctype>
#include <cerrno>
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <utility>
#include <vector>

#include "model/printable.h"

namespace apcb::readers {

using nlohmann::json;

// Builds one document; friend of JsonDocument so it can fill in the positions.
class JsonParser {
 public:
  JsonParser(std::string_view text, std::string_view file, const JsonLimits& limits, JsonDocument& doc)
      : text_(text), limits_(limits), doc_(doc) {
    doc_.file_ = std::string(file);
  }

  static std::variant<JsonDocument, trace::TraceError> read(std::string_view text, std::string_view file,
                                                            const JsonLimits& limits) {
    JsonDocument doc;
    JsonParser parser(text, file, limits, doc);
    if (!parser.parse()) return *parser.error;
    return doc;
  }

 private:
  std::optional<trace::TraceError> error;

  bool parse() {
    if (text_.size() > limits_.max_bytes)
      return fail({1, 1}, "larger than " + std::to_string(limits_.max_bytes) + " bytes: not a JSON input apcb reads");
    // About one value per 16 bytes in apcb's formats: fewer rehashes of the position table.
    doc_.where_.reserve(std::min<std::size_t>(text_.size() / 16, std::size_t{1} << 20));
    if (text_.substr(0, 3) == "\xEF\xBB\xBF") {  // a UTF-8 byte order mark, as nlohmann skips it
      pos_ = 3;
      line_start_ = 3;
    }
    skip_whitespace();
    doc_.root_position_ = here();
    if (!value(doc_.root_, 0)) return false;
    skip_whitespace();
    if (pos_ < text_.size()) return fail(here(), "invalid JSON: unexpected " + found() + " after the JSON value");
    return true;
  }

  using Where = JsonDocument::Where;

  JsonPosition here() const { return {line_, static_cast<int>(pos_ - line_start_) + 1}; }

  bool fail(JsonPosition at, std::string message) {
    if (!error) error = trace::TraceError{doc_.file_, at.line, at.column, std::move(message)};
    return false;
  }

  // What stands at the cursor, for "expected X, found Y".
  std::string found() const {
    if (pos_ >= text_.size()) return "the end of the text";
    const auto c = static_cast<unsigned char>(text_[pos_]);
    if (c > 0x20 && c < 0x7f) return "'" + model::printable(text_.substr(pos_, 1)) + "'";
    return "byte " + model::printable(text_.substr(pos_, 1));
  }

  void skip_whitespace() {
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c == '\n') {
        ++pos_;
        ++line_;
        line_start_ = pos_;
      } else if (c == ' ' || c == '\t' || c == '\r') {
        ++pos_;
      } else {
        return;
      }
    }
  }

  // One value at the cursor (whitespace already skipped), inside `depth` containers.
  bool value(json& out, std::size_t depth) {
    if (pos_ >= text_.size()) return fail(here(), "invalid JSON: the text ends where a value should start");
    switch (text_[pos_]) {
      case '{': return object(out, depth + 1);
      case '[': return array(out, depth + 1);
      case '"': {
        std::string s;
        if (!string(s)) return false;
        out = std::move(s);
        return true;
      }
      case 't': return literal(out, "true", json(true));
      case 'f': return literal(out, "false", json(false));
      case 'n': return literal(out, "null", json(nullptr));
      default:
        if (text_[pos_] == '-' || (text_[pos_] >= '0' && text_[pos_] <= '9')) return number(out);
        return fail(here(), "invalid JSON: expected a value, found " + found());
    }
  }

  bool literal(json& out, std::string_view word, json v) {
    if (text_.substr(pos_, word.size()) != word) {
      std::size_t end = pos_;
      while (end < text_.size() && end - pos_ < 20 && std::isalnum(static_cast<unsigned char>(text_[end])) != 0) ++end;
      return fail(here(), "invalid JSON: '" + model::printable(text_.substr(pos_, end - pos_)) +
                              "' is not a value (did you mean " + std::string(word) + "?)");
    }
    pos_ += word.size();
    out = std::move(v);
    return true;
  }

  bool too_deep(std::size_t level) {
    if (level <= limits_.max_depth) return false;
    return !fail(here(), "arrays and objects nested deeper than " + std::to_string(limits_.max_depth) + " levels");
  }

  bool array(json& out, std::size_t level) {
    if (too_deep(level)) return false;
    ++pos_;  // '['
    json::array_t elements;
    std::vector<JsonPosition> positions;
    skip_whitespace();
    if (pos_ < text_.size() && text_[pos_] == ']') {
      ++pos_;
      out = json::array();
      return true;
    }
    for (;;) {
      skip_whitespace();
      if (pos_ < text_.size() && text_[pos_] == ']' && !elements.empty())
        return fail(here(), "invalid JSON: expected a value after ',', found ']' (JSON has no trailing commas)");
      positions.push_back(here());
      elements.emplace_back();
      if (!value(elements.back(), level)) return false;
      skip_whitespace();
      if (pos_ < text_.size() && text_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < text_.size() && text_[pos_] == ']') {
        ++pos_;
        break;
      }
      return fail(here(), "invalid JSON: expected ',' or ']' after an array element, found " + found());
    }
    // The elements' addresses are final only now: the vector's buffer moves into `out` whole.
    out = json(std::move(elements));
    const json::array_t& placed = out.get_ref<const json::array_t&>();
    for (std::size_t i = 0; i < placed.size(); ++i) doc_.where_.emplace(&placed[i], Where{positions[i], {0, 0}});
    return true;
  }

  bool object(json& out, std::size_t level) {
    if (too_deep(level)) return false;
    ++pos_;  // '{'
    json::object_t members;
    skip_whitespace();
    if (pos_ < text_.size() && text_[pos_] == '}') {
      ++pos_;
      out = json::object();
      return true;
    }
    for (;;) {
      skip_whitespace();
      if (pos_ >= text_.size() || text_[pos_] != '"') {
        if (pos_ < text_.size() && text_[pos_] == '}' && !members.empty())
          return fail(here(), "invalid JSON: expected a key after ',', found '}' (JSON has no trailing commas)");
        return fail(here(), "invalid JSON: expected a string key, found " + found());
      }
      const JsonPosition key_at = here();
      std::string key;
      if (!string(key)) return false;
      if (const auto first = members.find(key); first != members.end()) {
        const JsonPosition f = doc_.where_.at(&first->second).key;
        return fail(key_at, "duplicate key \"" + model::printable(key) + "\" (first at line " + std::to_string(f.line) +
                                ", column " + std::to_string(f.column) + ")");
      }
      skip_whitespace();
      if (pos_ >= text_.size() || text_[pos_] != ':')
        return fail(here(), "invalid JSON: expected ':' after the key \"" + model::printable(key) + "\", found " + found());
      ++pos_;
      skip_whitespace();
      const JsonPosition value_at = here();
      // A map node never moves once inserted, so its address is final at once.
      json& slot = members.try_emplace(std::move(key)).first->second;
      doc_.where_.emplace(&slot, Where{value_at, key_at});
      if (!value(slot, level)) return false;
      skip_whitespace();
      if (pos_ < text_.size() && text_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < text_.size() && text_[pos_] == '}') {
        ++pos_;
        break;
      }
      return fail(here(), "invalid JSON: expected ',' or '}' after an object member, found " + found());
    }
    out = json(std::move(members));
    return true;
  }

  static int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  // Four hex digits at text_[at..]; -1 unless all four are there.
  int hex4(std::size_t at) const {
    if (at + 4 > text_.size()) return -1;
    int v = 0;
    for (std::size_t i = 0; i < 4; ++i) {
      const int h = hex_digit(text_[at + i]);
      if (h < 0) return -1;
      v = v * 16 + h;
    }
    return v;
  }

  static void append_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  // The length of the well-formed UTF-8 sequence (RFC 3629: shortest form, no surrogates, at
  // most U+10FFFF) starting at text_[pos_], a byte >= 0x80; 0 if there is none.
  std::size_t utf8_sequence() const {
    const auto byte = [&](std::size_t i) -> int {
      return pos_ + i < text_.size() ? static_cast<unsigned char>(text_[pos_ + i]) : -1;
    };
    const int b0 = byte(0);
    int lo = 0x80;
    int hi = 0xBF;
    std::size_t n = 0;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
      n = 2;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
      n = 3;
      if (b0 == 0xE0) lo = 0xA0;  // no overlong forms
      if (b0 == 0xED) hi = 0x9F;  // no UTF-16 surrogates
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
      n = 4;
      if (b0 == 0xF0) lo = 0x90;
      if (b0 == 0xF4) hi = 0x8F;  // nothing beyond U+10FFFF
    } else {
      return 0;
    }
    const int b1 = byte(1);
    if (b1 < lo || b1 > hi) return 0;
    for (std::size_t i = 2; i < n; ++i) {
      const int b = byte(i);
      if (b < 0x80 || b > 0xBF) return 0;
    }
    return n;
  }

  // A string at the cursor (its opening quote), unescaped into `out`.
  bool string(std::string& out) {
    const JsonPosition open = here();
    ++pos_;
    for (;;) {
      const std::size_t run = pos_;
      while (pos_ < text_.size()) {
        const auto c = static_cast<unsigned char>(text_[pos_]);
        if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) break;
        ++pos_;
      }
      out.append(text_.data() + run, pos_ - run);
      if (pos_ >= text_.size()) return fail(open, "invalid JSON: the string starting here is never closed");
      const auto c = static_cast<unsigned char>(text_[pos_]);
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (c < 0x20)
        return fail(here(), "invalid JSON: control byte " + model::printable(text_.substr(pos_, 1)) +
                                " inside a string (it must be written as an escape)");
      if (c >= 0x80) {
        const std::size_t n = utf8_sequence();
        if (n == 0) return fail(here(), "invalid JSON: byte " + model::printable(text_.substr(pos_, 1)) + " is not valid UTF-8 here");
        out.append(text_.data() + pos_, n);
        pos_ += n;
        continue;
      }
      if (!escape(out)) return false;
    }
  }

  // One escape at the cursor (its backslash).
  bool escape(std::string& out) {
    const JsonPosition at = here();
    if (pos_ + 1 >= text_.size()) return fail(at, "invalid JSON: the text ends inside an escape");
    const char e = text_[pos_ + 1];
    pos_ += 2;
    switch (e) {
      case '"': out += '"'; return true;
      case '\\': out += '\\'; return true;
      case '/': out += '/'; return true;
      case 'b': out += '\b'; return true;
      case 'f': out += '\f'; return true;
      case 'n': out += '\n'; return true;
      case 'r': out += '\r'; return true;
      case 't': out += '\t'; return true;
      case 'u': break;
      default:
        pos_ -= 2;
        return fail(at, "invalid JSON: unknown escape '\\" + model::printable(std::string_view(&e, 1)) + "'");
    }
    const int unit = hex4(pos_);
    if (unit < 0) return fail(at, "invalid JSON: \\u must be followed by four hex digits");
    pos_ += 4;
    auto cp = static_cast<std::uint32_t>(unit);
    if (cp >= 0xDC00 && cp <= 0xDFFF)
      return fail(at, "invalid JSON: \\u" + std::string(text_.substr(pos_ - 4, 4)) +
                          " is a UTF-16 low surrogate without a high surrogate before it");
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      const int low = text_.substr(pos_, 2) == "\\u" ? hex4(pos_ + 2) : -1;
      if (low < 0xDC00 || low > 0xDFFF)
        return fail(at, "invalid JSON: \\u" + std::string(text_.substr(pos_ - 4, 4)) +
                            " is a UTF-16 high surrogate not followed by a low surrogate \\uDC00..\\uDFFF");
      pos_ += 6;
      cp = 0x10000 + ((cp - 0xD800) << 10) + (static_cast<std::uint32_t>(low) - 0xDC00);
    }
    append_utf8(out, cp);
    return true;
  }

  // A number at the cursor: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
  bool number(json& out) {
    const JsonPosition at = here();
    const std::size_t start = pos_;
    const auto digits = [&] {
      const std::size_t from = pos_;
      while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') ++pos_;
      return pos_ - from;
    };
    const auto bad = [&](std::string_view why) {
      return fail(at, "invalid JSON: " + std::string(why) + " in the number '" + token(start) + "'");
    };
    if (text_[pos_] == '-') ++pos_;
    if (pos_ < text_.size() && text_[pos_] == '0') {
      ++pos_;
      if (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') {
        digits();
        return bad("a leading zero");
      }
    } else if (digits() == 0) {
      return bad("no digit");
    }
    bool integer = true;
    if (pos_ < text_.size() && text_[pos_] == '.') {
      integer = false;
      ++pos_;
      if (digits() == 0) return bad("no digit after '.'");
    }
    if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      integer = false;
      ++pos_;
      if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) ++pos_;
      if (digits() == 0) return bad("no digit in the exponent");
    }
    const char* first = text_.data() + start;
    const char* last = text_.data() + pos_;
    if (integer) {  // as nlohmann: unsigned if it fits, else signed if it fits, else double
      if (*first != '-') {
        std::uint64_t u = 0;
        if (const auto r = std::from_chars(first, last, u); r.ec == std::errc() && r.ptr == last) {
          out = u;
          return true;
        }
      } else {
        std::int64_t i = 0;
        if (const auto r = std::from_chars(first, last, i); r.ec == std::errc() && r.ptr == last) {
          out = i;
          return true;
        }
      }
    }
    double d = 0;
    const auto r = std::from_chars(first, last, d);
    if (r.ec == std::errc::result_out_of_range) {
      // Overflow or underflow: strtod (what nlohmann uses) tells them apart, and an underflow
      // is a number (zero or subnormal), as nlohmann reads it. The token is plain C syntax.
      const std::string copy(first, last);
      errno = 0;
      d = std::strtod(copy.c_str(), nullptr);
      if (!std::isfinite(d)) return bad("a value beyond the range of a double");
    } else if (r.ec != std::errc() || r.ptr != last) {
      return bad("an unreadable value");
    }
    out = d;
    return true;
  }

  // The number token from `start` to the cursor, shortened for a message.
  std::string token(std::size_t start) const {
    const std::string_view t = text_.substr(start, pos_ - start);
    if (t.size() <= 40) return model::printable(t);
    return model::printable(t.substr(0, 40)) + "...";
  }

  std::string_view text_;
  JsonLimits limits_;
  JsonDocument& doc_;
  std::size_t pos_ = 0;
  int line_ = 1;
  std::size_t line_start_ = 0;
};

std::variant<JsonDocument, trace::TraceError> read_json(std::string_view text, std::string_view file,
                                                        const JsonLimits& limits) {
  return JsonParser::read(text, file, limits);
}

JsonPosition JsonDocument::position_of(const nlohmann::json& value) const {
  if (&value == &root_) return root_position_;
  const auto it = where_.find(&value);
  return it == where_.end() ? root_position_ : it->second.value;
}

std::optional<JsonPosition> JsonDocument::key_position_of(const nlohmann::json& value) const {
  const auto it = where_.find(&value);
  if (it == where_.end() || it->second.key.line == 0) return std::nullopt;
  return it->second.key;
}

const nlohmann::json* JsonDocument::find(std::string_view pointer) const {
  const json* at = &root_;
  if (pointer.empty()) return at;
  if (pointer.front() != '/') return nullptr;
  std::size_t start = 1;
  for (;;) {
    const std::size_t slash = pointer.find('/', start);
    const std::string_view raw = pointer.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    std::string token;
    for (std::size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] != '~') {
        token += raw[i];
      } else if (i + 1 < raw.size() && (raw[i + 1] == '0' || raw[i + 1] == '1')) {
        token += raw[i + 1] == '0' ? '~' : '/';
        ++i;
      } else {
        return nullptr;
      }
    }
    if (at->is_object()) {
      const auto& members = at->get_ref<const json::object_t&>();
      const auto it = members.find(token);
      if (it == members.end()) return nullptr;
      at = &it->second;
    } else if (at->is_array()) {
      if (token.empty() || (token.size() > 1 && token[0] == '0')) return nullptr;
      std::size_t index = 0;
      const auto r = std::from_chars(token.data(), token.data() + token.size(), index);
      if (r.ec != std::errc() || r.ptr != token.data() + token.size() || index >= at->size()) return nullptr;
      at = &at->get_ref<const json::array_t&>()[index];
    } else {
      return nullptr;
    }
    if (slash == std::string_view::npos) return at;
    start = slash + 1;
  }
}

std::optional<JsonPosition> JsonDocument::position_at(std::string_view pointer) const {
  const json* v = find(pointer);
  if (v == nullptr) return std::nullopt;
  return position_of(*v);
}

trace::TraceError JsonDocument::error_at(const nlohmann::json& value, std::string message) const {
  const JsonPosition p = position_of(value);
  return trace::TraceError{file_, p.line, p.column, std::move(message)};
}

trace::TraceError JsonDocument::error_at_key(const nlohmann::json& value, std::string message) const {
  const JsonPosition p = key_position_of(value).value_or(position_of(value));
  return trace::TraceError{file_, p.line, p.column, std::move(message)};
}

std::string json_pointer_token(std::string_view key) {
  std::string out;
  out.reserve(key.size());
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

}  // namespace apcb::readers
