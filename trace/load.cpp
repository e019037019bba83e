#include "trace/load.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

namespace apcb::trace {

std::optional<std::string> read_input(const std::string& path, const std::string& what) {
  std::stringstream buf;
  if (path == "-") {
    buf << std::cin.rdbuf();
    if (std::cin.bad()) {
      std::cerr << "standard input: cannot read the " << what << "\n";
      return std::nullopt;
    }
    return buf.str();
  }
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    std::cerr << path << ": cannot read the " << what << ": Is a directory\n";
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::cerr << path << ": cannot open the " << what << ": " << std::strerror(errno) << "\n";
    return std::nullopt;
  }
  buf << in.rdbuf();
  if (in.bad()) {
    std::cerr << path << ": cannot read the " << what << ": " << std::strerror(errno) << "\n";
    return std::nullopt;
  }
  return buf.str();
}

std::optional<trace::Trace> load_trace(const std::string& path) {
  const std::optional<std::string> text = read_input(path, "trace");
  if (!text) return std::nullopt;
  auto parsed = trace::parse_trace(*text, path == "-" ? "<stdin>" : path);
  if (auto* e = std::get_if<trace::TraceError>(&parsed)) {
    std::cerr << e->to_string() << "\n";
    return std::nullopt;
  }
  return std::get<trace::Trace>(std::move(parsed));
}

}  // namespace apcb::trace
