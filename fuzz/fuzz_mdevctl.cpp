// libFuzzer harness: mdevctl JSON (cli/mdevctl.h) — the parser, its validation, and
// `mdevctl start` with stop-at-first-failure on the model.
//
// Properties:
// - parsing never throws or crashes; an error names a line ≥ 1 and a column ≥ 1 inside (or
//   just past) the input;
// - accepted devices print as --dumpjson text that parses back to the same devices, and
//   printing is idempotent;
// - starting every device on the ideal host keeps the model's structural invariants after each
//   device, and a start that fails leaves the host exactly as it was (the device it created is
//   removed again; nothing else changed);
// - the whole run, written as a trace, parses back to the same operations.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "cli/mdevctl.h"
#include "fuzz/oracle.h"
#include "model/invariants.h"
#include "model/step.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace apcb;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  // A single config gets this UUID, so both JSON forms reach the start.
  auto parsed = cli::parse_mdevctl(text, "input", std::string("0123abcd-0000-4000-8000-00000000cafe"));
  if (const auto* e = std::get_if<model::TraceError>(&parsed)) {
    APCB_FUZZ_CHECK(e->line >= 1 && e->column >= 1 && !e->message.empty());
    std::size_t lines = 1;
    for (char c : text) lines += c == '\n' ? 1 : 0;
    APCB_FUZZ_CHECK(static_cast<std::size_t>(e->line) <= lines);
    return 0;
  }
  const auto& devices = std::get<std::vector<cli::MdevctlDevice>>(parsed);
  for (const cli::MdevctlDevice& d : devices) APCB_FUZZ_CHECK(model::valid_uuid(d.uuid));

  const std::string printed = cli::format_mdevctl_dumpjson(devices);
  auto again = cli::parse_mdevctl(printed, "printed");
  APCB_FUZZ_CHECK(std::holds_alternative<std::vector<cli::MdevctlDevice>>(again));
  const auto& back = std::get<std::vector<cli::MdevctlDevice>>(again);
  APCB_FUZZ_CHECK(back.size() == devices.size());
  for (std::size_t i = 0; i < back.size(); ++i) {
    APCB_FUZZ_CHECK(back[i].uuid == devices[i].uuid && back[i].autostart == devices[i].autostart);
    APCB_FUZZ_CHECK(back[i].attrs.size() == devices[i].attrs.size());
    for (std::size_t j = 0; j < back[i].attrs.size(); ++j)
      APCB_FUZZ_CHECK(back[i].attrs[j].key == devices[i].attrs[j].key &&
                      back[i].attrs[j].value == devices[i].attrs[j].value);
  }
  APCB_FUZZ_CHECK(cli::format_mdevctl_dumpjson(back) == printed);

  const model::Trace host = cli::ideal_host_for(devices);
  model::State s = host.initial_state();
  for (const model::TraceStep& step : host.steps) APCB_FUZZ_CHECK(model::apply(s, step.op).result == model::Errno::ok);
  for (const cli::MdevctlDevice& d : devices) {
    const model::State before = s;
    const cli::StartResult r = cli::start_device(s, d);
    APCB_FUZZ_CHECK(r.started == r.failure.empty());
    if (!r.started) {
      APCB_FUZZ_CHECK(s == before);
    } else {
      APCB_FUZZ_CHECK(s.find_mdev(d.uuid) != nullptr);
    }
    const auto v = model::check_state(s, model::Strength::structural);
    if (!v.empty()) {
      std::fprintf(stderr, "%s: %s\n", v[0].property.c_str(), v[0].detail.c_str());
      APCB_FUZZ_CHECK(v.empty());
    }
  }

  const model::Trace trace = cli::mdevctl_trace(host, devices);
  auto reparsed = model::parse_trace(model::format_trace(trace), "mdevctl.trace");
  if (const auto* e = std::get_if<model::TraceError>(&reparsed)) {
    std::fprintf(stderr, "%s\n", e->to_string().c_str());
    APCB_FUZZ_CHECK(false);
  }
  const model::Trace& t2 = std::get<model::Trace>(reparsed);
  APCB_FUZZ_CHECK(t2.steps.size() == trace.steps.size());
  for (std::size_t i = 0; i < t2.steps.size(); ++i) APCB_FUZZ_CHECK(t2.steps[i].op == trace.steps[i].op);
  return 0;
}
