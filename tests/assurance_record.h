// apcb tests — writing an assurance record (cli/assurance.h): what a long test checked, for
// the assurance ledger that `apcb verify --ledger` enforces. Nothing is written unless
// APCB_ASSURANCE_DIR is set (the tests' CMakeLists set it for ctest).
#ifndef APCB_TESTS_ASSURANCE_RECORD_H_
#define APCB_TESTS_ASSURANCE_RECORD_H_

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <system_error>

#include "cli/assurance.h"

namespace apcb::testing {

// The record's path, or nothing when APCB_ASSURANCE_DIR is unset or empty.
inline std::optional<std::filesystem::path> assurance_record_path(const assurance::RecordedTest& t) {
  const char* dir = std::getenv(assurance::kDirEnv);
  if (dir == nullptr || *dir == '\0') return std::nullopt;
  return std::filesystem::path(dir) / t.file;
}

// Call first: the previous run's record goes, so a run that fails (or crashes) leaves none.
inline void remove_assurance_record(const assurance::RecordedTest& t) {
  const auto path = assurance_record_path(t);
  if (!path) return;
  std::error_code ec;
  std::filesystem::remove(*path, ec);
  if (ec) ADD_FAILURE() << path->string() << ": cannot remove the previous assurance record: " << ec.message();
}

// Call last: when the test has not failed, writes `record` (a ledger check: item, property,
// width, bound, seeds, budget, measured) with its layer, the ctest name and this executable's
// path added. Written to a temporary file and renamed, so a reader never sees half a record.
inline void write_assurance_record(const assurance::RecordedTest& t, nlohmann::json record) {
  const auto path = assurance_record_path(t);
  if (!path || ::testing::Test::HasFailure()) return;
  record["layer"] = t.layer;
  const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
  if (info != nullptr) record["ctest"] = std::string(info->test_suite_name()) + "." + info->name();
  std::error_code ec;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) record["executable"] = exe.string();
  std::filesystem::create_directories(path->parent_path(), ec);
  const std::filesystem::path tmp = path->string() + ".tmp";
  {
    std::ofstream out(tmp);
    out << record.dump(2) << "\n";
    if (!out) {
      ADD_FAILURE() << tmp.string() << ": cannot write the assurance record";
      return;
    }
  }
  std::filesystem::rename(tmp, *path, ec);
  if (ec) ADD_FAILURE() << path->string() << ": cannot write the assurance record: " << ec.message();
}

}  // namespace apcb::testing

#endif  // APCB_TESTS_ASSURANCE_RECORD_H_
