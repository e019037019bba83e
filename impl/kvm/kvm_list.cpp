#include "impl/kvm/kvm_list.h"

namespace apcb::impl::kvm {

model::Errno KvmList::create(model::GuestId id, bool msax3) {
  std::lock_guard<std::mutex> guard(lock_);
  for (const auto& vm : vms_)
    if (vm->id() == id) return model::Errno::eexist;
  vms_.push_back(std::make_unique<Kvm>(id, msax3, host_apxa_, vcpus_, env_));
  return model::Errno::ok;
}

Kvm* KvmList::find(model::GuestId id) const {
  std::lock_guard<std::mutex> guard(lock_);
  for (const auto& vm : vms_)
    if (vm->id() == id) return vm.get();
  return nullptr;
}

std::vector<Kvm*> KvmList::all() const {
  std::lock_guard<std::mutex> guard(lock_);
  std::vector<Kvm*> out;
  out.reserve(vms_.size());
  for (const auto& vm : vms_) out.push_back(vm.get());
  return out;
}

}  // namespace apcb::impl::kvm
