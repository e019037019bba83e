// Tests of trace/reader.h: a trace read from a stream, step by step, gives exactly what
// parse_trace gives (across the reader's 1 MiB chunks), steps are handed out in order with
// their expectations and comments, and errors come at the right moment.
#include "trace/reader.h"

#include <gtest/gtest.h>

#include <sstream>

#include "harness/conformance.h"

namespace apcb::trace {
namespace {

constexpr const char* kHost = "host init apxa=1 na=0xff nd=0xff adapters=02 domains=0003 control=-\n";
constexpr const char* kCreate =
    "echo 11111111-1111-1111-1111-111111111111 > /sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create\n";

// Every step a reader gives, and its error.
struct ReadAll {
  std::vector<TraceStep> steps;
  std::optional<TraceError> error;
};
ReadAll read_all(TraceReader& reader) {
  ReadAll out;
  if (!reader.start()) {
    out.error = reader.error();
    return out;
  }
  TraceStep step;
  while (reader.next(step)) out.steps.push_back(step);
  out.error = reader.error();
  return out;
}

// A gen trace of 20,000 steps is ~1.9 MB: a line straddles the reader's 1 MiB chunk boundary.
TEST(TraceReader, StreamGivesWhatParseTraceGivesAcrossChunks) {
  const Trace generated = harness::generate_trace(3, 20000, true);
  const std::string text = format_trace(generated);
  ASSERT_GT(text.size(), std::size_t{1} << 20);
  std::istringstream in(text);
  TraceReader reader(in, "g.trace");
  ReadAll got = read_all(reader);
  ASSERT_FALSE(got.error) << got.error->to_string();
  Trace streamed;
  streamed.params = reader.params();
  streamed.config = reader.config();
  streamed.comments = reader.comments();
  streamed.steps = std::move(got.steps);
  streamed.trailing_comments = reader.trailing_comments();
  EXPECT_EQ(format_trace(streamed), text);
  EXPECT_EQ(reader.steps_read(), std::size_t{20000});
}

TEST(TraceReader, StepsComeWithTheirExpectationsAndComments) {
  const std::string text = std::string("apcb-trace 1\n# before host\n") + kHost + "# why\n" + kCreate +
                           "= 0\ncat /sys/bus/ap/apmask\n= 0\n| 0xffff\n# at the end\n";
  TraceReader reader(std::string_view(text), "t.trace");
  ReadAll got = read_all(reader);
  ASSERT_FALSE(got.error);
  ASSERT_EQ(got.steps.size(), 2U);
  EXPECT_EQ(got.steps[0].comments, std::vector<std::string>{"# why"});
  EXPECT_EQ(got.steps[0].line, 5);
  ASSERT_TRUE(got.steps[1].expected);
  EXPECT_EQ(got.steps[1].expected->output, "0xffff\n");
  EXPECT_EQ(reader.comments(), std::vector<std::string>{"# before host"});
  EXPECT_EQ(reader.trailing_comments(), std::vector<std::string>{"# at the end"});
}

// A bad step line completes the step before it: that step comes first, the error next.
TEST(TraceReader, BadStepLineComesAfterTheStepBeforeIt) {
  const std::string text = std::string("apcb-trace 1\n") + kHost + kCreate + "= EBUSY\nbogus step\n";
  TraceReader reader(std::string_view(text), "t.trace");
  ASSERT_TRUE(reader.start());
  TraceStep step;
  ASSERT_TRUE(reader.next(step));
  EXPECT_EQ(step.line, 3);
  EXPECT_FALSE(reader.error());
  EXPECT_FALSE(reader.next(step));
  ASSERT_TRUE(reader.error());
  EXPECT_EQ(reader.error()->to_string(), "t.trace:5:1: unknown step 'bogus step'");
  EXPECT_FALSE(reader.next(step));  // and it stays stopped
}

// A bad expectation line belongs to its step: that step is never handed out.
TEST(TraceReader, BadExpectationLineStopsBeforeItsStep) {
  const std::string text = std::string("apcb-trace 1\n") + kHost + kCreate + "= EFOO\n";
  TraceReader reader(std::string_view(text), "t.trace");
  ASSERT_TRUE(reader.start());
  TraceStep step;
  EXPECT_FALSE(reader.next(step));
  ASSERT_TRUE(reader.error());
  EXPECT_EQ(reader.error()->line, 4);
}

TEST(TraceReader, HeaderErrorsComeFromStart) {
  TraceReader empty(std::string_view(""), "e.trace");
  EXPECT_FALSE(empty.start());
  EXPECT_EQ(empty.error()->to_string(), "e.trace:1:1: empty trace: expected the line 'apcb-trace 1'");
  TraceReader no_host(std::string_view("apcb-trace 1\n# only a comment\n"), "h.trace");
  EXPECT_FALSE(no_host.start());
  EXPECT_EQ(no_host.error()->to_string(), "h.trace:3:1: missing 'host init' line");
}

// `# kernel: V` before `host init` declares the profile the expectations follow; the state a
// reader or a parsed trace starts from follows it, and declare_kernel writes it back.
TEST(TraceReader, KernelDeclarationIsReadStrictlyAndRoundTrips) {
  const std::string text = std::string("apcb-trace 1\n# kernel: 6.0\n") + kHost;
  TraceReader reader(std::string_view(text), "k.trace");
  ASSERT_TRUE(reader.start());
  EXPECT_EQ(reader.kernel(), model::KernelVersion::v6_0);
  EXPECT_EQ(reader.initial_state().kernel, model::KernelVersion::v6_0);
  Trace t = std::get<Trace>(parse_trace(text, "k.trace"));
  EXPECT_EQ(t.kernel, model::KernelVersion::v6_0);
  EXPECT_EQ(t.initial_state().kernel, model::KernelVersion::v6_0);
  declare_kernel(t, model::KernelVersion::v6_12);
  EXPECT_EQ(format_trace(t), std::string("apcb-trace 1\n# kernel: 6.12\n") + kHost);
  declare_kernel(t, model::KernelVersion::latest);
  EXPECT_EQ(format_trace(t), std::string("apcb-trace 1\n") + kHost);
  EXPECT_EQ(std::get<Trace>(parse_trace(format_trace(t), "k.trace")).kernel, std::nullopt);
  // Not a declaration: other comments, and a `kernel:` that is not the comment's first word.
  const std::string others = std::string("apcb-trace 1\n#kernel: 6.0\n# the kernel: 6.0\n") + kHost;
  EXPECT_EQ(std::get<Trace>(parse_trace(others, "o.trace")).kernel, std::nullopt);
  // A declaration names exactly one profile.
  auto bad = parse_trace(std::string("apcb-trace 1\n# kernel: 6.2\n") + kHost, "b.trace");
  EXPECT_TRUE(std::get<TraceError>(bad).to_string().starts_with("b.trace:2:11: '6.2' is not a kernel version"))
      << std::get<TraceError>(bad).to_string();
  auto two = parse_trace(std::string("apcb-trace 1\n  # kernel: 6.0 6.1\n") + kHost, "t.trace");
  EXPECT_TRUE(std::get<TraceError>(two).to_string().starts_with("t.trace:2:5: expected '# kernel: VERSION' (one of"))
      << std::get<TraceError>(two).to_string();
  // The reader and declare_kernel follow one rule: `# kernel:6.0` (no space) is a plain
  // comment to both, so declare_kernel keeps it (it used to drop it as a declaration).
  Trace glued = std::get<Trace>(parse_trace(std::string("apcb-trace 1\n# kernel:6.0\n") + kHost, "g.trace"));
  EXPECT_EQ(glued.kernel, std::nullopt);
  declare_kernel(glued, model::KernelVersion::v6_1);
  EXPECT_EQ(format_trace(glued), std::string("apcb-trace 1\n# kernel:6.0\n# kernel: 6.1\n") + kHost);
}

// A line over 16 MiB is refused at its position, from a stream as from memory.
TEST(TraceReader, OverlongLineIsRefused) {
  const std::string text = std::string("apcb-trace 1\n") + kHost + "# " + std::string((std::size_t{16} << 20) + 1, 'x') + "\n";
  std::istringstream in(text);
  TraceReader reader(in, "o.trace");
  ASSERT_TRUE(reader.start());
  TraceStep step;
  EXPECT_FALSE(reader.next(step));
  ASSERT_TRUE(reader.error());
  EXPECT_EQ(reader.error()->to_string(), "o.trace:3:1: line longer than 16777216 bytes");
}

}  // namespace
}  // namespace apcb::trace
