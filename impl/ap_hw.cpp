#include "impl/ap_hw.h"

namespace apcb::impl {

void ApHardware::set_reset_response(model::Apqn q, std::uint8_t response) {
  std::lock_guard<std::mutex> guard(lock_);
  response_[q.packed()] = response;
  abnormal_[q.adapter].assign(q.domain, response != model::response::normal);
}

std::uint8_t ApHardware::reset_queue(model::Apqn q) {
  std::lock_guard<std::mutex> guard(lock_);
  return response_[q.packed()];
}

std::map<std::uint16_t, std::uint8_t> ApHardware::abnormal_responses() const {
  std::lock_guard<std::mutex> guard(lock_);
  std::map<std::uint16_t, std::uint8_t> out;
  for (int a = 0; a < 256; ++a) {
    abnormal_[static_cast<std::size_t>(a)].for_each([&](model::ApId d) {
      const model::Apqn q{static_cast<model::ApId>(a), d};
      out.emplace(q.packed(), response_[q.packed()]);
    });
  }
  return out;
}

}  // namespace apcb::impl
