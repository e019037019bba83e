// model/output_file.h: atomic writes leave an existing file intact on failure.
#include "model/output_file.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace apcb::model {
namespace {

namespace fs = std::filesystem;

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class OutputFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("apcb-output-file-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  // Files in dir_ other than `keep`: a failed write must leave no temporary behind.
  int entries() const { return static_cast<int>(std::distance(fs::directory_iterator(dir_), fs::directory_iterator())); }
  fs::path dir_;
};

TEST_F(OutputFileTest, WritesAndReplaces) {
  const std::string path = (dir_ / "a.json").string();
  EXPECT_FALSE(write_file_atomically(path, "first\n"));
  EXPECT_FALSE(write_file_atomically(path, "second\n"));
  EXPECT_EQ(read_all(path), "second\n");
  EXPECT_EQ(entries(), 1);
}

TEST_F(OutputFileTest, FullDiskLeavesTheOldFileIntact) {
  const std::string path = (dir_ / "ledger.json").string();
  ASSERT_FALSE(write_file_atomically(path, "the valid ledger\n"));
  // A child with a 4 KiB file size limit stands in for a full disk (EFBIG instead of ENOSPC).
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    std::signal(SIGXFSZ, SIG_IGN);
    rlimit limit{4096, 4096};
    ::setrlimit(RLIMIT_FSIZE, &limit);
    const auto why = write_file_atomically(path, std::string(100000, 'x'));
    ::_exit(why && why->find("ledger.json: cannot write: File too large") != std::string::npos ? 0 : 1);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_EQ(read_all(path), "the valid ledger\n");
  EXPECT_EQ(entries(), 1);
}

TEST_F(OutputFileTest, ADirectoryIsRefusedWithItsReason) {
  const auto why = write_file_atomically(dir_.string(), "x");
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("Is a directory"), std::string::npos) << *why;
  EXPECT_TRUE(check_writable(dir_.string()));
}

TEST_F(OutputFileTest, CheckWritableNamesAMissingDirectory) {
  const auto why = check_writable((dir_ / "absent" / "x.json").string());
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("No such file or directory"), std::string::npos) << *why;
  EXPECT_FALSE(check_writable((dir_ / "x.json").string()));
  EXPECT_EQ(entries(), 0);  // the check writes nothing
}

TEST_F(OutputFileTest, SameFileSeesThroughSpellings) {
  const std::string path = (dir_ / "l.json").string();
  ASSERT_FALSE(write_file_atomically(path, "{}"));
  EXPECT_TRUE(same_file(path, (dir_ / "." / "l.json").string()));
  EXPECT_FALSE(same_file(path, (dir_ / "other.json").string()));
}

}  // namespace
}  // namespace apcb::model
