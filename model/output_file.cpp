#include "model/output_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>

namespace apcb::model {
namespace {

std::string cannot_write(const std::string& path, int err) {
  return path + ": cannot write: " + std::strerror(err);
}

// The directory part of `path` ("." when it has none), for the temporary file and the checks.
std::string directory_of(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// write(2) until done; false with errno set on failure.
bool write_all(int fd, std::string_view text) {
  while (!text.empty()) {
    const ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    text.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

}  // namespace

std::optional<std::string> write_file_atomically(const std::string& path, std::string_view text) {
  if (path == "-") {
    std::cout << text;
    std::string why;
    if (!stdout_ok(why)) return "standard output: cannot write: " + why;
    return std::nullopt;
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return cannot_write(path, EISDIR);
  std::string tmp = directory_of(path) + "/.apcb-XXXXXX";
  const int fd = ::mkstemp(tmp.data());
  if (fd < 0) return cannot_write(path, errno);
  // mkstemp creates 0600; a report is as readable as any file the user creates.
  const mode_t mask = ::umask(0);
  ::umask(mask);
  ::fchmod(fd, 0666 & ~mask);
  if (!write_all(fd, text) || ::fsync(fd) != 0) {
    const int err = errno;
    ::close(fd);
    ::unlink(tmp.c_str());
    return cannot_write(path, err);
  }
  if (::close(fd) != 0 || ::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return cannot_write(path, err);
  }
  return std::nullopt;
}

std::optional<std::string> check_writable(const std::string& path) {
  if (path == "-") return std::nullopt;
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return cannot_write(path, EISDIR);
  const std::string dir = directory_of(path);
  if (::stat(dir.c_str(), &st) != 0) return cannot_write(path, errno);
  if (!S_ISDIR(st.st_mode)) return cannot_write(path, ENOTDIR);
  if (::access(dir.c_str(), W_OK | X_OK) != 0) return cannot_write(path, errno);
  return std::nullopt;
}

bool same_file(const std::string& a, const std::string& b) {
  struct stat sa {}, sb {};
  if (::stat(a.c_str(), &sa) != 0 || ::stat(b.c_str(), &sb) != 0) return false;
  return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

bool stdout_ok(std::string& why) {
  std::cout.flush();
  const bool cpp_ok = static_cast<bool>(std::cout);
  const bool c_ok = std::fflush(stdout) == 0 && std::ferror(stdout) == 0;
  if (cpp_ok && c_ok) return true;
  // stdio drops the unwritten data and forgets the errno of the failed write; the output is
  // already incomplete, so one more byte written straight to the descriptor finds the reason
  // (ENOSPC, EBADF, EFBIG, EIO) without harming anything.
  why = "the write failed";
  if (::write(STDOUT_FILENO, "\n", 1) < 0) why = std::strerror(errno);
  return false;
}

}  // namespace apcb::model
