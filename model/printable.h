// apcb — text from outside (attribute values, JSON keys, file lines) made safe to quote in a
// message or a trace comment.
#ifndef APCB_MODEL_PRINTABLE_H_
#define APCB_MODEL_PRINTABLE_H_

#include <string>
#include <string_view>

namespace apcb::model {

// Printable ASCII as is; newline as \n, backslash as \\, every other byte as \xHH (lower-case
// hex). Messages and trace comments so never carry control bytes or partial UTF-8 to a terminal
// or into a trace, and the escapes cannot be confused with the text around them.
// Example: printable("a\tb\n") == "a\\x09b\\n" (the C++ literal of the bytes a\x09b\n).
inline std::string printable(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\\') {
      out += "\\\\";
    } else if (c >= 0x20 && c < 0x7f) {
      out += ch;
    } else {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

}  // namespace apcb::model

#endif  // APCB_MODEL_PRINTABLE_H_
