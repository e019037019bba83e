// The queue devices, read_snapshot's area of bus/ap/devices and devices/ap (snapshot_areas.h):
// each queue's `driver`, `status` and `driver_override`, then the bindings they give against
// the bus masks, and the bus's own count of them (bus/ap/bindings) and, from 6.19, of its
// completions (bus/ap/bindings_complete_count).
#include "readers/internal/snapshot_areas.h"

#include <algorithm>
#include <iterator>

#include "model/printable.h"

namespace apcb::readers::internal {

// bus/ap/devices/[cardXX/]XX.YYYY and devices/ap/cardXX/XX.YYYY: `driver` and `status`.
AreaError read_queue_devices(SnapshotReading& rd) {
  for (const std::string& dir : rd.f.dirs) {
    std::string_view rest;
    bool bus = false;
    if (dir.rfind("bus/ap/devices", 0) == 0) {
      rd.queue_tree = true;
      bus = true;
      rest = std::string_view(dir).substr(std::string_view("bus/ap/devices").size());
    } else if (dir.rfind("devices/ap", 0) == 0) {
      rd.queue_tree = true;
      rest = std::string_view(dir).substr(std::string_view("devices/ap").size());
    } else {
      continue;
    }
    if (rest.empty() || rest[0] != '/') continue;
    rest.remove_prefix(1);
    int card = -1;
    if (const std::size_t slash = rest.find('/'); slash != std::string_view::npos) {
      if (!card_name(rest.substr(0, slash), &card)) continue;
      rest.remove_prefix(slash + 1);
    } else if (!bus) {
      continue;  // devices/ap/cardXX itself
    }
    const auto qn = queue_name(rest);
    if (!qn) continue;
    const auto [a, d] = *qn;
    if (d > 255) return rd.fail(dir, Problem{0, 0, "domain " + hex(static_cast<unsigned>(d), 4) + " of this queue is beyond 00ff"});
    if (card >= 0 && card != a)
      return rd.fail(dir, Problem{0, 0, "queue of adapter " + hex(static_cast<unsigned>(a), 2) + " inside card" + hex(static_cast<unsigned>(card), 2)});
    QueueInfo info;
    info.path = dir;
    if (const auto l = rd.f.links.find(dir + "/driver"); l != rd.f.links.end()) {
      const std::string& target = l->second;
      info.driver = target.substr(target.find_last_of('/') == std::string::npos ? 0 : target.find_last_of('/') + 1);
    } else if (const std::string* c = rd.file(dir + "/driver")) {
      const std::string_view name = without_newline(*c);
      if (!name.empty() && name != "-no-driver-" && !driver_name(name))
        return rd.fail(dir + "/driver", Problem{1, 1, "expected the name of a driver (as the driver link's last "
                                                   "component), not '" + model::printable(name) + "'"});
      info.driver = std::string(name);
    }
    if (info.driver && (info.driver->empty() || *info.driver == "-no-driver-")) info.driver.reset();
    if (const std::string* c = rd.file(dir + "/status")) {
      // Anything but the kernel's three renderings ("busy", "IN USE") was edited or comes from
      // another tool, and reading it as "not in use" would detach a guest.
      const std::string_view status = without_newline(*c);
      if (std::find(std::begin(kQueueStatuses), std::end(kQueueStatuses), status) == std::end(kQueueStatuses))
        return rd.fail(dir + "/status", Problem{1, 1, "expected the kernel's queue status 'in use', 'assigned' or "
                                                   "'unassigned', not '" + model::printable(status) + "'"});
      info.status = std::string(status);
    }
    if (const std::string* c = rd.file(dir + "/driver_override")) {
      // 6.19 driver_override_show: the name and a newline, or a newline alone for none.
      const std::string_view name = without_newline(*c);
      if (!name.empty() && !driver_name(name))
        return rd.fail(dir + "/driver_override", Problem{1, 1, "expected a driver's name or an empty line (no "
                                                            "override), not '" + model::printable(name) + "'"});
      info.driver_override = std::string(name);
    }
    const auto key = static_cast<std::uint16_t>(a << 8 | d);
    if (const auto it = rd.queues.find(key); it != rd.queues.end()) {
      if (it->second.driver != info.driver)
        return rd.fail(dir + "/driver", Problem{0, 0, "disagrees with " + rd.where(it->second.path) + "/driver about the queue's driver"});
      // The same queue seen twice (bus/ap/devices/XX.YYYY is a link to the card's): where
      // both copies show a status, they must agree.
      if (it->second.status && info.status && it->second.status != info.status)
        return rd.fail(dir + "/status", Problem{0, 0, "disagrees with " + rd.where(it->second.path) + "/status about the queue's status"});
      if (it->second.driver_override && info.driver_override && it->second.driver_override != info.driver_override)
        return rd.fail(dir + "/driver_override",
                       Problem{0, 0, "disagrees with " + rd.where(it->second.path) + "/driver_override"});
      if (!it->second.status) it->second.status = info.status;
      if (!it->second.driver_override) it->second.driver_override = info.driver_override;
      continue;
    }
    rd.queues.emplace(key, std::move(info));
  }
  return std::nullopt;
}

namespace {

// bus/ap/bindings (bindings_show): "BOUND/ALL", then " (complete)" once the bus has scanned and
// every queue device is bound, and at most one newline.
// Example: parse_bindings("3/4\n") == {3, 4, false}; parse_bindings("4/4 (complete)") == {4, 4, true}.
struct Bindings {
  unsigned long bound = 0, all = 0;
  bool complete = false;
};
Result<Bindings> parse_bindings(std::string_view text) {
  const std::string_view line = without_newline(text);
  Bindings b;
  std::size_t i = 0;
  const auto number = [&](unsigned long& out) {
    const std::size_t start = i;
    while (i < line.size() && line[i] >= '0' && line[i] <= '9' && i - start < 9) out = out * 10 + static_cast<unsigned long>(line[i++] - '0');
    return i > start;
  };
  const auto problem = [&] {
    return Problem{1, static_cast<int>(i) + 1, "expected the kernel's 'BOUND/ALL' or 'BOUND/ALL (complete)', not '" +
                                                   model::printable(line) + "'"};
  };
  if (!number(b.bound) || i >= line.size() || line[i] != '/') return problem();
  ++i;
  if (!number(b.all)) return problem();
  const std::string_view rest = line.substr(i);
  if (rest == " (complete)") {
    b.complete = true;
  } else if (!rest.empty()) {
    return problem();
  }
  if (b.bound > b.all || (b.complete && b.bound != b.all))
    return Problem{1, 1, "bound queue devices " + std::to_string(b.bound) + " of " + std::to_string(b.all) +
                             (b.complete ? " cannot be complete" : " cannot exceed all")};
  return b;
}

// bus/ap/bindings_complete_count (Linux 6.19, 51d921a613b1): how many times the AP bus announced
// that every APQN is bound (its uevent BINDINGS=complete, COMPLETECOUNT=<n>), shown as "%llu\n":
// the decimal digits of a 64-bit unsigned counter, no sign, no leading zero, and one newline.
// Example: parse_bindings_complete_count("2\n") == 2;
//          parse_bindings_complete_count("0x2\n") -> Problem{1, 2, "expected the kernel's count ..."};
//          parse_bindings_complete_count("2") -> Problem{1, 2, "expected a newline after the count"}.
Result<std::uint64_t> parse_bindings_complete_count(std::string_view text) {
  const std::string_view line = text.substr(0, text.find('\n'));
  const auto problem = [&](std::size_t i) {
    return Problem{1, static_cast<int>(i) + 1, "expected the kernel's count (decimal digits, no sign or leading zero, "
                                               "then a newline), not '" + model::printable(line) + "'"};
  };
  std::uint64_t n = 0;
  std::size_t i = 0;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
    const auto digit = static_cast<std::uint64_t>(text[i] - '0');
    if (n > (UINT64_MAX - digit) / 10)
      return Problem{1, 1, "the count exceeds 18446744073709551615, the most a 64-bit counter holds"};
    n = n * 10 + digit;
  }
  if (i == 0) return problem(0);
  if (i > 1 && text[0] == '0') return problem(0);
  if (i == text.size()) return Problem{1, static_cast<int>(i) + 1, "expected a newline after the count"};
  if (text[i] != '\n') return problem(i);
  if (i + 1 != text.size())
    return Problem{2, 1, "unexpected '" + model::printable(text.substr(i + 1, 1)) + "' after the count's line"};
  return n;
}

}  // namespace

// Each queue's binding from its `driver` and `driver_override`, against what the bus masks
// allow; then the bus's bindings count.
AreaError read_bindings(SnapshotReading& rd) {
  int outside = 0;
  std::string first_outside;
  for (const auto& [key, q] : rd.queues)
    if (!rd.s.present(model::Apqn::unpack(key))) {
      if (outside++ == 0) first_outside = q.path;
    }
  if (outside > 0)
    rd.notes.push_back(std::to_string(outside) + " queue device(s) outside the host configuration (first: " +
                     first_outside + ") ignored: the model has queue devices only for configured APQNs");
  if (!rd.queue_tree)
    rd.notes.push_back("no queue devices in the snapshot: every configured queue is taken as bound to the driver its bus masks name");
  int missing = 0;
  // Only APQNs the bus has devices for (within its maximum IDs): the others have no binding.
  rd.s.bus_adapters().for_each([&](model::ApId a) {
    rd.s.bus_domains().for_each([&](model::ApId d) {
      const model::Apqn q{a, d};
      const auto it = rd.queues.find(q.packed());
      if (it == rd.queues.end()) {
        if (rd.queue_tree) {
          rd.s.unbound[a].set(d);
          ++missing;
        }
        return;
      }
      const std::optional<std::string>& drv = it->second.driver;
      const std::optional<std::string>& over = it->second.driver_override;
      if (over && !over->empty()) {
        rd.s.driver_override[q.packed()] = *over;
        // The bus's count is not in sysfs: at least one per override the capture shows.
        ++rd.s.override_count;
      }
      if (!drv) {
        rd.s.unbound[a].set(d);
      } else if (*drv == "vfio_ap") {
        // 6.19: a queue probed while its override named vfio_ap is vfio_ap's whatever the masks.
        if (rd.s.reserved(q) && over == "vfio_ap")
          rd.s.override_bound[a].set(d);
        else if (rd.s.reserved(q))
          rd.notes.push_back("queue " + it->second.path + " is bound to vfio_ap although apmask and aqmask reserve it "
                           "for the host and its driver_override does not name vfio_ap: the model treats it as the "
                           "host's");
      } else if (!rd.s.reserved(q)) {
        rd.notes.push_back("queue " + it->second.path + " is bound to '" + model::printable(*drv) +
                         "' although the bus masks give it to vfio_ap: the model treats it as not bound");
        rd.s.unbound[a].set(d);
      }
    });
  });
  if (missing > 0)
    rd.notes.push_back(std::to_string(missing) + " configured APQN(s) have no queue device in the snapshot: taken as not bound");
  if (rd.s.any_override() && (rd.s.apmask != model::Mask::all() || rd.s.aqmask != model::Mask::all()))
    rd.notes.push_back("queues have a driver_override although apmask and aqmask are not both all ones, which the 6.19 "
                       "AP bus never allows (46030379f13c): the snapshot mixes two moments or comes from another kernel");

  // The bus's own count (bindings_show) against the queue devices read.
  std::optional<Bindings> bindings;
  if (const std::string* text = rd.file("bus/ap/bindings")) {
    const Result<Bindings> parsed = parse_bindings(*text);
    if (const auto* p = std::get_if<Problem>(&parsed)) return rd.fail("bus/ap/bindings", *p);
    bindings = std::get<Bindings>(parsed);
  }
  if (bindings) {
    const Bindings& b = *bindings;
    if (!b.complete)
      rd.notes.push_back("bus/ap/bindings says " + std::to_string(b.bound) + " of " + std::to_string(b.all) +
                         " queue devices are bound: the AP bus had not bound every queue (a probe pending or failed, or "
                         "a queue unbound by hand) when the snapshot was taken");
    if (rd.queue_tree) {
      unsigned long bound = 0;
      for (const auto& [key, q] : rd.queues) bound += q.driver ? 1 : 0;
      if (bound != b.bound || rd.queues.size() != b.all)
        rd.notes.push_back("bus/ap/bindings counts " + std::to_string(b.bound) + "/" + std::to_string(b.all) +
                           " bound queue devices but the snapshot's queue devices show " + std::to_string(bound) + "/" +
                           std::to_string(rd.queues.size()) + ": it was taken while bindings changed");
    }
  }

  // 6.19: how many times the bus announced every APQN bound. The model keeps no such history,
  // so the count changes nothing in the state; it is checked against what else the snapshot
  // shows. Absent (before 6.19, or an older capture): nothing to check.
  const std::string count_file = "bus/ap/bindings_complete_count";
  const std::string* count_text = rd.file(count_file);
  if (count_text == nullptr) return std::nullopt;
  const Result<std::uint64_t> count = parse_bindings_complete_count(*count_text);
  if (const auto* p = std::get_if<Problem>(&count)) return rd.fail(count_file, *p);
  if (std::get<std::uint64_t>(count) == 0 && bindings && bindings->complete)
    rd.notes.push_back("bus/ap/bindings_complete_count is 0 although bus/ap/bindings says (complete): the AP bus "
                       "counts every completion it announces (51d921a613b1), so the capture was taken before the "
                       "announcement or mixes two moments");
  // Every 6.19 queue device has driver_override (d38a87d7c064).
  const auto has_override_file = [](const auto& q) { return q.second.driver_override.has_value(); };
  if (!rd.queues.empty() && std::none_of(rd.queues.begin(), rd.queues.end(), has_override_file))
    rd.notes.push_back("bus/ap/bindings_complete_count (Linux 6.19) is present but no queue device has a "
                       "driver_override file, which 6.19 gives every queue device: the capture skipped "
                       "driver_override or mixes files of two kernels");
  return std::nullopt;
}

}  // namespace apcb::readers::internal
