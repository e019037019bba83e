#include "harness/reach.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <map>
#include <type_traits>
#include <variant>

#include "model/errno.h"
#include "model/explain.h"
#include "model/kernel.h"
#include "model/render.h"
#include "model/step.h"

namespace apcb::harness {

namespace {

using model::Errno;

// Which results each operation class can return on some kernel profile, and why. 0 is listed
// too: reaching success matters as much as each failure. profile_gap says which of them a
// profile cannot return.
struct ErrnoRow {
  const char* op_class;
  std::vector<Errno> results;
  const char* source;
};

const std::vector<ErrnoRow>& errno_table() {
  static const std::vector<ErrnoRow> table = {
      {"config_change", {Errno::ok},
       "step.cpp change_config: a firmware event, it always happens (kernel-vfio-ap.md §6)"},
      {"queue_bind", {Errno::ok, Errno::enodev, Errno::ebusy},
       "step.cpp QueueBind: ENODEV no queue device or a driver the bus masks do not give it "
       "(ap_device_probe), EBUSY already bound (driver core)"},
      {"queue_unbind", {Errno::ok, Errno::enodev},
       "step.cpp QueueUnbind: ENODEV not bound to that driver"},
      {"reset_response", {Errno::ok}, "step.cpp ResetResponse: a hardware event"},
      {"bus_mask_write apmask", {Errno::ok, Errno::einval, Errno::ebusy},
       "step.cpp BusMaskWrite, parse.h parse_bus_mask: EINVAL does not parse, EBUSY a newly "
       "reserved APQN is assigned to an mdev (in_use veto, kernel-vfio-ap.md §7.2)"},
      {"bus_mask_write aqmask", {Errno::ok, Errno::einval, Errno::ebusy}, "as apmask"},
      {"mdev_create", {Errno::ok, Errno::einval, Errno::eexist},
       "step.cpp MdevCreate: EINVAL not a UUID, EEXIST the mdev exists (mdev core)"},
      {"mdev_remove", {Errno::ok, Errno::enoent, Errno::ebusy},
       "step.cpp MdevRemove: ENOENT no such mdev (no sysfs file), EBUSY a guest holds it open"},
      {"attr_write assign_adapter",
       {Errno::ok, Errno::enoent, Errno::einval, Errno::erange, Errno::enodev, Errno::eaddrnotavail,
        Errno::eaddrinuse},
       "step.cpp AttrWrite/assign_adapter/validate_masks, parse.h parse_kstrtoul; ecosystem.md "
       "§1.3: EINVAL/ERANGE kstrtoul, ENODEV > apm_max, EADDRNOTAVAIL host-reserved APQN, "
       "EADDRINUSE APQN of another mdev; ENOENT no such mdev"},
      {"attr_write unassign_adapter",
       {Errno::ok, Errno::enoent, Errno::einval, Errno::erange, Errno::enodev},
       "step.cpp AttrWrite/unassign_adapter: parse and range only"},
      {"attr_write assign_domain",
       {Errno::ok, Errno::enoent, Errno::einval, Errno::erange, Errno::enodev, Errno::eaddrnotavail,
        Errno::eaddrinuse},
       "as assign_adapter, > aqm_max"},
      {"attr_write unassign_domain",
       {Errno::ok, Errno::enoent, Errno::einval, Errno::erange, Errno::enodev},
       "as unassign_adapter"},
      {"attr_write assign_control_domain",
       {Errno::ok, Errno::enoent, Errno::einval, Errno::erange, Errno::enodev},
       "step.cpp assign_control_domain: no ownership or sharing check (kernel-vfio-ap.md §2)"},
      {"attr_write unassign_control_domain",
       {Errno::ok, Errno::enoent, Errno::einval, Errno::erange, Errno::enodev},
       "as unassign_adapter, > adm_max"},
      {"attr_write ap_config",
       {Errno::ok, Errno::enoent, Errno::einval, Errno::eaddrnotavail, Errno::eaddrinuse,
        Errno::enodev},
       "step.cpp write_ap_config, parse.h parse_ap_config (EINVAL only: no kstrtoul); the range "
       "check (ENODEV) after the ownership checks (kernel-vfio-ap.md §2 ap_config)"},
      {"device_reset", {Errno::ok, Errno::enoent, Errno::ebusy, Errno::eio},
       "step.cpp DeviceReset: EIO a queue's reset ended non-zero (6.6+); before, EBUSY or EIO "
       "per queue (kernel.h DeviceResetReport)"},
      {"guest_create", {Errno::ok, Errno::eexist}, "step.cpp GuestCreate: EEXIST the guest exists"},
      {"guest_attach", {Errno::ok, Errno::enoent, Errno::ebusy, Errno::eperm},
       "step.cpp GuestAttach: ENOENT no mdev or guest, EBUSY the mdev is open, EPERM the guest "
       "has another mdev (set_kvm)"},
      {"guest_detach", {Errno::ok, Errno::enoent, Errno::einval},
       "step.cpp GuestDetach: EINVAL not open"},
      {"guest_release", {Errno::ok, Errno::enoent, Errno::einval},
       "step.cpp GuestRelease: EINVAL not open"},
      {"vcpu_observe", {Errno::ok, Errno::enoent}, "step.cpp VcpuObserve: ENOENT no such guest"},
      {"read_mdev matrix", {Errno::ok, Errno::enoent}, "step.cpp ReadMdev: ENOENT no such mdev"},
      {"read_mdev guest_matrix", {Errno::ok, Errno::enoent}, "as matrix"},
      {"read_mdev control_domains", {Errno::ok, Errno::enoent}, "as matrix"},
      {"read_mdev ap_config", {Errno::ok, Errno::enoent}, "as matrix"},
      {"read_bus_mask apmask", {Errno::ok}, "step.cpp ReadBusMask: always readable"},
      {"read_bus_mask aqmask", {Errno::ok}, "as apmask"},
      {"read_queue_status", {Errno::ok, Errno::enoent},
       "step.cpp ReadQueueStatus: the attribute exists while the queue is bound to vfio_ap"},
      {"read_features", {Errno::ok, Errno::enoent},
       "step.cpp ReadFeatures: the file exists from 6.12 (ENOENT only before)"},
      {"driver_override_write", {Errno::ok, Errno::enoent, Errno::einval},
       "step.cpp DriverOverrideWrite: ENOENT no queue device (or before 6.19), EINVAL a mask bit "
       "cleared or 4095 bytes or more"},
      {"driver_override_read", {Errno::ok, Errno::enoent},
       "step.cpp DriverOverrideRead: ENOENT no queue device (or before 6.19)"},
      {"guest_aqic", {Errno::ok, Errno::enoent}, "step.cpp GuestAqic: ENOENT no such guest"},
  };
  return table;
}

// The reset response codes model::response distinguishes, with their architecture names.
constexpr std::array<std::pair<std::uint8_t, const char*>, 9> kResetCodes{{
    {model::response::normal, "NORMAL"},
    {model::response::q_not_avail, "Q_NOT_AVAIL"},
    {model::response::reset_in_progress, "RESET_IN_PROGRESS"},
    {model::response::deconfigured, "DECONFIGURED"},
    {model::response::checkstopped, "CHECKSTOPPED"},
    {model::response::busy, "BUSY"},
    {model::response::invalid_address, "INVALID_ADDRESS"},
    {model::response::otherwise_changed, "OTHERWISE_CHANGED"},
    {model::response::state_change_in_progress, "STATE_CHANGE_IN_PROGRESS"},
}};

std::string code_item(std::uint8_t rc, const char* name) {
  static constexpr char kHex[] = "0123456789abcdef";
  return std::string("answered 0x") + kHex[rc >> 4] + kHex[rc & 0xF] + " " + name;
}

constexpr std::array<model::Reason, 15> kReasons{
    model::Reason::in_guest,           model::Reason::exceeds_max_id,
    model::Reason::not_in_host_config, model::Reason::host_owned,
    model::Reason::not_bound,          model::Reason::reset_failed,
    model::Reason::adapter_filtered_unbound, model::Reason::adapter_filtered_reset,
    model::Reason::in_other_mdev,      model::Reason::not_assigned,
    model::Reason::shadow_stale,       model::Reason::no_guest,
    model::Reason::guest_released,     model::Reason::exceeds_crycb_format,
    model::Reason::not_committed,
};

// The output kinds of the reads, by the read's class.
const std::vector<std::pair<std::string, const char*>>& output_kinds() {
  static const std::vector<std::pair<std::string, const char*>> kinds = {
      {"status unassigned", "render.cpp render_queue_status: bound, no mdev holds it"},
      {"status assigned", "render_queue_status: an mdev holds it, not in a guest"},
      {"status in use", "render_queue_status: in the attached guest's shadow (2023 fix)"},
      {"matrix APQNs", "render.cpp render_matrix: adapters and domains assigned"},
      {"matrix adapters only", "render_matrix: `05.` lines, no domain assigned"},
      {"matrix domains only", "render_matrix: `.0004` lines, no adapter assigned"},
      {"matrix empty", "render_matrix: nothing assigned"},
      {"guest_matrix APQNs", "render_matrix of the shadow"},
      {"guest_matrix adapters only", "render_matrix of the shadow"},
      {"guest_matrix domains only", "render_matrix of the shadow"},
      {"guest_matrix empty", "render_matrix of the shadow"},
      {"control_domains listed", "render.cpp render_control_domains"},
      {"control_domains empty", "render_control_domains"},
      {"ap_config non-zero", "render.cpp render_ap_config"},
      {"ap_config all zero", "render_ap_config"},
      {"vcpu APCB non-zero", "step.cpp VcpuObserve, render_apcb of the guest's CRYCB"},
      {"vcpu APCB all zero", "render_apcb: no queue committed (or cleared)"},
      {"apmask all ones", "render.cpp render_bus_mask: the boot default"},
      {"apmask changed", "render_bus_mask after a write"},
      {"aqmask all ones", "render_bus_mask: the boot default"},
      {"aqmask changed", "render_bus_mask after a write"},
      {"features", "render.cpp render_features"},
      {"aqic no hook", "step.cpp GuestAqic: no mdev open for the guest, KVM answers 0x01"},
      {"aqic handler 0x00", "step.cpp GuestAqic: the attached mdev's handler, queue in its table"},
      {"aqic handler 0x01", "step.cpp GuestAqic: the attached mdev's handler, queue not in its table"},
      {"aqic specification exception", "step.cpp GuestAqic: format-0/1 CRYCB, adapter > 63 or domain > 15"},
  };
  return kinds;
}

// Why a trace following `kernel` cannot reach (group, item), or "" when it can: the entries
// that exist only with, or only without, a KernelBehaviour of model/kernel.h.
std::string profile_gap(model::KernelVersion kernel, const std::string& group, const std::string& item) {
  const model::KernelBehaviour& k = model::behaviour(kernel);
  const std::string v = "the " + std::string(model::kernel_version_name(kernel)) + " profile";
  const auto is = [&](const char* g, const char* i) { return group == g && item == i; };
  const bool ap_config_entry = (group == "errno" && item.rfind("attr_write ap_config ", 0) == 0 &&
                                item != "attr_write ap_config ENOENT") ||
                               is("errno", "read_mdev ap_config 0") ||
                               is("observation", "output ap_config non-zero") ||
                               is("observation", "output ap_config all zero");
  if (!k.ap_config_attribute && ap_config_entry)
    return v + " has no mdev `ap_config` attribute (KernelBehaviour::ap_config_attribute, 6.10 "
               "e12aa0b5b2fb): every write and read of it is ENOENT";
  if (!k.matrix_features && (is("errno", "read_features 0") || is("observation", "output features")))
    return v + " has no matrix `features` attribute (KernelBehaviour::matrix_features, 6.12 "
               "2d8721364ce8): reading it is ENOENT";
  if (k.matrix_features && is("errno", "read_features ENOENT"))
    return "the matrix `features` attribute exists from 6.12 (2d8721364ce8): ENOENT only before";
  if (k.device_reset == model::DeviceResetReport::eio_if_any_nonzero && is("errno", "device_reset EBUSY"))
    return "from 6.6 the device reset answers EIO for any non-zero reset (DeviceResetReport); EBUSY "
           "only before";
  if (!k.queue_driver_override && (is("errno", "driver_override_write 0") || is("errno", "driver_override_write EINVAL") ||
                                    is("errno", "driver_override_read 0")))
    return v + " has no queue `driver_override` attribute (KernelBehaviour::queue_driver_override, 6.19 "
               "d38a87d7c064): every write and read of it is ENOENT";
  if (!k.signals_guest_config_change && is("observation", "event signal"))
    return v + " has no AP-configuration-changed eventfd (KernelBehaviour::"
               "signals_guest_config_change, 6.15 07d89045bffe)";
  return "";
}

std::vector<ReachEntry> make_catalogue(model::KernelVersion kernel) {
  std::vector<ReachEntry> c;
  for (const model::OpInfo& info : model::kAlphabet)
    c.push_back({"operation", std::string(info.name), "model/alphabet.def", ""});
  c.push_back({"observation", "result 0", "observation.h Observation::result", ""});
  c.push_back({"observation", "result errno", "observation.h Observation::result", ""});
  c.push_back({"observation", "event commit", "observation.h Commit", ""});
  c.push_back({"observation", "event commit clearing an APCB",
               "step.cpp clear_guest_apcb (unset_kvm, request) or an emptied shadow", ""});
  c.push_back({"observation", "event reset", "observation.h Reset", ""});
  c.push_back({"observation", "event signal",
               "observation.h Signal: step.cpp signal_guest_ap_cfg_changed (6.15 on)", ""});
  c.push_back({"observation", "events reset after a commit",
               "observation.h: resets ordered relative to commits (hot unplug, filter)", ""});
  c.push_back({"observation", "events commits to two guests",
               "step.cpp on_config_changed/on_scan_complete: one commit per mdev that changed", ""});
  c.push_back({"observation", "events two or more resets in one batch",
               "observation.h equivalent: a batch compared as a multiset", ""});
  for (const auto& [item, source] : output_kinds())
    c.push_back({"observation", "output " + item, source, ""});
  for (const ErrnoRow& row : errno_table())
    for (Errno e : row.results)
      c.push_back({"errno", std::string(row.op_class) + " " + std::string(model::errno_name(e)),
                   row.source, ""});
  for (const auto& [rc, name] : kResetCodes)
    c.push_back({"reset", code_item(rc, name),
                 "state.h model::response; step.cpp reset_queue reads the hardware's answer", ""});
  for (model::Reason r : kReasons) {
    std::string why;
    if (r == model::Reason::exceeds_max_id)
      why = "generated hosts configure no ID beyond the bus maxima (within_host) and sysfs "
            "range-checks every assignment, so no row has an ID beyond apm_max/aqm_max/adm_max; a "
            "hand-written `host config` can (tests/traces/kernel-nonapxa-no-queue-beyond-max.trace)";
    // Under a profile whose invariants fail (model::invariants_hold), the historical bugs keep
    // a guest's CRYCB behind its shadow: the model itself reaches NOT_COMMITTED there.
    if (r == model::Reason::not_committed && model::invariants_hold(kernel))
      why = "P4 (the attached guest's CRYCB holds the shadow) holds after every step of the "
            "model (model/invariants.h, proofs/): only a broken implementation's snapshot shows it";
    c.push_back({"explain", std::string(model::reason_code(r)), "model/explain.h Reason", why});
  }
  for (ReachEntry& e : c)
    if (e.unreachable.empty()) e.unreachable = profile_gap(kernel, e.group, e.item);
  return c;
}

// Index of (group, item) in the catalogue.
const std::map<std::pair<std::string, std::string>, std::size_t>& catalogue_index() {
  static const std::map<std::pair<std::string, std::string>, std::size_t> index = [] {
    std::map<std::pair<std::string, std::string>, std::size_t> m;
    const auto& c = reach_catalogue();
    for (std::size_t i = 0; i < c.size(); ++i) m[{c[i].group, c[i].item}] = i;
    return m;
  }();
  return index;
}

// The shapes of render_matrix's text.
std::string matrix_shape(const std::string& text) {
  if (text.empty()) return "empty";
  if (text[0] == '.') return "domains only";
  if (text.size() >= 2 && text[text.find('\n') - 1] == '.') return "adapters only";
  return "APQNs";
}

// Whether an ap_config-style rendering ("0x…,0x…,0x…\n") names no ID.
bool all_zero_fields(const std::string& text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == 'x' || text[i] == ',' || text[i] == '\n' || text[i] == '0') continue;
    return false;
  }
  return true;
}

}  // namespace

const std::vector<ReachEntry>& reach_catalogue(model::KernelVersion kernel) {
  static const std::vector<std::vector<ReachEntry>> catalogues = [] {
    std::vector<std::vector<ReachEntry>> all;
    for (model::KernelVersion v : model::kernel_versions()) all.push_back(make_catalogue(v));
    return all;
  }();
  const auto& versions = model::kernel_versions();
  const auto at = std::find(versions.begin(), versions.end(), kernel);
  return catalogues[static_cast<std::size_t>(at - versions.begin())];
}

ReachCounter::ReachCounter(model::KernelVersion kernel)
    : kernel_(kernel), counts_(reach_catalogue(kernel).size(), 0) {}

void ReachCounter::hit(const std::string& group, const std::string& item) {
  const auto& index = catalogue_index();
  const auto it = index.find({group, item});
  if (it != index.end())
    ++counts_[it->second];
  else if (group == "errno")
    outside_.insert(item);
}

void ReachCounter::add_step(const model::State& before, const model::Op& op, const model::Observation& obs,
                            const model::State& after) {
  using namespace model;
  ++steps_;
  hit("operation", std::string(info(kind_of(op)).name));
  const std::string cls = model::operation_class(op);
  hit("errno", cls + " " + std::string(errno_name(obs.result)));
  hit("observation", obs.result == Errno::ok ? "result 0" : "result errno");

  // Events.
  std::set<GuestId> committed_guests;
  bool committed = false;
  int batch = 0;
  for (const Event& e : obs.events) {
    if (const auto* c = std::get_if<Commit>(&e)) {
      hit("observation", "event commit");
      if (c->apcb.empty()) hit("observation", "event commit clearing an APCB");
      committed_guests.insert(c->guest);
      committed = true;
      batch = 0;
    } else if (std::holds_alternative<Signal>(e)) {
      hit("observation", "event signal");
    } else {
      const Reset& r = std::get<Reset>(e);
      hit("observation", "event reset");
      if (committed) hit("observation", "events reset after a commit");
      if (++batch == 2) hit("observation", "events two or more resets in one batch");
      // Every answer the reset walk read, not only the sequence's first (a sequence's later
      // answers are TAPQ polls and re-issued ZAPQs: response::final_status).
      const std::vector<std::uint8_t> answers = before.hw_answers_of(r.apqn);  // never empty
      std::size_t read = 0;
      (void)model::response::final_status(before.kernel, answers, &read);
      for (std::size_t i = 0; i < read; ++i)
        for (const auto& [code, name] : kResetCodes)
          if (code == answers[i]) hit("reset", code_item(code, name));
    }
  }
  if (committed_guests.size() >= 2) hit("observation", "events commits to two guests");

  // Outputs of successful reads.
  if (obs.result == Errno::ok) {
    std::visit(
        [&](const auto& o) {
          using T = std::decay_t<decltype(o)>;
          if constexpr (std::is_same_v<T, op::ReadQueueStatus>) {
            std::string text = obs.output;
            if (!text.empty() && text.back() == '\n') text.pop_back();
            hit("observation", "output status " + text);
          } else if constexpr (std::is_same_v<T, op::ReadMdev>) {
            switch (o.view) {
              case MdevView::matrix: hit("observation", "output matrix " + matrix_shape(obs.output)); break;
              case MdevView::guest_matrix:
                hit("observation", "output guest_matrix " + matrix_shape(obs.output));
                break;
              case MdevView::control_domains:
                hit("observation", obs.output.empty() ? "output control_domains empty" : "output control_domains listed");
                break;
              case MdevView::ap_config:
                hit("observation", all_zero_fields(obs.output) ? "output ap_config all zero" : "output ap_config non-zero");
                break;
            }
          } else if constexpr (std::is_same_v<T, op::VcpuObserve>) {
            hit("observation", all_zero_fields(obs.output) ? "output vcpu APCB all zero" : "output vcpu APCB non-zero");
          } else if constexpr (std::is_same_v<T, op::ReadBusMask>) {
            const Mask& m = o.mask == BusMask::apmask ? before.apmask : before.aqmask;
            hit("observation", "output " + std::string(name_of(o.mask)) + (m == Mask::all() ? " all ones" : " changed"));
          } else if constexpr (std::is_same_v<T, op::ReadFeatures>) {
            hit("observation", "output features");
          } else if constexpr (std::is_same_v<T, op::GuestAqic>) {
            const std::string& t = obs.output;
            const char* shape = t == model::render_aqic_specification_exception() ? "specification exception"
                                : t == model::render_aqic("", model::response::q_not_avail) ? "no hook"
                                : t.ends_with(" rc=0x00\n")                  ? "handler 0x00"
                                                                              : "handler 0x01";
            hit("observation", std::string("output aqic ") + shape);
          }
        },
        op);
  }

  // The explain reasons of every mdev's rows after the step.
  for (const Mdev& m : after.mdevs) {
    const MdevExplanation e = explain_mdev(after, m);
    for (const ApqnRow& row : e.apqns) hit("explain", std::string(reason_code(row.verdict.reason)));
    for (const ControlRow& row : e.control_domains) hit("explain", std::string(reason_code(row.verdict.reason)));
  }
}

void ReachCounter::add_trace(const trace::Trace& t) {
  ++traces_;
  model::State s = t.initial_state();
  std::size_t most = 0;
  for (const trace::TraceStep& step : t.steps) {
    const model::State before = s;
    const model::Observation obs = model::apply(s, step.op);
    add_step(before, step.op, obs, s);
    most = std::max(most, s.mdevs.size());
  }
  max_mdevs_.push_back(most);
}

std::size_t ReachCounter::traces_with_mdevs(int n) const {
  return static_cast<std::size_t>(std::count_if(max_mdevs_.begin(), max_mdevs_.end(),
                                                [n](std::size_t m) { return m >= static_cast<std::size_t>(n); }));
}

std::size_t ReachCounter::reached() const {
  std::size_t n = 0;
  const auto& c = reach_catalogue(kernel_);
  for (std::size_t i = 0; i < c.size(); ++i) n += c[i].unreachable.empty() && counts_[i] > 0 ? 1 : 0;
  return n;
}

std::size_t ReachCounter::reachable() const {
  std::size_t n = 0;
  for (const ReachEntry& e : reach_catalogue(kernel_)) n += e.unreachable.empty() ? 1 : 0;
  return n;
}

std::string render_reach(const ReachCounter& r) {
  const auto& c = reach_catalogue(r.kernel());
  std::string out = "# reach of " + std::to_string(r.traces()) + " trace(s), " + std::to_string(r.steps()) +
                    " step(s) under kernel " + std::string(model::kernel_version_name(r.kernel())) +
                    ": group, entry, steps reaching it\n";
  for (std::size_t i = 0; i < c.size(); ++i) {
    out += c[i].group + "\t" + c[i].item + "\t";
    if (!c[i].unreachable.empty())
      out += (r.count(i) > 0 ? std::to_string(r.count(i)) + " (reached although marked unreachable: " : "unreachable: ") +
             c[i].unreachable + (r.count(i) > 0 ? ")" : "");
    else
      out += r.count(i) > 0 ? std::to_string(r.count(i)) : "NOT REACHED";
    out += "\n";
  }
  for (const std::string& o : r.outside()) out += "errno\t" + o + "\tOUTSIDE THE CATALOGUE\n";
  if (r.traces() > 0)
    out += "mdevs at once: >= 2 in " + std::to_string(r.traces_with_mdevs(2)) + " of " +
           std::to_string(r.traces()) + " traces, >= 3 in " + std::to_string(r.traces_with_mdevs(3)) + " of " +
           std::to_string(r.traces()) + "\n";
  const std::size_t unreachable = c.size() - r.reachable();
  out += "reached " + std::to_string(r.reached()) + " of " + std::to_string(r.reachable()) +
         " reachable entries (" + std::to_string(unreachable) + " unreachable by design)";
  if (r.reached() == r.reachable())
    out += "; every reachable entry reached\n";
  else
    out += "; " + std::to_string(r.reachable() - r.reached()) + " NOT reached\n";
  if (!r.outside().empty())
    out += std::to_string(r.outside().size()) + " result(s) OUTSIDE THE CATALOGUE\n";
  return out;
}

}  // namespace apcb::harness
