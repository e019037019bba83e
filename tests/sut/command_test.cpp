// sut/command.h: running a command under the --sut-cmd protocol. What the CLI tests cannot see
// from outside: no deadlock on pipes larger than their buffers, no zombie left, the whole process
// group killed at the time limit, SIGPIPE survived when the command stops reading.
#include "sut/command.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <string>
#include <thread>

#include "harness/conformance.h"
#include "trace/trace.h"

namespace apcb::sut {
namespace {

using std::chrono::milliseconds;

trace::Trace generated(int ops) { return harness::generate_trace(11, ops, true); }

// True when this process has no child left to reap (run_command reaped its own).
bool no_children() {
  int status = 0;
  return ::waitpid(-1, &status, WNOHANG) < 0 && errno == ECHILD;
}

TEST(RunCommand, InputHasNeitherExpectationsNorComments) {
  trace::Trace t = generated(5);
  t.comments.push_back("# a comment");
  const std::string in = command_input(t);
  EXPECT_EQ(in.find("\n= "), std::string::npos);
  EXPECT_EQ(in.find('#'), std::string::npos);
  EXPECT_EQ(in.rfind("apcb-trace 1\nhost init ", 0), 0u);
}

// `cat` echoes the input back: every step without an expectation, i.e. cannot comply. A trace
// of 20000 steps is far larger than a pipe's buffer both ways: writing all before reading would
// deadlock.
TEST(RunCommand, CatCompliesWithNothingAndLargeTracesDoNotDeadlock) {
  const trace::Trace t = generated(20000);
  ASSERT_GT(command_input(t).size(), std::size_t{1} << 20);
  const CommandRun r = run_command("cat", t, milliseconds(60000));
  EXPECT_FALSE(r.failure) << r.failure->detail;
  ASSERT_EQ(r.answers.size(), t.steps.size());
  for (const auto& a : r.answers) ASSERT_EQ(a.kind, Outcome::Kind::cannot_comply);
  EXPECT_TRUE(no_children());
}

// A command that never reads its input: apcb's writes fail with EPIPE, it is not killed by
// SIGPIPE, and the empty output is a protocol break.
TEST(RunCommand, CommandThatDoesNotReadItsInputIsAProtocolBreakNotASigpipe) {
  const trace::Trace t = generated(20000);
  const CommandRun r = run_command("exec 0<&-; true", t, milliseconds(60000));
  ASSERT_TRUE(r.failure);
  EXPECT_EQ(r.failure->kind, Outcome::Kind::garbled);
  EXPECT_NE(r.failure->detail.find("exec 0<&-; true output:"), std::string::npos) << r.failure->detail;
  EXPECT_EQ(r.failure->phase, Outcome::Phase::step);
  EXPECT_TRUE(r.answers.empty());
  struct sigaction now {};
  ::sigaction(SIGPIPE, nullptr, &now);
  EXPECT_EQ(now.sa_handler, SIG_DFL);  // restored
  EXPECT_TRUE(no_children());
}

// At the time limit the whole process group goes, a background grandchild included.
TEST(RunCommand, TimeLimitKillsTheProcessGroup) {
  const std::string pid_file = ::testing::TempDir() + "sut_command_test_grandchild.pid";
  const trace::Trace t = generated(3);
  const CommandRun r =
      run_command("sleep 60 & echo $! > '" + pid_file + "'; wait", t, milliseconds(300));
  ASSERT_TRUE(r.failure);
  EXPECT_EQ(r.failure->kind, Outcome::Kind::timed_out);
  EXPECT_TRUE(no_children());
  pid_t grandchild = 0;
  std::ifstream(pid_file) >> grandchild;
  ASSERT_GT(grandchild, 0);
  // Killed: gone, or a zombie until its new parent reaps it.
  bool gone = false;
  for (int i = 0; i < 200 && !gone; ++i) {
    std::ifstream stat("/proc/" + std::to_string(grandchild) + "/stat");
    std::string pid, comm, state;
    gone = !(stat >> pid >> comm >> state) || state == "Z";
    if (!gone) std::this_thread::sleep_for(milliseconds(10));
  }
  EXPECT_TRUE(gone) << "the background sleep " << grandchild << " outlived the time limit";
}

// Killed in the middle of its output: only the steps certainly answered in full count.
TEST(RunCommand, StepsBeforeACutCount) {
  const trace::Trace t = generated(3);
  // The answers declare signals as the generated trace does, so they are compared with them.
  std::string answered = std::string("apcb-trace 1\n") + (t.observes_signals ? "observe signals\n" : "") +
                         trace::format_host_init(t.params, t.config) + "\n";
  for (std::size_t i = 0; i < 2; ++i)
    answered += trace::format_op(t.steps[i].op) + "\n" + trace::format_observation(*t.steps[i].expected);
  const std::string file = ::testing::TempDir() + "sut_command_test_answered.trace";
  std::ofstream(file) << answered << trace::format_op(t.steps[2].op) << "\n= 0";
  const CommandRun r = run_command("cat > /dev/null; cat '" + file + "'; kill -9 $$", t, milliseconds(10000));
  ASSERT_TRUE(r.failure);
  EXPECT_EQ(r.failure->kind, Outcome::Kind::died);
  EXPECT_TRUE(WIFSIGNALED(r.failure->status));
  // Step 3 was the last step written before the cut: its block ("= 0" without a newline, maybe
  // more to come) does not count; steps 1 and 2, each followed by a further step, do.
  ASSERT_EQ(r.answers.size(), 2u);
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(r.answers[i].kind, Outcome::Kind::observed);
    EXPECT_EQ(r.answers[i].observation, *t.steps[i].expected);
  }
  EXPECT_EQ(r.failure->phase, Outcome::Phase::step);
}

TEST(RunCommand, ShellThatCannotRunTheCommandIsALoadError) {
  const CommandRun r = run_command("/nonexistent/implementation", generated(1), milliseconds(10000));
  ASSERT_TRUE(r.failure);
  EXPECT_EQ(r.failure->kind, Outcome::Kind::load_error);
  EXPECT_NE(r.failure->detail.find("exit status 127: not found"), std::string::npos) << r.failure->detail;
}

}  // namespace
}  // namespace apcb::sut
