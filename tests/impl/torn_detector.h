// apcb tests — a torn-read detector: it learns every APCB committed to each guest (through the
// host's commit listener, before the write) and checks every APCB a vCPU sees against them.
// An APCB that was never committed as a whole is a torn read: a mix of two commits or a partly
// written mask (SPEC P5).
#ifndef APCB_TESTS_IMPL_TORN_DETECTOR_H_
#define APCB_TESTS_IMPL_TORN_DETECTOR_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>

#include "model/state.h"

namespace apcb::impl::testing {

class TornDetector {
 public:
  using Key = std::array<std::uint64_t, 12>;

  static Key key(const model::Matrix& m) {
    Key k{};
    for (int w = 0; w < 4; ++w) {
      k[static_cast<std::size_t>(w)] = m.adapters.word(w);
      k[static_cast<std::size_t>(4 + w)] = m.domains.word(w);
      k[static_cast<std::size_t>(8 + w)] = m.control_domains.word(w);
    }
    return k;
  }

  // Guest `g` starts with an all-zero APCB.
  void add_guest(model::GuestId g) { committed(g, model::Matrix{}); }
  // The commit listener: `apcb` is about to be written to guest g's CRYCB.
  void committed(model::GuestId g, const model::Matrix& apcb) {
    std::lock_guard<std::mutex> guard(lock_);
    known_[g].insert(key(apcb));
    commits_.fetch_add(1, std::memory_order_relaxed);
  }
  // A vCPU of guest g saw `apcb`.
  void seen(model::GuestId g, const model::Matrix& apcb) {
    reads_.fetch_add(1, std::memory_order_relaxed);
    std::lock_guard<std::mutex> guard(lock_);
    if (known_[g].count(key(apcb)) == 0) torn_.fetch_add(1, std::memory_order_relaxed);
  }

  std::uint64_t torn() const { return torn_.load(); }
  std::uint64_t reads() const { return reads_.load(); }
  std::uint64_t commits() const { return commits_.load(); }

 private:
  std::mutex lock_;
  std::map<model::GuestId, std::set<Key>> known_;
  std::atomic<std::uint64_t> torn_{0};
  std::atomic<std::uint64_t> reads_{0};
  std::atomic<std::uint64_t> commits_{0};
};

}  // namespace apcb::impl::testing

#endif  // APCB_TESTS_IMPL_TORN_DETECTOR_H_
