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

std::unique_ptr<TraceInput> open_trace(const std::string& path) {
  if (path == "-") {
    auto input = std::unique_ptr<TraceInput>(new TraceInput{nullptr, TraceReader(std::cin, "<stdin>")});
    if (!input->reader.start()) {
      report_read_error(input->reader);
      return nullptr;
    }
    return input;
  }
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    std::cerr << path << ": cannot read the trace: Is a directory\n";
    return nullptr;
  }
  auto file = std::make_unique<std::ifstream>(path, std::ios::binary);
  if (!*file) {
    std::cerr << path << ": cannot open the trace: " << std::strerror(errno) << "\n";
    return nullptr;
  }
  std::istream& in = *file;
  auto input = std::unique_ptr<TraceInput>(new TraceInput{std::move(file), TraceReader(in, path)});
  if (!input->reader.start()) {
    report_read_error(input->reader);
    return nullptr;
  }
  return input;
}

bool report_read_error(const TraceReader& reader) {
  if (!reader.error()) return false;
  std::cerr << reader.error()->to_string() << "\n";
  return true;
}

}  // namespace apcb::trace
