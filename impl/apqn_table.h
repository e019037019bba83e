// apcb impl — a value per APQN (65,536 of them), stored by adapter row and allocated only for
// the adapters that ever hold a value.
//
// Why not a flat std::array: the AP bus, the hardware and the vfio_ap driver each keep one per
// host, and a flat table of pointers is 512 KiB that every new Host zeroes (and faults in).
// Hosts are built per fuzz input and per property-test sequence, where that zeroing was most
// of the cost; real configurations touch a handful of adapters. Rows live until the table
// dies, so a reference from at() stays valid (the undo log keeps such references).
#ifndef APCB_IMPL_APQN_TABLE_H_
#define APCB_IMPL_APQN_TABLE_H_

#include <array>
#include <memory>

#include "model/state.h"

namespace apcb::impl {

template <class T>
class ApqnTable {
 public:
  using Row = std::array<T, 256>;

  // The value of q: T{} when q's adapter row was never written.
  // Example: ApqnTable<std::uint8_t> t; t.get({4, 2}) == 0.
  T get(model::Apqn q) const {
    const Row* row = rows_[q.adapter].get();
    return row == nullptr ? T{} : (*row)[q.domain];
  }
  // The value of q, for writing: allocates q's adapter row (value-initialised) on first use.
  // Example: t.at({4, 2}) = 7; t.get({4, 2}) == 7.
  T& at(model::Apqn q) {
    std::unique_ptr<Row>& row = rows_[q.adapter];
    if (row == nullptr) row = std::make_unique<Row>();
    return (*row)[q.domain];
  }

 private:
  std::array<std::unique_ptr<Row>, 256> rows_{};
};

}  // namespace apcb::impl

#endif  // APCB_IMPL_APQN_TABLE_H_
