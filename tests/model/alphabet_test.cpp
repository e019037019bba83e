// Tests of the operation alphabet (model/alphabet.def, model/op.h): every row reaches every
// layer that speaks the alphabet. The compiler catches a row a switch or visitor lacks; these
// catch what it cannot: a kind the trace parser does not read back, an ABI conversion that
// loses it, a read that mutates.
#include "model/op.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <iterator>

#include "model/step.h"
#include "sut/convert.h"
#include "trace/trace.h"

namespace apcb::model {
namespace {

TEST(Alphabet, KindsAreTheVariantsAlternativesInOrder) {
  std::uint32_t previous_abi = 0;
  for (const OpInfo& row : kAlphabet) {
    EXPECT_EQ(kind_of(example_op(row.kind)), row.kind) << row.name;
    // ABI numbers start at 1 and ascend with the rows (a number may be reserved for a row of
    // another branch: guest_aqic is 21 while 19 and 20 belong to driver_override), and each
    // number names its row.
    EXPECT_GT(row.abi, previous_abi) << row.name;
    EXPECT_EQ(kind_of_abi(row.abi), std::optional<OpKind>(row.kind)) << row.name;
    previous_abi = row.abi;
  }
  EXPECT_EQ(kAlphabet.front().abi, 1u);
  EXPECT_EQ(kMaxOpAbi, previous_abi);
  EXPECT_EQ(kind_of_abi(0), std::nullopt);
  EXPECT_EQ(kind_of_abi(kMaxOpAbi + 1), std::nullopt);
}

TEST(Alphabet, EveryKindRoundTripsThroughTheTraceFormat) {
  for (const OpInfo& row : kAlphabet) {
    const Op op = example_op(row.kind);
    const std::string text = "apcb-trace 1\n" +
                             trace::format_host_init(HostParams{true, 255, 255}, Matrix{}) + "\n" +
                             trace::format_op(op) + "\n";
    auto parsed = trace::parse_trace(text, row.name);
    ASSERT_TRUE(std::holds_alternative<trace::Trace>(parsed))
        << row.name << ": " << std::get<trace::TraceError>(parsed).to_string();
    const auto& t = std::get<trace::Trace>(parsed);
    ASSERT_EQ(t.steps.size(), 1u) << row.name;
    EXPECT_EQ(t.steps[0].op, op) << row.name << ": " << trace::format_op(op);
  }
}

TEST(Alphabet, EveryKindRoundTripsThroughThePluginAbi) {
  for (const OpInfo& row : kAlphabet) {
    const Op op = example_op(row.kind);
    const sut::COp c(op);
    EXPECT_EQ(c.get()->kind, row.abi) << row.name;
    const std::optional<Op> back = sut::op_from_c(*c.get());
    ASSERT_TRUE(back.has_value()) << row.name;
    EXPECT_EQ(*back, op) << row.name;
  }
}

// A reset-response sequence (ABI minor 2) round-trips through the trace format and the ABI's
// `text`; a `text` whose first byte is not `response`, or longer than 16 codes, is no operation.
TEST(Alphabet, ResetResponseSequenceRoundTripsThroughTheTraceFormatAndThePluginAbi) {
  const Op op = op::ResetResponse{Apqn{5, 4}, response::busy, {response::busy, response::assoc_failed}};
  EXPECT_EQ(trace::format_op(op), "host reset-response 05.0004 0x05,0x05,0x36");
  const sut::COp c(op);
  ASSERT_EQ(c.get()->text_len, 3U);
  EXPECT_EQ(c.get()->response, response::busy);
  const std::optional<Op> back = sut::op_from_c(*c.get());
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, op);
  apcb_sut_op bad = *c.get();
  const std::uint8_t other[] = {response::normal, response::busy};
  bad.text = other;
  bad.text_len = sizeof other;
  EXPECT_FALSE(sut::op_from_c(bad).has_value());
  const std::uint8_t too_long[17] = {response::busy};
  bad.text = too_long;
  bad.text_len = sizeof too_long;
  EXPECT_FALSE(sut::op_from_c(bad).has_value());
}

TEST(Alphabet, KindsThatDoNotMutateLeaveTheStateAsItWas) {
  // A state where every read has something to show: an mdev with a queue, a guest attached.
  State s = State::initial(HostParams{true, 255, 255}, Matrix{Mask::of({5}), Mask::of({4}), Mask::of({4})});
  for (const Op& setup : {Op{op::BusMaskWrite{BusMask::apmask, "-5\n"}}, example_op(OpKind::mdev_create),
                          example_op(OpKind::attr_write),
                          Op{op::AttrWrite{"11111111-1111-1111-1111-111111111111", MdevAttr::assign_domain, "4\n"}},
                          example_op(OpKind::guest_create), example_op(OpKind::guest_attach)})
    ASSERT_EQ(model::apply(s, setup).result, Errno::ok) << trace::format_op(setup);
  for (const OpInfo& row : kAlphabet) {
    if (row.mutates) continue;
    State after = s;
    model::apply(after, example_op(row.kind));
    EXPECT_EQ(after, s) << row.name << " is marked as not mutating but changed the state";
  }
}

TEST(Alphabet, AttributeViewAndMaskNamesAreTheirSysfsFiles) {
  EXPECT_EQ(name_of(MdevAttr::assign_control_domain), "assign_control_domain");
  EXPECT_EQ(name_of(MdevAttr::ap_config), "ap_config");
  EXPECT_EQ(name_of(MdevView::guest_matrix), "guest_matrix");
  EXPECT_EQ(name_of(BusMask::aqmask), "aqmask");
}

TEST(Alphabet, EveryKindHasAnOperationClassListedInOperationClasses) {
  const std::vector<std::string>& all = operation_classes();
  for (const OpInfo& row : kAlphabet) {
    const std::string c = operation_class(example_op(row.kind));
    EXPECT_TRUE(c.starts_with(row.name)) << c;
    EXPECT_NE(std::find(all.begin(), all.end(), c), all.end()) << c;
  }
  EXPECT_EQ(operation_class(op::AttrWrite{"u", MdevAttr::assign_domain, "4\n"}), "attr_write assign_domain");
  EXPECT_EQ(operation_class(op::DeviceReset{"u"}), "device_reset");
  EXPECT_EQ(operation_class(op::ReadMdev{"u", MdevView::guest_matrix}), "read_mdev guest_matrix");
  EXPECT_EQ(operation_class(op::ReadBusMask{BusMask::aqmask}), "read_bus_mask aqmask");
  // kinds without a qualifier once, attr_write per attribute, read_mdev per view, masks per mask
  EXPECT_EQ(all.size(), kOpKindCount - 4 + std::size(kMdevAttrNames) + std::size(kMdevViewNames) +
                            2 * std::size(kBusMaskNames));
}

TEST(DivergenceCause, NamesTheFirstPartThatDiffers) {
  const Commit c1{1, Matrix{Mask::of({5}), Mask::of({4}), {}}};
  const Commit c2{1, Matrix{Mask::of({6}), Mask::of({4}), {}}};
  const Reset r1{Apqn{5, 4}}, r2{Apqn{5, 5}};
  EXPECT_EQ(divergence_cause({Errno::ebusy, "", {}}, {Errno::eio, "", {}}), "result EBUSY vs EIO");
  EXPECT_EQ(divergence_cause({Errno::ok, "a\n", {}}, {Errno::ok, "b\n", {}}), "output");
  EXPECT_EQ(divergence_cause({Errno::ok, "", {}}, {Errno::ok, "", {c1}}), "commits 0 vs 1");
  EXPECT_EQ(divergence_cause({Errno::ok, "", {c2}}, {Errno::ok, "", {c1}}), "commit contents");
  EXPECT_EQ(divergence_cause({Errno::ok, "", {r1, r1}}, {Errno::ok, "", {r1}}), "resets 2 vs 1");
  EXPECT_EQ(divergence_cause({Errno::ok, "", {r1, c1}}, {Errno::ok, "", {c1, r1}}), "resets between commits");
  EXPECT_EQ(divergence_cause({Errno::ok, "", {r1, r2}}, {Errno::ok, "", {r2, r1}}), "");  // equivalent
  // a duplicated reset is a difference: batches compare as multisets
  EXPECT_FALSE(equivalent({Errno::ok, "", {r1, r1, r2}}, {Errno::ok, "", {r1, r2, r2}}));
  EXPECT_EQ(divergence_cause({Errno::ok, "", {r1, r1, r2}}, {Errno::ok, "", {r1, r2, r2}}), "reset queues");
}

TEST(DivergenceCause, SignalsCountOnlyWhenBothSidesSeeThem) {
  const Commit c1{1, Matrix{Mask::of({5}), Mask::of({4}), {}}};
  const Reset r1{Apqn{5, 4}};
  const Signal s1{1}, s2{2};
  const Observation with{Errno::ok, "", {c1, s1, r1}};
  const Observation without{Errno::ok, "", {c1, r1}};
  EXPECT_FALSE(equivalent(without, with));
  EXPECT_EQ(divergence_cause(without, with), "signals 0 vs 1");
  EXPECT_EQ(divergence_cause({Errno::ok, "", {c1, s2, r1}}, with), "signal order");
  EXPECT_EQ(divergence_cause({Errno::ok, "", {s1, c1, r1}}, with), "signal order");
  // A signal is a batch boundary for resets, like a commit.
  EXPECT_EQ(divergence_cause({Errno::ok, "", {c1, r1, s1}}, with), "resets between commits");
  // An observer that cannot see signals (an old trace, a minor-0 plugin) is compared without.
  Observation blind = without;
  blind.sees_signals = false;
  EXPECT_TRUE(equivalent(blind, with));
  EXPECT_TRUE(equivalent(with, blind));
  EXPECT_EQ(divergence_cause(blind, with), "");
  EXPECT_TRUE(equivalent(without_signals(with), without));
  EXPECT_EQ(without_signals(with).events, without.events);
}

// Every event kind of the alphabet (APCB_EVENT rows) reads back from the trace format and the
// plugin ABI as itself.
TEST(Alphabet, EveryEventKindRoundTripsThroughTheTraceFormatAndThePluginAbi) {
  const std::vector<Event> examples{Commit{3, Matrix{Mask::of({5}), Mask::of({4}), Mask::of({1})}},
                                    Reset{Apqn{5, 4}}, Signal{3}};
  std::size_t rows = 0;
#define APCB_EVENT(Type, kind, abi, abi_enum) ++rows;
#include "model/alphabet.def"
  ASSERT_EQ(rows, std::variant_size_v<Event>);
  ASSERT_EQ(examples.size(), rows);
  const Observation obs{Errno::ok, "", examples};
  const std::string text = "apcb-trace 1\nobserve signals\n" +
                           trace::format_host_init(HostParams{true, 255, 255}, Matrix{}) + "\n" +
                           trace::format_op(op::VcpuObserve{3}) + "\n" + trace::format_observation(obs);
  auto parsed = trace::parse_trace(text, "events");
  ASSERT_TRUE(std::holds_alternative<trace::Trace>(parsed)) << std::get<trace::TraceError>(parsed).to_string();
  ASSERT_TRUE(std::get<trace::Trace>(parsed).steps.at(0).expected.has_value());
  EXPECT_EQ(*std::get<trace::Trace>(parsed).steps[0].expected, obs);
  sut::CObservation c;
  c.set(obs);
  apcb_sut_observation out{};
  c.fill(&out);
  ASSERT_EQ(out.event_count, examples.size());
  EXPECT_EQ(out.events[0].kind, APCB_SUT_EVENT_COMMIT);
  EXPECT_EQ(out.events[1].kind, APCB_SUT_EVENT_RESET);
  EXPECT_EQ(out.events[2].kind, APCB_SUT_EVENT_SIGNAL);
  EXPECT_EQ(sut::observation_from_c(out), obs);
}

}  // namespace
}  // namespace apcb::model
