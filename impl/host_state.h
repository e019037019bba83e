// apcb impl — a host's complete state, for comparisons: what failure atomicity (P6) compares
// before and after a failed operation, and what the differential test compares with the model.
// (Not a "snapshot": in apcb that word means a capture of a real host's sysfs, readers/snapshot.h.)
//
// `state` is the projection onto the model's vocabulary (model::State); the other fields are
// what the model does not have: the queue tables, the queue objects, the CRYCB bytes, so that
// "changes nothing" covers the real structures and not only their projection.
//
// Example: const HostState before = host.full_state(); /* a failed op */
//          assert(host.full_state() == before);
#ifndef APCB_IMPL_HOST_STATE_H_
#define APCB_IMPL_HOST_STATE_H_

#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "model/state.h"

namespace apcb::impl {

struct HostState {
  model::State state;
  // Per mdev in list order: the uuid and the packed APQNs of its queue table, ascending.
  std::vector<std::pair<std::string, std::vector<std::uint16_t>>> qtables;
  // Every vfio_ap queue object: packed APQN and reset status, ascending.
  std::vector<std::pair<std::uint16_t, std::uint8_t>> vfio_queues;
  // Per guest in creation order: CRYCB designation and CRYCB bytes.
  std::vector<std::pair<std::uint32_t, std::array<std::uint8_t, 256>>> crycbs;
  std::size_t live_queue_objects = 0;
  friend bool operator==(const HostState&, const HostState&) = default;
};

}  // namespace apcb::impl

#endif  // APCB_IMPL_HOST_STATE_H_
