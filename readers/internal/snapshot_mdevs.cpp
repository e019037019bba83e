// The matrix device, read_snapshot's area of devices/vfio_ap/matrix (snapshot_areas.h): each
// mdev's ap_config, matrix, control_domains and guest_matrix.
#include "readers/internal/snapshot_areas.h"

#include "model/filter.h"
#include "model/step.h"

namespace apcb::readers::internal {

namespace {

// One mdev: devices/vfio_ap/matrix/<uuid>/..., `dir` its directory.
AreaError read_mdev(SnapshotReading& rd, const std::string& uuid, const std::string& dir) {
  model::Mdev m;
  m.uuid = uuid;
  bool have = false;
  const std::string p_config = dir + "/ap_config";
  const std::string p_matrix = dir + "/matrix";
  const std::string p_cdoms = dir + "/control_domains";
  const std::string p_guest = dir + "/guest_matrix";
  if (const std::string* c = rd.file(p_config)) {
    auto r = parse_ap_config_file(*c, rd.max);
    if (auto* p = std::get_if<Problem>(&r)) return rd.fail(p_config, *p);
    m.assigned = std::get<model::Matrix>(r);
    have = true;
  }
  if (const std::string* c = rd.file(p_matrix)) {
    auto r = parse_matrix_file(*c, rd.max);
    if (auto* p = std::get_if<Problem>(&r)) return rd.fail(p_matrix, *p);
    const model::Matrix& mx = std::get<model::Matrix>(r);
    if (have && (mx.adapters != m.assigned.adapters || mx.domains != m.assigned.domains))
      return rd.fail(p_matrix, Problem{0, 0, "disagrees with " + rd.where(p_config)});
    m.assigned.adapters = mx.adapters;
    m.assigned.domains = mx.domains;
  }
  if (const std::string* c = rd.file(p_cdoms)) {
    auto r = parse_control_domains_file(*c, rd.max);
    if (auto* p = std::get_if<Problem>(&r)) return rd.fail(p_cdoms, *p);
    const model::Mask& cd = std::get<model::Mask>(r);
    if (have && cd != m.assigned.control_domains) return rd.fail(p_cdoms, Problem{0, 0, "disagrees with " + rd.where(p_config)});
    m.assigned.control_domains = cd;
  }
  if (!have && rd.file(p_matrix) == nullptr)
    rd.notes.push_back("mdev " + uuid + " has neither ap_config nor matrix: taken as assigning nothing");
  if (const std::string* c = rd.file(p_guest)) {
    auto r = parse_matrix_file(*c, rd.max);
    if (auto* p = std::get_if<Problem>(&r)) return rd.fail(p_guest, *p);
    m.shadow = std::get<model::Matrix>(r);
    // The shadow is filtered from the matrix: the kernel cannot show an ID in guest_matrix
    // that matrix lacks (P1), so such a snapshot was edited or mixes two captures.
    if (!m.shadow.adapters.subset_of(m.assigned.adapters) || !m.shadow.domains.subset_of(m.assigned.domains))
      return rd.fail(p_guest, Problem{0, 0, "lists IDs that " + rd.where(have ? p_config : p_matrix) + " does not assign"});
  } else {
    rd.s.mdevs.push_back(m);  // filter_matrix needs m inside s only for its reads of s
    m.shadow = model::filter_matrix(rd.s, rd.s.mdevs.back());
    rd.s.mdevs.pop_back();
    rd.notes.push_back("mdev " + uuid + " has no guest_matrix: its shadow is taken as the full filter");
  }
  m.shadow.control_domains = m.assigned.control_domains & rd.cfg.control_domains;
  rd.s.mdevs.push_back(std::move(m));
  return std::nullopt;
}

}  // namespace

// devices/vfio_ap/matrix/<uuid>/{ap_config,matrix,control_domains,guest_matrix}, in UUID order.
AreaError read_mdevs(SnapshotReading& rd) {
  std::map<std::string, std::string> mdev_dirs;  // lower-case uuid → directory
  for (const std::string& dir : rd.f.dirs) {
    if (dir.rfind(kMatrixDir, 0) != 0) continue;
    const std::string name = dir.substr(std::string_view(kMatrixDir).size());
    if (!model::valid_uuid(name)) continue;
    std::string uuid = name;
    for (char& c : uuid)
      if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
    mdev_dirs.emplace(uuid, dir);
  }
  for (const auto& [uuid, dir] : mdev_dirs)
    if (auto e = read_mdev(rd, uuid, dir)) return e;
  return std::nullopt;
}

}  // namespace apcb::readers::internal
