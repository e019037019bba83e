// apcb — where the tool's data is: the conformance traces, the fuzz corpora, dictionaries and
// harnesses, the plugins, the assurance records, the mutation results and the docs.
//
// One answer for every verb, found from where the running executable is, never from where it
// was compiled, so that an installed apcb reads nothing of the checkout it was built from:
//
//   build tree  the executable's folder or its parent holds a CMakeCache.txt of the apcb
//               project whose apcb_BINARY_DIR is that folder (<build>/cli/apcb, a test in
//               <build>/tests): the data is the checkout's (apcb_SOURCE_DIR in that cache)
//               and the build's, as a developer expects:
//                 traces       <source>/tests/traces         corpus   <source>/fuzz/corpus
//                 dictionaries <build>/fuzz/dict             harnesses <build>/fuzz
//                 plugins      <build>/sut                   assurance <build>/assurance
//                 mutation     <source>/mutation/results.json docs     <source>/docs
//   installed   anything else: <prefix> is the folder above the executable's <bindir>
//               (realpath of /proc/self/exe, so a symlink to it or a moved prefix still
//               works), and `cmake --install` (cmake/install.cmake) put the data there:
//                 traces       <prefix>/share/apcb/traces    corpus   <prefix>/share/apcb/corpus
//                 dictionaries <prefix>/share/apcb/dict      harnesses <prefix>/libexec/apcb
//                 plugins      <prefix>/lib/apcb             assurance <prefix>/share/apcb/assurance
//                 mutation     <prefix>/share/apcb/mutation/results.json
//                 docs         <prefix>/share/apcb/docs
//               (share, lib, libexec, bin: the build's GNUInstallDirs values, compiled in as
//               paths relative to the prefix). The assurance records are written by the long
//               ctests of a build tree, which an install does not have: the folder is empty
//               unless a packager copies a build's <build>/assurance there; `apcb verify
//               --assurance-dir DIR` reads them from anywhere.
//
// Nothing here checks that the data exists: a verb that needs a folder checks it and names the
// option that overrides it (apcb verify: exit 2, "... no such folder").
#ifndef APCB_CLI_DATA_PATHS_H_
#define APCB_CLI_DATA_PATHS_H_

#include <filesystem>
#include <string>
#include <string_view>

namespace apcb::cli {

// Where each kind of data lives for one apcb executable; built by data_paths_for.
// Example: data_paths_for("/opt/apcb/bin/apcb").layout == DataPaths::Layout::installed.
struct DataPaths {
  enum class Layout { build_tree, installed };
  Layout layout = Layout::installed;
  // The build folder (build tree) or the install prefix (installed); empty when the running
  // executable could not be found (then every path below is empty too and `problem` says why).
  std::string root;
  std::string traces;            // folder searched for *.trace
  std::string corpus;            // one seed-corpus folder per fuzz harness
  std::string dictionaries;      // <harness>.dict
  std::string fuzz_bin;          // the fuzz harness executables
  std::string plugin_dir;        // the SUT plugins (apcb_impl_sut.so)
  std::string assurance;         // the assurance records (cli/assurance.h)
  std::string mutation_results;  // scripts/mutate's last recorded run
  std::string docs;              // explain.md, trace-format.md, kernel-divergences.md
  std::string problem;           // why the executable's location is unknown; empty otherwise

  // Whether this is an installed layout (no build tree around the executable).
  // Example: data_paths_for("/opt/apcb/bin/apcb").installed() == true.
  bool installed() const { return layout == Layout::installed; }
  // The doc `name` under `docs`.
  // Example: data_paths_for("/opt/apcb/bin/apcb").doc("explain.md")
  //          == "/opt/apcb/share/apcb/docs/explain.md"
  std::string doc(std::string_view name) const;
  // How to make `ctest_pattern`'s test write its assurance record, for a verb's message: in a
  // build tree "run `ctest --test-dir <build> -R '<pattern>'`"; installed, a ctest of an apcb
  // build tree and --assurance-dir, since an install has no tests. Names no build path when
  // installed.
  // Example: in a build tree /src/build, ctest_hint("exhaustive_") is "run `ctest --test-dir
  //   /src/build -R 'exhaustive_'` (it writes the record when it passes)".
  std::string ctest_hint(std::string_view ctest_pattern) const;
};

// The data paths for an executable at `exe` (an absolute path; the caller resolves symlinks):
// build tree or installed by the rule above. Never fails: a path that is not absolute resolves
// as installed under the folder above its parent.
// Example: data_paths_for("/opt/apcb/bin/apcb").traces == "/opt/apcb/share/apcb/traces";
//          data_paths_for("/src/build/cli/apcb").traces == "/src/tests/traces" when
//          /src/build/CMakeCache.txt has apcb_SOURCE_DIR:STATIC=/src and
//          apcb_BINARY_DIR:STATIC=/src/build.
DataPaths data_paths_for(const std::filesystem::path& exe);

// The data paths of the running executable: data_paths_for(realpath of /proc/self/exe),
// resolved once. When /proc/self/exe cannot be read (no /proc), every path is empty and
// `problem` says so; a verb then reports the missing folder and its option.
// Example: const std::string traces = data_paths().traces;
const DataPaths& data_paths();

}  // namespace apcb::cli

#endif  // APCB_CLI_DATA_PATHS_H_
