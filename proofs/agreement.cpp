#include "proofs/agreement.h"

#include <array>
#include <optional>
#include <random>

#include "model/kernel.h"
#include "model/step.h"
#include "trace/trace.h"
#include "proofs/ops.h"
#include "proofs/replay.h"

namespace apcb::proofs::detail {

using model::Apqn;
using model::Mask;
using model::Matrix;
using model::Op;
using model::State;

namespace {

// The encoding's events, evaluated on a closed ground transition, as model::Event values.
std::vector<model::Event> events_of(const z3enc::Encoder& enc, const z3enc::Transition& closed,
                                    const z3enc::Slots& slots) {
  const int n = enc.width();
  std::vector<model::Event> out;
  for (const z3enc::SymEvent& e : closed.events) {
    if (!e.happens.simplify().is_true()) continue;
    if (e.kind == z3enc::SymEvent::Kind::commit) {
      const auto g = static_cast<std::size_t>(e.guest.simplify().get_numeral_uint64());
      const z3enc::SymMatrix& apcb = e.state.guests.at(g).apcb;
      out.push_back(model::Commit{*slots.guests.at(g),
                                  Matrix{numeral_mask(apcb.adapters.simplify(), n),
                                         numeral_mask(apcb.domains.simplify(), n),
                                         numeral_mask(apcb.control_domains.simplify(), n)}});
      continue;
    }
    for (int a = 0; a < n; ++a)
      numeral_mask(e.resets(enc.index(a)).simplify(), n).for_each([&](model::ApId d) {
        out.push_back(model::Reset{Apqn{static_cast<model::ApId>(a), d}});
      });
  }
  return out;
}

// The encoding has no Signal events: a signal changes no state and is derived from the commits.
// From 6.15 (KernelBehaviour::signals_guest_config_change) every commit is followed by a
// signal of its guest, except the commits of `vfio open` (set_kvm, before user space can have
// registered the eventfd) and `vfio close` (unset_kvm, whose signal the follow-up removed);
// the model emits them by its own rule (step.cpp), so the comparison checks the two agree.
std::vector<model::Event> with_signals(std::vector<model::Event> events, const Op& op,
                                       model::KernelVersion kernel) {
  if (!model::behaviour(kernel).signals_guest_config_change ||
      std::holds_alternative<model::op::GuestAttach>(op) || std::holds_alternative<model::op::GuestDetach>(op))
    return events;
  std::vector<model::Event> out;
  for (model::Event& e : events) {
    const auto* c = std::get_if<model::Commit>(&e);
    const std::optional<model::GuestId> g = c != nullptr ? std::optional(c->guest) : std::nullopt;
    out.push_back(std::move(e));
    if (g) out.push_back(model::Signal{*g});
  }
  return out;
}

// Random operations at a width: IDs from a small pool inside it (so APQNs are shared and
// conflicts happen), every kind of the alphabet.
class Walk {
 public:
  Walk(int width, std::uint64_t seed) : rng_(seed) {
    for (int id : {0, 1, 2, 3, width / 2, width - 1}) pool_.push_back(id);
  }
  int pick(int n) { return static_cast<int>(rng_() % static_cast<std::uint64_t>(n)); }
  bool coin(int one_in) { return pick(one_in) == 0; }
  model::ApId id() { return static_cast<model::ApId>(pool_[static_cast<std::size_t>(pick(static_cast<int>(pool_.size())))]); }
  Mask ids() {
    Mask m;
    for (int i = pick(4); i > 0; --i) m.set(id());
    return m;
  }
  Apqn apqn() { return Apqn{id(), id()}; }

  Op next(const State& s, const z3enc::Slots& names) {
    namespace op = model::op;
    auto uuid = [&] { return *names.mdevs[static_cast<std::size_t>(pick(static_cast<int>(names.mdevs.size())))]; };
    auto guest = [&] { return *names.guests[static_cast<std::size_t>(pick(static_cast<int>(names.guests.size())))]; };
    auto hex3 = [](const Matrix& m) {
      return "0x" + m.adapters.hex() + ",0x" + m.domains.hex() + ",0x" + m.control_domains.hex() + "\n";
    };
    switch (pick(20)) {
      case 0: {
        Matrix cfg = s.cfg;
        cfg.adapters.assign(id(), coin(2));
        cfg.domains.assign(id(), coin(2));
        cfg.control_domains.assign(id(), coin(2));
        return op::ConfigChange{cfg};
      }
      case 1: return op::QueueBind{apqn(), coin(4) ? model::Driver::default_driver : model::Driver::vfio_ap};
      case 2: return op::QueueUnbind{apqn(), coin(4) ? model::Driver::default_driver : model::Driver::vfio_ap};
      case 3: {
        // NORMAL, a final non-passable answer, or a transient one (a reset that completes).
        static constexpr std::array<std::uint8_t, 4> kRc{
            model::response::normal, model::response::normal, model::response::q_not_avail,
            model::response::busy};
        return op::ResetResponse{apqn(), kRc[static_cast<std::size_t>(pick(4))]};
      }
      case 4:
        return op::BusMaskWrite{coin(2) ? model::BusMask::apmask : model::BusMask::aqmask,
                                std::string(coin(2) ? "+" : "-") + std::to_string(id()) + "\n"};
      case 5: return op::MdevCreate{uuid()};
      case 6: return op::MdevRemove{uuid()};
      case 7: case 8: case 9: case 10: case 11: case 12:
        return op::AttrWrite{uuid(), static_cast<model::MdevAttr>(pick(6)), std::to_string(id()) + "\n"};
      case 13: return op::AttrWrite{uuid(), model::MdevAttr::ap_config, hex3(Matrix{ids(), ids(), ids()})};
      case 14: return op::DeviceReset{uuid()};
      case 15: return op::GuestCreate{guest(), !coin(4)};
      case 16: return op::GuestAttach{uuid(), guest()};
      case 17: return op::GuestDetach{uuid()};
      case 18: return op::GuestRelease{uuid()};
      default: return op::ReadMdev{uuid(), model::MdevView::guest_matrix};
    }
  }

 private:
  std::mt19937_64 rng_;
  std::vector<int> pool_;
};

}  // namespace

std::string agree_on(z3enc::Encoder& enc, const State& s, const Op& op, int* checked) {
  const auto [pre, slots] = enc.concretize(s);
  const std::optional<z3enc::Lowered> low = z3enc::lower(enc, op, s, slots);
  if (!low) return "";
  State want = s;
  model::Observation obs = model::apply(want, op);
  want = z3enc::normalize(want, enc.width());
  const z3enc::Transition closed = enc.close(enc.step(pre, low->op));
  const z3::expr r = closed.result.simplify();
  if (!r.is_numeral()) return "the result did not evaluate";
  const auto result = static_cast<model::Errno>(r.get_numeral_uint64());
  const State got = enc.extract(closed.post, [](const z3::expr& e) { return e.simplify(); },
                                low->post_slots);
  if (checked != nullptr) ++*checked;
  const std::string where = " on " + trace::format_op(op);
  // lower() refuses what the encoding does not cover, so what it lowers is covered at every
  // row (only a bus-mask write can be otherwise: Transition::covered).
  if (std::holds_alternative<model::op::BusMaskWrite>(op))
    for (int row = 0; row < enc.width(); ++row)
      if (!closed.covered(enc.index(static_cast<model::ApId>(row))).simplify().is_true())
        return "the encoding calls a lowered write uncovered at adapter " + std::to_string(row) + where;
  if (!z3enc::result_agrees(s.kernel, op, obs.result, result)) return "result differs" + where;
  if (!same_state(got, want)) return "post-state differs" + where;
  // The result agrees (result_agrees); the events are compared under the model's, with the
  // signals the commits give (a signal changes no state, so the encoding has none).
  model::Observation mine{obs.result, "", with_signals(events_of(enc, closed, low->post_slots), op, s.kernel)};
  obs.output.clear();
  if (!model::equivalent(mine, obs)) return "events differ" + where;
  return "";
}

void agreement(Prover& p) {
  z3enc::Encoder& enc = p.enc();
  const z3enc::Shape& shape = enc.shape();
  const z3enc::Slots names = slot_names(shape);
  // Fewer at full width, where one evaluation costs more.
  const int walks = 4;
  const int steps = shape.width == 256 ? 20 : 40;
  int checked = 0;
  int events = 0;
  for (int w = 0; w < walks; ++w) {
    Walk gen(shape.width, 7919u * static_cast<unsigned>(w + 1) + static_cast<unsigned>(shape.width));
    const Mask some = Mask::of({0, 1, 2, 3});
    State s = State::initial(shape.params, Matrix{some | gen.ids(), some | gen.ids(), gen.ids()});
    s.kernel = shape.kernel;
    // Adapters 0..2 to vfio_ap, an mdev using them in a guest: most later steps then commit,
    // reset or refilter.
    const std::string& u = *names.mdevs[0];
    std::vector<Op> prelude{
        model::op::BusMaskWrite{model::BusMask::apmask, "-0,-1,-2\n"},
        model::op::MdevCreate{u},
        model::op::GuestCreate{*names.guests[0], w % 2 == 0},
        model::op::AttrWrite{u, model::MdevAttr::assign_adapter, "1\n"},
        model::op::AttrWrite{u, model::MdevAttr::assign_domain, "0\n"},
        model::op::GuestAttach{u, *names.guests[0]},
        model::op::AttrWrite{u, model::MdevAttr::assign_adapter, "2\n"}};
    for (int i = 0; i < steps; ++i) {
      const Op op = i < static_cast<int>(prelude.size()) ? prelude[static_cast<std::size_t>(i)]
                                                         : gen.next(s, names);
      const std::string why = agree_on(enc, s, op, &checked);
      if (!why.empty()) {
        p.fail("walk " + std::to_string(w) + " step " + std::to_string(i) + ": " + why);
        return;
      }
      State next = s;
      events += static_cast<int>(model::apply(next, op).events.size());
      if (static_cast<int>(next.mdevs.size()) <= shape.mdevs &&
          static_cast<int>(next.guests.size()) <= shape.guests)
        s = next;
    }
  }
  if (p.enc().behaviour().device_reset == model::DeviceResetReport::ebusy_or_eio_per_queue)
    p.note("not encoded exactly in this kernel: a device reset's EBUSY or EIO (the encoding answers EIO; "
           "model/z3/encoding.h)");
  p.note(std::to_string(checked) + " transitions and " + std::to_string(events) +
         " events agree (the full P9 test: tests/model/z3_agreement_test.cpp)");
}

}  // namespace apcb::proofs::detail
