// Tests of the proofs themselves (proofs/): the rewrite every query goes through is an
// equivalence and its abstraction never proves a satisfiable formula; the commit-protocol
// model checker finds the torn reads it must; the events the encoding records agree with
// model::apply; the state constructor reaches what it is given; every obligation holds at
// width 8, also with more slots than the cut-off argument needs; and the counterexamples the
// obligations save are traces that replay with their expectations on the model and on the
// reference implementation.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "impl/host.h"
#include "harness/generate.h"
#include "model/step.h"
#include "trace/trace.h"
#include "proofs/agreement.h"
#include "proofs/invariant.h"
#include "proofs/localize.h"
#include "proofs/ops.h"
#include "proofs/protocol.h"
#include "proofs/proofs.h"
#include "proofs/prover.h"
#include "proofs/replay.h"

namespace apcb::proofs {
namespace {

using detail::Inv;
using detail::Localizer;
namespace z3enc = model::z3enc;

Options width8() {
  Options o;
  o.width = 8;
  return o;
}

z3::check_result solve(const z3::expr& f) {
  z3::solver s(f.ctx());
  s.add(f);
  return s.check();
}

// The induction formula of one operation instance, as the obligations build it.
z3::expr induction_formula(z3enc::Encoder& enc, const detail::OpInstance& inst) {
  z3::context& c = enc.ctx();
  const z3enc::SymState pre = enc.fresh("pre");
  const z3::expr a = c.bv_const("a", static_cast<unsigned>(enc.index_bits()));
  const z3enc::Transition t = enc.step(pre, inst.op);
  std::vector<z3::expr> at{a};
  at.insert(at.end(), inst.indices.begin(), inst.indices.end());
  z3::expr hyps = detail::inv_at_all(enc, pre, at, Inv{});
  for (const z3::expr& i : at) hyps = hyps && enc.definitions_at(t, i) && t.covered(i);
  return hyps && !(detail::inv_global(enc, t.post, Inv{}) && detail::inv_at(enc, t.post, a, Inv{}));
}

// Localizer's rewrite is an equivalence: on the induction formula of every operation (width 8,
// where the check is quick), f xor L(f) is unsat; and its abstraction proves them (unsat), as it
// must for the obligations to be fast.
TEST(Localizer, RewriteIsAnEquivalenceAndAbstractionProves) {
  z3::context c;
  z3enc::Encoder enc(c, detail::shape_of(width8()));
  int checked = 0;
  for (const detail::OpKind& kind : detail::op_kinds(enc, "op")) {
    Localizer localize(enc);
    const z3::expr f = induction_formula(enc, kind.instances.front());
    const z3::expr local = localize(f);
    EXPECT_EQ(solve(f != local), z3::unsat) << kind.name;
    EXPECT_EQ(solve(localize.abstracted()), z3::unsat) << kind.name;
    ++checked;
  }
  EXPECT_EQ(checked, 25);
}

// The abstraction over-approximates: a satisfiable formula (a mutant's failing induction and
// plain satisfiable set constraints) never comes out unsat.
TEST(Localizer, AbstractionNeverRefutesASatisfiableFormula) {
  z3::context c;
  z3enc::Encoder enc(c, detail::shape_of(width8()));
  const z3::expr x = c.bv_const("x", 8);
  const z3::expr y = c.bv_const("y", 8);
  const z3::expr i = c.bv_const("i", 3);
  const std::vector<z3::expr> sat_formulas{
      x != y && enc.bit(x, i),
      (x & y) != enc.zero() && !enc.bit(x & y, i),
      x == (y | enc.onehot(i)) && !enc.bit(y, i),
      enc.bit(x, i) && !enc.bit(y, i) && (x & ~y) != enc.zero(),
  };
  for (const z3::expr& f : sat_formulas) {
    ASSERT_EQ(solve(f), z3::sat) << f;
    Localizer localize(enc);
    const z3::expr local = localize(f);
    EXPECT_EQ(solve(f != local), z3::unsat) << f;
    EXPECT_NE(solve(localize.abstracted()), z3::unsat) << f;
  }
}

TEST(Protocol, BlockAllNeverTears) {
  for (const detail::ProtocolBound& b :
       {detail::ProtocolBound{1, 1, 3, 1}, detail::ProtocolBound{2, 2, 3, 2},
        detail::ProtocolBound{3, 2, 3, 1}, detail::ProtocolBound{2, 1, 12, 2},
        detail::ProtocolBound{2, 3, 3, 2}}) {
    const detail::ProtocolResult r = detail::check_protocol(detail::Protocol::block_all, b);
    EXPECT_FALSE(r.torn) << b.vcpus << " vCPUs";
    EXPECT_FALSE(r.deadlock) << b.vcpus << " vCPUs";
    EXPECT_GT(r.reads, 0u);
    EXPECT_GT(r.states, 10u);
  }
}

TEST(Protocol, WrongProtocolsTearWithASchedule) {
  for (detail::Protocol p : {detail::Protocol::no_block, detail::Protocol::check_then_enter}) {
    const detail::ProtocolResult r = detail::check_protocol(p, detail::ProtocolBound{});
    EXPECT_TRUE(r.torn);
    ASSERT_FALSE(r.schedule.empty());
    EXPECT_NE(r.schedule.back().find("TORN"), std::string::npos);
  }
  // One vCPU that reads one word cannot tear, whatever the writer does.
  EXPECT_FALSE(detail::check_protocol(detail::Protocol::no_block, detail::ProtocolBound{1, 2, 1, 2}).torn);
  EXPECT_THROW(detail::check_protocol(detail::Protocol::block_all, detail::ProtocolBound{4, 1, 1, 1}),
               std::invalid_argument);
}

// A host using IDs 0..3 with an mdev in a guest, then `steps` random operations: the walks
// the generator makes from State::initial alone rarely get past the bus masks.
model::State eventful_start(harness::OpGenerator<harness::SeededEntropy>& gen, const model::HostParams& params, int width) {
  const model::Mask low = model::Mask::of({0, 1, 2, 3});
  model::Matrix cfg = gen.config();
  cfg.adapters = (cfg.adapters | low) & model::Mask::up_to(width - 1);
  cfg.domains = (cfg.domains | low) & model::Mask::up_to(width - 1);
  cfg.control_domains = (cfg.control_domains | low) & model::Mask::up_to(width - 1);
  model::State s = model::State::initial(params, cfg);
  const std::string u = "11111111-1111-1111-1111-111111111111";
  for (const model::Op& op : std::vector<model::Op>{
           model::op::BusMaskWrite{model::BusMask::apmask, "-0,-1,-2\n"},
           model::op::MdevCreate{u}, model::op::GuestCreate{0, true},
           model::op::AttrWrite{u, model::MdevAttr::assign_adapter, "0\n"},
           model::op::AttrWrite{u, model::MdevAttr::assign_adapter, "1\n"},
           model::op::AttrWrite{u, model::MdevAttr::assign_domain, "1\n"},
           model::op::GuestAttach{u, 0}})
    model::apply(s, op);
  return s;
}

// The events the encoding records (z3enc::SymEvent: commits and reset batches, in order) agree
// with model::apply's observations, on random walks at full width and at width 8.
TEST(Events, AgreeWithTheModelOnRandomWalks) {
  for (int width : {8, 256}) {
    z3::context c;
    const auto max = static_cast<model::ApId>(width - 1);
    z3enc::Encoder enc(c, z3enc::Shape{width, 3, 2, model::HostParams{true, max, max}});
    int checked = 0;
    int events = 0;
    for (std::uint64_t seed = 1; seed <= (width == 256 ? 6u : 12u); ++seed) {
      harness::OpGenerator gen(harness::SeededEntropy(seed), harness::GeneratorKnobs::defaults());
      model::State s = eventful_start(gen, enc.shape().params, width);
      for (int step = 0; step < 40; ++step) {
        const model::Op op = gen.next(s);
        const std::string why = detail::agree_on(enc, s, op, &checked);
        ASSERT_EQ(why, "") << "seed " << seed << " step " << step;
        model::State next = s;
        events += static_cast<int>(model::apply(next, op).events.size());
        // Keep to states the instance can represent (the generator names IDs up to 255).
        try {
          (void)enc.concretize(next);
          s = next;
        } catch (const std::invalid_argument&) {
        }
      }
    }
    EXPECT_GT(checked, 100) << width;
    EXPECT_GT(events, 20) << width;
  }
}

// construct() reaches every reachable state it accepts (random walks at full width), and says
// why for the others.
TEST(Construct, ReachesTheStatesItAccepts) {
  int built = 0;
  int refused = 0;
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    harness::OpGenerator gen(harness::SeededEntropy(seed), harness::GeneratorKnobs::defaults());
    model::State s = eventful_start(gen, model::HostParams{true, 255, 255}, 256);
    for (int step = 0; step < 30; ++step) model::apply(s, gen.next(s));
    std::string why;
    const auto ops = detail::construct(s, 256, &why);
    if (!ops) {
      ++refused;
      EXPECT_FALSE(why.empty());
      continue;
    }
    ++built;
    model::State t = model::State::initial(s.params, s.cfg);
    for (const model::Op& op : *ops) ASSERT_TRUE(model::completed(op, model::apply(t, op).result));
    EXPECT_TRUE(detail::same_state(z3enc::normalize(t, 256), z3enc::normalize(s, 256)));
  }
  EXPECT_GT(built, 10);
  std::printf("[ construct] %d built, %d refused\n", built, refused);
}

// Runs the named obligations at width 8 into a fresh folder; returns the results.
std::vector<Result> run_small(const std::vector<std::string>& names, const std::string& dir,
                              int mdevs = 2, int guests = 2) {
  std::filesystem::remove_all(dir);
  Options options;
  options.width = 8;
  options.mdevs = mdevs;
  options.guests = guests;
  options.cex_dir = dir;
  return run_obligations(names, options, 2, nullptr);
}

TEST(Obligations, EveryObligationHoldsAtWidth8) {
  const std::vector<Result> results = run_small({}, "proofs_test_all");
  ASSERT_EQ(results.size(), obligations().size());
  for (const Result& r : results)
    EXPECT_EQ(r.verdict, Verdict::holds) << r.name << ": " << r.detail;
}

// The cut-off (proofs/README.md): with 3 mdev and 3 guest slots the induction and P8 still
// hold. Not a proof that 2 suffice (that is the README's argument), a check that nothing in
// the encoding leans on there being exactly 2.
TEST(Obligations, InductionHoldsWithThreeSlots) {
  std::vector<std::string> names{"init", "safety", "p8.unplug_before_reset"};
  for (const std::string& k : detail::op_kind_names()) names.push_back("inductive." + k);
  for (const Result& r : run_small(names, "proofs_test_three", 3, 3))
    EXPECT_EQ(r.verdict, Verdict::holds) << r.name << ": " << r.detail;
}

// Replays a saved trace on the model and on the reference implementation: every step's
// observation must equal its expectation on both.
void expect_trace_replays(const std::string& path) {
  std::ifstream in(path);
  ASSERT_TRUE(in) << path;
  std::stringstream text;
  text << in.rdbuf();
  const auto parsed = trace::parse_trace(text.str(), path);
  ASSERT_TRUE(std::holds_alternative<trace::Trace>(parsed))
      << std::get<trace::TraceError>(parsed).to_string();
  const trace::Trace& trace = std::get<trace::Trace>(parsed);
  ASSERT_FALSE(trace.steps.empty()) << path << " does not build its pre-state";
  model::State s = trace.initial_state();
  impl::Host host(trace.params, trace.config);
  for (const trace::TraceStep& step : trace.steps) {
    const model::Observation obs = model::apply(s, step.op);
    ASSERT_TRUE(step.expected.has_value()) << path << ": " << trace::format_op(step.op);
    EXPECT_TRUE(model::equivalent(obs, *step.expected)) << path << ": " << trace::format_op(step.op);
    EXPECT_TRUE(model::equivalent(host.apply(step.op), *step.expected))
        << path << ": the implementation diverges at " << trace::format_op(step.op);
  }
}

// The proofs can fail: a filter that ignores binding makes inductive.assign_adapter fail, and
// the counterexample is a trace that replays on the model (which keeps the adapter out).
TEST(Obligations, MutantsAreCaughtWithReplayableTraces) {
  const std::vector<Result> results =
      run_small({"mutant.filter_ignores_binding", "mutant.reset_before_commit", "f1.device_reset",
                 "f1.guest_detach", "f2.bus_mask_write"},
                "proofs_test_mutants");
  for (const Result& r : results) {
    EXPECT_EQ(r.verdict, Verdict::holds) << r.name << ": " << r.detail;
    bool traced = false;
    for (const std::string& f : r.files) {
      if (f.size() < 6 || f.substr(f.size() - 6) != ".trace") continue;
      traced = true;
      expect_trace_replays(f);
    }
    EXPECT_TRUE(traced) << r.name << " saved no trace";
  }
  EXPECT_NE(results[0].detail.find("fails under the mutant"), std::string::npos);
  EXPECT_NE(results[0].detail.find("mutant's post breaks"), std::string::npos);
}

TEST(Obligations, WitnessTracesReplay) {
  const std::vector<Result> results = run_small({"nonvacuity.enabled"}, "proofs_test_witnesses");
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].verdict, Verdict::holds) << results[0].detail;
  int traces = 0;
  for (const std::string& f : results[0].files)
    if (f.size() > 6 && f.substr(f.size() - 6) == ".trace") {
      ++traces;
      expect_trace_replays(f);
    }
  EXPECT_EQ(traces, 25);
}

TEST(Obligations, UnknownNameIsAnError) {
  const Result r = run_obligation("no.such.obligation", Options{});
  EXPECT_EQ(r.verdict, Verdict::error);
}

}  // namespace
}  // namespace apcb::proofs
