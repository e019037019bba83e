// Tests of readers/mdevctl.h: both JSON forms, every validation error with its position, the
// steps a start writes (values byte for byte, no newline), and mdevctl's stop-at-first-failure.
#include "readers/mdevctl.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "harness/conformance.h"
#include "model/step.h"

namespace apcb::readers {
namespace {

constexpr const char* kU1 = "11111111-1111-1111-1111-111111111111";
constexpr const char* kU2 = "22222222-2222-2222-2222-222222222222";

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(APCB_TESTS_DIR) + "/cli/mdevctl/" + name, std::ios::binary);
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

std::vector<MdevctlDevice> parse_ok(std::string_view text, std::optional<std::string> uuid = kU1) {
  auto r = parse_mdevctl(text, "t.json", std::move(uuid));
  if (auto* e = std::get_if<trace::TraceError>(&r)) ADD_FAILURE() << e->to_string();
  return r.index() == 0 ? std::get<0>(r) : std::vector<MdevctlDevice>{};
}

// The "file:line:column: message" of a rejected config.
std::string error_of(std::string_view text, std::optional<std::string> uuid = kU1) {
  auto r = parse_mdevctl(text, "t.json", std::move(uuid));
  if (const auto* e = std::get_if<trace::TraceError>(&r)) return e->to_string();
  return "accepted";
}

TEST(MdevctlParse, SingleConfigNamedAfterItsUuid) {
  const auto devices = parse_ok(fixture(kU1));
  ASSERT_EQ(devices.size(), 1u);
  const MdevctlDevice& d = devices[0];
  EXPECT_EQ(d.uuid, kU1);
  EXPECT_EQ(d.parent, "matrix");
  EXPECT_TRUE(d.autostart);
  ASSERT_EQ(d.attrs.size(), 5u);
  EXPECT_EQ(d.attrs[0], (MdevctlAttr{"assign_adapter", "0x05", 5, 24}));
  EXPECT_EQ(d.attrs[4].key, "assign_control_domain");
  EXPECT_EQ(d.attrs[4].value, "4");
}

TEST(MdevctlParse, DumpjsonForm) {
  const auto devices = parse_ok(fixture("two-devices-conflict.json"), std::nullopt);
  ASSERT_EQ(devices.size(), 2u);
  EXPECT_EQ(devices[0].uuid, kU1);
  EXPECT_TRUE(devices[0].autostart);
  EXPECT_EQ(devices[1].uuid, kU2);
  EXPECT_FALSE(devices[1].autostart);
  ASSERT_EQ(devices[1].attrs.size(), 3u);
  EXPECT_EQ(devices[1].attrs[1].value, "0x47");
  EXPECT_EQ(devices[1].attrs[1].line, 20);
}

TEST(MdevctlParse, OptionalAttrsUnknownKeysAndUpperCaseUuids) {
  EXPECT_TRUE(parse_ok(R"({"mdev_type": "vfio_ap-passthrough", "start": "manual"})")[0].attrs.empty());
  EXPECT_TRUE(parse_ok(R"({"mdev_type": "vfio_ap-passthrough", "start": "manual", "attrs": null, "x": 1})")[0].attrs.empty());
  const auto d = parse_ok(R"({"mdev_type": "vfio_ap-passthrough", "start": "auto", "attrs": []})",
                          "AAAAAAAA-1111-1111-1111-111111111111");
  EXPECT_EQ(d[0].uuid, "aaaaaaaa-1111-1111-1111-111111111111");
  // Keys may repeat across attrs, in order; a value is any string, kept byte for byte.
  const auto r = parse_ok(R"({"mdev_type": "vfio_ap-passthrough", "start": "auto",
      "attrs": [{"assign_adapter": "5"}, {"assign_adapter": "5\n"}, {"x": " 0x1 "}]})");
  ASSERT_EQ(r[0].attrs.size(), 3u);
  EXPECT_EQ(r[0].attrs[1].value, "5\n");
  EXPECT_EQ(r[0].attrs[2].value, " 0x1 ");
}

TEST(MdevctlParse, EveryValidationErrorWithItsPosition) {
  const std::string head = R"({"mdev_type": "vfio_ap-passthrough", "start": "auto", )";
  EXPECT_EQ(error_of(fixture("trailing-comma.json")),
            "t.json:1:92: invalid JSON: expected a value after ',', found ']' (JSON has no trailing commas)");
  EXPECT_EQ(error_of("{\n  \"start\": \"auto\",\n  \"mdev_type\": \"vfio_ap-passthrough\"\n"),
            "t.json:4:1: invalid JSON: expected ',' or '}' after an object member, found the end of the text");
  EXPECT_EQ(error_of("5"), "t.json:1:1: expected a device config (a JSON object) or the --dumpjson form (a JSON array)");
  EXPECT_EQ(error_of(R"({"start": "auto"})"), "t.json:1:1: missing \"mdev_type\"");
  EXPECT_EQ(error_of(R"({"mdev_type": null, "start": "auto"})"), "t.json:1:1: missing \"mdev_type\"");
  EXPECT_EQ(error_of(R"({"mdev_type": "vfio_ap-passthrough"})"), "t.json:1:1: missing \"start\"");
  EXPECT_EQ(error_of(R"({"mdev_type": 5, "start": "auto"})"), "t.json:1:15: \"mdev_type\" must be a string");
  EXPECT_EQ(error_of(R"({"mdev_type": "vfio-pci", "start": "auto"})"),
            "t.json:1:15: mdev_type 'vfio-pci' is not vfio_ap-passthrough, the only type apcb models");
  EXPECT_EQ(error_of(R"({"mdev_type": "vfio_ap-passthrough", "start": "sometimes"})"),
            "t.json:1:47: \"start\" must be \"auto\" or \"manual\"");
  EXPECT_EQ(error_of(R"({"mdev_type": "vfio_ap-passthrough", "start": true})"),
            "t.json:1:47: \"start\" must be \"auto\" or \"manual\"");
  EXPECT_EQ(error_of(head + R"("attrs": {"assign_adapter": "5"}})"), "t.json:1:64: \"attrs\" must be an array");
  EXPECT_EQ(error_of(head + R"("attrs": [{"assign_adapter": "5"}, "assign_domain"]})"),
            "t.json:1:90: attrs[1] is not an object");
  EXPECT_EQ(error_of(head + R"("attrs": [{"assign_adapter": "5", "assign_domain": "4"}]})"),
            "t.json:1:65: attrs[0] must have exactly one field, not 2");
  EXPECT_EQ(error_of(head + R"("attrs": [{}]})"), "t.json:1:65: attrs[0] must have exactly one field, not 0");
  EXPECT_EQ(error_of(fixture("value-not-a-string.json"), std::nullopt),
            "t.json:5:24: attrs[0] (\"assign_adapter\"): the value must be a string");
  EXPECT_EQ(error_of(R"({"mdev_type": "vfio_ap-passthrough", "start": "auto"})", std::nullopt),
            "t.json:1:1: a single config does not name its UUID: name the file after it, as "
            "/etc/mdevctl.d/matrix/<uuid> is named, or pass --mdev UUID");
  EXPECT_EQ(error_of(R"({"mdev_type": "vfio_ap-passthrough", "start": "auto"})", "not-a-uuid"),
            "t.json:1:1: a single config does not name its UUID: name the file after it, as "
            "/etc/mdevctl.d/matrix/<uuid> is named, or pass --mdev UUID");
}

TEST(MdevctlParse, DumpjsonValidationErrors) {
  EXPECT_EQ(error_of("[5]"), "t.json:1:2: a --dumpjson entry must be an object mapping a parent to its devices");
  EXPECT_EQ(error_of(R"([{"css": {}}])"), "t.json:1:10: the devices of parent 'css' must be an array");
  EXPECT_EQ(error_of(R"([{"0.0.0313": [5]}])"), "t.json:1:16: a device entry must be an object mapping a UUID to its config");
  EXPECT_EQ(error_of(R"([{"matrix": {}}])"), "t.json:1:13: the devices of parent 'matrix' must be an array");
  EXPECT_EQ(error_of(R"([{"matrix": ["x"]}])"), "t.json:1:14: a device entry must be an object mapping a UUID to its config");
  EXPECT_EQ(error_of(R"([{"matrix": [{"1234": {}}]}])"), "t.json:1:15: '1234' is not a UUID");
  // One UUID per device entry, as mdevctl prints it (two would lose their order: JSON objects
  // are unordered, and the order of the starts matters).
  EXPECT_EQ(error_of("[{\"matrix\": [{\"" + std::string(kU1) + "\": {}, \"" + std::string(kU2) + "\": {}}]}]"),
            "t.json:1:14: a device entry must map exactly one UUID to its config, not 2");
  EXPECT_EQ(error_of(R"([{"matrix": [{}]}])"), "t.json:1:14: a device entry must map exactly one UUID to its config, not 0");
  EXPECT_EQ(error_of("[{\"matrix\": [{\"" + std::string(kU1) + "\": []}]}]"),
            "t.json:1:55: a device config must be a JSON object");
  EXPECT_EQ(error_of("[\n {\"matrix\": [\n  {\"" + std::string(kU1) +
                     "\": {\"mdev_type\": \"vfio_ap-passthrough\", \"start\": \"auto\",\n   \"attrs\": [{\"assign_adapter\": 5}]}}]}]"),
            "t.json:4:33: attrs[0] (\"assign_adapter\"): the value must be a string");
  EXPECT_TRUE(parse_ok("[]", std::nullopt).empty());
}

// A real s390 host's `mdevctl list --dumpjson` also lists its vfio_ccw devices, under their
// subchannels: they are skipped with a note, not refused (refused outright before issue 13).
TEST(MdevctlParse, OtherParentsAreSkippedWithANote) {
  std::vector<std::string> notes;
  auto r = parse_mdevctl(fixture("s390-dumpjson-with-vfio-ccw.json"), "t.json", std::nullopt, &notes);
  ASSERT_TRUE(std::holds_alternative<std::vector<MdevctlDevice>>(r)) << std::get<trace::TraceError>(r).to_string();
  const auto& devices = std::get<std::vector<MdevctlDevice>>(r);
  ASSERT_EQ(devices.size(), 1u);
  EXPECT_EQ(devices[0].uuid, kU1);
  ASSERT_EQ(devices[0].attrs.size(), 3u);
  EXPECT_EQ(devices[0].attrs[0], (MdevctlAttr{"assign_adapter", "0x05", 34, 33}));
  EXPECT_EQ(notes, (std::vector<std::string>{
                       "skipped 1 device of parent '0.0.0313': not vfio_ap (apcb reads the devices of parent 'matrix')",
                       "skipped 2 devices of parent '0.0.0314': not vfio_ap (apcb reads the devices of parent 'matrix')"}));

  // Only other parents: nothing to start, said so; a vfio_ap type under another parent is named.
  notes.clear();
  r = parse_mdevctl(R"([{"0000:00:02.0": [{"4a0a190f-dcf3-4def-9342-c48768f0c940": {"mdev_type": "vfio_ap-passthrough",
                        "start": "auto"}}, {"x": {"mdev_type": "i915-GVTg_V5_8", "start": "auto"}}]}])",
                    "t.json", std::nullopt, &notes);
  ASSERT_TRUE(std::holds_alternative<std::vector<MdevctlDevice>>(r));
  EXPECT_TRUE(std::get<std::vector<MdevctlDevice>>(r).empty());
  EXPECT_EQ(notes, (std::vector<std::string>{
                       "skipped 2 devices of parent '0000:00:02.0': not vfio_ap (apcb reads the devices of parent "
                       "'matrix'); 1 of them claim mdev_type vfio_ap-passthrough, which only the matrix device "
                       "provides on s390",
                       "no device of parent 'matrix' in the file: nothing to start"}));
  // The parent's name is quoted printably.
  notes.clear();
  r = parse_mdevctl("[{\"\\u001b[31m\": []}]", "t.json", std::nullopt, &notes);
  ASSERT_TRUE(std::holds_alternative<std::vector<MdevctlDevice>>(r));
  EXPECT_EQ(notes, (std::vector<std::string>{
                       "skipped 0 devices of parent '\\x1b[31m': not vfio_ap (apcb reads the devices of parent 'matrix')"}));
  // A matrix device of another type is still an error: the matrix parent has only vfio_ap.
  EXPECT_EQ(error_of("[{\"matrix\": [{\"" + std::string(kU1) + "\": {\"mdev_type\": \"vfio_ccw-io\", \"start\": \"auto\"}}]}]"),
            "t.json:1:69: mdev_type 'vfio_ccw-io' is not vfio_ap-passthrough, the only type apcb models");
}

// Duplicate keys used to be last-wins (nlohmann): a second "attrs" silently replaced the first.
TEST(MdevctlParse, DuplicateKeysAreErrors) {
  EXPECT_EQ(error_of(R"({"mdev_type": "vfio_ap-passthrough", "start": "auto",
  "attrs": [{"assign_adapter": "5"}],
  "attrs": []})"),
            "t.json:3:3: duplicate key \"attrs\" (first at line 2, column 3)");
  EXPECT_EQ(error_of("[{\"matrix\": [], \"matrix\": []}]"), "t.json:1:17: duplicate key \"matrix\" (first at line 1, column 3)");
  // Within one attr object the same key twice is a duplicate too (mdevctl would see one field).
  EXPECT_EQ(error_of(R"({"mdev_type": "vfio_ap-passthrough", "start": "auto", "attrs": [{"assign_adapter": "5", "assign_adapter": "6"}]})"),
            "t.json:1:89: duplicate key \"assign_adapter\" (first at line 1, column 66)");
}

TEST(MdevctlParse, DeepNestingIsRefusedQuickly) {
  EXPECT_EQ(error_of(std::string(60000, '[')), "t.json:1:65: arrays and objects nested deeper than 64 levels");
  EXPECT_EQ(error_of(std::string(30000, '[') + std::string(30000, ']')),
            "t.json:1:65: arrays and objects nested deeper than 64 levels");
}

TEST(MdevctlParse, BadBytesNeverEscapeAsExceptions) {
  EXPECT_EQ(error_of("\xff"), "t.json:1:1: invalid JSON: expected a value, found byte \\xff");
  EXPECT_EQ(error_of(std::string("{\"a\":\"\0\"}", 9)),
            "t.json:1:7: invalid JSON: control byte \\x00 inside a string (it must be written as an escape)");
  EXPECT_EQ(error_of("{\"mdev_type\": \"vfio_ap-passthrough\xff\"}"), "t.json:1:35: invalid JSON: byte \\xff is not valid UTF-8 here");
  EXPECT_EQ(error_of(""), "t.json:1:1: invalid JSON: the text ends where a value should start");
}

TEST(MdevctlParse, DumpjsonPrintsAndParsesBack) {
  const auto devices = parse_ok(fixture("two-devices-conflict.json"), std::nullopt);
  const std::string printed = format_mdevctl_dumpjson(devices);
  auto back = parse_ok(printed, std::nullopt);
  ASSERT_EQ(back.size(), devices.size());
  for (std::size_t i = 0; i < back.size(); ++i) {
    EXPECT_EQ(back[i].uuid, devices[i].uuid);
    EXPECT_EQ(back[i].autostart, devices[i].autostart);
    ASSERT_EQ(back[i].attrs.size(), devices[i].attrs.size());
    for (std::size_t j = 0; j < back[i].attrs.size(); ++j) {
      EXPECT_EQ(back[i].attrs[j].key, devices[i].attrs[j].key);
      EXPECT_EQ(back[i].attrs[j].value, devices[i].attrs[j].value);
    }
  }
  EXPECT_EQ(format_mdevctl_dumpjson(back), printed);
}

TEST(MdevctlStart, StepsWriteEachValueExactly) {
  const auto d = parse_ok(fixture(kU1))[0];
  std::size_t stopped = 99;
  const auto steps = start_steps(d, &stopped);
  EXPECT_EQ(stopped, 5u);
  ASSERT_EQ(steps.size(), 6u);
  EXPECT_EQ(std::get<model::op::MdevCreate>(steps[0].op).uuid, kU1);
  const auto& w = std::get<model::op::AttrWrite>(steps[1].op);
  EXPECT_EQ(w.attr, model::MdevAttr::assign_adapter);
  EXPECT_EQ(w.text, "0x05");  // mdevctl writes the stored string: no newline appended
  EXPECT_EQ(trace::format_op(steps[1].op),
            "echo -n 0x05 > /sys/devices/vfio_ap/matrix/11111111-1111-1111-1111-111111111111/assign_adapter");
  EXPECT_EQ(std::get<model::op::AttrWrite>(steps[5].op).attr, model::MdevAttr::assign_control_domain);

  auto odd = d;
  odd.attrs.insert(odd.attrs.begin() + 1, MdevctlAttr{"matrix", "5", 0, 0});
  EXPECT_EQ(start_steps(odd, &stopped).size(), 2u);
  EXPECT_EQ(stopped, 1u);
}

// A host with 05,06 × 0004,0047,00ab free for vfio_ap.
model::State host() {
  model::State s = model::State::initial(model::HostParams{true, 255, 255},
                                         model::Matrix{model::Mask::of({5, 6}), model::Mask::of({4, 0x47, 0xab}),
                                                       model::Mask::of({4})});
  EXPECT_EQ(model::apply(s, model::op::BusMaskWrite{model::BusMask::apmask, "-5,-6\n"}).result, model::Errno::ok);
  EXPECT_EQ(model::apply(s, model::op::BusMaskWrite{model::BusMask::aqmask, "-4,-0x47,-0xab\n"}).result, model::Errno::ok);
  return s;
}

TEST(MdevctlStart, StartsEveryWrite) {
  model::State s = host();
  const StartResult r = start_device(s, parse_ok(fixture(kU1))[0]);
  EXPECT_TRUE(r.started);
  EXPECT_EQ(r.failure, "");
  EXPECT_FALSE(r.failed_attr);
  EXPECT_EQ(r.steps.size(), 6u);
  const model::Mdev* m = s.find_mdev(kU1);
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->assigned, (model::Matrix{model::Mask::of({5, 6}), model::Mask::of({4, 0xab}), model::Mask::of({4})}));
  EXPECT_EQ(m->shadow, m->assigned);
}

TEST(MdevctlStart, FirstFailingWriteStopsAndRemovesTheDevice) {
  model::State s = host();
  ASSERT_TRUE(start_device(s, parse_ok(fixture(kU1))[0]).started);
  const model::State before = s;
  // The second device takes adapter 5 and domain 0x47, then domain 4, which the first holds.
  const auto second = parse_ok(fixture("two-devices-conflict.json"), std::nullopt)[1];
  const StartResult r = start_device(s, second);
  EXPECT_FALSE(r.started);
  ASSERT_TRUE(r.failed_attr);
  EXPECT_EQ(*r.failed_attr, 2u);
  EXPECT_EQ(r.failure,
            "attrs[2] {\"assign_domain\": \"4\"}: EADDRINUSE (Address already in use): APQN 05.0004 is already "
            "assigned to mdev 11111111-1111-1111-1111-111111111111");
  // create, three writes (the last failed), then the removal; nothing is left behind.
  ASSERT_EQ(r.steps.size(), 5u);
  EXPECT_EQ(r.steps[3].expected->result, model::Errno::eaddrinuse);
  EXPECT_TRUE(std::holds_alternative<model::op::MdevRemove>(r.steps[4].op));
  EXPECT_EQ(r.steps[4].expected->result, model::Errno::ok);
  EXPECT_EQ(r.steps[4].comments.size(), 1u);
  EXPECT_EQ(s.find_mdev(kU2), nullptr);
  EXPECT_EQ(s, before);
}

TEST(MdevctlStart, OrderDecidesWhichWriteFails) {
  // ecosystem.md §7.8: each write is validated alone. An adapter before any domain always
  // passes; the domain that completes a clash is the write that fails.
  model::State s = host();
  ASSERT_TRUE(start_device(s, parse_ok(fixture(kU1))[0]).started);
  MdevctlDevice d{kU2, "matrix", false, {{"assign_domain", "0xab", 0, 0}, {"assign_adapter", "6", 0, 0}}, 0};
  StartResult r = start_device(s, d);
  EXPECT_EQ(r.failed_attr, std::optional<std::size_t>(1));
  std::swap(d.attrs[0], d.attrs[1]);
  r = start_device(s, d);
  EXPECT_EQ(r.failed_attr, std::optional<std::size_t>(1));
  EXPECT_EQ(r.failure,
            "attrs[1] {\"assign_domain\": \"0xab\"}: EADDRINUSE (Address already in use): APQN 06.00ab is already "
            "assigned to mdev 11111111-1111-1111-1111-111111111111");
}

TEST(MdevctlStart, UnwritableAttributesStopTheStart) {
  model::State s = host();
  const model::State before = s;
  MdevctlDevice d{kU2, "matrix", true, {{"assign_adapter", "5", 0, 0}, {"matrix", "5", 0, 0}}, 0};
  StartResult r = start_device(s, d);
  EXPECT_EQ(r.failure, "attrs[1] {\"matrix\": \"5\"}: 'matrix' is read-only (EACCES: Permission denied)");
  EXPECT_EQ(s, before);
  d.attrs[1].key = "asign_domain";
  r = start_device(s, d);
  EXPECT_EQ(r.failure,
            "attrs[1] {\"asign_domain\": \"5\"}: 'asign_domain' is not an attribute of a vfio_ap mdev (mdevctl: "
            "Invalid attribute)");
  EXPECT_EQ(r.steps.size(), 3u);  // create, the adapter, the removal
  EXPECT_EQ(s, before);
  d.attrs[1].key = "remove";
  EXPECT_EQ(start_device(s, d).failure, "attrs[1] {\"remove\": \"5\"}: writes to 'remove' are not modelled by apcb");
}

TEST(MdevctlStart, KernelParsingOfValues) {
  model::State s = host();
  const model::State before = s;
  // "5,6" is one write the kernel's kstrtoul refuses (ap-check would read two adapters).
  MdevctlDevice d{kU2, "matrix", true, {{"assign_adapter", "5,6", 0, 0}}, 0};
  StartResult r = start_device(s, d);
  EXPECT_EQ(r.failure,
            "attrs[0] {\"assign_adapter\": \"5,6\"}: EINVAL (Invalid argument): '5,6' is not a number kstrtoul "
            "accepts (decimal, 0x hex or 0 octal, at most one trailing newline)");
  EXPECT_EQ(s, before);
  d.attrs[0].value = "0400";  // octal 256
  EXPECT_EQ(start_device(s, d).failure,
            "attrs[0] {\"assign_adapter\": \"0400\"}: ENODEV (No such device): adapter 256 is beyond the highest "
            "adapter ID the host allows (255)");
  d.attrs[0].value = "05\n";
  EXPECT_TRUE(start_device(s, d).started);
}

TEST(MdevctlStart, ExistingDeviceIsNotRemoved) {
  model::State s = host();
  ASSERT_TRUE(start_device(s, parse_ok(fixture(kU1))[0]).started);
  const model::State before = s;
  const StartResult r = start_device(s, parse_ok(fixture(kU1))[0]);
  EXPECT_FALSE(r.started);
  EXPECT_FALSE(r.failed_attr);
  EXPECT_EQ(r.failure, "create 11111111-1111-1111-1111-111111111111: EEXIST (File exists): an mdev "
                       "11111111-1111-1111-1111-111111111111 already exists");
  EXPECT_EQ(r.steps.size(), 1u);
  EXPECT_EQ(s, before);
}

TEST(MdevctlTrace, IdealHostAndConformingTrace) {
  const auto devices = parse_ok(fixture("two-devices-conflict.json"), std::nullopt);
  const trace::Trace base = ideal_host_for(devices);
  EXPECT_EQ(base.config, (model::Matrix{model::Mask::of({5}), model::Mask::of({4, 0x47}), model::Mask{}}));
  std::vector<StartResult> results;
  const trace::Trace t = mdevctl_trace(base, devices, &results);
  ASSERT_EQ(results.size(), 2u);
  EXPECT_TRUE(results[0].started);
  EXPECT_EQ(results[1].failed_attr, std::optional<std::size_t>(2));
  // The printed trace parses back and conforms to the reference: a ready conformance test.
  const std::string text = trace::format_trace(t);
  auto parsed = trace::parse_trace(text, "mdevctl.trace");
  ASSERT_TRUE(std::holds_alternative<trace::Trace>(parsed)) << std::get<trace::TraceError>(parsed).to_string();
  const harness::CheckResult check = harness::check_trace(std::get<trace::Trace>(parsed));
  EXPECT_FALSE(check.divergence);
  EXPECT_EQ(check.unchecked, 0u);
  EXPECT_NE(text.find("# mdevctl: the write of attrs[2] {\"assign_domain\": \"4\"} failed, so the start stops and "
                      "removes the device\necho 1 > /sys/devices/vfio_ap/matrix/22222222-2222-2222-2222-222222222222/remove\n"),
            std::string::npos);
}

}  // namespace
}  // namespace apcb::readers
