// apcb impl — the undo journal that makes a failed operation change nothing (SPEC rule 8).
//
// Every change an operation makes to host state goes through this journal: the old value of a
// mask, a pointer or a byte, a queue linked or unlinked, an object allocated or released, a
// CRYCB commit. If the operation fails part-way (an injected fault), rollback() undoes the
// changes newest first, while the operation still holds every lock it took, so nobody saw the
// intermediate state except vCPUs, which only ever see complete APCBs (the undo of a commit is
// itself a commit of the old APCB). If it succeeds, commit() runs the deferred actions (frees of
// objects the operation removed), in order. Entries are plain values with function pointers, so
// the journal allocates only when it outgrows its largest earlier operation.
#ifndef APCB_IMPL_UNDO_LOG_H_
#define APCB_IMPL_UNDO_LOG_H_

#include <cstdint>
#include <type_traits>
#include <vector>

#include "model/mask.h"
#include "model/state.h"

namespace apcb::impl {

class UndoLog {
 public:
  // One undoable change. `undo` restores the state from the payload; `done`, if set, runs
  // when the operation succeeds (e.g. frees an object the operation detached).
  struct Entry {
    void (*undo)(const Entry&) = nullptr;
    void (*done)(const Entry&) = nullptr;
    void* a = nullptr;
    void* b = nullptr;
    model::Matrix old;
    std::uint64_t u = 0;
  };

  // Appends an entry (the change it describes has been made).
  // Example: e.undo = [](const Entry& x) { ... }; e.a = obj; undo.record(e);
  void record(const Entry& e) { entries_.push_back(e); }

  // target := value, journaled (nothing is recorded when they are already equal).
  // Example: undo.set(m.shadow_apcb.adapters, apm); undo.rollback() puts the old mask back.
  void set(model::Mask& target, const model::Mask& value);
  void set(model::Matrix& target, const model::Matrix& value);
  // The same for a flag, a response code or a count: one journal rule for every integral type.
  // Example: undo.set(override_count, override_count + 1); rollback() puts the old count back.
  template <typename T>
    requires std::is_integral_v<T>
  void set(T& target, std::type_identity_t<T> value) {
    if (target == value) return;
    Entry e;
    e.undo = [](const Entry& x) { *static_cast<T*>(x.a) = static_cast<T>(x.u); };
    e.a = &target;
    e.u = static_cast<std::uint64_t>(target);
    record(e);
    target = value;
  }
  template <typename T>
  // Example: undo.set_ptr(m->kvm, guest); rollback() makes m->kvm what it was.
  void set_ptr(T*& target, T* value) {
    if (target == value) return;
    Entry e;
    e.undo = [](const Entry& x) { *static_cast<T**>(x.a) = static_cast<T*>(x.b); };
    e.a = &target;
    e.b = target;
    record(e);
    target = value;
  }

  // Example: a fresh or just rolled-back journal is empty() with size() == 0.
  bool empty() const { return entries_.empty(); }
  std::size_t size() const { return entries_.size(); }

  // The operation failed: undo every change, newest first; the journal is then empty.
  // Example: set(x, 1); set(x, 2); rollback(); — x has its first value again.
  void rollback();
  // The operation succeeded: run the deferred actions, oldest first; the journal is then empty.
  // Example: an unregistered queue object is freed by commit(), kept by rollback().
  void commit();

 private:
  std::vector<Entry> entries_;
};

}  // namespace apcb::impl

#endif  // APCB_IMPL_UNDO_LOG_H_
