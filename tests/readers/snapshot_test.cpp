// Tests of readers/snapshot.h: the fixture trees under tests/cli/snapshots, the round trip through
// snapshot_files_of and through the disk (symlinked drivers), every content error with its
// file, line and column, and the notes for what the model cannot represent.
#include "readers/snapshot.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "model/explain.h"
#include "model/step.h"
#include "model/invariants.h"
#include "model/printable.h"

namespace apcb::readers {
namespace {

namespace fs = std::filesystem;
using model::Apqn;
using model::Mask;
using model::Matrix;

constexpr const char* kU1 = "11111111-1111-1111-1111-111111111111";

// A model-only driver that runs operations the way an administrator types them and checks,
// after each, the properties every state has (structural P2/P7, P1, P3, P4, P6, P8). Kept
// local rather than shared with the lockstep scenarios: some tests here edit the state by hand
// to build what only an inconsistent snapshot holds, which an implementation run in lockstep
// could not follow.
class Host {
 public:
  Host(const model::HostParams& params, const Matrix& cfg) : s(model::State::initial(params, cfg)) {}
  model::Observation run(const model::Op& op) {
    const model::State before = s;
    model::Observation obs = apcb::model::apply(s, op);
    for (const model::Violation& v : model::check_state(s, model::Strength::structural)) violations.push_back(v);
    for (const model::Violation& v : model::check_unplug_before_reset(before, op, obs)) violations.push_back(v);
    for (const model::Violation& v : model::check_failure_atomicity(before, s, op, obs)) violations.push_back(v);
    return obs;
  }
  model::Errno write(const std::string& uuid, model::MdevAttr attr, const std::string& text) {
    return run(model::op::AttrWrite{uuid, attr, text}).result;
  }
  model::Errno assign_adapter(const std::string& u, const std::string& v) { return write(u, model::MdevAttr::assign_adapter, v + "\n"); }
  model::Errno assign_domain(const std::string& u, const std::string& v) { return write(u, model::MdevAttr::assign_domain, v + "\n"); }
  model::Errno unassign_domain(const std::string& u, const std::string& v) { return write(u, model::MdevAttr::unassign_domain, v + "\n"); }
  model::Errno assign_control_domain(const std::string& u, const std::string& v) {
    return write(u, model::MdevAttr::assign_control_domain, v + "\n");
  }
  model::Errno create(const std::string& uuid) { return run(model::op::MdevCreate{uuid}).result; }
  model::Errno apmask(const std::string& t) { return run(model::op::BusMaskWrite{model::BusMask::apmask, t + "\n"}).result; }
  model::Errno aqmask(const std::string& t) { return run(model::op::BusMaskWrite{model::BusMask::aqmask, t + "\n"}).result; }
  const model::Mdev& mdev(const std::string& uuid) const { return *s.find_mdev(uuid); }

  model::State s;
  std::vector<model::Violation> violations;
};

std::string dir(const std::string& name) { return std::string(APCB_TESTS_DIR) + "/cli/snapshots/" + name; }

Snapshot load_ok(const std::string& path) {
  auto files = load_snapshot_files(path);
  if (auto* e = std::get_if<trace::TraceError>(&files)) {
    ADD_FAILURE() << input_error_text(*e);
    return {};
  }
  auto snap = read_snapshot(std::get<SnapshotFiles>(files));
  if (auto* e = std::get_if<trace::TraceError>(&snap)) {
    ADD_FAILURE() << input_error_text(*e);
    return {};
  }
  return std::get<Snapshot>(snap);
}

bool has_note(const Snapshot& s, const std::string& part) {
  for (const std::string& n : s.notes)
    if (n.find(part) != std::string::npos) return true;
  return false;
}

TEST(Snapshot, UnboundQueueFixture) {
  const Snapshot snap = load_ok(dir("unbound-queue"));
  const model::State& s = snap.state;
  EXPECT_TRUE(s.params.apxa);
  EXPECT_EQ(s.cfg, (Matrix{Mask::of({5, 6}), Mask::of({4, 0xab}), Mask::of({4, 0xab})}));
  EXPECT_EQ(s.apmask, Mask::all() - Mask::of({5, 6}));
  EXPECT_EQ(s.aqmask, Mask::all() - Mask::of({4, 0xab}));
  EXPECT_EQ(s.driver(Apqn{6, 0xab}), model::Driver::none);
  EXPECT_EQ(s.driver(Apqn{6, 4}), model::Driver::vfio_ap);
  ASSERT_EQ(s.mdevs.size(), 1u);
  const model::Mdev& m = s.mdevs[0];
  EXPECT_EQ(m.assigned, (Matrix{Mask::of({5, 6}), Mask::of({4, 0xab}), Mask::of({4})}));
  EXPECT_EQ(m.shadow, (Matrix{Mask::of({5}), Mask::of({4, 0xab}), Mask::of({4})}));
  // Queues `in use`: a guest is attached, holding the shadow.
  ASSERT_TRUE(m.guest);
  EXPECT_EQ(s.find_guest(*m.guest)->apcb, m.shadow);
  EXPECT_EQ(model::explain_apqn(s, m, Apqn{6, 4}).reason, model::Reason::adapter_filtered_unbound);
  EXPECT_TRUE(model::explain_apqn(s, m, Apqn{5, 0xab}).has());
  std::string all;
  for (const std::string& n : snap.notes) all += n + "\n";
  EXPECT_EQ(snap.notes.size(), 1u) << all;  // only the guests note
}

TEST(Snapshot, StaleShadowFixtureWithoutSysPrefixOrFeatures) {
  // Every queue is bound, yet guest_matrix lacks adapter 06: the kernel filtered it earlier
  // (say 06.00ff was unbound) and an unassign of that domain did not refilter.
  const Snapshot snap = load_ok(dir("stale-shadow"));
  EXPECT_TRUE(has_note(snap, "no bus/ap/features: APXA taken as on"));
  const model::Mdev& m = snap.state.mdevs.at(0);
  EXPECT_FALSE(m.guest);
  EXPECT_EQ(model::explain_apqn(snap.state, m, Apqn{6, 0xab}).reason, model::Reason::shadow_stale);
}

TEST(Snapshot, BadFixtureNamesTheFile) {
  auto files = load_snapshot_files(dir("bad-apmask"));
  ASSERT_TRUE(std::holds_alternative<SnapshotFiles>(files));
  auto snap = read_snapshot(std::get<SnapshotFiles>(files));
  ASSERT_TRUE(std::holds_alternative<trace::TraceError>(snap));
  EXPECT_EQ(input_error_text(std::get<trace::TraceError>(snap)),
            dir("bad-apmask") + "/sys/bus/ap/apmask:1:5: expected 64 hex digits, found 2");
  auto none = load_snapshot_files(dir("absent"));
  ASSERT_TRUE(std::holds_alternative<trace::TraceError>(none));
  EXPECT_EQ(input_error_text(std::get<trace::TraceError>(none)),
            dir("absent") + ": not a sysfs snapshot: neither sys/bus/ap nor bus/ap is a directory in it");
}

// The three-guest host after mdev 1 is attached and queue 06.0004 unbound, with no-APXA
// and APXA variants.
model::State sample(bool apxa) {
  const model::HostParams params = apxa ? model::HostParams{true, 255, 255} : model::HostParams{false, 63, 15};
  Host sc(params, Matrix{Mask::of({1, 5, 6, 7}), Mask::of({0, 4, 0xa, 0xf}), Mask::of({4, 0xa})});
  EXPECT_EQ(sc.apmask("-5,-6"), model::Errno::ok);
  EXPECT_EQ(sc.aqmask("-4,-0xa,-0xf"), model::Errno::ok);
  EXPECT_EQ(sc.create(kU1), model::Errno::ok);
  EXPECT_EQ(sc.create("22222222-2222-2222-2222-222222222222"), model::Errno::ok);
  for (const char* a : {"5", "6"}) EXPECT_EQ(sc.assign_adapter(kU1, a), model::Errno::ok);
  for (const char* d : {"4", "0xa"}) EXPECT_EQ(sc.assign_domain(kU1, d), model::Errno::ok);
  EXPECT_EQ(sc.assign_control_domain(kU1, "4"), model::Errno::ok);
  EXPECT_EQ(sc.assign_adapter("22222222-2222-2222-2222-222222222222", "5"), model::Errno::ok);
  EXPECT_EQ(sc.assign_domain("22222222-2222-2222-2222-222222222222", "0xf"), model::Errno::ok);
  EXPECT_EQ(sc.run(model::op::GuestCreate{1, true}).result, model::Errno::ok);
  EXPECT_EQ(sc.run(model::op::GuestAttach{kU1, 1}).result, model::Errno::ok);
  EXPECT_EQ(sc.run(model::op::QueueUnbind{Apqn{6, 4}, model::Driver::vfio_ap}).result, model::Errno::ok);
  EXPECT_EQ(sc.run(model::op::QueueUnbind{Apqn{1, 0}, model::Driver::default_driver}).result, model::Errno::ok);
  return sc.s;
}

TEST(Snapshot, RoundTripInMemoryAndOnDisk) {
  for (bool apxa : {true, false}) {
    const model::State s = sample(apxa);
    auto read = read_snapshot(snapshot_files_of(s));
    ASSERT_TRUE(std::holds_alternative<Snapshot>(read)) << input_error_text(std::get<trace::TraceError>(read));
    const Snapshot& snap = std::get<Snapshot>(read);
    EXPECT_EQ(snap.state, s) << "apxa=" << apxa;

    const fs::path tmp = fs::temp_directory_path() / ("apcb-snapshot-test-" + std::to_string(apxa));
    fs::remove_all(tmp);
    ASSERT_EQ(write_snapshot_files(snapshot_files_of(s), (tmp / "sys").string()), "");
    EXPECT_TRUE(fs::is_symlink(tmp / "sys/bus/ap/devices/card05/05.0004/driver"));
    const Snapshot disk = load_ok(tmp.string());
    EXPECT_EQ(disk.state, s);
    fs::remove_all(tmp);
  }
}

SnapshotFiles minimal() {
  SnapshotFiles f = snapshot_files_of(sample(true));
  f.root = "R";
  return f;
}

std::string error_of(const SnapshotFiles& f) {
  auto r = read_snapshot(f);
  if (auto* e = std::get_if<trace::TraceError>(&r)) return input_error_text(*e);
  return "accepted";
}

// 6.19 (issue 16): the driver_override regime and the bus's bindings count. A host in the
// override regime (all-ones masks, 05.0004 given to vfio_ap by its override and a rebind,
// 05.000a overridden to the default driver) survives the trip through sysfs files; a queue the
// snapshot shows bound to vfio_ap under reserving masks counts as vfio_ap's only when its
// override names vfio_ap.
TEST(Snapshot, DriverOverrideAndBindingsRoundTrip) {
  Host sc(model::HostParams{true, 255, 255}, Matrix{Mask::of({5}), Mask::of({4, 0xa}), Mask::of({4})});
  const Apqn q54{5, 4};
  ASSERT_EQ(sc.run(model::op::DriverOverrideWrite{q54, "vfio_ap\n"}).result, model::Errno::ok);
  ASSERT_EQ(sc.run(model::op::DriverOverrideWrite{Apqn{5, 0xa}, "cex4queue\n"}).result, model::Errno::ok);
  ASSERT_EQ(sc.run(model::op::QueueUnbind{q54, model::Driver::default_driver}).result, model::Errno::ok);
  ASSERT_EQ(sc.run(model::op::QueueBind{q54, model::Driver::vfio_ap}).result, model::Errno::ok);
  ASSERT_EQ(sc.create(kU1), model::Errno::ok);
  ASSERT_EQ(sc.assign_adapter(kU1, "5"), model::Errno::ok);
  ASSERT_EQ(sc.assign_domain(kU1, "4"), model::Errno::ok);
  ASSERT_TRUE(sc.violations.empty()) << sc.violations.front().detail;
  const SnapshotFiles files = snapshot_files_of(sc.s);
  EXPECT_EQ(files.files.at("bus/ap/devices/card05/05.0004/driver_override"), "vfio_ap\n");
  EXPECT_EQ(files.files.at("bus/ap/bindings"), "2/2 (complete)\n");
  auto read = read_snapshot(files);
  ASSERT_TRUE(std::holds_alternative<Snapshot>(read)) << input_error_text(std::get<trace::TraceError>(read));
  const Snapshot& snap = std::get<Snapshot>(read);
  EXPECT_EQ(snap.state, sc.s);
  // Nothing about bindings or overrides is noted (the general note on guests always is).
  EXPECT_FALSE(has_note(snap, "bound"));
  EXPECT_FALSE(has_note(snap, "driver_override"));
  EXPECT_EQ(snap.state.driver(q54), model::Driver::vfio_ap);
  // Through the disk too: the loader reads bus/ap/bindings and each queue's driver_override
  // (it used to skip both, so a capture's override and count were never read).
  const fs::path tmp = fs::temp_directory_path() / "apcb-snapshot-test-override";
  fs::remove_all(tmp);
  ASSERT_EQ(write_snapshot_files(files, (tmp / "sys").string()), "");
  auto loaded = load_snapshot_files(tmp.string());
  ASSERT_TRUE(std::holds_alternative<SnapshotFiles>(loaded)) << input_error_text(std::get<trace::TraceError>(loaded));
  EXPECT_EQ(std::get<SnapshotFiles>(loaded).files, files.files);
  EXPECT_EQ(load_ok(tmp.string()).state, sc.s);
  fs::remove_all(tmp);
  // The same files without the override: the vfio_ap binding under reserving masks is noted and
  // taken as the host's, as before 6.19.
  SnapshotFiles bare = files;
  bare.files["bus/ap/devices/card05/05.0004/driver_override"] = "\n";
  const Snapshot old = std::get<Snapshot>(read_snapshot(bare));
  EXPECT_TRUE(has_note(old, "its driver_override does not name vfio_ap: the model treats it as the host's"));
  EXPECT_EQ(old.state.driver(q54), model::Driver::default_driver);
  // An unbound queue: the bindings count is incomplete, and a count the queue devices do not
  // match is noted.
  ASSERT_EQ(sc.run(model::op::QueueUnbind{Apqn{5, 0xa}, model::Driver::default_driver}).result, model::Errno::ok);
  const SnapshotFiles unbound = snapshot_files_of(sc.s);
  EXPECT_EQ(unbound.files.at("bus/ap/bindings"), "1/2\n");
  const Snapshot partial = std::get<Snapshot>(read_snapshot(unbound));
  EXPECT_EQ(partial.state, sc.s);
  EXPECT_TRUE(has_note(partial, "bus/ap/bindings says 1 of 2 queue devices are bound"));
  SnapshotFiles stale = unbound;
  stale.files["bus/ap/bindings"] = "2/2 (complete)\n";
  EXPECT_TRUE(has_note(std::get<Snapshot>(read_snapshot(stale)),
                       "bus/ap/bindings counts 2/2 bound queue devices but the snapshot's queue devices show 1/2"));
  // Overrides beside a cleared mask bit: a combination 6.19 never allows.
  SnapshotFiles mixed = files;
  mixed.files["bus/ap/apmask"] = "0x7f" + std::string(62, 'f') + "\n";
  EXPECT_TRUE(has_note(std::get<Snapshot>(read_snapshot(mixed)), "which the 6.19 AP bus never allows"));
  // Malformed files name file, line and column.
  SnapshotFiles bad = files;
  bad.root = "R";
  bad.files["bus/ap/devices/card05/05.0004/driver_override"] = "vfio ap\n";
  EXPECT_EQ(error_of(bad), "R/bus/ap/devices/card05/05.0004/driver_override:1:1: expected a driver's name or an "
                                 "empty line (no override), not 'vfio ap'");
  bad = files;
  bad.root = "R";
  for (const auto& [text, error] : std::vector<std::pair<std::string, std::string>>{
           {"2 of 2\n", "R/bus/ap/bindings:1:2: expected the kernel's 'BOUND/ALL' or 'BOUND/ALL (complete)', not '2 of 2'"},
           {"2/2 complete\n", "R/bus/ap/bindings:1:4: expected the kernel's 'BOUND/ALL' or 'BOUND/ALL (complete)', not '2/2 complete'"},
           {"3/2\n", "R/bus/ap/bindings:1:1: bound queue devices 3 of 2 cannot exceed all"},
           {"1/2 (complete)\n", "R/bus/ap/bindings:1:1: bound queue devices 1 of 2 cannot be complete"},
           {"99999999999/1\n", "R/bus/ap/bindings:1:10: expected the kernel's 'BOUND/ALL' or 'BOUND/ALL (complete)', not '99999999999/1'"},
       }) {
    bad.files["bus/ap/bindings"] = text;
    EXPECT_EQ(error_of(bad), error) << text;
  }
}

// 6.19 (51d921a613b1): bus/ap/bindings_complete_count, "%llu\n", how many times the AP bus
// announced every APQN bound. It changes nothing in the state; the writer shows the smallest
// count the state allows (1 when complete, else 0), only for 6.19+ profiles; the reader checks
// it strictly and notes what contradicts the other files.
TEST(Snapshot, BindingsCompleteCount) {
  const std::string count = "bus/ap/bindings_complete_count";
  Host sc(model::HostParams{true, 255, 255}, Matrix{Mask::of({5}), Mask::of({4, 0xa}), Mask::of({4})});
  const SnapshotFiles complete = snapshot_files_of(sc.s);
  EXPECT_EQ(complete.files.at("bus/ap/bindings"), "2/2 (complete)\n");
  EXPECT_EQ(complete.files.at(count), "1\n");
  auto read = read_snapshot(complete);
  ASSERT_TRUE(std::holds_alternative<Snapshot>(read)) << input_error_text(std::get<trace::TraceError>(read));
  EXPECT_EQ(std::get<Snapshot>(read).state, sc.s);
  EXPECT_FALSE(has_note(std::get<Snapshot>(read), "bindings_complete_count"));
  // Absent (before 6.19, or an older capture): the same state, nothing noted.
  SnapshotFiles absent = complete;
  absent.files.erase(count);
  EXPECT_EQ(std::get<Snapshot>(read_snapshot(absent)).notes, std::get<Snapshot>(read).notes);
  // Any count the kernel can print is read, up to 2^64-1; the state does not change.
  for (const char* text : {"0\n", "7\n", "18446744073709551615\n"}) {
    SnapshotFiles f = complete;
    f.files["bus/ap/bindings"] = "1/2\n";
    f.files[count] = text;
    auto r = read_snapshot(f);
    ASSERT_TRUE(std::holds_alternative<Snapshot>(r)) << text << input_error_text(std::get<trace::TraceError>(r));
    EXPECT_EQ(std::get<Snapshot>(r).state, sc.s) << text;
    EXPECT_FALSE(has_note(std::get<Snapshot>(r), "bindings_complete_count")) << text;
  }
  // An unbound queue: 0 (the state keeps no history of earlier completions).
  ASSERT_EQ(sc.run(model::op::QueueUnbind{Apqn{5, 0xa}, model::Driver::default_driver}).result, model::Errno::ok);
  EXPECT_EQ(snapshot_files_of(sc.s).files.at(count), "0\n");
  // Profiles before 6.19 have no such file (nor driver_override).
  model::State old = sc.s;
  old.kernel = model::KernelVersion::v6_12;
  const SnapshotFiles pre = snapshot_files_of(old);
  EXPECT_EQ(pre.files.count(count), 0u);
  EXPECT_EQ(pre.files.count("bus/ap/devices/card05/05.0004/driver_override"), 0u);

  // 0 beside "(complete)": the bus counts every completion it announces.
  SnapshotFiles zero = complete;
  zero.files[count] = "0\n";
  EXPECT_TRUE(has_note(std::get<Snapshot>(read_snapshot(zero)),
                       "bus/ap/bindings_complete_count is 0 although bus/ap/bindings says (complete)"));
  // A count beside queue devices without driver_override: files of a kernel before 6.19.
  SnapshotFiles mixed = pre;
  mixed.files[count] = "3\n";
  EXPECT_TRUE(has_note(std::get<Snapshot>(read_snapshot(mixed)),
                       "bus/ap/bindings_complete_count (Linux 6.19) is present but no queue device has a "
                       "driver_override file"));
  EXPECT_FALSE(has_note(std::get<Snapshot>(read_snapshot(pre)), "bindings_complete_count"));

  // Through the disk: the loader reads the file.
  const fs::path tmp = fs::temp_directory_path() / "apcb-snapshot-test-complete-count";
  fs::remove_all(tmp);
  ASSERT_EQ(write_snapshot_files(zero, (tmp / "sys").string()), "");
  auto loaded = load_snapshot_files(tmp.string());
  ASSERT_TRUE(std::holds_alternative<SnapshotFiles>(loaded)) << input_error_text(std::get<trace::TraceError>(loaded));
  EXPECT_EQ(std::get<SnapshotFiles>(loaded).files.at(count), "0\n");
  EXPECT_TRUE(has_note(load_ok(tmp.string()), "bus/ap/bindings_complete_count is 0"));
  fs::remove_all(tmp);

  // Only "%llu\n": each other form names file, line and column.
  const std::string form = "expected the kernel's count (decimal digits, no sign or leading zero, then a newline), not ";
  SnapshotFiles bad = complete;
  bad.root = "R";
  for (const auto& [text, error] : std::vector<std::pair<std::string, std::string>>{
           {"+1\n", "1:1: " + form + "'+1'"},
           {"-1\n", "1:1: " + form + "'-1'"},
           {"0x1\n", "1:2: " + form + "'0x1'"},
           {" 1\n", "1:1: " + form + "' 1'"},
           {"1 \n", "1:2: " + form + "'1 '"},
           {"1\r\n", "1:2: " + form + "'1\\x0d'"},
           {"01\n", "1:1: " + form + "'01'"},
           {"\n", "1:1: " + form + "''"},
           {"", "1:1: " + form + "''"},
           {"1", "1:2: expected a newline after the count"},
           {"12\n\n", "2:1: unexpected '\\n' after the count's line"},
           {"18446744073709551616\n", "1:1: the count exceeds 18446744073709551615, the most a 64-bit counter holds"},
           {"99999999999999999999999\n", "1:1: the count exceeds 18446744073709551615, the most a 64-bit counter holds"},
       }) {
    bad.files[count] = text;
    EXPECT_EQ(error_of(bad), "R/" + count + ":" + error) << model::printable(text);
  }
}

TEST(Snapshot, EveryContentErrorNamesFileLineAndColumn) {
  const std::string mdev = std::string("devices/vfio_ap/matrix/") + kU1;
  struct Case {
    std::string path;
    std::string content;
    std::string error;
  };
  const std::vector<Case> cases = {
      {"bus/ap/apmask", "ff\n", "R/bus/ap/apmask:1:1: expected 0x and 64 hex digits"},
      {"bus/ap/aqmask", "0x" + std::string(63, 'f') + "g\n", "R/bus/ap/aqmask:1:66: expected 64 hex digits, found 63"},
      {"bus/ap/aqmask", "0x" + std::string(64, 'f') + "\n\n", "R/bus/ap/aqmask:1:67: unexpected '\\n' after the mask"},
      {"bus/ap/ap_adapter_mask", "0x" + std::string(65, '0'), "R/bus/ap/ap_adapter_mask:1:67: unexpected '0' after the mask"},
      {"bus/ap/ap_max_adapter_id", "256\n", "R/bus/ap/ap_max_adapter_id:1:1: the highest ID is at most 255"},
      {"bus/ap/ap_max_domain_id", "0x55\n", "R/bus/ap/ap_max_domain_id:1:2: unexpected 'x' in a decimal number"},
      {"bus/ap/ap_max_domain_id", "\n", "R/bus/ap/ap_max_domain_id:1:1: expected a decimal number"},
      {mdev + "/matrix", "05.0004\n05.0x0a\n", "R/" + mdev + "/matrix:2:1: '05.0x0a' is not hex"},
      {mdev + "/matrix", "05.0004\n\n", "R/" + mdev + "/matrix:2:1: expected an APQN line 'aa.dddd', 'aa.' or '.dddd', not ''"},
      {mdev + "/matrix", "05.0004\n06.\n", "R/" + mdev + "/matrix:2:1: mixes APQN, adapter-only and domain-only lines"},
      {mdev + "/matrix", "05.0004\n05.0004\n", "R/" + mdev + "/matrix:2:1: '05.0004' is listed twice"},
      {mdev + "/matrix", "05.0100\n", "R/" + mdev + "/matrix:1:4: domain 0100 is beyond 00ff"},
      {mdev + "/matrix", "05.0004\n06.000a\n",
       "R/" + mdev + "/matrix: the APQNs listed are not the cross product of their adapters and domains (05.000a is missing)"},
      {mdev + "/matrix", "05.0004\n05.000a\n06.0004\n06.000a\n07.0004\n07.000a\n",
       "R/" + mdev + "/matrix: disagrees with R/" + mdev + "/ap_config"},
      {mdev + "/guest_matrix", ".0004\n.000g\n", "R/" + mdev + "/guest_matrix:2:1: '.000g' is not hex"},
      {mdev + "/control_domains", "0004\n4\n", "R/" + mdev + "/control_domains:2:1: expected a control domain 'dddd', not '4'"},
      {mdev + "/control_domains", "000a\n", "R/" + mdev + "/control_domains: disagrees with R/" + mdev + "/ap_config"},
      {mdev + "/ap_config", "0x" + std::string(64, '0') + ",0x" + std::string(64, '0') + "\n",
       "R/" + mdev + "/ap_config:1:134: expected ',' after the mask"},
      {mdev + "/ap_config", "0x" + std::string(64, '0') + ";0x",
       "R/" + mdev + "/ap_config:1:67: expected ',' after the mask"},
      {mdev + "/ap_config", "0x" + std::string(64, '0') + ",0x" + std::string(64, '0') + ",0x" + std::string(64, '0') + "x\n",
       "R/" + mdev + "/ap_config:1:201: unexpected text after the third mask"},
  };
  for (const Case& c : cases) {
    SnapshotFiles f = minimal();
    f.files[c.path] = c.content;
    EXPECT_EQ(error_of(f), c.error) << c.path << " = " << c.content;
  }
}

TEST(Snapshot, IdsBeyondTheMaximaAreErrors) {
  SnapshotFiles f = snapshot_files_of(sample(false));  // no APXA: 63 / 15
  const std::string mdev = std::string("devices/vfio_ap/matrix/") + kU1;
  f.files[mdev + "/guest_matrix"] = "05.0010\n";
  EXPECT_EQ(error_of(f), mdev + "/guest_matrix:1:4: domain 0010 is beyond the highest domain ID 000f");
  f = snapshot_files_of(sample(false));
  f.files[mdev + "/ap_config"] = "0x0000000000000000" + std::string(47, '0') + "1," + "0x" + std::string(64, '0') + ",0x" +
                                 std::string(64, '0') + "\n";
  EXPECT_EQ(error_of(f), mdev + "/ap_config:1:66: adapter ff is beyond the highest adapter ID 3f");
}

TEST(Snapshot, QueueDirectoriesMustAgree) {
  SnapshotFiles f = minimal();
  f.dirs.insert("bus/ap/devices/card06/05.0004");
  EXPECT_EQ(error_of(f), "R/bus/ap/devices/card06/05.0004: queue of adapter 05 inside card06");
  f = minimal();
  f.dirs.insert("devices/ap/card05/05.0004");
  f.files["devices/ap/card05/05.0004/driver"] = "cex4queue\n";
  EXPECT_EQ(error_of(f),
            "R/devices/ap/card05/05.0004/driver: disagrees with R/bus/ap/devices/card05/05.0004/driver about the queue's driver");
  f = minimal();
  f.dirs.insert("bus/ap/devices/05.0100");
  EXPECT_EQ(error_of(f), "R/bus/ap/devices/05.0100: domain 0100 of this queue is beyond 00ff");
}

// Issue 13: a queue status that is not one of the kernel's renderings used to read as "not in
// use", silently detaching the guest; the same for every other file with a fixed rendering.
TEST(Snapshot, OnlyTheKernelsRenderingsAreRead) {
  const std::string q = "bus/ap/devices/card05/05.0004";
  struct Case {
    std::string path;
    std::string content;
    std::string error;
  };
  const std::vector<Case> cases = {
      {q + "/status", "busy\n", "R/" + q + "/status:1:1: expected the kernel's queue status 'in use', 'assigned' or 'unassigned', not 'busy'"},
      {q + "/status", "IN USE\n", "R/" + q + "/status:1:1: expected the kernel's queue status 'in use', 'assigned' or 'unassigned', not 'IN USE'"},
      {q + "/status", "in use \n", "R/" + q + "/status:1:1: expected the kernel's queue status 'in use', 'assigned' or 'unassigned', not 'in use '"},
      {q + "/status", "in use\n\n", "R/" + q + "/status:1:1: expected the kernel's queue status 'in use', 'assigned' or 'unassigned', not 'in use\\n'"},
      {q + "/status", "", "R/" + q + "/status:1:1: expected the kernel's queue status 'in use', 'assigned' or 'unassigned', not ''"},
      {q + "/status", "in\x1buse\n", "R/" + q + "/status:1:1: expected the kernel's queue status 'in use', 'assigned' or 'unassigned', not 'in\\x1buse'"},
      {"bus/ap/features", "apsc apxa\n",
       "R/bus/ap/features:1:1: expected the kernel's feature words (APSC APXA QACT RC8A APSB) separated by one space, or '-', not 'apsc apxa'"},
      {"bus/ap/features", "APSC  APXA\n",
       "R/bus/ap/features:1:6: expected the kernel's feature words (APSC APXA QACT RC8A APSB) separated by one space, or '-', not 'APSC  APXA'"},
      {"bus/ap/features", "APSC APXA \n", "R/bus/ap/features:1:10: unexpected ' ' at the end"},
      {"bus/ap/features", "APSC,APXA\n",
       "R/bus/ap/features:1:5: expected the kernel's feature words (APSC APXA QACT RC8A APSB) separated by one space, or '-', not 'APSC,APXA'"},
  };
  for (const Case& c : cases) {
    SnapshotFiles f = minimal();
    f.files[c.path] = c.content;
    EXPECT_EQ(error_of(f), c.error) << c.path << " = " << c.content;
  }
  // A driver given as a file names a driver, or nothing.
  SnapshotFiles f = minimal();
  f.links.erase(q + "/driver");
  f.files[q + "/driver"] = "vfio_ap extra\n";
  EXPECT_EQ(error_of(f), "R/" + q + "/driver:1:1: expected the name of a driver (as the driver link's last component), not 'vfio_ap extra'");
  f.files[q + "/driver"] = "vfio_ap\n";
  EXPECT_EQ(error_of(f), "accepted");
  f.files[q + "/driver"] = "";
  EXPECT_EQ(error_of(f), "accepted");
  // Every rendering the kernel has is read; features may name words newer kernels add.
  for (const char* status : {"in use\n", "assigned\n", "unassigned\n", "assigned"}) {
    f = minimal();
    f.files[q + "/status"] = status;
    EXPECT_EQ(error_of(f), "accepted") << status;
  }
  for (const char* features : {"-\n", "\n", "APSC APXA QACT RC8A APSB\n", "APXA AP4KC\n"}) {
    f = minimal();
    f.files["bus/ap/features"] = features;
    EXPECT_EQ(error_of(f), "accepted") << features;
  }
}

// A status that disagrees with the matrices (captured at another time) is noted.
TEST(Snapshot, StatusDisagreeingWithTheMatricesIsNoted) {
  SnapshotFiles f = minimal();
  const std::string q = "bus/ap/devices/card05/05.0004";
  f.files[q + "/status"] = "unassigned\n";
  auto r = read_snapshot(f);
  ASSERT_TRUE(std::holds_alternative<Snapshot>(r));
  EXPECT_TRUE(has_note(std::get<Snapshot>(r), "queue " + q + " is `unassigned` although mdev " + kU1 + " assigns it"));
  f = minimal();
  f.files["bus/ap/devices/card07/07.000f/status"] = "assigned\n";
  r = read_snapshot(f);
  ASSERT_TRUE(std::holds_alternative<Snapshot>(r));
  EXPECT_TRUE(has_note(std::get<Snapshot>(r), "queue bus/ap/devices/card07/07.000f is `assigned` but no mdev's matrix assigns it"));
  // Two copies of one queue (the flat link and the card's) must show the same status.
  f = minimal();
  f.dirs.insert("bus/ap/devices/05.0004");
  f.links["bus/ap/devices/05.0004/driver"] = "../../../../bus/ap/drivers/vfio_ap";
  f.files["bus/ap/devices/05.0004/status"] = "assigned\n";
  EXPECT_EQ(error_of(f), "R/bus/ap/devices/card05/05.0004/status: disagrees with R/bus/ap/devices/05.0004/status about the queue's status");
}

// What load_snapshot_files does with a path that exists but is not what sysfs has there: an
// error naming it, never the silent "absent" (an apmask directory read as all ones, a matrix
// that could not be listed as no mdevs).
TEST(Snapshot, UnreadablePathsAreErrorsNotAbsences) {
  const fs::path tmp = fs::temp_directory_path() / "apcb-snapshot-test-unreadable";
  const auto fresh = [&] {
    fs::remove_all(tmp);
    EXPECT_EQ(write_snapshot_files(snapshot_files_of(sample(true)), (tmp / "sys").string()), "");
  };
  const auto error = [&]() -> std::string {
    auto r = load_snapshot_files(tmp.string());
    if (auto* e = std::get_if<trace::TraceError>(&r)) return input_error_text(*e);
    return "loaded";
  };
  const std::string root = (tmp / "sys").string();
  const fs::path bus = tmp / "sys/bus/ap";
  const fs::path matrix = tmp / "sys/devices/vfio_ap/matrix";

  fresh();
  EXPECT_EQ(error(), "loaded");
  fs::remove(bus / "apmask");
  fs::create_directory(bus / "apmask");
  EXPECT_EQ(error(), root + "/bus/ap/apmask: a directory, but sysfs has an attribute file here (a copy made with cp -L of a link?)");
  fresh();
  fs::remove(bus / "apmask");
  fs::create_symlink("apmask", bus / "apmask");
  EXPECT_EQ(error(), root + "/bus/ap/apmask: a symlink loop (Too many levels of symbolic links)");
  fresh();
  fs::remove(bus / "aqmask");
  fs::create_symlink("../../nowhere/aqmask", bus / "aqmask");
  EXPECT_EQ(error(), root + "/bus/ap/aqmask: a symlink to nothing (its target was not captured)");
  fresh();
  fs::remove(bus / "features");
  fs::create_symlink("/proc/self/mem", bus / "features");  // a regular file whose read fails
  EXPECT_EQ(error(), root + "/bus/ap/features: cannot read: Input/output error");
  fresh();
  fs::remove_all(matrix);
  { std::ofstream(matrix) << ""; }
  EXPECT_EQ(error(), root + "/devices/vfio_ap/matrix: not a directory, but sysfs has the vfio_ap matrix device here");
  fresh();
  fs::remove_all(matrix / kU1);
  fs::create_symlink(kU1, matrix / kU1);
  EXPECT_EQ(error(), root + "/devices/vfio_ap/matrix/" + kU1 + ": a symlink loop (Too many levels of symbolic links)");
  fresh();
  fs::remove(tmp / "sys/bus/ap/devices/card05/05.0004/driver");
  fs::create_directory(tmp / "sys/bus/ap/devices/card05/05.0004/driver");
  EXPECT_EQ(error(), root + "/bus/ap/devices/card05/05.0004/driver: a directory, but sysfs has an attribute file here (a copy made with cp -L of a link?)");
  // A driver link is read, not followed: its target is never captured, and that is fine.
  fresh();
  EXPECT_FALSE(fs::exists(tmp / "sys/bus/ap/devices/card05/05.0004/driver"));
  EXPECT_EQ(error(), "loaded");
  fs::remove_all(tmp);
}

TEST(Snapshot, NotesForWhatIsMissingOrUnrepresentable) {
  SnapshotFiles f;
  f.files["bus/ap/ap_adapter_mask"] = "0x" + std::string(64, '0') + "\n";
  f.files["bus/ap/ap_usage_domain_mask"] = "not supported\n";
  f.files["bus/ap/features"] = "-\n";
  auto r = read_snapshot(f);
  ASSERT_TRUE(std::holds_alternative<Snapshot>(r));
  const Snapshot& a = std::get<Snapshot>(r);
  EXPECT_FALSE(a.state.params.apxa);
  EXPECT_TRUE(has_note(a, "no QCI"));
  EXPECT_TRUE(has_note(a, "no bus/ap/apmask: taken as all ones"));
  EXPECT_EQ(a.state.apmask, Mask::all());

  // Flat bus/ap/devices/XX.YYYY layout; a queue bound against its masks either way; a queue
  // outside the configuration; a driver given as a plain file.
  f = minimal();
  f.dirs.insert("bus/ap/devices/07.0004");
  f.files["bus/ap/devices/07.0004/driver"] = "vfio_ap\n";  // 7 is in apmask, 4 is not: fine
  f.links["bus/ap/devices/card01/01.0000/driver"] = "../../../../bus/ap/drivers/vfio_ap";  // reserved
  f.links["bus/ap/devices/card07/07.000f/driver"] = "cex4queue";  // not reserved: (7, 0xf)
  f.dirs.insert("bus/ap/devices/card09/09.0004");
  auto b = read_snapshot(f);
  ASSERT_TRUE(std::holds_alternative<Snapshot>(b));
  const Snapshot& s = std::get<Snapshot>(b);
  EXPECT_TRUE(has_note(s, "queue bus/ap/devices/card01/01.0000 is bound to vfio_ap although apmask and aqmask reserve it"));
  EXPECT_TRUE(has_note(s, "queue bus/ap/devices/card07/07.000f is bound to 'cex4queue' although the bus masks give it to vfio_ap"));
  EXPECT_TRUE(has_note(s, "1 queue device(s) outside the host configuration (first: bus/ap/devices/card09/09.0004)"));
  EXPECT_EQ(s.state.driver(Apqn{7, 0xf}), model::Driver::none);
  EXPECT_EQ(s.state.driver(Apqn{7, 4}), model::Driver::vfio_ap);
  EXPECT_EQ(s.state.driver(Apqn{1, 0}), model::Driver::default_driver);
}

TEST(Snapshot, MissingQueueDevicesAndShadow) {
  SnapshotFiles f = minimal();
  const std::string mdev = std::string("devices/vfio_ap/matrix/") + kU1;
  f.files.erase(mdev + "/guest_matrix");
  f.dirs.erase("bus/ap/devices/card05/05.000a");
  auto r = read_snapshot(f);
  ASSERT_TRUE(std::holds_alternative<Snapshot>(r));
  const Snapshot& s = std::get<Snapshot>(r);
  EXPECT_TRUE(has_note(s, "1 configured APQN(s) have no queue device in the snapshot: taken as not bound"));
  EXPECT_TRUE(has_note(s, "has no guest_matrix: its shadow is taken as the full filter"));
  EXPECT_EQ(s.state.driver(Apqn{5, 0xa}), model::Driver::none);
  // The full filter drops adapter 5 (05.000a unbound) and adapter 6 (06.0004 unbound).
  EXPECT_EQ(s.state.mdevs.at(0).shadow.adapters, Mask{});
}

// Found by fuzz_snapshot (corpus: regression_shadow_outside_inferred_config): without the QCI
// masks the configuration is inferred from the queue devices, and guest_matrix may then hold
// an APQN outside it. The guest still holds it, and explain must say IN_GUEST.
TEST(Snapshot, FuzzGuestMatrixBeyondTheInferredConfiguration) {
  SnapshotFiles f;
  const std::string mdev = std::string("devices/vfio_ap/matrix/") + kU1;
  f.files["bus/ap/apmask"] = "0x" + std::string(64, '0') + "\n";
  f.files["bus/ap/aqmask"] = "0x" + std::string(64, '0') + "\n";
  f.dirs.insert("bus/ap/devices/card05/05.0004");
  f.files["bus/ap/devices/card05/05.0004/driver"] = "vfio_ap\n";
  f.files["bus/ap/devices/card05/05.0004/status"] = "in use\n";
  f.dirs.insert(mdev);
  f.files[mdev + "/matrix"] = "05.0004\n05.00ab\n";
  f.files[mdev + "/guest_matrix"] = "05.0004\n05.00ab\n";
  auto r = read_snapshot(f);
  ASSERT_TRUE(std::holds_alternative<Snapshot>(r));
  const Snapshot& snap = std::get<Snapshot>(r);
  EXPECT_TRUE(has_note(snap, "the snapshot breaks P1"));
  const model::Mdev& m = snap.state.mdevs.at(0);
  ASSERT_TRUE(m.guest);
  EXPECT_TRUE(model::explain_apqn(snap.state, m, Apqn{5, 0xab}).has());
}

}  // namespace
}  // namespace apcb::readers
