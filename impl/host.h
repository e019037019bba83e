// apcb impl — one host: the facade that runs the operation alphabet on the implementation.
//
// A Host is built like model::State::initial(params, cfg) and answers every model::Op with a
// model::Observation (result, rendered output, commits and resets in order), so it can be run
// step by step against the model. apply() is thread-safe: operations from several threads run
// concurrently under the kernel's locks, and vCPU threads (kvm::VcpuThread) may read the
// guests' CRYCBs at any time. A failed operation changes nothing and reports no events (a
// device reset's EIO is not a failure: model::completed).
//
// Not re-entrant: a commit listener must not call back into the host.
#ifndef APCB_IMPL_HOST_H_
#define APCB_IMPL_HOST_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "impl/ap_bus.h"
#include "impl/ap_hw.h"
#include "impl/fault.h"
#include "impl/host_state.h"
#include "impl/kvm/kvm_list.h"
#include "impl/vfio_ap/driver.h"
#include "impl/vfio_ap/sysfs.h"
#include "model/observation.h"
#include "model/op.h"
#include "model/state.h"

namespace apcb::impl {

struct HostOptions {
  // vCPUs of every guest: vCPU 0 serves op::VcpuObserve, the rest are for vCPU threads.
  int vcpus_per_guest = 4;
};

class Host {
 public:
  // A host in the state model::State::initial(params, cfg): masks all ones, every queue
  // device of `cfg` bound to the default driver, no mdev, no guest.
  // Example: Host h(model::HostParams{true, 255, 255}, cfg);
  Host(const model::HostParams& params, const model::Matrix& cfg, HostOptions options = {});
  ~Host();
  Host(const Host&) = delete;
  Host& operator=(const Host&) = delete;

  // Runs one operation and returns what it was observed to do. Thread-safe.
  // Example: h.apply(op::MdevCreate{"not-a-uuid"}).result == Errno::einval, and nothing changed.
  model::Observation apply(const model::Op& op);
  // Same, into `out` (its buffers are reused: no allocation once they have grown).
  // Example: model::Observation o; for (const Op& op : ops) h.apply(op, o);
  void apply(const model::Op& op, model::Observation& out);

  // The state projected onto the model's vocabulary, taken under every lock (a consistent
  // cut between operations).
  // Example: h.state() == model::State::initial(params, cfg) on a new host.
  model::State state() const;
  // The projection plus the implementation's own structures (host_state.h), under every lock.
  // Example: const HostState before = h.full_state(); /* failed op */ h.full_state() == before.
  HostState full_state() const;
  // Internal consistency: each queue table holds exactly the bound queues of its matrix, back
  // pointers and rows agree with the tables, bindings agree with the queue objects, the pool
  // agrees with the registry. Empty when consistent.
  // Example: EXPECT_TRUE(h.check_structure().empty()) after every operation.
  std::vector<std::string> check_structure() const;
  // The APQNs in mdev `uuid`'s queue table, ascending (empty when there is no such mdev).
  // Example: after assign_adapter 4 and assign_domain 2 with 04.0002 bound to vfio_ap,
  // h.queue_table(uuid) == {Apqn{4, 2}}; an unknown uuid gives {}.
  std::vector<model::Apqn> queue_table(std::string_view uuid) const;

  // The host's fault injector (fault.h). Example: h.faults().arm(FaultPoint::reset, 1);
  FaultInjector& faults() { return faults_; }
  // The guest with that id, or nullptr (valid for the host's life).
  // Example: h.guest(7) == nullptr until op::GuestCreate{7, ...} ran.
  kvm::Kvm* guest(model::GuestId id) const { return kvms_.find(id); }
  // Which commit protocol every guest uses (the torn one only to test a detector).
  // Example: h.set_commit_protocol(kvm::CommitProtocol::torn_for_testing);
  void set_commit_protocol(kvm::CommitProtocol p);
  // Called before every commit's write, under that guest's kvm->lock. Set before any
  // operation or vCPU thread runs.
  // Example: h.set_commit_listener([&](model::GuestId, const model::Matrix& apcb) {
  //   seen.push_back(apcb); });
  void set_commit_listener(kvm::CommitListener listener);
  // The parameters the host was built with. Example: h.params().apxa.
  const model::HostParams& params() const { return params_; }

 private:
  struct Dispatch;
  // Takes every lock (ap_perms, scan, guests, all kvm, mdevs) into `locks`.
  void lock_everything(LockSet& locks) const;
  HostState full_state_locked() const;

  model::HostParams params_;
  ApHardware hw_;
  mutable kvm::KvmList kvms_;
  std::unique_ptr<ApBus> bus_;
  std::unique_ptr<vfio_ap::VfioApDriver> vfio_;
  std::unique_ptr<vfio_ap::MdevSysfs> sysfs_;
  FaultInjector faults_;
};

}  // namespace apcb::impl

#endif  // APCB_IMPL_HOST_H_
