#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/verb.h"

namespace apcb::cli {

std::optional<model::Trace> load_trace(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::cerr << path << ": cannot open the trace\n";
    return std::nullopt;
  }
  std::stringstream buf;
  buf << in.rdbuf();
  auto parsed = model::parse_trace(buf.str(), path);
  if (auto* e = std::get_if<model::TraceError>(&parsed)) {
    std::cerr << e->to_string() << "\n";
    return std::nullopt;
  }
  return std::get<model::Trace>(std::move(parsed));
}

}  // namespace apcb::cli
