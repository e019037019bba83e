// libFuzzer harness: the sysfs snapshot reader (readers/snapshot.h), fed from memory.
//
// The input is a snapshot written as text, one entry per header line:
//   "== PATH\n" then the file's bytes, up to the next header line (its '\n' included);
//   "-> PATH TARGET\n" a symlink;   "// PATH\n" a directory.
// Bytes before the first header are ignored. Paths are relative to the sysfs root
// ("bus/ap/apmask"). Seeds in fuzz/corpus/fuzz_snapshot are rendered host states.
//
// Properties:
// - reading never throws or crashes; an error names a file, and a line and column that are
//   both ≥ 1 or both 0 (whole file);
// - an accepted snapshot explains every mdev, and a row is IN_GUEST exactly when the
//   inferred guest's CRYCB holds it;
// - reading is idempotent: the state rendered back as the kernel would show it
//   (snapshot_files_of) reads back to the same state.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "fuzz/oracle.h"
#include "model/explain.h"
#include "readers/snapshot.h"

namespace {

apcb::readers::SnapshotFiles decode(std::string_view in) {
  apcb::readers::SnapshotFiles f;
  std::string* content = nullptr;
  std::size_t pos = 0;
  while (pos < in.size()) {
    std::size_t nl = in.find('\n', pos);
    const std::size_t end = nl == std::string_view::npos ? in.size() : nl + 1;
    const std::string_view line = in.substr(pos, end - pos);
    const std::string_view body = line.substr(0, line.size() - (nl == std::string_view::npos ? 0 : 1));
    if (body.substr(0, 3) == "== ") {
      content = &f.files[std::string(body.substr(3))];
      content->clear();
    } else if (body.substr(0, 3) == "-> ") {
      const std::string_view rest = body.substr(3);
      const std::size_t sp = rest.find(' ');
      f.links[std::string(rest.substr(0, sp))] = sp == std::string_view::npos ? "" : std::string(rest.substr(sp + 1));
      content = nullptr;
    } else if (body.substr(0, 3) == "// ") {
      f.dirs.insert(std::string(body.substr(3)));
      content = nullptr;
    } else if (content != nullptr) {
      content->append(line);
    }
    pos = end;
  }
  return f;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace apcb;
  const readers::SnapshotFiles files = decode(std::string_view(reinterpret_cast<const char*>(data), size));
  auto read = readers::read_snapshot(files);
  if (const auto* e = std::get_if<trace::TraceError>(&read)) {
    APCB_FUZZ_CHECK(!e->file.empty() && !e->message.empty());
    APCB_FUZZ_CHECK((e->line >= 1 && e->column >= 1) || (e->line == 0 && e->column == 0));
    return 0;
  }
  const model::State& s = std::get<readers::Snapshot>(read).state;
  for (const model::Mdev& m : s.mdevs) {
    const model::Guest* g = m.guest ? s.find_guest(*m.guest) : nullptr;
    const model::MdevExplanation e = model::explain_mdev(s, m);
    for (const model::ApqnRow& r : e.apqns) {
      const bool held = g != nullptr && g->apcb.adapters.test(r.apqn.adapter) && g->apcb.domains.test(r.apqn.domain);
      APCB_FUZZ_CHECK(r.verdict.has() == held);
    }
    APCB_FUZZ_CHECK(!model::render_explanation(e).empty());
  }
  // Rendering every configured queue is 65,536 directories at full width: keep executions fast.
  if (s.cfg.adapters.count() * s.cfg.domains.count() > 4096) return 0;
  auto again = readers::read_snapshot(readers::snapshot_files_of(s));
  if (const auto* e = std::get_if<trace::TraceError>(&again)) {
    std::fprintf(stderr, "rendered snapshot does not read back: %s\n", readers::input_error_text(*e).c_str());
    APCB_FUZZ_CHECK(false);
  }
  APCB_FUZZ_CHECK(std::get<readers::Snapshot>(again).state == s);
  return 0;
}
