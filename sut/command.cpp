#include "sut/command.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <thread>
#include <variant>

namespace apcb::sut {
namespace {

constexpr std::size_t kMaxOutput = std::size_t{256} << 20;  // a larger output is a protocol break

std::string seconds_text(std::chrono::milliseconds d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", static_cast<double>(d.count()) / 1000.0);
  return buf;
}

Outcome failure_of(Outcome::Kind kind, std::string detail, int status = 0) {
  Outcome o;
  o.kind = kind;
  o.detail = std::move(detail);
  o.status = status;
  return o;
}

// Moves `fd` above the standard descriptors (keeping close-on-exec), so that dup2 onto 0 and 1
// cannot clobber the other end of a pipe when apcb runs with a standard descriptor closed.
int above_standard(int fd) {
  if (fd > STDERR_FILENO) return fd;
  const int moved = ::fcntl(fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
  ::close(fd);
  return moved;
}

// The process: `/bin/sh -c command` in a process group of its own, input and output through
// pipes, standard error inherited.
struct Process {
  pid_t pid = -1;
  int in = -1;   // its standard input (we write)
  int out = -1;  // its standard output (we read)
};

std::optional<std::string> start(const std::string& command, Process& p) {
  int in[2], out[2];
  if (::pipe2(in, O_CLOEXEC) != 0) return std::string("pipe: ") + std::strerror(errno);
  if (::pipe2(out, O_CLOEXEC) != 0) {
    const std::string why = std::string("pipe: ") + std::strerror(errno);
    ::close(in[0]);
    ::close(in[1]);
    return why;
  }
  for (int* fd : {&in[0], &in[1], &out[0], &out[1]}) *fd = above_standard(*fd);
  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    const std::string why = std::string("fork: ") + std::strerror(errno);
    for (int fd : {in[0], in[1], out[0], out[1]}) ::close(fd);
    return why;
  }
  if (pid == 0) {
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    // apcb ignores SIGPIPE while it writes; the command starts with the default disposition.
    ::signal(SIGPIPE, SIG_DFL);
    if (::dup2(in[0], STDIN_FILENO) < 0 || ::dup2(out[1], STDOUT_FILENO) < 0) ::_exit(127);
    ::execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::setpgid(pid, pid);  // also here, so a kill of the group cannot race the child's own setpgid
  ::close(in[0]);
  ::close(out[1]);
  p.pid = pid;
  p.in = in[1];
  p.out = out[0];
  ::fcntl(p.in, F_SETFL, ::fcntl(p.in, F_GETFL) | O_NONBLOCK);
  ::fcntl(p.out, F_SETFL, ::fcntl(p.out, F_GETFL) | O_NONBLOCK);
  return std::nullopt;
}

// How the exchange with the process ended.
enum class Ending { eof, timed_out, too_much_output };

// Writes `input` and reads the output until the command closes its standard output, the deadline
// passes, or the output exceeds kMaxOutput. Closes both pipes.
Ending exchange(Process& p, const std::string& input, std::string& output,
                std::chrono::steady_clock::time_point deadline) {
  std::size_t written = 0;
  if (input.empty()) {
    ::close(p.in);
    p.in = -1;
  }
  Ending ending = Ending::eof;
  for (;;) {
    pollfd fds[2];
    nfds_t n = 0;
    fds[n++] = pollfd{p.out, POLLIN, 0};
    if (p.in >= 0) fds[n++] = pollfd{p.in, POLLOUT, 0};
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      ending = Ending::timed_out;
      break;
    }
    const int r = ::poll(fds, n, static_cast<int>(std::min<long long>(left.count(), 1 << 30)));
    if (r < 0 && errno != EINTR) {
      ending = Ending::timed_out;  // cannot wait for it any more: end it
      break;
    }
    if (r <= 0) continue;
    if (p.in >= 0 && fds[1].revents != 0) {
      const ssize_t w = ::write(p.in, input.data() + written, input.size() - written);
      if (w > 0) written += static_cast<std::size_t>(w);
      // EPIPE: the command stopped reading; what it answers is all there is.
      if ((w < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) || written == input.size()) {
        ::close(p.in);
        p.in = -1;
      }
    }
    if (fds[0].revents != 0) {
      char chunk[65536];
      const ssize_t got = ::read(p.out, chunk, sizeof chunk);
      if (got > 0) {
        output.append(chunk, static_cast<std::size_t>(got));
        if (output.size() > kMaxOutput) {
          ending = Ending::too_much_output;
          break;
        }
      } else if (got == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
        break;  // the end of its output
      }
    }
  }
  if (p.in >= 0) ::close(p.in);
  ::close(p.out);
  p.in = p.out = -1;
  return ending;
}

// Waits for the process until the deadline; kills its group then. The wait status, or nullopt
// when it had to be killed.
std::optional<int> reap(Process& p, std::chrono::steady_clock::time_point deadline) {
  int status = 0;
  for (;;) {
    const pid_t r = ::waitpid(p.pid, &status, WNOHANG);
    if (r == p.pid) return status;
    if (r < 0 && errno != EINTR) return 0;  // cannot happen for our own child; treat as a clean end
    if (std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ::kill(-p.pid, SIGKILL);
  ::kill(p.pid, SIGKILL);
  while (::waitpid(p.pid, &status, 0) < 0 && errno == EINTR) {
  }
  return std::nullopt;
}

// The line of `text` (1-based) at which `host init` is written, for a report; 0 when there is
// none.
int host_line(const std::string& text) {
  int line = 1;
  std::size_t at = 0;
  while (at < text.size()) {
    if (text.compare(at, 10, "host init ") == 0) return line;
    const std::size_t nl = text.find('\n', at);
    if (nl == std::string::npos) break;
    at = nl + 1;
    ++line;
  }
  return 0;
}

// The text of `text`'s first `lines` lines.
std::string first_lines(const std::string& text, int lines) {
  std::size_t at = 0;
  for (int i = 0; i < lines && at < text.size(); ++i) {
    const std::size_t nl = text.find('\n', at);
    if (nl == std::string::npos) return text;
    at = nl + 1;
  }
  return text.substr(0, at);
}

Outcome answer_of(const trace::TraceStep& step) {
  Outcome a;
  if (!step.expected) {
    a.kind = Outcome::Kind::cannot_comply;
    return a;
  }
  a.kind = Outcome::Kind::observed;
  a.observation = *step.expected;
  a.rendering = trace::format_observation(*step.expected);
  return a;
}

// How far the output can be trusted.
enum class Output {
  clean,  // the command exited 0: its output must be the whole trace answered
  final,  // it exited with another status: what it wrote is all it wrote (exit flushes)
  cut,    // it was killed (a signal, the time limit): the last step written may be cut short
};

// Reads the answers out of `output`. Only a clean output is held to the protocol (a break sets
// run.failure); from another, the steps answered in full that agree with the input's are taken.
void read_answers(const std::string& command, const trace::Trace& input, const std::string& output, Output how,
                  CommandRun& run) {
  const bool complete = how == Output::clean;
  const std::string file = command + " output";
  auto break_at = [&](int line, const std::string& why) {
    run.failure = failure_of(Outcome::Kind::garbled, file + ":" + std::to_string(line) + ": " + why);
  };
  // The steps that agree with the input's, in order; false at the first that does not.
  auto take = [&](const trace::Trace& out, std::size_t count) {
    for (std::size_t i = 0; i < count; ++i) {
      if (i >= input.steps.size() || !(out.steps[i].op == input.steps[i].op)) return false;
      run.answers.push_back(answer_of(out.steps[i]));
    }
    return true;
  };

  std::string text = output;
  if (how == Output::cut) {
    // A line without its newline may be cut short.
    const std::size_t nl = text.rfind('\n');
    text.resize(nl == std::string::npos ? 0 : nl + 1);
  }
  auto parsed = trace::parse_trace(text, file);
  if (const auto* e = std::get_if<trace::TraceError>(&parsed)) {
    if (complete) run.failure = failure_of(Outcome::Kind::garbled, e->to_string());
    // The steps answered in full before the line that does not parse come first.
    auto before = trace::parse_trace(first_lines(text, e->line - 1), file);
    if (auto* t = std::get_if<trace::Trace>(&before); t != nullptr && t->params == input.params &&
                                                      t->config == input.config && !t->steps.empty()) {
      run.declared_kernel = t->kernel;
      take(*t, t->steps.size() - 1);
    }
    return;
  }
  const trace::Trace& out = std::get<trace::Trace>(parsed);
  run.declared_kernel = out.kernel;
  if (!(out.params == input.params && out.config == input.config)) {
    if (complete)
      break_at(host_line(text), "the host is not the input's: `" + trace::format_host_init(out.params, out.config) +
                                    "`, the input has `" + trace::format_host_init(input.params, input.config) + "`");
    return;
  }
  if (how == Output::cut) {
    if (!out.steps.empty()) take(out, out.steps.size() - 1);
    return;
  }
  if (how == Output::final) {
    take(out, std::min(out.steps.size(), input.steps.size()));
    return;
  }
  const std::size_t n = std::min(out.steps.size(), input.steps.size());
  for (std::size_t i = 0; i < n; ++i) {
    if (!(out.steps[i].op == input.steps[i].op)) {
      take(out, i);
      break_at(out.steps[i].line, "step " + std::to_string(i + 1) + " is `" + trace::format_op(out.steps[i].op) +
                                      "`, the input's step " + std::to_string(i + 1) + " is `" +
                                      trace::format_op(input.steps[i].op) + "`");
      return;
    }
  }
  take(out, n);
  if (out.steps.size() > input.steps.size()) {
    break_at(out.steps[n].line, "step " + std::to_string(n + 1) + " `" + trace::format_op(out.steps[n].op) +
                                    "` is not in the input, which has " + std::to_string(input.steps.size()) +
                                    " steps");
  } else if (out.steps.size() < input.steps.size()) {
    const int last = 1 + static_cast<int>(std::count(text.begin(), text.end(), '\n')) - (text.ends_with('\n') ? 1 : 0);
    break_at(std::max(last, 1), "the output ends after step " + std::to_string(n) + "; the input has " +
                                    std::to_string(input.steps.size()) + " steps (the next is `" +
                                    trace::format_op(input.steps[n].op) + "`)");
  }
}

}  // namespace

std::string command_input(const trace::Trace& trace) {
  trace::Trace bare = trace;
  // Not declared: a command that reports signals declares `observe signals` in its own output
  // (`apcb run -` does); one written before signals existed echoes the header and is compared
  // without them.
  bare.observes_signals = false;
  bare.comments.clear();
  bare.trailing_comments.clear();
  for (auto& step : bare.steps) {
    step.expected.reset();
    step.comments.clear();
  }
  return trace::format_trace(bare);
}

CommandRun run_command(const std::string& command, const trace::Trace& trace, std::chrono::milliseconds time_limit) {
  CommandRun run;
  const auto deadline = std::chrono::steady_clock::now() + time_limit;
  struct sigaction ignore {}, old {};
  ignore.sa_handler = SIG_IGN;
  ::sigemptyset(&ignore.sa_mask);
  ::sigaction(SIGPIPE, &ignore, &old);
  Process p;
  if (auto why = start(command, p)) {
    ::sigaction(SIGPIPE, &old, nullptr);
    run.failure = failure_of(Outcome::Kind::load_error, command + ": cannot start the command: " + *why);
    run.failure->phase = Outcome::Phase::load;
    return run;
  }
  std::string output;
  const Ending ending = exchange(p, command_input(trace), output, deadline);
  ::sigaction(SIGPIPE, &old, nullptr);
  std::optional<int> status;
  if (ending == Ending::eof) {
    status = reap(p, deadline);
  } else {
    ::kill(-p.pid, SIGKILL);
    ::kill(p.pid, SIGKILL);
    int ignored = 0;
    while (::waitpid(p.pid, &ignored, 0) < 0 && errno == EINTR) {
    }
  }
  const bool clean = status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0;
  read_answers(command, trace, output,
               clean ? Output::clean : status && WIFEXITED(*status) && ending == Ending::eof ? Output::final : Output::cut,
               run);
  if (ending == Ending::too_much_output) {
    run.failure = failure_of(Outcome::Kind::garbled, command + " output: more than " +
                                                          std::to_string(kMaxOutput >> 20) + " MiB (killed)");
  } else if (!status) {
    run.failure = failure_of(Outcome::Kind::timed_out, "no complete answer within " + seconds_text(time_limit) +
                                                            " s (its process group was killed)");
  } else if (!clean) {
    const int code = WIFEXITED(*status) ? WEXITSTATUS(*status) : 0;
    if (output.empty() && (code == 126 || code == 127)) {
      run.failure = failure_of(Outcome::Kind::load_error,
                               command + ": /bin/sh could not run the command (" + describe_wait_status(*status) +
                                   (code == 127 ? ": not found" : ": cannot execute") + ")",
                               *status);
      run.failure->phase = Outcome::Phase::load;
      return run;
    }
    run.failure = failure_of(Outcome::Kind::died, describe_wait_status(*status), *status);
  }
  if (run.failure && run.failure->kind != Outcome::Kind::load_error)
    run.failure->phase = run.answers.size() < trace.steps.size() ? Outcome::Phase::step : Outcome::Phase::finish;
  return run;
}

}  // namespace apcb::sut
