// apcb impl — the host's VMs (KVM's vm_list), in creation order.
//
// VMs are never destroyed while the host lives (the alphabet has no "destroy guest"), so a
// Kvm* stays valid once found. The list has its own leaf lock: nothing else is taken while
// it is held.
#ifndef APCB_IMPL_KVM_KVM_LIST_H_
#define APCB_IMPL_KVM_KVM_LIST_H_

#include <memory>
#include <mutex>
#include <vector>

#include "impl/kvm/kvm.h"
#include "model/errno.h"
#include "model/state.h"

namespace apcb::impl::kvm {

class KvmList {
 public:
  // Example: KvmList kvms(params.apxa, 4); — guests get 4 vCPUs and the host's APXA.
  KvmList(bool host_apxa, int vcpus_per_guest) : host_apxa_(host_apxa), vcpus_(vcpus_per_guest) {}

  // KVM_CREATE_VM for guest `id` with or without MSAX3: -EEXIST when it exists.
  // Example: create(7, true) == ok; create(7, false) == Errno::eexist.
  model::Errno create(model::GuestId id, bool msax3);
  // The guest with that id, or nullptr.
  // Example: find(7) == nullptr before create(7, ...).
  Kvm* find(model::GuestId id) const;
  // Every guest, in creation order (a copy of the list, taken under the lock).
  // Example: after create(7, ...) and create(3, ...): all() is {guest 7, guest 3}.
  std::vector<Kvm*> all() const;

  // The settings every guest shares. Example: kvms.env().protocol.store(CommitProtocol::block_all);
  KvmEnv& env() { return env_; }

 private:
  bool host_apxa_;
  int vcpus_;
  KvmEnv env_;
  mutable std::mutex lock_;
  std::vector<std::unique_ptr<Kvm>> vms_;
};

}  // namespace apcb::impl::kvm

#endif  // APCB_IMPL_KVM_KVM_LIST_H_
