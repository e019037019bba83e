// Tests of trace/trace.h: the format reads what it writes, for every operation and every
// observation the engines produce, and bad input gets an error naming line and column.
#include "trace/trace.h"

#include <gtest/gtest.h>

#include "model/step.h"
#include "harness/generate.h"

namespace apcb::trace {
namespace {

using namespace model;

constexpr const char* kUuid = "11111111-1111-1111-1111-111111111111";

Trace parse_ok(std::string_view text) {
  auto r = parse_trace(text, "t.trace");
  if (auto* e = std::get_if<TraceError>(&r)) {
    ADD_FAILURE() << e->to_string();
    return Trace{};
  }
  return std::get<Trace>(r);
}

TraceError parse_error(std::string_view text) {
  auto r = parse_trace(text, "t.trace");
  if (auto* e = std::get_if<TraceError>(&r)) return *e;
  ADD_FAILURE() << "parsed, but should not have";
  return TraceError{};
}

TEST(TraceFormat, DocumentedExampleRunsAndMatches) {
  const std::string text = std::string(R"(apcb-trace 1
# The three-guest example, first mdev.
host init apxa=1 na=0xff nd=0xff adapters=05-06 domains=0004,00ab control=-
echo -5,-6 > /sys/bus/ap/apmask
= 0
echo -4,-0xab > /sys/bus/ap/aqmask
echo )") + kUuid + R"( > /sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create
= 0
guest create 1 msax3=1
vfio open )" + kUuid + R"( guest=1
= 0
commit guest=1 adapters=- domains=- control=-
echo 5 > /sys/devices/vfio_ap/matrix/)" + kUuid + R"(/assign_adapter
= 0
commit guest=1 adapters=05 domains=- control=-
printf '0x04\n' > /sys/devices/vfio_ap/matrix/)" + kUuid + R"(/assign_domain
= 0
commit guest=1 adapters=05 domains=0004 control=-
echo 0x100 > /sys/devices/vfio_ap/matrix/)" + kUuid + R"(/assign_adapter
= ENODEV
cat /sys/devices/vfio_ap/matrix/)" + kUuid + R"(/matrix
= 0
| 05.0004
)";
  Trace t = parse_ok(text);
  ASSERT_EQ(t.steps.size(), 9U);
  EXPECT_EQ(t.steps[7].line, 19);
  State s = t.initial_state();
  for (const TraceStep& step : t.steps) {
    Observation obs = model::apply(s, step.op);
    if (step.expected) {
      EXPECT_TRUE(equivalent(obs, *step.expected)) << "line " << step.line << "\n" << format_observation(obs);
    }
  }
}

TEST(TraceFormat, EveryRandomStepRoundTrips) {
  int steps = 0;
  for (std::uint64_t seed = 1; seed <= 300; ++seed) {
    harness::OpGenerator gen(harness::SeededEntropy(seed), harness::GeneratorKnobs::defaults());
    Trace t;
    t.params = gen.params();
    t.config = gen.config();
    State s = t.initial_state();
    for (int i = 0; i < 40; ++i) {
      Op op = gen.next();
      Observation obs = model::apply(s, op);
      t.steps.push_back(TraceStep{op, obs, 0, {}});
    }
    const std::string text = format_trace(t);
    Trace back = parse_ok(text);
    ASSERT_EQ(back.steps.size(), t.steps.size()) << text;
    EXPECT_EQ(back.params, t.params);
    EXPECT_EQ(back.config, t.config);
    for (std::size_t i = 0; i < t.steps.size(); ++i) {
      ASSERT_TRUE(back.steps[i].op == t.steps[i].op) << "step " << i << ": " << format_op(t.steps[i].op);
      ASSERT_TRUE(back.steps[i].expected == t.steps[i].expected) << "step " << i << ": " << format_op(t.steps[i].op);
      ++steps;
    }
    EXPECT_EQ(format_trace(back), text);
  }
  EXPECT_EQ(steps, 300 * 40);
}

// 6.15 signals (docs/trace-format.md, "Signals"): stated only by a trace that declares
// `observe signals`; a trace written before signals existed is compared without them.
TEST(TraceFormat, SignalLinesNeedTheDeclaration) {
  const std::string host = "host init apxa=1 na=0xff nd=0xff adapters=- domains=- control=-\n";
  const std::string step = "vcpu read 1\n= ENOENT\n";
  TraceError e = parse_error("apcb-trace 1\n" + host + step + "signal guest=1\n");
  EXPECT_EQ(e.line, 5);
  EXPECT_EQ(e.column, 1);
  EXPECT_NE(e.message.find("observe signals"), std::string::npos) << e.message;
  e = parse_error("apcb-trace 1\nobserve signals\nobserve signals\n" + host);
  EXPECT_EQ(e.line, 3);
  e = parse_error("apcb-trace 1\nobserve signals\n" + host + step + "signal guest=x\n");
  EXPECT_EQ(e.line, 6);
  e = parse_error("apcb-trace 1\nobserve signals\n" + host + step + "signal\n");
  EXPECT_EQ(e.message, "expected: signal guest=G");

  const Trace declared = parse_ok("apcb-trace 1\n# why\nobserve signals\n" + host + step + "signal guest=1\n");
  EXPECT_TRUE(declared.observes_signals);
  ASSERT_TRUE(declared.steps.at(0).expected.has_value());
  EXPECT_TRUE(declared.steps[0].expected->sees_signals);
  EXPECT_EQ(declared.steps[0].expected->events, std::vector<Event>{Signal{1}});
  EXPECT_EQ(format_trace(declared), "apcb-trace 1\n# why\nobserve signals\n" + host + step + "signal guest=1\n");

  const Trace old = parse_ok("apcb-trace 1\n" + host + step);
  EXPECT_FALSE(old.observes_signals);
  EXPECT_FALSE(old.steps.at(0).expected->sees_signals);
  EXPECT_EQ(format_trace(old), "apcb-trace 1\n" + host + step);  // reads back undeclared
}

// A trace recorded before signals existed still conforms under the latest kernel, whose model
// signals; the same steps with the declaration must state the signals.
TEST(TraceFormat, OldTracesAreComparedWithoutSignals) {
  const std::string host = "host init apxa=1 na=0xff nd=0xff adapters=05 domains=0004 control=-\n";
  const std::string setup = std::string("echo -5 > /sys/bus/ap/apmask\n") + "echo " + kUuid +
                            " > /sys/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create\n" +
                            "guest create 1 msax3=1\nvfio open " + kUuid + " guest=1\n= 0\n" +
                            "commit guest=1 adapters=- domains=- control=-\n" + "echo 5 > /sys/devices/vfio_ap/matrix/" +
                            kUuid + "/assign_adapter\n= 0\ncommit guest=1 adapters=05 domains=- control=-\n";
  const auto conforms = [](const Trace& t) {
    State s = t.initial_state();
    for (const TraceStep& step : t.steps) {
      const Observation obs = model::apply(s, step.op);
      if (step.expected && !equivalent(obs, *step.expected)) return false;
    }
    return true;
  };
  EXPECT_TRUE(conforms(parse_ok("apcb-trace 1\n" + host + setup)));
  EXPECT_FALSE(conforms(parse_ok("apcb-trace 1\nobserve signals\n" + host + setup)));
  EXPECT_TRUE(conforms(parse_ok("apcb-trace 1\nobserve signals\n" + host + setup + "signal guest=1\n")));
}

TEST(TraceFormat, ArbitraryBytesGoThroughPrintf) {
  std::string bytes;
  for (int c = 0; c < 256; ++c) bytes += static_cast<char>(c);
  const Op op = op::AttrWrite{kUuid, MdevAttr::ap_config, bytes};
  const std::string line = format_op(op);
  EXPECT_EQ(line.rfind("printf '", 0), 0U);
  Trace t = parse_ok("apcb-trace 1\nhost init apxa=1 na=0xff nd=0xff adapters=- domains=- control=-\n" + line + "\n");
  ASSERT_EQ(t.steps.size(), 1U);
  EXPECT_TRUE(t.steps[0].op == op);
  // `echo -n`, and words echo would take as options, are not written with echo.
  EXPECT_EQ(format_op(op::BusMaskWrite{BusMask::apmask, "0x5"}), "echo -n 0x5 > /sys/bus/ap/apmask");
  EXPECT_EQ(format_op(op::BusMaskWrite{BusMask::apmask, "-n\n"}), "printf '-n\\n' > /sys/bus/ap/apmask");
  EXPECT_EQ(format_op(op::BusMaskWrite{BusMask::apmask, "-5,-6\n"}), "echo -5,-6 > /sys/bus/ap/apmask");
}

TEST(TraceFormat, IdSetsUseRanges) {
  EXPECT_EQ(format_id_set(Mask{}, 2), "-");
  EXPECT_EQ(format_id_set(Mask::of({5, 6, 7, 10}), 2), "05-07,0a");
  EXPECT_EQ(format_id_set(Mask::of({5, 6}), 4), "0005,0006");
  EXPECT_EQ(format_id_set(Mask::all(), 2), "00-ff");
}

TEST(TraceFormat, ErrorsNameLineAndColumn) {
  const std::string head = "apcb-trace 1\nhost init apxa=1 na=0xff nd=0xff adapters=- domains=- control=-\n";
  EXPECT_EQ(parse_error("").message.substr(0, 11), "empty trace");
  EXPECT_EQ(parse_error("apcb-trace 2\n").line, 1);
  TraceError e = parse_error(head + "echo 5 > /sys/devices/vfio_ap/matrix/u/assign_adaptor\n");
  EXPECT_EQ(e.line, 3);
  EXPECT_EQ(e.column, 40);
  EXPECT_EQ(e.to_string(), "t.trace:3:40: unknown or read-only mdev attribute 'assign_adaptor'");
  e = parse_error(head + "host config adapters=05-03 domains=- control=-\n");
  EXPECT_EQ(e.column, 22);
  e = parse_error(head + "cat /sys/bus/ap/apmask\n= EWHAT\n");
  EXPECT_EQ(e.line, 4);
  EXPECT_EQ(e.column, 3);
  e = parse_error(head + "= 0\n");
  EXPECT_EQ(e.message, "an expectation needs a step before it");
  e = parse_error(head + "printf '5%d' > /sys/bus/ap/apmask\n");
  EXPECT_EQ(e.column, 10);
  e = parse_error(head + "echo 5;rm > /sys/bus/ap/apmask\n");
  EXPECT_EQ(e.column, 6);
  e = parse_error(head + "cat /sys/bus/ap/devices/card05/06.0004/status\n");
  EXPECT_EQ(e.line, 3);
  e = parse_error(head + "vfio open u guest=x\n");
  EXPECT_EQ(e.column, 19);
  e = parse_error(head + "echo 1\x01 > /sys/bus/ap/apmask\n");
  EXPECT_EQ(e.column, 7);
}

}  // namespace
}  // namespace apcb::trace
