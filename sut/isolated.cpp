#include "sut/isolated.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <deque>
#include <iostream>
#include <thread>
#include <variant>

#include "trace/trace.h"
#include "sut/client.h"

// A sanitizer build's leak check, run in the child after the plugin is unloaded (a plain build
// has no such symbol). Without it a plugin's leaks would go unseen: the child ends with _exit.
extern "C" int __lsan_do_recoverable_leak_check() __attribute__((weak));

namespace apcb::sut {
namespace {

// The protocol, one answer per request, every line ending in "\n":
//                                               child: "loaded MINOR NAME" | "load-error MESSAGE"
//                                                      (MINOR: the plugin's ABI minor version)
//   parent: "apcb-trace 1", "host init …"      child: "ready" | "create-failed"
//   parent: a step line (trace::format_op)      child: "observation LEN" + LEN bytes of
//                                                      trace::format_observation
//                                                    | "inexact LEN REASON" + LEN bytes (escaped)
//                                                    | "cannot-comply" | "status CODE"
//                                                    | "error MESSAGE" (a request it cannot read)
//   parent: "end"                               child: destroys, unloads, exits 0 (or the
//                                                      leak check's status)
// Both sides read an observation after "apcb-trace 1", "observe signals" when the plugin sees
// signals (minor 1 on), and the host line.
constexpr std::string_view kHeader = "apcb-trace 1\n";
constexpr std::string_view kObserveSignals = "observe signals\n";
constexpr std::size_t kMaxAnswer = std::size_t{64} << 20;  // an observation larger is garbled
constexpr int kLeakExitStatus = 23;                        // LeakSanitizer's own exit code

// `text` on one protocol line: control bytes as \xHH.
std::string one_line(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

// Why `obs` has no exact rendering in the trace format.
std::string inexact_reason(const model::Observation& obs) {
  if (model::errno_name(obs.result) == "E?")
    return "result " + std::to_string(static_cast<int>(obs.result)) + " is not an errno the trace format names";
  for (std::size_t i = 0; i < obs.output.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(obs.output[i]);
    if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f) {
      char buf[96];
      std::snprintf(buf, sizeof buf, "output byte %zu is the control byte 0x%02x", i, c);
      return buf;
    }
  }
  if (!obs.output.empty() && obs.output.back() != '\n') return "the output's last line has no newline";
  return "the observation does not read back equal from its trace rendering";
}

// The rendering of an inexact observation, for the report: control bytes but newlines escaped.
std::string escaped_rendering(const model::Observation& obs) {
  std::string out;
  for (unsigned char c : trace::format_observation(obs)) {
    if (c == '\n') out += '\n';
    else out += one_line(std::string_view(reinterpret_cast<const char*>(&c), 1));
  }
  return out;
}

// The one step of `prefix` + `line`, or the parser's message.
std::variant<trace::TraceStep, std::string> parse_one_step(const std::string& text) {
  auto parsed = trace::parse_trace(text, "<protocol>");
  if (const auto* e = std::get_if<trace::TraceError>(&parsed)) return e->to_string();
  auto& trace = std::get<trace::Trace>(parsed);
  if (trace.steps.size() != 1) return std::string("expected exactly one step");
  return std::move(trace.steps.front());
}

// ---------------------------------------------------------------------------------------------
// The child

// Blocking line I/O on the child's end of the socket. Any failure ends the child: the parent
// is gone or misbehaving, and there is nobody to answer.
class ChildChannel {
 public:
  explicit ChildChannel(int fd) : fd_(fd) {}
  void send(const std::string& text) const {
    std::size_t done = 0;
    while (done < text.size()) {
      const ssize_t n = ::send(fd_, text.data() + done, text.size() - done, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) ::_exit(1);
      done += static_cast<std::size_t>(n);
    }
  }
  // False at the end of input.
  bool read_line(std::string& line) {
    for (;;) {
      const std::size_t nl = buffer_.find('\n');
      if (nl != std::string::npos) {
        line.assign(buffer_, 0, nl);
        buffer_.erase(0, nl + 1);
        return true;
      }
      char chunk[4096];
      const ssize_t n = ::read(fd_, chunk, sizeof chunk);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      buffer_.append(chunk, static_cast<std::size_t>(n));
    }
  }

 private:
  int fd_;
  std::string buffer_;
};

// Makes the standard descriptors safe for the protocol: stdin /dev/null, stdout onto stderr
// (a plugin's printf must not reach apcb's report), and the socket above them. Returns the
// socket's descriptor.
int set_up_child_descriptors(int socket) {
  // A socket that landed on 0, 1 or 2 (apcb started with one closed) moves out of the way first.
  const int moved = ::fcntl(socket, F_DUPFD_CLOEXEC, 3);
  if (moved < 0) ::_exit(1);
  if (moved != socket) ::close(socket);
  const int null_fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null_fd < 0) ::_exit(1);
  ::dup2(null_fd, STDIN_FILENO);
  if (::fcntl(STDERR_FILENO, F_GETFD) < 0) ::dup2(null_fd, STDERR_FILENO);
  ::dup2(STDERR_FILENO, STDOUT_FILENO);
  if (null_fd > STDERR_FILENO) ::close(null_fd);
  return moved;
}

[[noreturn]] void serve(int socket, const std::string& plugin_path, pid_t parent) {
  // The child dies with apcb (a hung plugin must not outlive it).
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(1);
  ChildChannel channel(set_up_child_descriptors(socket));

  std::string error;
  auto plugin = Plugin::load(plugin_path, error);
  if (!plugin) {
    channel.send("load-error " + one_line(error) + "\n");
    ::_exit(0);
  }
  channel.send("loaded " + std::to_string(plugin->abi_minor()) + " " + one_line(plugin->name()) + "\n");

  std::string header, host;
  if (!channel.read_line(header) || !channel.read_line(host)) ::_exit(1);
  const std::string prefix =
      header + "\n" + (plugin->sees_signals() ? std::string(kObserveSignals) : std::string()) + host + "\n";
  auto parsed = trace::parse_trace(prefix, "<protocol>");
  if (const auto* e = std::get_if<trace::TraceError>(&parsed)) {
    channel.send("error " + one_line(e->to_string()) + "\n");
    ::_exit(1);
  }
  const trace::Trace& start = std::get<trace::Trace>(parsed);
  auto instance = Instance::create(*plugin, start.params, start.config);
  if (!instance) {
    channel.send("create-failed\n");
    ::_exit(0);
  }
  channel.send("ready\n");

  std::string line;
  while (channel.read_line(line) && line != "end") {
    auto step = parse_one_step(prefix + line + "\n");
    if (const auto* e = std::get_if<std::string>(&step)) {
      channel.send("error " + one_line(*e) + "\n");
      continue;
    }
    const Instance::Applied applied = instance->apply_with_status(std::get<trace::TraceStep>(step).op);
    if (applied.status == APCB_SUT_CANNOT_COMPLY) {
      channel.send("cannot-comply\n");
      continue;
    }
    if (applied.status != APCB_SUT_OK) {
      channel.send("status " + std::to_string(applied.status) + "\n");
      continue;
    }
    const model::Observation& obs = *applied.observation;
    const std::string block = trace::format_observation(obs);
    // The answer must read back as exactly what the plugin observed, or a lossy rendering could
    // turn a divergence into a pass.
    auto back = parse_one_step(prefix + line + "\n" + block);
    const auto* back_step = std::get_if<trace::TraceStep>(&back);
    if (back_step != nullptr && back_step->expected && *back_step->expected == obs) {
      channel.send("observation " + std::to_string(block.size()) + "\n" + block);
    } else {
      const std::string shown = escaped_rendering(obs);
      channel.send("inexact " + std::to_string(shown.size()) + " " + one_line(inexact_reason(obs)) + "\n" + shown);
    }
  }
  instance.reset();
  plugin.reset();
  const bool leaked = __lsan_do_recoverable_leak_check != nullptr && __lsan_do_recoverable_leak_check() != 0;
  ::_exit(leaked ? kLeakExitStatus : 0);
}

std::string seconds_text(std::chrono::milliseconds d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", static_cast<double>(d.count()) / 1000.0);
  return buf;
}

}  // namespace

std::string describe_wait_status(int wait_status) {
  if (WIFSIGNALED(wait_status)) {
    const int sig = WTERMSIG(wait_status);
    const char* abbrev = ::sigabbrev_np(sig);
    return "signal " + std::to_string(sig) + (abbrev != nullptr ? " (SIG" + std::string(abbrev) + ")" : "");
  }
  if (WIFEXITED(wait_status)) return "exit status " + std::to_string(WEXITSTATUS(wait_status));
  return "wait status " + std::to_string(wait_status);
}

// ---------------------------------------------------------------------------------------------
// The parent

IsolatedInstance::IsolatedInstance(pid_t child, int socket, std::chrono::milliseconds time_limit,
                                   std::string host_line)
    : child_(child), socket_(socket), time_limit_(time_limit), host_line_(std::move(host_line)) {}

std::optional<std::string> declared_kernel_version(const std::string& plugin_path,
                                                   std::chrono::milliseconds time_limit) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return std::nullopt;
  std::cout.flush();
  std::cerr.flush();
  const pid_t parent = ::getpid();
  const pid_t child = ::fork();
  if (child < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    return std::nullopt;
  }
  if (child == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(1);
    // The plugin's own chatter on load is not this probe's business.
    const int null_fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null_fd >= 0) {
      ::dup2(null_fd, STDOUT_FILENO);
      ::dup2(null_fd, STDERR_FILENO);
    }
    std::string error;
    auto plugin = Plugin::load(plugin_path, error);
    if (plugin && plugin->kernel_version()) {
      const std::string line = *plugin->kernel_version() + "\n";
      if (::write(fds[1], line.data(), line.size()) < 0) ::_exit(1);
    }
    ::_exit(0);
  }
  ::close(fds[1]);
  std::string answer;
  const auto deadline = std::chrono::steady_clock::now() + time_limit;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{fds[0], POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) break;
    char buffer[256];
    const ssize_t n = ::read(fds[0], buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0 || answer.size() > 4096) break;
    answer.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fds[0]);
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  const std::size_t end = answer.find('\n');
  if (end == std::string::npos) return std::nullopt;
  return answer.substr(0, end);
}

std::unique_ptr<IsolatedInstance> IsolatedInstance::start(const std::string& plugin_path,
                                                          const model::HostParams& params,
                                                          const model::Matrix& config,
                                                          std::chrono::milliseconds time_limit,
                                                          Outcome& outcome) {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
    outcome = Outcome{Outcome::Kind::load_error, {}, {}, 0,
                      plugin_path + ": cannot start the plugin's process: socketpair: " + std::strerror(errno)};
    return nullptr;
  }
  // With apcb's standard output or error closed the pair would land on 1 or 2, where a report
  // line would go into the protocol: both ends move above the standard descriptors.
  for (int& fd : fds) {
    if (fd > STDERR_FILENO) continue;
    const int moved = ::fcntl(fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
    ::close(fd);
    fd = moved;
  }
  if (fds[0] < 0 || fds[1] < 0) {
    outcome = Outcome{Outcome::Kind::load_error, {}, {}, 0,
                      plugin_path + ": cannot start the plugin's process: " + std::strerror(errno)};
    for (int fd : fds)
      if (fd >= 0) ::close(fd);
    return nullptr;
  }
  // Whatever sits in the stream buffers would otherwise be written twice, once by each process.
  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);
  const pid_t parent = ::getpid();
  const pid_t child = ::fork();
  if (child < 0) {
    outcome = Outcome{Outcome::Kind::load_error, {}, {}, 0,
                      plugin_path + ": cannot start the plugin's process: fork: " + std::strerror(errno)};
    ::close(fds[0]);
    ::close(fds[1]);
    return nullptr;
  }
  if (child == 0) {
    ::close(fds[0]);
    serve(fds[1], plugin_path, parent);
  }
  ::close(fds[1]);
  ::fcntl(fds[0], F_SETFL, ::fcntl(fds[0], F_GETFL) | O_NONBLOCK);
  std::string host_line = std::string(kHeader) + trace::format_host_init(params, config) + "\n";
  std::unique_ptr<IsolatedInstance> sut(new IsolatedInstance(child, fds[0], time_limit, host_line));

  Outcome loaded = sut->read_answer();
  if (loaded.kind != Outcome::Kind::observed) {
    outcome = loaded;
    outcome.phase = Outcome::Phase::load;
    return nullptr;
  }
  if (loaded.detail.rfind("load-error ", 0) == 0) {
    outcome = Outcome{Outcome::Kind::load_error, {}, {}, 0, loaded.detail.substr(11)};
    return nullptr;
  }
  if (loaded.detail.rfind("loaded ", 0) != 0) {
    outcome = Outcome{Outcome::Kind::garbled, {}, {}, 0, "unexpected answer '" + loaded.detail + "'",
                      Outcome::Phase::load};
    return nullptr;
  }
  // "loaded MINOR NAME"
  const std::string rest = loaded.detail.substr(7);
  const std::size_t space = rest.find(' ');
  const std::string minor = rest.substr(0, space);
  if (space == std::string::npos || minor.empty() || minor.size() > 9 ||
      minor.find_first_not_of("0123456789") != std::string::npos) {
    outcome = Outcome{Outcome::Kind::garbled, {}, {}, 0, "unexpected answer '" + loaded.detail + "'",
                      Outcome::Phase::load};
    return nullptr;
  }
  sut->name_ = rest.substr(space + 1);
  if (std::stoul(minor) >= 1)
    sut->host_line_ = std::string(kHeader) + std::string(kObserveSignals) +
                      trace::format_host_init(params, config) + "\n";

  sut->outgoing_ += host_line;
  Outcome created = sut->read_answer();
  if (created.kind == Outcome::Kind::observed && created.detail == "create-failed")
    created = Outcome{Outcome::Kind::create_failed, {}, {}, 0, {}};
  else if (created.kind == Outcome::Kind::observed && created.detail != "ready")
    created = Outcome{Outcome::Kind::garbled, {}, {}, 0, "unexpected answer '" + created.detail + "'"};
  if (created.kind != Outcome::Kind::observed) {
    outcome = created;
    outcome.phase = Outcome::Phase::create;
    return nullptr;
  }
  return sut;
}

IsolatedInstance::~IsolatedInstance() {
  if (socket_ >= 0) ::close(socket_);
  if (child_ > 0) {
    ::kill(child_, SIGKILL);
    int status = 0;
    while (::waitpid(child_, &status, 0) < 0 && errno == EINTR) {
    }
  }
}

bool IsolatedInstance::fill(std::chrono::steady_clock::time_point deadline, Outcome& failure) {
  for (;;) {
    // Requests go out while answers come in: neither side ever waits on a full socket.
    while (!outgoing_.empty()) {
      const ssize_t n = ::send(socket_, outgoing_.data(), outgoing_.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) {
        outgoing_.erase(0, static_cast<std::size_t>(n));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      failure = child_gone();  // EPIPE, ECONNRESET: the child ended
      return false;
    }
    char chunk[65536];
    const ssize_t n = ::recv(socket_, chunk, sizeof chunk, MSG_DONTWAIT);
    if (n > 0) {
      buffer_.append(chunk, static_cast<std::size_t>(n));
      return true;
    }
    if (n == 0) {
      failure = child_gone();
      return false;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) {
      failure = child_gone();
      return false;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      failure = timed_out();
      return false;
    }
    pollfd p{socket_, static_cast<short>(POLLIN | (outgoing_.empty() ? 0 : POLLOUT)), 0};
    ::poll(&p, 1, static_cast<int>(std::min<long long>(left.count(), 1 << 30)));
  }
}

bool IsolatedInstance::read_line(std::string& line, std::chrono::steady_clock::time_point deadline,
                                 Outcome& failure) {
  for (;;) {
    const std::size_t nl = buffer_.find('\n');
    if (nl != std::string::npos) {
      line.assign(buffer_, 0, nl);
      buffer_.erase(0, nl + 1);
      return true;
    }
    if (buffer_.size() > 4096) {
      failure = Outcome{Outcome::Kind::garbled, {}, {}, 0, "an answer line longer than 4096 bytes"};
      return false;
    }
    if (!fill(deadline, failure)) return false;
  }
}

bool IsolatedInstance::read_bytes(std::size_t n, std::string& out, std::chrono::steady_clock::time_point deadline,
                                  Outcome& failure) {
  while (buffer_.size() < n)
    if (!fill(deadline, failure)) return false;
  out.assign(buffer_, 0, n);
  buffer_.erase(0, n);
  return true;
}

// The next answer line: an Outcome of kind `observed` whose `detail` is the line, or how the
// child failed to give one.
Outcome IsolatedInstance::read_answer() {
  if (gone_) return *gone_;
  Outcome failure;
  std::string line;
  if (!read_line(line, std::chrono::steady_clock::now() + time_limit_, failure)) {
    gone_ = failure;
    return failure;
  }
  return Outcome{Outcome::Kind::observed, {}, {}, 0, line};
}

Outcome IsolatedInstance::child_gone() {
  // The socket closes when the child ends; it may take a moment to be reaped. A child that
  // closed the socket and lives on is killed after the time limit.
  int status = 0;
  const auto deadline = std::chrono::steady_clock::now() + time_limit_;
  for (;;) {
    const pid_t r = ::waitpid(child_, &status, WNOHANG);
    if (r == child_) break;
    if (r < 0 && errno != EINTR) {
      child_ = -1;
      gone_ = Outcome{Outcome::Kind::died, {}, {}, 0, "the process vanished"};
      return *gone_;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      ::kill(child_, SIGKILL);
      while (::waitpid(child_, &status, 0) < 0 && errno == EINTR) {
      }
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  child_ = -1;
  gone_ = Outcome{Outcome::Kind::died, {}, {}, status, describe_wait_status(status)};
  return *gone_;
}

Outcome IsolatedInstance::timed_out() {
  int status = 0;
  if (::waitpid(child_, &status, WNOHANG) == child_) {  // it ended, but something kept the socket
    child_ = -1;
    gone_ = Outcome{Outcome::Kind::died, {}, {}, status, describe_wait_status(status)};
    return *gone_;
  }
  ::kill(child_, SIGKILL);
  while (::waitpid(child_, &status, 0) < 0 && errno == EINTR) {
  }
  child_ = -1;
  gone_ = Outcome{Outcome::Kind::timed_out, {}, {}, 0,
                  "no answer within " + seconds_text(time_limit_) + " s (killed)"};
  return *gone_;
}

bool IsolatedInstance::submit(const model::Op& op) {
  if (gone_) return false;
  std::string line = trace::format_op(op);
  outgoing_ += line;
  outgoing_ += '\n';
  submitted_.push_back(std::move(line));
  return true;
}

Outcome IsolatedInstance::apply(const model::Op& op) {
  submit(op);
  return next();
}

Outcome IsolatedInstance::next() {
  if (gone_) return *gone_;
  if (submitted_.empty()) return Outcome{Outcome::Kind::garbled, {}, {}, 0, "next() without a submitted operation"};
  const std::string line = std::move(submitted_.front());
  submitted_.pop_front();
  Outcome answer = read_answer();
  if (answer.kind != Outcome::Kind::observed) return answer;
  const std::string& head = answer.detail;
  auto garbled = [&](std::string why) {
    gone_ = Outcome{Outcome::Kind::garbled, {}, {}, 0, std::move(why)};
    return *gone_;
  };
  if (head == "cannot-comply") return Outcome{Outcome::Kind::cannot_comply, {}, {}, 0, {}};
  if (head.rfind("status ", 0) == 0) {
    try {
      return Outcome{Outcome::Kind::undefined_status, {}, {}, std::stoi(head.substr(7)), {}};
    } catch (const std::exception&) {
      return garbled("unexpected answer '" + head + "'");
    }
  }
  if (head.rfind("error ", 0) == 0) return garbled("the plugin's process could not read the operation: " + head.substr(6));
  const bool exact = head.rfind("observation ", 0) == 0;
  if (!exact && head.rfind("inexact ", 0) != 0) return garbled("unexpected answer '" + head + "'");
  const std::string rest = head.substr(exact ? 12 : 8);
  std::size_t used = 0;
  unsigned long long length = 0;
  try {
    length = std::stoull(rest, &used);
  } catch (const std::exception&) {
    return garbled("unexpected answer '" + head + "'");
  }
  if (length > kMaxAnswer) return garbled("an answer of " + std::to_string(length) + " bytes");
  std::string block;
  Outcome failure;
  if (!read_bytes(static_cast<std::size_t>(length), block, std::chrono::steady_clock::now() + time_limit_, failure)) {
    gone_ = failure;
    return failure;
  }
  if (!exact) {
    Outcome out{Outcome::Kind::inexact, {}, block, 0, used < rest.size() ? rest.substr(used + 1) : std::string()};
    return out;
  }
  auto step = parse_one_step(host_line_ + line + "\n" + block);
  const auto* parsed = std::get_if<trace::TraceStep>(&step);
  if (parsed == nullptr || !parsed->expected)
    return garbled("an observation that does not parse: " +
                   (parsed == nullptr ? std::get<std::string>(step) : std::string("no result line")));
  return Outcome{Outcome::Kind::observed, *parsed->expected, block, 0, {}};
}

std::optional<Outcome> IsolatedInstance::finish() {
  std::optional<Outcome> end = finish_child();
  if (end) end->phase = Outcome::Phase::finish;
  return end;
}

std::optional<Outcome> IsolatedInstance::finish_child() {
  if (gone_) return gone_;
  outgoing_ += "end\n";
  // The child answers nothing more: the end of its output is its exit.
  const auto deadline = std::chrono::steady_clock::now() + time_limit_;
  Outcome failure;
  while (fill(deadline, failure)) {
  }
  if (!buffer_.empty()) {
    gone_ = Outcome{Outcome::Kind::garbled, {}, {}, 0, "unexpected output after the last answer"};
    return gone_;
  }
  if (failure.kind == Outcome::Kind::died && WIFEXITED(failure.status) && WEXITSTATUS(failure.status) == 0)
    return std::nullopt;
  return failure;
}

}  // namespace apcb::sut
