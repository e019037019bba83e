// apcb impl — a KVM guest (struct kvm) as vfio_ap sees it: facilities, CRYCB, vCPUs, kvm->lock.
//
// The CRYCB format comes from the guest's MSAX3 facility and the host's APXA
// (kvm_s390_set_crycb_format); the designation `crycbd` carries it in its low bits. vfio_ap
// changes the CRYCB only through set_masks / clear_masks (kvm_arch_crypto_set_masks /
// _clear_masks), with kvm->lock held by the caller: all vCPUs blocked, the masks written,
// vCPUs unblocked. A test-only protocol writes the masks one by one with a yield in between
// and no blocking, so tests can show that the torn-read detector sees the difference.
#ifndef APCB_IMPL_KVM_KVM_H_
#define APCB_IMPL_KVM_KVM_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string_view>

#include "impl/fault.h"
#include "impl/kvm/crycb.h"
#include "impl/kvm/protocol_log.h"
#include "impl/kvm/vcpu.h"
#include "impl/lock_set.h"
#include "model/errno.h"
#include "model/state.h"

namespace apcb::impl::kvm {

enum class CommitProtocol : std::uint8_t {
  block_all,         // the kernel's: every commit atomic for the vCPUs
  torn_for_testing,  // masks written one by one, vCPUs not blocked: only to prove a detector
};

// Called under kvm->lock just before a commit writes `apcb` (already truncated to the
// format) to guest `guest`'s CRYCB, so a torn-read detector can know every APCB that was ever
// committed before any vCPU can see it.
using CommitListener = std::function<void(model::GuestId guest, const model::Matrix& apcb)>;

// Settings shared by every guest of a host.
struct KvmEnv {
  std::atomic<CommitProtocol> protocol{CommitProtocol::block_all};
  CommitListener listener;  // set before any thread runs; read-only afterwards
  // Under test: every commit's protocol events (protocol_log.h). Set before the guests are
  // created; null (the default) records nothing.
  ProtocolRecorder* recorder = nullptr;
};

class Kvm;

// The PQAP(AQIC) hook a VFIO driver registers with KVM (kvm->arch.crypto.pqap_hook): KVM hands
// a guest's intercepted PQAP(AQIC) to it. vfio_ap's lives in each matrix mdev (its pqap_hook
// member); set_kvm registers it, unset_kvm withdraws it.
class PqapHook {
 public:
  // The handler (vfio_ap handle_pqap) for AQIC with IR=0 on `apqn` from a vCPU of `guest`: the
  // AP response code the guest gets in general register 1. Called with guest.lock() held.
  // Example: the hook of an mdev whose queue table holds 05.0004 answers response::normal.
  virtual std::uint8_t handle_pqap(LockSet& locks, Kvm& guest, model::Apqn apqn) = 0;
  // Which mdev the hook belongs to (container_of the hook): the observation's `handler=`.
  // Example: the hook inside mdev u answers u's UUID.
  virtual std::string_view owner_uuid() const = 0;

 protected:
  ~PqapHook() = default;
};

// What a guest's PQAP(AQIC) observes (model/render.h render_aqic).
struct AqicAnswer {
  bool specification_exception = false;  // KVM refused it before looking for a hook
  std::string_view handler;              // the UUID of the mdev whose hook ran; empty: none
  std::uint8_t rc = model::response::q_not_avail;
};

class Kvm {
 public:
  static constexpr int kMaxVcpus = 16;

  // A VM with `vcpus` vCPUs (1..kMaxVcpus). vCPU 0 serves op::VcpuObserve; vCPU threads use
  // the others.
  // Example: Kvm g(7, true, true, 4, env); g.format() == CrycbFormat::format2, g.apcb() empty.
  Kvm(model::GuestId id, bool msax3, bool host_apxa, int vcpus, const KvmEnv& env);
  Kvm(const Kvm&) = delete;
  Kvm& operator=(const Kvm&) = delete;

  // The guest's identity and facilities. Example: g.id() == 7, g.msax3() == true.
  model::GuestId id() const { return id_; }
  bool msax3() const { return msax3_; }
  model::CrycbFormat format() const { return static_cast<model::CrycbFormat>(crycbd_ & 0x3); }
  // The CRYCB designation: the (simulated) 31-bit address of the CRYCB ORed with the format.
  // Example: g.crycbd() & 0x3 == the format's number.
  std::uint32_t crycbd() const { return crycbd_; }
  // kvm->lock. Example: locks.acquire(g.lock()); before set_masks.
  RankedMutex& lock() { return lock_; }

  // kvm_arch_crypto_set_masks (kvm->lock held): writes `masks` truncated to the format with
  // every vCPU blocked. `old_apcb` receives the APCB before, `new_apcb` the one written. With
  // `faults` the write can be interrupted after the first mask (FaultPoint::commit): the CRYCB
  // is then restored before any vCPU runs again, and the result is fault_errno(commit).
  // Example: on a format-0 guest set_masks({adapters {70}}, nullptr, o, n) == ok with n.adapters
  // empty (APCB0 holds adapters 0..63 only).
  model::Errno set_masks(const model::Matrix& masks, FaultInjector* faults,
                         model::Matrix& old_apcb, model::Matrix& new_apcb);
  // kvm_arch_crypto_clear_masks (kvm->lock held): APCB0 and APCB1 zeroed, same protocol.
  // Example: clear_masks(nullptr, old) == ok and g.apcb() is empty.
  model::Errno clear_masks(FaultInjector* faults, model::Matrix& old_apcb);
  // Writes back an APCB an undone operation had replaced (kvm->lock held; cannot fail).
  // Example: the undo of a commit: restore_apcb(old_apcb).
  void restore_apcb(const model::Matrix& apcb);

  // The current APCB (kvm->lock held, or no commit running).
  // Example: after set_masks(m, ...) on a format-2 guest, apcb() == m.
  model::Matrix apcb() const { return crycb_.read_apcb(format()); }
  // The CRYCB buffer, byte for byte. Example: Host::full_state compares it before and after.
  std::array<std::uint8_t, Crycb::kSize> crycb_bytes() const { return crycb_.bytes(); }

  // Example: a Kvm built with vcpus = 4 has vcpu_count() == 4.
  int vcpu_count() const { return vcpus_; }
  // What vCPU `vcpu` sees when it executes an AP instruction: enter SIE, read the APCB, leave.
  // One thread per vCPU at a time.
  // Example: a VcpuThread on vCPU 1 loops run_ap_instruction(1).
  model::Matrix run_ap_instruction(int vcpu);
  // vCPU 0's instruction on behalf of op::VcpuObserve; callable from any thread.
  // Example: op::VcpuObserve{7} renders h.guest(7)->observe().
  model::Matrix observe();

  // The PQAP hook KVM calls (kvm->arch.crypto.pqap_hook); guarded by lock() (the kernel's
  // pqap_hook_rwsem, which vfio_ap takes with kvm->lock in get_update_locks_for_kvm). A driver
  // sets and clears it through the operation's undo log, so a failed open leaves it as it was.
  // Example: after a successful open of mdev u for this guest, pqap_hook()->owner_uuid() == u.
  PqapHook*& pqap_hook() { return pqap_hook_; }
  // The same for a reader (a state snapshot), which holds the locks that guard it.
  // Example: h.full_state() names pqap_hook()->owner_uuid() as the guest's Guest::pqap_hook.
  const PqapHook* pqap_hook() const { return pqap_hook_; }
  // A vCPU's PQAP(AQIC) with IR=0 for `apqn` (arch/s390/kvm/priv.c handle_pqap): a format-0/1
  // CRYCB (no APXA for the guest) refuses an adapter above 63 or a domain above 15 with a
  // specification exception; with no hook KVM answers Q_NOT_AVAIL itself; else the hook
  // answers. Takes lock().
  // Example: a guest without a hook: pqap_aqic(locks, {5, 4}) == AqicAnswer{false, "", 0x01}.
  AqicAnswer pqap_aqic(LockSet& locks, model::Apqn apqn);

 private:
  void block_all();
  void unblock_all();
  void record(ProtocolEvent::Kind kind, int index = 0) {
    if (recorder_ != nullptr) recorder_->record(id_, kind, index);
  }
  // Writes the three masks by the current protocol; stops after apm if `faults` fires.
  bool write_masks(const model::Matrix& apcb, FaultInjector* faults, bool clear);

  model::GuestId id_;
  bool msax3_;
  std::uint32_t crycbd_ = 0;
  int vcpus_;
  const KvmEnv& env_;
  ProtocolRecorder* recorder_ = nullptr;  // env_.recorder when the guest was created
  RankedMutex lock_;
  std::mutex observe_lock_;  // leaf: serialises op::VcpuObserve on vCPU 0
  PqapHook* pqap_hook_ = nullptr;
  Crycb crycb_;
  std::array<Vcpu, kMaxVcpus> vcpu_{};
};

}  // namespace apcb::impl::kvm

#endif  // APCB_IMPL_KVM_KVM_H_
