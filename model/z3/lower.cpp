// From the concrete alphabet to the semantic one: lower() and the projection normalize().
#include <algorithm>
#include <cctype>

#include "model/parse.h"
#include "model/step.h"
#include "model/z3/encoding.h"

namespace apcb::model::z3enc {
namespace {

// The slot naming `name`, or -1.
template <typename T>
int find_slot(const std::vector<std::optional<T>>& slots, const T& name) {
  for (std::size_t i = 0; i < slots.size(); ++i)
    if (slots[i] == name) return static_cast<int>(i);
  return -1;
}

// A slot that is free (no name), or -1: for an operation on an unknown mdev or guest, which
// must see an absent slot.
template <typename T>
int free_slot(const std::vector<std::optional<T>>& slots) {
  for (std::size_t i = 0; i < slots.size(); ++i)
    if (!slots[i]) return static_cast<int>(i);
  return -1;
}

// The first free slot above every named one, or -1: where a created mdev or guest goes, so that
// slot order stays creation order (the order step.cpp visits mdevs in).
template <typename T>
int next_slot(const std::vector<std::optional<T>>& slots) {
  int last = -1;
  for (std::size_t i = 0; i < slots.size(); ++i)
    if (slots[i]) last = static_cast<int>(i);
  return last + 1 < static_cast<int>(slots.size()) ? last + 1 : -1;
}

class Lowerer {
 public:
  Lowerer(const Encoder& enc, const State& pre, const Slots& slots)
      : enc_(enc), pre_(pre), slots_(slots) {}

  std::optional<Lowered> operator()(const op::ConfigChange& o) const {
    if (!fits(o.cfg)) return std::nullopt;
    return done(sop::ConfigChange{matrix(o.cfg)});
  }
  std::optional<Lowered> operator()(const op::QueueBind& o) const {
    if (!fits(o.apqn)) return std::nullopt;
    return done(sop::QueueBind{idx(o.apqn.adapter), idx(o.apqn.domain), o.driver});
  }
  std::optional<Lowered> operator()(const op::QueueUnbind& o) const {
    if (!fits(o.apqn)) return std::nullopt;
    return done(sop::QueueUnbind{idx(o.apqn.adapter), idx(o.apqn.domain), o.driver});
  }
  std::optional<Lowered> operator()(const op::ResetResponse& o) const {
    if (!fits(o.apqn)) return std::nullopt;
    // What a reset answering them ends with under the profile (response::final_status): from
    // 6.6 a transient answer is waited out; before, an in-progress answer is kept.
    const KernelVersion k = enc_.shape().kernel;
    const std::uint8_t rc = reset_ends_with(k, o.answers());
    return done(sop::ResetResponse{idx(o.apqn.adapter), idx(o.apqn.domain),
                                   enc_.ctx().bool_val(passable_status(k, rc)),
                                   enc_.ctx().bool_val(rc == response::normal)});
  }
  std::optional<Lowered> operator()(const op::BusMaskWrite& o) const {
    const Mask& current = o.mask == BusMask::apmask ? pre_.apmask : pre_.aqmask;
    const Parsed<Mask> parsed = parse_bus_mask(o.text, current);
    if (!parsed.ok()) return std::nullopt;
    if (moves_a_queue_an_mdev_holds(o)) return std::nullopt;
    // A State counts at least one bus override per override set; the encoding's EINVAL check
    // relies on it (transition.cpp), so a state that does not is outside.
    if (behaviour(pre_.kernel).queue_driver_override &&
        pre_.override_count < pre_.driver_override.size())
      return std::nullopt;
    // IDs at or above the width name no queue of the instance: cut, keeping whether they are
    // all set (normalize does the same).
    const Mask above = Mask::all() - Mask::up_to(enc_.width() - 1);
    return done(sop::BusMaskWrite{o.mask, enc_.mask(parsed.value),
                                  enc_.ctx().bool_val(above.subset_of(parsed.value))});
  }
  std::optional<Lowered> operator()(const op::MdevCreate& o) const {
    if (!valid_uuid(o.uuid)) return std::nullopt;
    std::string uuid = o.uuid;
    std::transform(uuid.begin(), uuid.end(), uuid.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    int slot = find_slot(slots_.mdevs, uuid);
    if (slot < 0) slot = next_slot(slots_.mdevs);
    if (slot < 0) return std::nullopt;
    Slots post = slots_;
    post.mdevs[static_cast<std::size_t>(slot)] = uuid;
    return Lowered{sop::MdevCreate{slot}, post};
  }
  std::optional<Lowered> operator()(const op::MdevRemove& o) const {
    const int slot = mdev_slot(o.uuid);
    if (slot < 0) return std::nullopt;
    // The slot keeps its name: a PQAP hook left in the removed mdev (SymGuest::hook) still
    // names its uuid by it, and only that uuid is created there again (next_slot).
    return done(sop::MdevRemove{slot});
  }
  std::optional<Lowered> operator()(const op::AttrWrite& o) const {
    const int slot = mdev_slot(o.uuid);
    if (slot < 0) return std::nullopt;
    const bool known = slots_.mdevs[static_cast<std::size_t>(slot)].has_value();
    if (o.attr == MdevAttr::ap_config) {
      if (!known) return done(sop::ApConfigWrite{slot, matrix(Matrix{})});
      const Parsed<Matrix> parsed = parse_ap_config(o.text);
      // A mask beyond the width cannot be written down here (and the model would answer
      // EADDRNOTAVAIL or ENODEV for it, which needs IDs the instance does not have).
      if (!parsed.ok() || !fits(parsed.value)) return std::nullopt;
      return done(sop::ApConfigWrite{slot, matrix(parsed.value)});
    }
    // An unknown mdev answers ENOENT before the text is parsed.
    std::uint64_t value = 0;
    if (known) {
      const Parsed<std::uint64_t> parsed = parse_kstrtoul(o.text);
      if (!parsed.ok()) return std::nullopt;
      value = parsed.value;
    }
    return done(sop::AttrWrite{slot, o.attr, enc_.ctx().bv_val(value, 64)});
  }
  std::optional<Lowered> operator()(const op::DeviceReset& o) const {
    const int slot = mdev_slot(o.uuid);
    if (slot < 0) return std::nullopt;
    return done(sop::DeviceReset{slot});
  }
  std::optional<Lowered> operator()(const op::GuestCreate& o) const {
    int slot = find_slot(slots_.guests, o.guest);
    if (slot < 0) slot = next_slot(slots_.guests);
    if (slot < 0) return std::nullopt;
    Slots post = slots_;
    post.guests[static_cast<std::size_t>(slot)] = o.guest;
    return Lowered{sop::GuestCreate{slot, enc_.ctx().bool_val(o.msax3)}, post};
  }
  std::optional<Lowered> operator()(const op::GuestAttach& o) const {
    const int m = mdev_slot(o.uuid);
    const int g = guest_slot(o.guest);
    if (m < 0 || g < 0) return std::nullopt;
    return done(sop::GuestAttach{m, g});
  }
  std::optional<Lowered> operator()(const op::GuestDetach& o) const {
    const int slot = mdev_slot(o.uuid);
    if (slot < 0) return std::nullopt;
    return done(sop::GuestDetach{slot});
  }
  std::optional<Lowered> operator()(const op::GuestRelease& o) const {
    const int slot = mdev_slot(o.uuid);
    if (slot < 0) return std::nullopt;
    return done(sop::GuestRelease{slot});
  }
  std::optional<Lowered> operator()(const op::VcpuObserve& o) const {
    const int slot = guest_slot(o.guest);
    if (slot < 0) return std::nullopt;
    return done(sop::VcpuObserve{slot});
  }
  std::optional<Lowered> operator()(const op::ReadMdev& o) const {
    const int slot = mdev_slot(o.uuid);
    if (slot < 0) return std::nullopt;
    return done(sop::ReadMdev{slot, o.view == MdevView::ap_config});
  }
  std::optional<Lowered> operator()(const op::ReadBusMask& o) const {
    return done(sop::ReadBusMask{o.mask});
  }
  // A constant of the driver: nothing of the state it could show, nothing for the proofs.
  std::optional<Lowered> operator()(const op::ReadFeatures&) const { return std::nullopt; }
  std::optional<Lowered> operator()(const op::DriverOverrideWrite& o) const {
    if (!fits(o.apqn)) return std::nullopt;
    // What the value names, cut where step.cpp cuts it (first newline or NUL).
    const std::string name = o.text.substr(0, o.text.find_first_of(std::string_view("\0\n", 2)));
    sop::OverrideName what = sop::OverrideName::other;
    if (name.empty()) what = sop::OverrideName::clear;
    else if (name == driver_name(Driver::vfio_ap)) what = sop::OverrideName::vfio_ap;
    else if (name == driver_name(Driver::default_driver)) what = sop::OverrideName::default_driver;
    z3::context& c = enc_.ctx();
    return done(sop::DriverOverrideWrite{idx(o.apqn.adapter), idx(o.apqn.domain), what,
                                         c.bool_val(o.text.empty()),
                                         c.bool_val(o.text.size() >= kDriverOverrideMax)});
  }
  std::optional<Lowered> operator()(const op::DriverOverrideRead& o) const {
    if (!fits(o.apqn)) return std::nullopt;
    return done(sop::DriverOverrideRead{idx(o.apqn.adapter), idx(o.apqn.domain)});
  }
  // A guest's PQAP(AQIC) changes nothing; its answer (which mdev's handler, and what that
  // answers) is an observation, which the encoding does not hold. Outside the encoding.
  std::optional<Lowered> operator()(const op::GuestAqic&) const { return std::nullopt; }
  std::optional<Lowered> operator()(const op::ReadQueueStatus& o) const {
    if (!fits(o.apqn)) return std::nullopt;
    return done(sop::ReadQueueStatus{idx(o.apqn.adapter), idx(o.apqn.domain)});
  }

 private:
  std::optional<Lowered> done(SymOp op) const { return Lowered{std::move(op), slots_}; }
  // Whether the bus-mask write `o` succeeds and reprobes a queue the encoding's closed form
  // cannot follow (Encoder::assumptions, Transition::covered): one an mdev has assigned that
  // goes from the default driver to vfio_ap (its probe refilters the mdev), or one in an mdev's
  // shadow that goes from vfio_ap to the default driver (its remove unplugs the adapter and
  // commits). Only a write that leaves the 6.19 driver_override regime reaches either.
  bool moves_a_queue_an_mdev_holds(const op::BusMaskWrite& o) const {
    if (!behaviour(pre_.kernel).queue_driver_override) return false;
    State post = pre_;
    if (apply(post, o).result != Errno::ok) return false;
    for (const Mdev& m : pre_.mdevs) {
      bool moved = false;
      m.assigned.adapters.for_each([&](ApId a) {
        m.assigned.domains.for_each([&](ApId d) {
          const Apqn q{a, d};
          const bool in_shadow = m.shadow.adapters.test(a) && m.shadow.domains.test(d);
          moved = moved || (pre_.driver(q) == Driver::default_driver &&
                            post.driver(q) == Driver::vfio_ap) ||
                  (in_shadow && pre_.driver(q) == Driver::vfio_ap &&
                   post.driver(q) == Driver::default_driver);
        });
      });
      if (moved) return true;
    }
    return false;
  }
  bool fits(Apqn q) const { return q.adapter < enc_.width() && q.domain < enc_.width(); }
  bool fits(const Matrix& m) const {
    const Mask inside = Mask::up_to(enc_.width() - 1);
    return m.adapters.subset_of(inside) && m.domains.subset_of(inside) &&
           m.control_domains.subset_of(inside);
  }
  z3::expr idx(ApId id) const { return enc_.index(id); }
  SymMatrix matrix(const Matrix& m) const {
    return SymMatrix{enc_.mask(m.adapters), enc_.mask(m.domains), enc_.mask(m.control_domains)};
  }
  // The slot of a known uuid (step.cpp compares uuids exactly), else an absent slot.
  int mdev_slot(const std::string& uuid) const {
    const int slot = find_slot(slots_.mdevs, uuid);
    return slot >= 0 ? slot : free_slot(slots_.mdevs);
  }
  int guest_slot(GuestId id) const {
    const int slot = find_slot(slots_.guests, id);
    return slot >= 0 ? slot : free_slot(slots_.guests);
  }

  const Encoder& enc_;
  const State& pre_;
  const Slots& slots_;
};

}  // namespace

std::optional<Lowered> lower(const Encoder& enc, const Op& op, const State& pre,
                             const Slots& slots) {
  return std::visit(Lowerer(enc, pre, slots), op);
}

State normalize(const State& s, int width) {
  State out = s;
  const Mask inside = Mask::up_to(width - 1);
  const Mask above = Mask::all() - inside;
  // A mask's IDs beyond the width: all of them or none (SymState::apmask_high).
  out.apmask = (s.apmask & inside) | (above.subset_of(s.apmask) ? above : Mask{});
  out.aqmask = (s.aqmask & inside) | (above.subset_of(s.aqmask) ? above : Mask{});
  for (int a = width; a < 256; ++a) out.unbound[static_cast<std::size_t>(a)] = Mask{};
  for (int a = 0; a < 256; ++a)
    out.override_bound[static_cast<std::size_t>(a)] &= a < width ? inside : Mask{};
  // driver_override names by what the bus compares them with; entries beyond the width go.
  out.driver_override.clear();
  for (const auto& [qid, name] : s.driver_override) {
    const Apqn q = Apqn::unpack(qid);
    if (q.adapter >= width || q.domain >= width) continue;
    const bool known = name == driver_name(Driver::vfio_ap) || name == driver_name(Driver::default_driver);
    out.driver_override[qid] = known ? name : std::string(kOtherOverrideName);
  }
  // Hardware answers as what a reset answering them ends with (response::final_status: a
  // transient answer waited out ends NORMAL from 6.6); non-passable as kNonPassableResponse; passable but not NORMAL
  // as kPassableNonZeroResponse where the zero bit is kept (the hardware's answers, which a
  // device reset's EIO reads), else as NORMAL.
  // All of it under the state's kernel profile (State::kernel): what a reset ends with, what
  // is passable, and which passable non-NORMAL code there is (none before 6.6).
  const std::optional<std::uint8_t> nonzero = passable_nonzero_code(s.kernel);
  auto table = [&](const std::map<std::uint16_t, std::uint8_t>& in, bool hw) {
    std::map<std::uint16_t, std::uint8_t> t;
    for (const auto& [qid, rc] : in) {
      const Apqn q = Apqn::unpack(qid);
      if (q.adapter >= width || q.domain >= width || rc == response::normal) continue;
      if (!passable_status(s.kernel, rc)) t[qid] = kNonPassableResponse;
      else if (hw && nonzero) t[qid] = *nonzero;
    }
    return t;
  };
  // A sequence of answers becomes the one code its reset ends with (folded_hw_responses).
  out.hw_response.clear();
  for (const auto& [qid, rc] : table(folded_hw_responses(s.kernel, s.hw_response), true))
    out.hw_response[qid] = {rc};
  out.last_response = table(s.last_response, false);
  return out;
}

bool result_agrees(KernelVersion kernel, const Op& op, Errno model, Errno z3) {
  if (model == z3) return true;
  if (!std::holds_alternative<op::DeviceReset>(op) ||
      behaviour(kernel).device_reset != DeviceResetReport::ebusy_or_eio_per_queue)
    return false;
  return z3 == Errno::eio && (model == Errno::ebusy || model == Errno::eio);
}

}  // namespace apcb::model::z3enc
