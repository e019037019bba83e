#include <fstream>
#include <map>
#include <iostream>
#include <sstream>

#include "cli/verb.h"

namespace apcb::cli {

void add_engine_option(CLI::App& verb, EngineKind& kind) {
  verb.add_option("--engine", kind, "impl: the reference implementation (default); model: the "
                                    "executable specification")
      ->transform(CLI::CheckedTransformer(std::map<std::string, EngineKind>{{"impl", EngineKind::impl},
                                                                            {"model", EngineKind::model}}));
}

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
