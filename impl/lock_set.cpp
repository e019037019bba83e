#include "impl/lock_set.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace apcb::impl {

void LockSet::acquire(RankedMutex& m) {
  if (holds(m)) return;
  if (!held_.empty()) {
    const RankedMutex& top = *held_.back();
    const bool ordered = m.rank() > top.rank() ||
                         (m.rank() == LockRank::kvm && top.rank() == LockRank::kvm &&
                          m.sub() > top.sub());
    if (!ordered) {
      std::fprintf(stderr, "apcb: lock order violation: rank %d (sub %llu) after rank %d (sub %llu)\n",
                   static_cast<int>(m.rank()), static_cast<unsigned long long>(m.sub()),
                   static_cast<int>(top.rank()), static_cast<unsigned long long>(top.sub()));
      std::abort();
    }
  }
  m.lock();
  held_.push_back(&m);
}

bool LockSet::holds(const RankedMutex& m) const {
  return std::find(held_.begin(), held_.end(), &m) != held_.end();
}

void LockSet::release_to(std::size_t depth) {
  while (held_.size() > depth) {
    held_.back()->unlock();
    held_.pop_back();
  }
}

}  // namespace apcb::impl
