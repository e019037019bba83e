#include "impl/kvm/kvm.h"

#include <algorithm>
#include <thread>

namespace apcb::impl::kvm {

using model::CrycbFormat;
using model::Errno;
using model::Matrix;

Kvm::Kvm(model::GuestId id, bool msax3, bool host_apxa, int vcpus, const KvmEnv& env)
    : id_(id),
      msax3_(msax3),
      vcpus_(std::clamp(vcpus, 1, kMaxVcpus)),
      env_(env),
      lock_(LockRank::kvm, id) {
  // The simulation has no 31-bit storage; the buffer's address stands in for the CRYCB
  // origin. It is 256-byte aligned, so the format bits are free.
  const auto origin = static_cast<std::uint32_t>(reinterpret_cast<std::uintptr_t>(&crycb_) & 0x7FFFFF00U);
  crycbd_ = origin | static_cast<std::uint32_t>(model::crycb_format(msax3, host_apxa));
  if (msax3) crycb_.fill_wrapping_key_masks(0xC0FFEEULL ^ (static_cast<std::uint64_t>(id) << 17));
  // Recording starts after the VM's own initialisation: only commits write from here on.
  recorder_ = env.recorder;
  crycb_.record_stores(recorder_, id);
}

void Kvm::block_all() {
  // kvm_s390_vcpu_block_all: per vCPU, set its block bit, then wait until it is out of SIE.
  for (int i = 0; i < vcpus_; ++i) {
    Vcpu& v = vcpu_[static_cast<std::size_t>(i)];
    v.request_block();
    record(ProtocolEvent::Kind::block, i);
    v.wait_out_of_sie();
    record(ProtocolEvent::Kind::wait, i);
  }
}

void Kvm::unblock_all() {
  for (int i = 0; i < vcpus_; ++i) {
    vcpu_[static_cast<std::size_t>(i)].unblock();
    record(ProtocolEvent::Kind::unblock, i);
  }
}

bool Kvm::write_masks(const Matrix& apcb, FaultInjector* faults, bool clear) {
  const CrycbFormat f = format();
  const bool torn = env_.protocol.load(std::memory_order_relaxed) == CommitProtocol::torn_for_testing;
  if (env_.listener) env_.listener(id_, apcb);
  if (clear) {
    crycb_.clear_apcbs();
    if (faults != nullptr && faults->hit(FaultPoint::commit)) return false;
    return true;
  }
  crycb_.write_apm(f, apcb.adapters);
  if (faults != nullptr && faults->hit(FaultPoint::commit)) return false;
  if (torn) std::this_thread::yield();
  crycb_.write_aqm(f, apcb.domains);
  if (torn) std::this_thread::yield();
  crycb_.write_adm(f, apcb.control_domains);
  return true;
}

Errno Kvm::set_masks(const Matrix& masks, FaultInjector* faults, Matrix& old_apcb, Matrix& new_apcb) {
  const bool torn = env_.protocol.load(std::memory_order_relaxed) == CommitProtocol::torn_for_testing;
  new_apcb = model::truncate_to_format(masks, format());
  record(ProtocolEvent::Kind::begin);
  if (!torn) block_all();
  old_apcb = apcb();
  const bool ok = write_masks(new_apcb, faults, /*clear=*/false);
  if (!ok) {
    record(ProtocolEvent::Kind::restart);
    // Interrupted half-way: put the old masks back while the vCPUs are still out of SIE.
    crycb_.write_apm(format(), old_apcb.adapters);
    crycb_.write_aqm(format(), old_apcb.domains);
    crycb_.write_adm(format(), old_apcb.control_domains);
  }
  if (!torn) unblock_all();
  record(ProtocolEvent::Kind::end);
  return ok ? Errno::ok : fault_errno(FaultPoint::commit);
}

Errno Kvm::clear_masks(FaultInjector* faults, Matrix& old_apcb) {
  const bool torn = env_.protocol.load(std::memory_order_relaxed) == CommitProtocol::torn_for_testing;
  record(ProtocolEvent::Kind::begin);
  if (!torn) block_all();
  old_apcb = apcb();
  const bool ok = write_masks(Matrix{}, faults, /*clear=*/true);
  if (!ok) {
    record(ProtocolEvent::Kind::restart);
    crycb_.write_apm(format(), old_apcb.adapters);
    crycb_.write_aqm(format(), old_apcb.domains);
    crycb_.write_adm(format(), old_apcb.control_domains);
  }
  if (!torn) unblock_all();
  record(ProtocolEvent::Kind::end);
  return ok ? Errno::ok : fault_errno(FaultPoint::commit);
}

void Kvm::restore_apcb(const Matrix& apcb_value) {
  Matrix old_apcb, new_apcb;
  // No fault injector: an undo cannot fail. An all-zero APCB is written as a clear, which is
  // what produced it (clear_masks also zeroes the reserved words, which set_masks never
  // touches, so both leave the same bytes).
  if (apcb_value.empty())
    (void)clear_masks(nullptr, old_apcb);
  else
    (void)set_masks(apcb_value, nullptr, old_apcb, new_apcb);
}

Matrix Kvm::run_ap_instruction(int vcpu) {
  Vcpu& v = vcpu_[static_cast<std::size_t>(std::clamp(vcpu, 0, vcpus_ - 1))];
  v.enter_sie();
  Matrix seen = crycb_.read_apcb(format());
  v.exit_sie();
  return seen;
}

Matrix Kvm::observe() {
  std::lock_guard<std::mutex> guard(observe_lock_);
  return run_ap_instruction(0);
}

AqicAnswer Kvm::pqap_aqic(LockSet& locks, model::Apqn apqn) {
  // KVM's checks before the hook: without APXA in the guest's CRYCB (formats 0 and 1) the
  // instruction may not name an adapter above 63 or a domain above 15.
  if (format() != CrycbFormat::format2 && (apqn.adapter > 63 || apqn.domain > 15))
    return AqicAnswer{true, {}, model::response::q_not_avail};
  locks.acquire(lock_);  // pqap_hook_rwsem, read side
  if (pqap_hook_ == nullptr) return AqicAnswer{false, {}, model::response::q_not_avail};
  const std::uint8_t rc = pqap_hook_->handle_pqap(locks, *this, apqn);
  return AqicAnswer{false, pqap_hook_->owner_uuid(), rc};
}

}  // namespace apcb::impl::kvm
