// The guests, read_snapshot's last area (snapshot_areas.h): sysfs shows no guest, only the
// queue statuses an attached guest gives, so the guests are read back from those.
#include "readers/internal/snapshot_areas.h"

#include "model/step.h"

namespace apcb::readers::internal {

// A queue `in use` means its mdev's guest is attached. The kernel shows `in use` for a queue
// bound to vfio_ap that the mdev holding it (by its matrix) has in an attached guest's
// shadow; read back by the same rule. `assigned` and `unassigned` are checked against the
// matrices too: a status that disagrees was captured at another time than the matrix.
void read_guests(SnapshotReading& rd) {
  std::vector<bool> attached(rd.s.mdevs.size(), false);
  for (const auto& [key, q] : rd.queues) {
    if (!q.status) continue;
    const model::Apqn apqn = model::Apqn::unpack(key);
    if (!rd.s.present(apqn)) continue;  // outside the configuration: noted and ignored
    const model::Mdev* owner = rd.s.owner_of(apqn);
    if (*q.status == "unassigned") {
      if (owner != nullptr)
        rd.notes.push_back("queue " + q.path + " is `unassigned` although mdev " + owner->uuid + " assigns it");
      continue;
    }
    if (owner == nullptr) {
      rd.notes.push_back("queue " + q.path + " is `" + *q.status + "` but no mdev's matrix assigns it");
      continue;
    }
    if (*q.status != "in use") continue;
    if (rd.s.bound_to_vfio(apqn) && owner->shadow.adapters.test(apqn.adapter) && owner->shadow.domains.test(apqn.domain))
      attached[static_cast<std::size_t>(owner - rd.s.mdevs.data())] = true;
    else
      rd.notes.push_back("queue " + q.path + " is `in use` but not bound to vfio_ap in the guest_matrix of the mdev holding it");
  }
  model::GuestId next = 1;
  for (std::size_t i = 0; i < rd.s.mdevs.size(); ++i) {
    if (!attached[i]) continue;
    model::Guest g;
    g.id = next++;
    g.msax3 = true;
    g.format = model::crycb_format(true, rd.params.apxa);
    g.apcb = model::truncate_to_format(rd.s.mdevs[i].shadow, g.format);
    // The open that attached the mdev registered its PQAP hook (sysfs does not show the hook;
    // a hook left by a failed open, before 4400270ec034, cannot be read back).
    g.pqap_hook = rd.s.mdevs[i].uuid;
    rd.s.mdevs[i].guest = g.id;
    rd.s.guests.push_back(g);
  }
  if (!rd.s.mdevs.empty())
    rd.notes.push_back("guests: an mdev counts as attached when one of its queues is `in use`; sysfs does not show "
                     "queue reset responses, so none is assumed");
}

}  // namespace apcb::readers::internal
