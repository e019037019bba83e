#include "model/observation.h"

#include <algorithm>

namespace apcb::model {
namespace {
// A commit or a signal: the events whose order is compared exactly.
using Marker = std::variant<Commit, Signal>;

// The commits and signals in order (signals only when both sides see them), and the resets of
// each batch between two markers, sorted, so batches compare as multisets.
struct Split {
  std::vector<Marker> markers;
  std::vector<std::vector<std::uint16_t>> batches{1};
};

Split split(const Observation& o, bool signals) {
  Split s;
  for (const Event& e : o.events) {
    if (const auto* c = std::get_if<Commit>(&e)) {
      s.markers.emplace_back(*c);
      s.batches.emplace_back();
    } else if (const auto* g = std::get_if<Signal>(&e)) {
      if (!signals) continue;
      s.markers.emplace_back(*g);
      s.batches.emplace_back();
    } else {
      s.batches.back().push_back(std::get<Reset>(e).apqn.packed());
    }
  }
  for (auto& b : s.batches) std::sort(b.begin(), b.end());
  return s;
}

template <typename T>
std::vector<T> only(const std::vector<Marker>& markers) {
  std::vector<T> out;
  for (const Marker& m : markers)
    if (const auto* x = std::get_if<T>(&m)) out.push_back(*x);
  return out;
}
}  // namespace

bool equivalent(const Observation& a, const Observation& b) {
  if (a.result != b.result || a.output != b.output) return false;
  const bool signals = a.sees_signals && b.sees_signals;
  const Split sa = split(a, signals);
  const Split sb = split(b, signals);
  return sa.markers == sb.markers && sa.batches == sb.batches;
}

std::string divergence_cause(const Observation& implementation, const Observation& reference) {
  const Observation& a = implementation;
  const Observation& b = reference;
  if (a.result != b.result)
    return "result " + std::string(errno_name(a.result)) + " vs " + std::string(errno_name(b.result));
  if (a.output != b.output) return "output";
  const bool signals = a.sees_signals && b.sees_signals;
  const Split sa = split(a, signals);
  const Split sb = split(b, signals);
  const std::vector<Commit> ca = only<Commit>(sa.markers), cb = only<Commit>(sb.markers);
  if (ca.size() != cb.size()) return "commits " + std::to_string(ca.size()) + " vs " + std::to_string(cb.size());
  if (ca != cb) return "commit contents";
  const std::size_t ga = sa.markers.size() - ca.size(), gb = sb.markers.size() - cb.size();
  if (ga != gb) return "signals " + std::to_string(ga) + " vs " + std::to_string(gb);
  if (sa.markers != sb.markers) return "signal order";
  if (sa.batches == sb.batches) return "";
  std::vector<std::uint16_t> ra, rb;  // every reset, batches ignored
  for (const auto& batch : sa.batches) ra.insert(ra.end(), batch.begin(), batch.end());
  for (const auto& batch : sb.batches) rb.insert(rb.end(), batch.begin(), batch.end());
  if (ra.size() != rb.size()) return "resets " + std::to_string(ra.size()) + " vs " + std::to_string(rb.size());
  std::sort(ra.begin(), ra.end());
  std::sort(rb.begin(), rb.end());
  if (ra != rb) return "reset queues";
  return "resets between commits";
}

Observation without_signals(Observation obs) {
  std::erase_if(obs.events, [](const Event& e) { return std::holds_alternative<Signal>(e); });
  obs.sees_signals = false;
  return obs;
}

}  // namespace apcb::model
