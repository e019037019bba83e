// cli/data_paths.h: a build tree is told by an apcb CMakeCache.txt next to or above the
// executable's folder, and then the data is the checkout's and the build's; anything else is an
// install, whose data is under the prefix above bin/. Fake trees under a scratch folder.
#include "cli/data_paths.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace fs = std::filesystem;
using apcb::cli::DataPaths;
using apcb::cli::data_paths_for;

namespace {

class DataPathsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("apcb-data-paths-" + std::to_string(::getpid()));
    fs::remove_all(root_);
    fs::create_directories(root_);
    root_ = fs::canonical(root_);
  }
  void TearDown() override { fs::remove_all(root_); }

  // A CMakeCache.txt in `build` naming `source` and `binary` as the apcb project's folders.
  static void write_cache(const fs::path& build, const fs::path& source, const fs::path& binary,
                          const std::string& project = "apcb") {
    fs::create_directories(build);
    std::ofstream(build / "CMakeCache.txt") << "# This is the CMakeCache file.\n"
                                            << project << "_BINARY_DIR:STATIC=" << binary.string() << "\n"
                                            << project << "_SOURCE_DIR:STATIC=" << source.string() << "\n";
  }

  fs::path root_;
};

TEST_F(DataPathsTest, TheToolInABuildTreeUsesTheCheckoutAndTheBuild) {
  const fs::path source = root_ / "src", build = root_ / "src" / "build" / "default";
  write_cache(build, source, build);
  const DataPaths p = data_paths_for(build / "cli" / "apcb");
  EXPECT_FALSE(p.installed());
  EXPECT_EQ(p.root, build.string());
  EXPECT_EQ(p.traces, (source / "tests/traces").string());
  EXPECT_EQ(p.corpus, (source / "fuzz/corpus").string());
  EXPECT_EQ(p.dictionaries, (build / "fuzz/dict").string());  // build outputs (fuzz/CMakeLists.txt)
  EXPECT_EQ(p.fuzz_bin, (build / "fuzz").string());
  EXPECT_EQ(p.plugin_dir, (build / "sut").string());
  EXPECT_EQ(p.assurance, (build / "assurance").string());
  EXPECT_EQ(p.mutation_results, (source / "mutation/results.json").string());
  EXPECT_EQ(p.doc("explain.md"), (source / "docs/explain.md").string());
  EXPECT_EQ(p.ctest_hint("exhaustive_"),
            "run `ctest --test-dir " + build.string() + " -R 'exhaustive_'` (it writes the record when it passes)");
}

TEST_F(DataPathsTest, AnInstalledToolUsesItsPrefix) {
  const fs::path prefix = root_ / "opt" / "apcb";
  const DataPaths p = data_paths_for(prefix / "bin" / "apcb");
  EXPECT_TRUE(p.installed());
  EXPECT_EQ(p.root, prefix.string());
  EXPECT_EQ(p.traces, (prefix / "share/apcb/traces").string());
  EXPECT_EQ(p.corpus, (prefix / "share/apcb/corpus").string());
  EXPECT_EQ(p.dictionaries, (prefix / "share/apcb/dict").string());
  EXPECT_EQ(p.fuzz_bin, (prefix / "libexec/apcb").string());
  EXPECT_EQ(p.plugin_dir, (prefix / "lib/apcb").string());
  EXPECT_EQ(p.assurance, (prefix / "share/apcb/assurance").string());
  EXPECT_EQ(p.mutation_results, (prefix / "share/apcb/mutation/results.json").string());
  EXPECT_EQ(p.doc("explain.md"), (prefix / "share/apcb/docs/explain.md").string());
  // An install has no tests: the hint names no build folder of its own.
  EXPECT_EQ(p.ctest_hint("exhaustive_").find("--test-dir"), std::string::npos);
  EXPECT_NE(p.ctest_hint("exhaustive_").find("--assurance-dir"), std::string::npos);
}

// `cmake --install --prefix <build>/tests/install-prefix` (the ctest install_find_package):
// the build's cache two folders above bin/ does not make the install a build tree.
TEST_F(DataPathsTest, APrefixInsideABuildFolderIsAnInstall) {
  const fs::path source = root_ / "src", build = root_ / "build";
  write_cache(build, source, build);
  const fs::path prefix = build / "tests" / "install-prefix";
  const DataPaths p = data_paths_for(prefix / "bin" / "apcb");
  EXPECT_TRUE(p.installed());
  EXPECT_EQ(p.traces, (prefix / "share/apcb/traces").string());
}

// A test executable in <build>/tests, or a tool in the build folder itself, is in the build.
TEST_F(DataPathsTest, TheCacheMayBeInTheExecutablesOwnFolder) {
  const fs::path source = root_ / "src", build = root_ / "build";
  write_cache(build, source, build);
  EXPECT_FALSE(data_paths_for(build / "apcb").installed());
  EXPECT_FALSE(data_paths_for(build / "tests" / "cli_data_paths_test").installed());
}

// A cache copied from elsewhere (its binary folder is another), or another project's, is no
// apcb build tree: its source folder is not trusted.
TEST_F(DataPathsTest, AForeignCacheIsNoBuildTree) {
  const fs::path copied = root_ / "copied", other = root_ / "other";
  write_cache(copied, root_ / "src", root_ / "elsewhere");
  write_cache(other, root_ / "src", other, "notapcb");
  for (const fs::path& dir : {copied, other}) {
    const DataPaths p = data_paths_for(dir / "bin" / "apcb");
    EXPECT_TRUE(p.installed()) << dir;
    EXPECT_EQ(p.traces, (dir / "share/apcb/traces").string()) << dir;
  }
}

// The running test is itself in this build's tree (<build>/tests/...).
TEST(DataPaths, TheRunningTestIsInABuildTree) {
  const DataPaths& p = apcb::cli::data_paths();
  EXPECT_TRUE(p.problem.empty()) << p.problem;
  EXPECT_FALSE(p.installed());
  EXPECT_TRUE(fs::is_directory(p.traces)) << p.traces;
  EXPECT_TRUE(fs::exists(p.doc("explain.md"))) << p.doc("explain.md");
}

}  // namespace
