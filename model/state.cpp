#include "model/state.h"

#include <algorithm>

namespace apcb::model {

Matrix truncate_to_format(const Matrix& shadow, CrycbFormat format) {
  if (format == CrycbFormat::format2) return shadow;
  // APCB0 has one 64-bit word per mask; aqm and adm keep only their first 16 bits.
  return Matrix{shadow.adapters & Mask::up_to(63), shadow.domains & Mask::up_to(15),
                shadow.control_domains & Mask::up_to(15)};
}

State State::initial(const HostParams& params, const Matrix& cfg) {
  State s;
  s.params = params;
  s.cfg = cfg;
  return s;
}

Driver State::driver(Apqn q) const {
  if (!present(q) || unbound[q.adapter].test(q.domain)) return Driver::none;
  if (override_bound[q.adapter].test(q.domain)) return Driver::vfio_ap;
  return reserved(q) ? Driver::default_driver : Driver::vfio_ap;
}

Mask State::vfio_row(ApId a) const {
  if (!bus_adapters().test(a)) return Mask{};
  const Mask bound = bus_domains() - unbound[a];
  Mask row = bound;
  if (apmask.test(a)) row -= aqmask;
  return row | (override_bound[a] & bound);
}

const std::string* State::override_of(Apqn q) const {
  auto it = driver_override.find(q.packed());
  return it == driver_override.end() ? nullptr : &it->second;
}

bool State::owned_by_default(Apqn q) const {
  if (override_of(q) != nullptr) return driver(q) == Driver::default_driver;
  return reserved(q);
}

Mask State::owned_row(ApId a) const {
  Mask row = apmask.test(a) ? aqmask : Mask{};
  for (const auto& [qid, name] : driver_override) {
    const Apqn q = Apqn::unpack(qid);
    if (q.adapter != a) continue;
    if (driver(q) == Driver::default_driver)
      row.set(q.domain);
    else
      row.clear(q.domain);
  }
  return row;
}

namespace {
std::uint8_t lookup(const std::map<std::uint16_t, std::uint8_t>& table, Apqn q) {
  auto it = table.find(q.packed());
  return it == table.end() ? response::normal : it->second;
}
}  // namespace

std::uint8_t State::hw_response_of(Apqn q) const {
  const auto it = hw_response.find(q.packed());  // no copy of the sequence: only its first code
  return it == hw_response.end() || it->second.empty() ? response::normal : it->second.front();
}
std::vector<std::uint8_t> State::hw_answers_of(Apqn q) const {
  auto it = hw_response.find(q.packed());
  if (it == hw_response.end() || it->second.empty()) return {response::normal};
  return it->second;
}
std::uint8_t State::last_response_of(Apqn q) const { return lookup(last_response, q); }

Mdev* State::find_mdev(std::string_view uuid) {
  auto it = std::find_if(mdevs.begin(), mdevs.end(), [&](const Mdev& m) { return m.uuid == uuid; });
  return it == mdevs.end() ? nullptr : &*it;
}
const Mdev* State::find_mdev(std::string_view uuid) const {
  return const_cast<State*>(this)->find_mdev(uuid);
}
Guest* State::find_guest(GuestId id) {
  auto it = std::find_if(guests.begin(), guests.end(), [&](const Guest& g) { return g.id == id; });
  return it == guests.end() ? nullptr : &*it;
}
const Guest* State::find_guest(GuestId id) const { return const_cast<State*>(this)->find_guest(id); }

Mdev* State::owner_of(Apqn q) {
  for (Mdev& m : mdevs)
    if (m.assigned.adapters.test(q.adapter) && m.assigned.domains.test(q.domain)) return &m;
  return nullptr;
}
const Mdev* State::attached_to(GuestId g) const {
  for (const Mdev& m : mdevs)
    if (m.guest == g) return &m;
  return nullptr;
}

const Mdev* State::owner_of(Apqn q) const { return const_cast<State*>(this)->owner_of(q); }

Mask linked_row(const State& s, const Mdev& m, ApId a) {
  if (!m.assigned.adapters.test(a)) return Mask{};
  return s.vfio_row(a) & m.assigned.domains;
}

bool linked(const State& s, const Mdev& m, Apqn q) {
  return linked_row(s, m, q.adapter).test(q.domain);
}

namespace response {
namespace {
// final_status's walk; `next` ends as the number of instructions it issued that took an answer
// from the sequence or beyond it.
std::uint8_t walk_reset(bool waits, const std::vector<std::uint8_t>& answers, std::size_t& next) {
  if (answers.empty()) return normal;
  if (answers.size() == 1) {
    next = 1;
    return waits ? after_wait(answers.front()) : answers.front();
  }
  // The answer of the next instruction; NORMAL once the sequence is used up.
  auto answer = [&] { return next < answers.size() ? answers[next++] : normal; };
  std::uint8_t zapq = answer();
  if (!waits) {
    // Before 6.6: one retry of ZAPQ after RESET IN PROGRESS, then the status is kept.
    if (zapq == reset_in_progress) zapq = answer();
    return zapq;
  }
  // 6.6+: only NORMAL and the transient codes go on to the reset check (vfio_ap_mdev_reset_queue).
  if (zapq != normal && !transient(zapq)) return zapq;
  // The reset check (apq_reset_check). It ends: past the sequence a poll answers NORMAL and a
  // re-issued ZAPQ NORMAL, so at most answers.size() + 2 more instructions are issued.
  while (true) {
    const std::uint8_t tapq = answer();
    if (tapq == busy || tapq == reset_in_progress) continue;
    if (tapq == assoc_secret_not_unique || tapq == assoc_failed) {
      zapq = answer();
      continue;
    }
    if (tapq == normal || tapq == deconfigured || tapq == checkstopped) {
      if (transient(zapq)) {
        zapq = answer();
        continue;
      }
      return zapq;
    }
    return zapq;  // Q NOT AVAILABLE or an unexpected code: the check gives up
  }
}
}  // namespace

std::uint8_t final_status(KernelVersion kernel, const std::vector<std::uint8_t>& answers,
                          std::size_t* read) {
  std::size_t next = 0;
  const std::uint8_t status = walk_reset(behaviour(kernel).reset_waits_for_completion, answers, next);
  if (read != nullptr) *read = std::min(next, answers.size());
  return status;
}
}  // namespace response

bool passable_status(KernelVersion kernel, std::uint8_t rc) {
  const KernelBehaviour& b = behaviour(kernel);
  if (rc == response::deconfigured) return b.deconfigured_passable;
  if (rc == response::checkstopped) return b.checkstopped_passable;
  return response::passable(rc);
}

Mask passable_row(const State& s, const Mdev& m, ApId a) {
  Mask row = linked_row(s, m, a);
  // Only queues whose last reset failed are stored; strike those with a non-passable status.
  auto it = s.last_response.lower_bound(Apqn{a, 0}.packed());
  for (; it != s.last_response.end() && Apqn::unpack(it->first).adapter == a; ++it)
    if (!passable_status(s.kernel, it->second)) row.clear(Apqn::unpack(it->first).domain);
  return row;
}

bool passable(const State& s, const Mdev& m, Apqn q) {
  return passable_row(s, m, q.adapter).test(q.domain);
}

}  // namespace apcb::model
