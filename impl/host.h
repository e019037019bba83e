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
#include "impl/host_snapshot.h"
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
  Host(const model::HostParams& params, const model::Matrix& cfg, HostOptions options = {});
  ~Host();
  Host(const Host&) = delete;
  Host& operator=(const Host&) = delete;

  // Runs one operation and returns what it was observed to do. Thread-safe.
  model::Observation apply(const model::Op& op);
  // Same, into `out` (its buffers are reused: no allocation once they have grown).
  void apply(const model::Op& op, model::Observation& out);

  // The state projected onto the model's vocabulary, taken under every lock (a consistent
  // cut between operations).
  model::State state() const;
  // The projection plus the implementation's own structures (see host_snapshot.h).
  HostSnapshot snapshot() const;
  // Internal consistency: each queue table holds exactly the bound queues of its matrix, back
  // pointers and rows agree with the tables, bindings agree with the queue objects, the pool
  // agrees with the registry. Empty when consistent.
  std::vector<std::string> check_structure() const;
  // The APQNs in mdev `uuid`'s queue table, ascending (empty when there is no such mdev).
  std::vector<model::Apqn> queue_table(std::string_view uuid) const;

  FaultInjector& faults() { return faults_; }
  // The guest with that id, or nullptr (valid for the host's life).
  kvm::Kvm* guest(model::GuestId id) const { return kvms_.find(id); }
  // Which commit protocol every guest uses (the torn one only to test a detector).
  void set_commit_protocol(kvm::CommitProtocol p);
  // Called before every commit's write, under that guest's kvm->lock. Set before any
  // operation or vCPU thread runs.
  void set_commit_listener(kvm::CommitListener listener);
  const model::HostParams& params() const { return params_; }

 private:
  struct Dispatch;
  // Takes every lock (ap_perms, scan, guests, all kvm, mdevs) into `locks`.
  void lock_everything(LockSet& locks) const;
  HostSnapshot snapshot_locked() const;

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
