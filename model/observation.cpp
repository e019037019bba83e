#include "model/observation.h"

#include <algorithm>

namespace apcb::model {
namespace {
// Resets of one batch (between two commits), sorted, so batches compare as multisets.
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

std::string divergence_cause(const Observation& implementation, const Observation& reference) {
  const Observation& a = implementation;
  const Observation& b = reference;
  if (a.result != b.result)
    return "result " + std::string(errno_name(a.result)) + " vs " + std::string(errno_name(b.result));
  if (a.output != b.output) return "output";
  std::vector<Commit> ca, cb;
  const auto ba = reset_batches(a, ca);
  const auto bb = reset_batches(b, cb);
  if (ca.size() != cb.size()) return "commits " + std::to_string(ca.size()) + " vs " + std::to_string(cb.size());
  if (ca != cb) return "commit contents";
  if (ba == bb) return "";
  std::vector<std::uint16_t> ra, rb;  // every reset, batches ignored
  for (const auto& batch : ba) ra.insert(ra.end(), batch.begin(), batch.end());
  for (const auto& batch : bb) rb.insert(rb.end(), batch.begin(), batch.end());
  if (ra.size() != rb.size()) return "resets " + std::to_string(ra.size()) + " vs " + std::to_string(rb.size());
  std::sort(ra.begin(), ra.end());
  std::sort(rb.begin(), rb.end());
  if (ra != rb) return "reset queues";
  return "resets between commits";
}

}  // namespace apcb::model
