#include "impl/ap_hw.h"

namespace apcb::impl {

void ApHardware::set_reset_response(model::Apqn q, std::uint8_t response,
                                    const std::vector<std::uint8_t>& then) {
  std::lock_guard<std::mutex> guard(lock_);
  response_.at(q) = response;
  if (then.empty())
    then_.erase(q.packed());
  else
    then_[q.packed()] = then;
  abnormal_[q.adapter].assign(q.domain, response != model::response::normal || !then.empty());
}

ResetInFlight ApHardware::reset_queue(model::Apqn q) {
  std::lock_guard<std::mutex> guard(lock_);
  const std::uint8_t first = response_.get(q);
  auto it = then_.find(q.packed());
  if (it == then_.end()) {
    // One answer: a transient one is still in progress at the first poll, which answers BUSY
    // for a BUSY reset and RESET IN PROGRESS otherwise (as the kernel shim's firmware does).
    if (model::response::transient(first))
      return ResetInFlight({first, first == model::response::busy ? model::response::busy
                                                                  : model::response::reset_in_progress});
    return ResetInFlight({first});
  }
  std::vector<std::uint8_t> answers;
  answers.reserve(it->second.size() + 1);
  answers.push_back(first);
  for (std::uint8_t rc : it->second) answers.push_back(rc);
  return ResetInFlight(std::move(answers));
}

std::map<std::uint16_t, std::vector<std::uint8_t>> ApHardware::abnormal_responses() const {
  std::lock_guard<std::mutex> guard(lock_);
  std::map<std::uint16_t, std::vector<std::uint8_t>> out;
  for (int row = 0; row < 256; ++row) {
    const auto a = static_cast<model::ApId>(row);
    if (abnormal_[a].empty()) continue;  // most rows: a word test instead of a bit walk
    abnormal_[a].for_each([&](model::ApId d) {
      const model::Apqn q{a, d};
      std::vector<std::uint8_t> answers;
      answers.push_back(response_.get(q));
      if (auto it = then_.find(q.packed()); it != then_.end())
        for (std::uint8_t rc : it->second) answers.push_back(rc);
      out.emplace(q.packed(), std::move(answers));
    });
  }
  return out;
}

std::uint8_t ApHardware::disable_interruptions(model::Apqn q) const {
  (void)q;  // the simulated queues have no interruption state apcb observes
  return model::response::normal;
}

}  // namespace apcb::impl
