#include "impl/undo_log.h"

namespace apcb::impl {

void UndoLog::set(model::Mask& target, const model::Mask& value) {
  if (target == value) return;
  Entry e;
  e.undo = [](const Entry& x) { *static_cast<model::Mask*>(x.a) = x.old.adapters; };
  e.a = &target;
  e.old.adapters = target;
  record(e);
  target = value;
}

void UndoLog::set(model::Matrix& target, const model::Matrix& value) {
  if (target == value) return;
  Entry e;
  e.undo = [](const Entry& x) { *static_cast<model::Matrix*>(x.a) = x.old; };
  e.a = &target;
  e.old = target;
  record(e);
  target = value;
}

void UndoLog::rollback() {
  for (auto it = entries_.rbegin(); it != entries_.rend(); ++it)
    if (it->undo != nullptr) it->undo(*it);
  entries_.clear();
}

void UndoLog::commit() {
  // `done` may free objects that earlier entries point at; nothing reads them afterwards.
  for (const Entry& e : entries_)
    if (e.done != nullptr) e.done(e);
  entries_.clear();
}

}  // namespace apcb::impl
