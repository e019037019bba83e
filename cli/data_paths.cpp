#include "cli/data_paths.h"

#include <fstream>
#include <optional>
#include <system_error>

// The install layout relative to the prefix (GNUInstallDirs, set by cli/CMakeLists.txt); the
// defaults are GNUInstallDirs' own, for a compile outside CMake.
#ifndef APCB_INSTALL_BINDIR
#define APCB_INSTALL_BINDIR "bin"
#endif
#ifndef APCB_INSTALL_LIBDIR
#define APCB_INSTALL_LIBDIR "lib"
#endif
#ifndef APCB_INSTALL_LIBEXECDIR
#define APCB_INSTALL_LIBEXECDIR "libexec"
#endif
#ifndef APCB_INSTALL_DATADIR
#define APCB_INSTALL_DATADIR "share"
#endif

namespace fs = std::filesystem;

namespace apcb::cli {
namespace {

struct BuildTree {
  fs::path source;
  fs::path binary;
};

// The value of `key` (e.g. "apcb_SOURCE_DIR:STATIC=") in the CMakeCache.txt at `cache`.
std::optional<std::string> cache_value(const fs::path& cache, const std::string& key) {
  std::ifstream in(cache);
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(key, 0) == 0) return line.substr(key.size());
  return std::nullopt;
}

// The apcb build tree `dir` is the top of: it holds a CMakeCache.txt of the apcb project whose
// binary folder is `dir` itself (a cache copied elsewhere, or another project's, does not
// count).
std::optional<BuildTree> build_tree_at(const fs::path& dir) {
  const fs::path cache = dir / "CMakeCache.txt";
  std::error_code ec;
  if (!fs::is_regular_file(cache, ec)) return std::nullopt;
  const auto source = cache_value(cache, "apcb_SOURCE_DIR:STATIC=");
  const auto binary = cache_value(cache, "apcb_BINARY_DIR:STATIC=");
  if (!source || !binary || source->empty() || !fs::equivalent(*binary, dir, ec) || ec)
    return std::nullopt;
  return BuildTree{fs::path(*source), dir};
}

// `dir` under `prefix`, or `dir` itself when it is absolute (CMAKE_INSTALL_LIBDIR=/opt/...).
fs::path under(const fs::path& prefix, const fs::path& dir) {
  return dir.is_absolute() ? dir : prefix / dir;
}

}  // namespace

std::string DataPaths::doc(std::string_view name) const {
  return (fs::path(docs) / name).string();
}

std::string DataPaths::ctest_hint(std::string_view ctest_pattern) const {
  const std::string pattern(ctest_pattern);
  if (!installed())
    return "run `ctest --test-dir " + root + " -R '" + pattern + "'` (it writes the record when it passes)";
  return "an installed apcb has no tests: run `ctest -R '" + pattern +
         "'` in an apcb build tree (it writes the record to <build>/assurance when it passes) "
         "and pass that folder with --assurance-dir";
}

DataPaths data_paths_for(const fs::path& exe) {
  DataPaths p;
  const fs::path exe_dir = exe.parent_path();
  // The executable's own folder (a tool at <build>/..., hypothetically) or its parent
  // (<build>/cli/apcb, <build>/fuzz/*, <build>/tests/*); no higher, so that a prefix installed
  // inside a build folder (<build>/tests/install-prefix/bin/apcb) is an install.
  for (const fs::path& dir : {exe_dir, exe_dir.parent_path()}) {
    if (dir.empty()) continue;
    if (const auto tree = build_tree_at(dir)) {
      p.layout = DataPaths::Layout::build_tree;
      p.root = tree->binary.string();
      p.traces = (tree->source / "tests" / "traces").string();
      p.corpus = (tree->source / "fuzz" / "corpus").string();
      p.dictionaries = (tree->binary / "fuzz" / "dict").string();  // build outputs (fuzz/CMakeLists.txt)
      p.fuzz_bin = (tree->binary / "fuzz").string();
      p.plugin_dir = (tree->binary / "sut").string();
      p.assurance = (tree->binary / "assurance").string();
      p.mutation_results = (tree->source / "mutation" / "results.json").string();
      p.docs = (tree->source / "docs").string();
      return p;
    }
  }
  // Installed: climb from the executable's folder as many levels as <bindir> has.
  fs::path prefix = exe_dir;
  const fs::path bindir(APCB_INSTALL_BINDIR);
  if (bindir.is_relative())
    for (const fs::path& part : bindir.lexically_normal())
      if (!part.empty() && part != ".") prefix = prefix.parent_path();
  if (bindir.is_absolute()) prefix = exe_dir.parent_path();
  const fs::path data = under(prefix, APCB_INSTALL_DATADIR) / "apcb";
  p.layout = DataPaths::Layout::installed;
  p.root = prefix.string();
  p.traces = (data / "traces").string();
  p.corpus = (data / "corpus").string();
  p.dictionaries = (data / "dict").string();
  p.fuzz_bin = (under(prefix, APCB_INSTALL_LIBEXECDIR) / "apcb").string();
  p.plugin_dir = (under(prefix, APCB_INSTALL_LIBDIR) / "apcb").string();
  p.assurance = (data / "assurance").string();
  p.mutation_results = (data / "mutation" / "results.json").string();
  p.docs = (data / "docs").string();
  return p;
}

const DataPaths& data_paths() {
  static const DataPaths paths = [] {
    std::error_code ec;
    const fs::path exe = fs::canonical("/proc/self/exe", ec);
    if (ec) {
      DataPaths none;
      none.problem = "cannot find the running executable (/proc/self/exe: " + ec.message() +
                     "), so not apcb's data either";
      return none;
    }
    return data_paths_for(exe);
  }();
  return paths;
}

}  // namespace apcb::cli
