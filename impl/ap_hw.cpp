#include "impl/ap_hw.h"

namespace apcb::impl {

void ApHardware::set_reset_response(model::Apqn q, std::uint8_t response) {
  std::lock_guard<std::mutex> guard(lock_);
  response_.at(q) = response;
  abnormal_[q.adapter].assign(q.domain, response != model::response::normal);
}

std::uint8_t ApHardware::reset_queue(model::Apqn q) {
  std::lock_guard<std::mutex> guard(lock_);
  return response_.get(q);
}

std::map<std::uint16_t, std::uint8_t> ApHardware::abnormal_responses() const {
  std::lock_guard<std::mutex> guard(lock_);
  std::map<std::uint16_t, std::uint8_t> out;
  for (int row = 0; row < 256; ++row) {
    const auto a = static_cast<model::ApId>(row);
    if (abnormal_[a].empty()) continue;  // most rows: a word test instead of a bit walk
    abnormal_[a].for_each([&](model::ApId d) {
      const model::Apqn q{a, d};
      out.emplace(q.packed(), response_.get(q));
    });
  }
  return out;
}

std::uint8_t ApHardware::disable_interruptions(model::Apqn q) const {
  (void)q;  // the simulated queues have no interruption state apcb observes
  return model::response::normal;
}

}  // namespace apcb::impl
