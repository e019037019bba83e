// Sysfs snapshots: the disk loader, the reader (composed here from its sysfs areas, one file
// each under readers/internal/), the renderer.
//
// The reader is strict about what the kernel itself prints (`0x` + 64 hex digits, `%02x.%04x`
// lines, decimal maxima) because a snapshot that does not look like the kernel's output was
// edited or truncated, and guessing would explain a host that does not exist. Whatever is
// merely absent (older kernels, partial captures) gets the kernel's default and a note.
#include "readers/snapshot.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <system_error>

#include "model/invariants.h"
#include "model/render.h"
#include "model/step.h"
#include "readers/internal/snapshot_areas.h"

namespace apcb::readers {
namespace {

using internal::card_name;
using internal::hex;
using internal::kMatrixDir;
using internal::queue_name;

namespace fs = std::filesystem;

constexpr std::size_t kMaxFile = 1 << 20;  // no sysfs file apcb reads comes near this

// What a path of the capture is, following symlinks.
enum class Entry { absent, file, directory, other };

// Loads the parts of a capture read_snapshot reads. Whatever is absent stays absent (older
// kernels, partial captures: read_snapshot notes the default it takes); whatever is there but
// cannot be read as what sysfs has at that place (a directory or a FIFO for an attribute file,
// a file for a directory, a symlink loop or a symlink to nothing, a read or listing that fails)
// is an error naming the path: silently skipping it would read as "absent" and explain a host
// that does not exist (an unreadable apmask as all ones, an unreadable matrix as no mdevs).
class SnapshotLoader {
 public:
  SnapshotLoader(const fs::path& root, SnapshotFiles& f) : root_(root), f_(f) {}

  std::optional<trace::TraceError> load() {
    for (const char* name : {"apmask", "aqmask", "ap_adapter_mask", "ap_usage_domain_mask", "ap_control_domain_mask",
                             "ap_max_adapter_id", "ap_max_domain_id", "features", "bindings", "bindings_complete_count"})
      read(std::string("bus/ap/") + name);
    for (const std::string tree : {"bus/ap/devices", "devices/ap"}) {
      if (!directory(tree)) continue;
      f_.dirs.insert(tree);
      for (const std::string& name : entries(tree)) {
        const std::string rel = tree + "/" + name;
        if (queue_name(name) && tree == "bus/ap/devices") {
          if (directory(rel, "a queue device")) queue(rel);
        } else if (card_name(name)) {
          if (!directory(rel, "a card device")) continue;
          f_.dirs.insert(rel);
          for (const std::string& sub : entries(rel))
            if (queue_name(sub) && directory(rel + "/" + sub, "a queue device")) queue(rel + "/" + sub);
        }
      }
    }
    const std::string matrix = "devices/vfio_ap/matrix";
    if (directory(matrix, "the vfio_ap matrix device")) {
      const std::vector<std::string> names = entries(matrix);  // first: an unlistable matrix is named as such
      read(matrix + "/features");
      for (const std::string& name : names) {
        const std::string rel = matrix + "/" + name;
        if (!model::valid_uuid(name) || !directory(rel, "an mdev")) continue;
        f_.dirs.insert(rel);
        for (const char* attr : {"matrix", "guest_matrix", "control_domains", "ap_config"}) read(rel + "/" + attr);
      }
    }
    return error_;
  }

 private:
  void fail(const std::string& rel, std::string message) {
    if (!error_) error_ = trace::TraceError{f_.root + "/" + rel, 0, 0, std::move(message)};
  }

  // What `rel` is; an error (noted) for a symlink loop, a symlink to nothing, or a path whose
  // type cannot be read.
  Entry entry(const std::string& rel) {
    if (error_) return Entry::absent;
    std::error_code ec;
    const fs::path p = root_ / rel;
    const fs::file_status st = fs::status(p, ec);
    if (st.type() == fs::file_type::not_found) {
      std::error_code lec;
      if (fs::is_symlink(fs::symlink_status(p, lec))) fail(rel, "a symlink to nothing (its target was not captured)");
      return Entry::absent;
    }
    if (ec) {
      if (ec.value() == ELOOP) {
        fail(rel, "a symlink loop (" + ec.message() + ")");
      } else {
        fail(rel, "cannot read: " + ec.message());
      }
      return Entry::absent;
    }
    if (st.type() == fs::file_type::regular) return Entry::file;
    if (st.type() == fs::file_type::directory) return Entry::directory;
    return Entry::other;
  }

  // Whether `rel` is a directory; a path that exists and is not one is an error when `what`
  // names what sysfs has there.
  bool directory(const std::string& rel, const char* what = nullptr) {
    const Entry e = entry(rel);
    if (e == Entry::directory) return true;
    if (e != Entry::absent && what != nullptr) fail(rel, std::string("not a directory, but sysfs has ") + what + " here");
    if (e != Entry::absent && what == nullptr) fail(rel, "not a directory, but sysfs has a directory here");
    return false;
  }

  // The attribute file `rel` into f_.files, if it exists.
  void read(const std::string& rel) {
    switch (entry(rel)) {
      case Entry::absent: return;
      case Entry::directory:
        return fail(rel, "a directory, but sysfs has an attribute file here (a copy made with cp -L of a link?)");
      case Entry::other: return fail(rel, "not a regular file (a FIFO, socket or device), but sysfs has an attribute file here");
      case Entry::file: break;
    }
    // POSIX reads: an error of the read itself (EIO) must not read as an empty file. Sysfs
    // files report a size of 4096 whatever they hold, so the size is what the reads return.
    const int fd = ::open((root_ / rel).c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) return fail(rel, std::string("cannot read: ") + std::strerror(errno));
    std::string content;
    char buf[4096];
    for (;;) {
      const ssize_t n = ::read(fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        const int err = errno;
        ::close(fd);
        return fail(rel, std::string("cannot read: ") + std::strerror(err));
      }
      if (n == 0) break;
      content.append(buf, static_cast<std::size_t>(n));
      if (content.size() > kMaxFile) {
        ::close(fd);
        return fail(rel, "larger than 1 MiB: not a sysfs file");
      }
    }
    ::close(fd);
    f_.files[rel] = std::move(content);
  }

  // A queue directory: its `driver` (the kernel's symlink, recorded unfollowed, or a file
  // naming the driver), `status` and (6.19) `driver_override`.
  void queue(const std::string& rel) {
    f_.dirs.insert(rel);
    std::error_code ec;
    const fs::path drv = root_ / rel / "driver";
    if (fs::is_symlink(fs::symlink_status(drv, ec))) {
      const fs::path target = fs::read_symlink(drv, ec);
      if (ec) return fail(rel + "/driver", "cannot read the link: " + ec.message());
      f_.links[rel + "/driver"] = target.string();
    } else {
      read(rel + "/driver");
    }
    read(rel + "/status");
    read(rel + "/driver_override");
  }

  // The entries of directory `rel`, sorted for a stable order; a listing that fails is an error.
  std::vector<std::string> entries(const std::string& rel) {
    std::vector<std::string> names;
    if (error_) return names;
    std::error_code ec;
    for (fs::directory_iterator it(root_ / rel, ec), end; !ec && it != end; it.increment(ec))
      names.push_back(it->path().filename().string());
    if (ec) {
      fail(rel, "cannot list the directory: " + ec.message());
      return {};
    }
    std::sort(names.begin(), names.end());
    return names;
  }

  fs::path root_;
  SnapshotFiles& f_;
  std::optional<trace::TraceError> error_;
};

}  // namespace

std::string input_error_text(const trace::TraceError& e) {
  if (e.line == 0) return e.file + ": " + e.message;
  return e.to_string();
}

// One sysfs area at a time (readers/internal/snapshot_areas.h), in the order each needs the one
// before: host parameters, queue devices, the QCI configuration, the bus masks, bindings,
// mdevs, guests.
std::variant<Snapshot, trace::TraceError> read_snapshot(const SnapshotFiles& f) {
  internal::SnapshotReading rd(f);
  if (auto e = internal::read_host_parameters(rd)) return *e;
  if (auto e = internal::read_queue_devices(rd)) return *e;
  if (auto e = internal::read_configuration(rd)) return *e;
  rd.s = model::State::initial(rd.params, rd.cfg);
  if (auto e = internal::read_bus_masks(rd)) return *e;
  if (auto e = internal::read_bindings(rd)) return *e;
  if (auto e = internal::read_mdevs(rd)) return *e;
  internal::read_guests(rd);
  for (const model::Violation& v : model::check_state(rd.s, model::Strength::structural))
    rd.notes.push_back("the snapshot breaks " + v.property + ": " + v.detail);
  return Snapshot{std::move(rd.s), std::move(rd.notes)};
}

SnapshotFiles snapshot_files_of(const model::State& s) {
  SnapshotFiles f;
  auto mask = [](const model::Mask& m) { return "0x" + m.hex() + "\n"; };
  f.files["bus/ap/apmask"] = mask(s.apmask);
  f.files["bus/ap/aqmask"] = mask(s.aqmask);
  f.files["bus/ap/ap_adapter_mask"] = mask(s.cfg.adapters);
  f.files["bus/ap/ap_usage_domain_mask"] = mask(s.cfg.domains);
  f.files["bus/ap/ap_control_domain_mask"] = mask(s.cfg.control_domains);
  f.files["bus/ap/ap_max_adapter_id"] = std::to_string(s.params.apm_max()) + "\n";
  f.files["bus/ap/ap_max_domain_id"] = std::to_string(s.params.aqm_max()) + "\n";
  f.files["bus/ap/features"] = s.params.apxa ? "APSC APXA QACT RC8A APSB\n" : "APSC QACT RC8A APSB\n";
  f.dirs.insert("bus/ap/devices");
  // Queue devices exist only within the bus's maximum IDs (model::State::present).
  s.bus_adapters().for_each([&](model::ApId a) {
    const std::string card = "bus/ap/devices/card" + hex(a, 2);
    f.dirs.insert(card);
    s.bus_domains().for_each([&](model::ApId d) {
      const model::Apqn q{a, d};
      const std::string dir = card + "/" + hex(a, 2) + "." + hex(d, 4);
      f.dirs.insert(dir);
      if (model::behaviour(s.kernel).queue_driver_override) {
        const std::string* name = s.override_of(q);
        f.files[dir + "/driver_override"] = (name != nullptr ? *name : std::string()) + "\n";
      }
      switch (s.driver(q)) {
        case model::Driver::vfio_ap:
          f.links[dir + "/driver"] = "../../../../bus/ap/drivers/vfio_ap";
          f.files[dir + "/status"] = model::render_queue_status(s, q);
          break;
        case model::Driver::default_driver: f.links[dir + "/driver"] = "../../../../bus/ap/drivers/cex4queue"; break;
        case model::Driver::none: break;
      }
    });
  });
  // bindings_show: bound queue devices / all queue devices, " (complete)" when all are bound.
  unsigned all = 0, bound = 0;
  s.bus_adapters().for_each([&](model::ApId a) {
    s.bus_domains().for_each([&](model::ApId d) {
      ++all;
      bound += s.driver(model::Apqn{a, d}) != model::Driver::none ? 1 : 0;
    });
  });
  f.files["bus/ap/bindings"] =
      std::to_string(bound) + "/" + std::to_string(all) + (bound == all ? " (complete)" : "") + "\n";
  // 6.19 (51d921a613b1) bindings_complete_count: how many times the bus announced every APQN
  // bound. The model keeps no history, so the smallest count the state allows: 1 when every
  // queue device is bound (the bus announced that at least once; 0 would contradict
  // "(complete)"), else 0 (a host still binding its first queues; a host that completed before
  // and lost a binding since would show more, which the state cannot tell).
  if (model::behaviour(s.kernel).queue_driver_override)
    f.files["bus/ap/bindings_complete_count"] = bound == all ? "1\n" : "0\n";
  f.files["devices/vfio_ap/matrix/features"] = "guest_matrix hotplug ap_config\n";
  for (const model::Mdev& m : s.mdevs) {
    const std::string dir = kMatrixDir + m.uuid;
    f.dirs.insert(dir);
    f.files[dir + "/matrix"] = model::render_matrix(m.assigned, s.params);
    f.files[dir + "/guest_matrix"] = model::render_matrix(m.shadow, s.params);
    f.files[dir + "/control_domains"] = model::render_control_domains(m.assigned, s.params);
    f.files[dir + "/ap_config"] = model::render_ap_config(m.assigned);
  }
  return f;
}

std::string write_snapshot_files(const SnapshotFiles& files, const std::string& dir) {
  std::error_code ec;
  const fs::path root(dir);
  for (const std::string& d : files.dirs) {
    fs::create_directories(root / d, ec);
    if (ec) return (root / d).string() + ": " + ec.message();
  }
  for (const auto& [path, content] : files.files) {
    fs::create_directories((root / path).parent_path(), ec);
    std::ofstream out(root / path, std::ios::binary | std::ios::trunc);
    out << content;
    if (!out) return (root / path).string() + ": cannot write";
  }
  for (const auto& [path, target] : files.links) {
    fs::create_directories((root / path).parent_path(), ec);
    fs::remove(root / path, ec);
    fs::create_symlink(target, root / path, ec);
    if (ec) return (root / path).string() + ": " + ec.message();
  }
  return {};
}

std::variant<SnapshotFiles, trace::TraceError> load_snapshot_files(const std::string& dir) {
  std::error_code ec;
  const fs::path base(dir);
  fs::path root;
  if (fs::is_directory(base / "sys" / "bus" / "ap", ec))
    root = base / "sys";
  else if (fs::is_directory(base / "bus" / "ap", ec))
    root = base;
  else
    return trace::TraceError{dir, 0, 0, "not a sysfs snapshot: neither sys/bus/ap nor bus/ap is a directory in it"};
  SnapshotFiles f;
  f.root = root.lexically_normal().string();
  if (!f.root.empty() && f.root.back() == '/') f.root.pop_back();
  SnapshotLoader loader(root, f);
  if (auto e = loader.load()) return *e;
  return f;
}

std::optional<Snapshot> load_snapshot(const std::string& dir) {
  auto files = load_snapshot_files(dir);
  if (auto* e = std::get_if<trace::TraceError>(&files)) {
    std::cerr << input_error_text(*e) << "\n";
    return std::nullopt;
  }
  auto snap = read_snapshot(std::get<SnapshotFiles>(files));
  if (auto* e = std::get_if<trace::TraceError>(&snap)) {
    std::cerr << input_error_text(*e) << "\n";
    return std::nullopt;
  }
  Snapshot out = std::get<Snapshot>(std::move(snap));
  for (const std::string& note : out.notes) std::cerr << dir << ": note: " << note << "\n";
  return out;
}

}  // namespace apcb::readers
