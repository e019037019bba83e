// The unbounded proof of the commit protocol (proofs/protocol_unbounded.h) against the bounded
// one (proofs/protocol.h): the invariant holds on every reachable state of the explicit-state
// searches, so both model the same protocol; the wrong protocols' searches reach states outside
// it; schedules replay; the writer-run checker accepts the kernel's order and refuses others.
#include <gtest/gtest.h>

#include <map>
#include <stdexcept>

#include "proofs/protocol.h"
#include "proofs/protocol_unbounded.h"
#include "proofs/proofs.h"

namespace apcb::proofs {
namespace {

using detail::PConjunct;
using detail::Protocol;
using detail::ProtocolBound;
using detail::ProtocolSnapshot;

// Evaluates every conjunct of `protocol`'s invariant, and safety for every vCPU, on every
// reachable state of `protocol` within `b`; returns the failures per conjunct ("safety" too).
struct Evaluation {
  std::size_t states = 0;
  std::map<std::string, std::size_t> failures;
};
Evaluation evaluate_reachable(Protocol protocol, const ProtocolBound& b) {
  z3::context ctx;
  const detail::PDomain dom(ctx, b.vcpus, b.words);
  Evaluation out;
  out.states = detail::for_each_reachable(protocol, b, [&](const ProtocolSnapshot& snap) {
    const detail::PState s = detail::pstate_of(dom, snap);
    for (PConjunct c : detail::kPConjuncts)
      if (!detail::pevaluate(detail::pconjunct(dom, protocol, c, s))) ++out.failures[detail::pconjunct_name(c)];
    for (int v = 0; v < b.vcpus; ++v)
      if (!detail::pevaluate(detail::psafe(dom, s, dom.vcpu_elem(v)))) ++out.failures["safety"];
  });
  return out;
}

TEST(ProtocolUnbounded, InvariantHoldsOnEveryReachableStateOfTheBoundedSearches) {
  // The three bounds of p5.protocol and two more.
  std::size_t total = 0;
  for (const ProtocolBound& b : {ProtocolBound{2, 2, 3, 2}, ProtocolBound{3, 2, 3, 1}, ProtocolBound{2, 1, 12, 2},
                                 ProtocolBound{1, 3, 3, 3}, ProtocolBound{2, 3, 2, 2}}) {
    const Evaluation e = evaluate_reachable(Protocol::block_all, b);
    EXPECT_EQ(e.states, detail::check_protocol(Protocol::block_all, b).states)
        << b.vcpus << " vCPUs " << b.commits << " commits " << b.words << " words " << b.entries << " entries";
    for (const auto& [name, n] : e.failures)
      ADD_FAILURE() << name << " fails on " << n << " reachable states of " << b.vcpus << "/" << b.commits << "/"
                    << b.words << "/" << b.entries;
    total += e.states;
  }
  EXPECT_EQ(total, 1643U + 4143U + 4479U + detail::check_protocol(Protocol::block_all, {1, 3, 3, 3}).states +
                       detail::check_protocol(Protocol::block_all, {2, 3, 2, 2}).states);
}

TEST(ProtocolUnbounded, WrongProtocolsReachStatesOutsideTheInvariant) {
  // The evaluation can fail: the wrong protocols' searches reach states that break the
  // invariant (a vCPU in SIE while the writer writes) and states whose complete read is torn.
  for (Protocol p : {Protocol::no_block, Protocol::check_then_enter}) {
    Evaluation e = evaluate_reachable(p, ProtocolBound{2, 2, 3, 2});
    EXPECT_GT(e.failures["safety"], 0U) << static_cast<int>(p);
    EXPECT_GT(e.failures["all_waited"] + e.failures["kept_out"], 0U) << static_cast<int>(p);
  }
}

TEST(ProtocolUnbounded, EvaluationIsGroundOnly) {
  z3::context ctx;
  const detail::PDomain dom(ctx, 1, 1);
  EXPECT_THROW(detail::pevaluate(ctx.bool_const("x")), std::logic_error);
  EXPECT_TRUE(detail::pevaluate(dom.all_units([&](const z3::expr& u) { return u == dom.unit_elem(0); })));
}

TEST(ProtocolUnbounded, SchedulesReplay) {
  // no_block: the vCPU reads word 0 of image 0, the writer writes both words, the vCPU reads
  // word 1 of image 1.
  const detail::Schedule torn{0, 0, 0, -1, -1, 0, 0};
  const detail::ProtocolResult r = detail::replay_schedule(Protocol::no_block, {1, 1, 2, 1}, torn);
  EXPECT_TRUE(r.torn);
  ASSERT_EQ(r.schedule.size(), torn.size());
  EXPECT_NE(r.schedule.back().find("TORN"), std::string::npos);
  // The same interleaving under the kernel's protocol cannot happen: the writer's wait blocks.
  EXPECT_THROW(detail::replay_schedule(Protocol::block_all, {1, 1, 2, 1}, {0, 0, -1, -1, -1}), std::invalid_argument);
  // A consistent read is not torn.
  EXPECT_FALSE(detail::replay_schedule(Protocol::no_block, {1, 1, 2, 1}, {-1, -1, 0, 0, 0, 0, 0}).torn);
}

TEST(ProtocolUnbounded, TearingSchedulesAreFoundOnlyForWrongProtocols) {
  detail::ProtocolProjection in_sie;
  in_sie.pc = 2;
  in_sie.in_sie = true;
  const auto found = detail::find_tearing_schedule(Protocol::no_block, {1, 2, 2, 2}, in_sie, in_sie);
  ASSERT_TRUE(found.has_value());
  EXPECT_TRUE(detail::replay_schedule(Protocol::no_block, {1, 2, 2, 2}, *found).torn);
  EXPECT_FALSE(detail::find_tearing_schedule(Protocol::block_all, {1, 2, 2, 2}, in_sie, in_sie).has_value());
}

TEST(ProtocolUnbounded, WriterRunChecker) {
  // The kernel's order (block, wait per vCPU), and the bounded checker's (all blocks, then all
  // waits), with a restart after a partial write.
  EXPECT_EQ(detail::pcheck_writer_run(2, 2, {{"begin"}, {"block", 0}, {"wait", 0}, {"block", 1}, {"wait", 1},
                                             {"write", 0}, {"write", 1}, {"unblock", 0}, {"unblock", 1}, {"end"}}),
            "");
  EXPECT_EQ(detail::pcheck_writer_run(2, 2, {{"begin"}, {"block", 0}, {"block", 1}, {"wait", 0}, {"wait", 1},
                                             {"write", 1}, {"restart"}, {"write", 0}, {"write", 1}, {"unblock", 1},
                                             {"unblock", 0}, {"end"}}),
            "");
  // A write before every vCPU was waited for; a wait before the block; a word left unwritten;
  // a word written twice in one image; a vCPU left blocked; no end.
  EXPECT_NE(detail::pcheck_writer_run(2, 1, {{"begin"}, {"block", 0}, {"wait", 0}, {"write", 0}}), "");
  EXPECT_NE(detail::pcheck_writer_run(1, 1, {{"begin"}, {"wait", 0}}), "");
  EXPECT_NE(detail::pcheck_writer_run(1, 2, {{"begin"}, {"block", 0}, {"wait", 0}, {"write", 0}, {"unblock", 0}}),
            "");
  EXPECT_NE(detail::pcheck_writer_run(1, 2, {{"begin"}, {"block", 0}, {"wait", 0}, {"write", 0}, {"write", 0}}), "");
  EXPECT_NE(detail::pcheck_writer_run(2, 1, {{"begin"}, {"block", 0}, {"wait", 0}, {"block", 1}, {"wait", 1},
                                             {"write", 0}, {"unblock", 0}, {"end"}}),
            "");
  EXPECT_NE(detail::pcheck_writer_run(1, 1, {{"begin"}, {"block", 0}, {"wait", 0}, {"write", 0}, {"unblock", 0}}),
            "");
  EXPECT_NE(detail::pcheck_writer_run(1, 1, {{"begin"}, {"block", 3}}), "");
}

TEST(ProtocolUnbounded, ObligationsAnswerAsExpected) {
  Options o;
  o.width = 8;
  for (const std::string name : {"p5.protocol_unbounded", "p5.protocol_unbounded_without_blocking_tears",
                                 "p5.protocol_unbounded_check_then_enter_tears"}) {
    const Result r = run_obligation(name, o);
    EXPECT_EQ(r.verdict, Verdict::holds) << name << ": " << r.detail;
    EXPECT_LT(r.seconds, 20.0) << name;
  }
}

}  // namespace
}  // namespace apcb::proofs
