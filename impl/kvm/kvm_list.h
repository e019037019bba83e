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
  KvmList(bool host_apxa, int vcpus_per_guest) : host_apxa_(host_apxa), vcpus_(vcpus_per_guest) {}

  // KVM_CREATE_VM for guest `id` with or without MSAX3: -EEXIST when it exists.
  model::Errno create(model::GuestId id, bool msax3);
  // The guest with that id, or nullptr.
  Kvm* find(model::GuestId id) const;
  // Every guest, in creation order (a copy of the list, taken under the lock).
  std::vector<Kvm*> all() const;

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
