// The AP bus's own attribute files, read_snapshot's areas of bus/ap/ (snapshot_areas.h):
// the host parameters (features, ap_max_*_id), the QCI configuration (ap_*_mask) and the bus
// masks (apmask, aqmask).
#include "readers/internal/snapshot_areas.h"

#include "model/printable.h"

namespace apcb::readers::internal {

// bus/ap/features (APXA, or "-" for no QCI) and bus/ap/ap_max_{adapter,domain}_id.
AreaError read_host_parameters(SnapshotReading& rd) {
  std::optional<bool> apxa;
  const std::string features = "bus/ap/features";
  if (const std::string* c = rd.file(features)) {
    // The kernel prints "-\n" without QCI, else its feature words (APSC APXA QACT RC8A APSB),
    // upper case, each followed by one space, the last space replaced by "\n".
    const std::string_view text = without_newline(*c);
    apxa = false;
    if (text == "-") {
      rd.no_qci = true;
    } else {
      std::size_t start = 0;
      while (start < text.size()) {
        std::size_t end = text.find(' ', start);
        if (end == std::string_view::npos) end = text.size();
        const std::string_view word = text.substr(start, end - start);
        for (std::size_t i = 0; i <= word.size(); ++i)
          if (i == word.size() ? word.empty()
                               : !((word[i] >= 'A' && word[i] <= 'Z') || (word[i] >= '0' && word[i] <= '9')))
            return rd.fail(features, Problem{1, static_cast<int>(start + i) + 1,
                                          "expected the kernel's feature words (APSC APXA QACT RC8A APSB) separated "
                                          "by one space, or '-', not '" + model::printable(text) + "'"});
        if (word == "APXA") apxa = true;
        start = end + 1;
        if (end + 1 == text.size())
          return rd.fail(features, Problem{1, static_cast<int>(end) + 1, "unexpected ' ' at the end"});
      }
    }
  }
  const char* max_files[2] = {"bus/ap/ap_max_adapter_id", "bus/ap/ap_max_domain_id"};
  for (int i = 0; i < 2; ++i)
    if (const std::string* c = rd.file(max_files[i])) {
      auto r = parse_decimal_id(*c);
      if (auto* p = std::get_if<Problem>(&r)) return rd.fail(max_files[i], *p);
      rd.max_ids[i] = std::get<int>(r);
    }
  if (!apxa) {
    apxa = (!rd.max_ids[0] && !rd.max_ids[1]) || (rd.max_ids[0] && *rd.max_ids[0] > 63) || (rd.max_ids[1] && *rd.max_ids[1] > 15);
    rd.notes.push_back(std::string("no bus/ap/features: APXA taken as ") + (*apxa ? "on" : "off") +
                     " from the maximum IDs");
  }
  rd.params.apxa = *apxa;
  // Without APXA the bus shows 63 and 15 whatever the machine has, and the model uses only
  // those; keeping a larger Na/Nd would make two snapshots of one host compare unequal.
  rd.params.na = static_cast<model::ApId>(*apxa && rd.max_ids[0] ? *rd.max_ids[0] : (*apxa ? 255 : 63));
  rd.params.nd = static_cast<model::ApId>(*apxa && rd.max_ids[1] ? *rd.max_ids[1] : (*apxa ? 255 : 15));
  rd.max = Maxima{rd.params.apm_max(), rd.params.aqm_max(), rd.params.adm_max()};
  return std::nullopt;
}

// The QCI configuration: bus/ap/ap_{adapter,usage_domain,control_domain}_mask.
AreaError read_configuration(SnapshotReading& rd) {
  const char* qci_files[3] = {"bus/ap/ap_adapter_mask", "bus/ap/ap_usage_domain_mask", "bus/ap/ap_control_domain_mask"};
  model::Mask* qci_parts[3] = {&rd.cfg.adapters, &rd.cfg.domains, &rd.cfg.control_domains};
  bool inferred = false;
  for (int i = 0; i < 3; ++i) {
    const std::string* c = rd.file(qci_files[i]);
    if (c == nullptr) {
      inferred = true;
      continue;
    }
    if (without_newline(*c) == "not supported") {
      rd.no_qci = true;
      continue;
    }
    auto r = parse_show_mask(*c);
    if (auto* p = std::get_if<Problem>(&r)) return rd.fail(qci_files[i], *p);
    *qci_parts[i] = std::get<model::Mask>(r);
  }
  if (rd.no_qci) rd.notes.push_back("the host has no QCI (`not supported`): vfio_ap's configuration is empty");
  if (inferred && !rd.no_qci) {
    model::Mask a;
    model::Mask d;
    for (const auto& [key, q] : rd.queues) {
      a.set(static_cast<model::ApId>(key >> 8));
      d.set(static_cast<model::ApId>(key & 0xFF));
    }
    if (!rd.file(qci_files[0])) rd.cfg.adapters = a;
    if (!rd.file(qci_files[1])) rd.cfg.domains = d;
    if (!rd.file(qci_files[2])) rd.cfg.control_domains = rd.cfg.domains;
    rd.notes.push_back("a QCI mask file is missing: the configuration is taken from the queue devices present "
                     "(control domains = usage domains)");
  }
  return std::nullopt;
}

// bus/ap/apmask and bus/ap/aqmask.
AreaError read_bus_masks(SnapshotReading& rd) {
  const char* bus_files[2] = {"bus/ap/apmask", "bus/ap/aqmask"};
  model::Mask* masks[2] = {&rd.s.apmask, &rd.s.aqmask};
  for (int i = 0; i < 2; ++i) {
    const std::string* c = rd.file(bus_files[i]);
    if (c == nullptr) {
      rd.notes.push_back(std::string("no ") + bus_files[i] + ": taken as all ones, the kernel's default");
      continue;
    }
    auto r = parse_show_mask(*c);
    if (auto* p = std::get_if<Problem>(&r)) return rd.fail(bus_files[i], *p);
    *masks[i] = std::get<model::Mask>(r);
  }
  return std::nullopt;
}

}  // namespace apcb::readers::internal
