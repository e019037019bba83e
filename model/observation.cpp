#include "model/observation.h"

#include <algorithm>

namespace apcb::model {
namespace {
// Resets of one batch (between two commits), sorted, so batches compare as sets.
std::vector<std::vector<std::uint16_t>> reset_batches(const Observation& o,
                                                      std::vector<Commit>& commits) {
  std::vector<std::vector<std::uint16_t>> batches(1);
  for (const Event& e : o.events) {
    if (const auto* c = std::get_if<Commit>(&e)) {
      commits.push_back(*c);
      batches.emplace_back();
    } else {
      batches.back().push_back(std::get<Reset>(e).apqn.packed());
    }
  }
  for (auto& b : batches) std::sort(b.begin(), b.end());
  return batches;
}
}  // namespace

bool equivalent(const Observation& a, const Observation& b) {
  if (a.result != b.result || a.output != b.output) return false;
  std::vector<Commit> ca, cb;
  auto ba = reset_batches(a, ca);
  auto bb = reset_batches(b, cb);
  return ca == cb && ba == bb;
}

}  // namespace apcb::model
