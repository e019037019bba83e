#include <cerrno>
#include <cstring>
#include <filesystem>
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

void add_kernel_option(CLI::App& verb, model::KernelVersion& kernel) {
  verb.add_option_function<std::string>(
          "--kernel", [&kernel](const std::string& text) { kernel = *model::parse_kernel_version(text); },
          "the kernel version the reference follows: latest (the default), or an older vfio_ap whose documented "
          "differences apcb models (6.1, 6.12; these run on the model: docs/kernel-divergences.md)")
      ->check(CLI::Validator(
          [](std::string& text) -> std::string {
            if (model::parse_kernel_version(text)) return {};
            return "'" + text + "' is not a kernel version apcb follows (" +
                   std::string(model::kernel_version_names()) + ")";
          },
          "VERSION"));
}

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

std::optional<model::Trace> load_trace(const std::string& path) {
  const std::optional<std::string> text = read_input(path, "trace");
  if (!text) return std::nullopt;
  auto parsed = model::parse_trace(*text, path == "-" ? "<stdin>" : path);
  if (auto* e = std::get_if<model::TraceError>(&parsed)) {
    std::cerr << e->to_string() << "\n";
    return std::nullopt;
  }
  return std::get<model::Trace>(std::move(parsed));
}

}  // namespace apcb::cli
