// apcb fuzzing — writes the dictionaries whose words come from the operation alphabet
// (model/alphabet.def), so a new row of the alphabet reaches the fuzzers without anyone
// editing a dictionary, and a change of the decoder's byte layout cannot leave them stale:
//   trace: fuzz_trace's — every kind's example step line, the words that start each kind's
//          step, and every attribute, view and bus-mask file name;
//   ops:   fuzz_ops' and fuzz_sut's — for every kind the fuzz decoder draws, the bytes it reads
//          as one such operation (harness/op_decoder.h), found by decoding random bytes, so
//          libFuzzer splices whole meaningful steps;
//   classes: fuzz_allow_list's — every operation class an allow list's "op" names
//          (model::operation_classes), as a JSON string.
// The build appends them to the hand-written part of each dictionary (fuzz/<harness>.dict).
//
// Usage: alphabet_dict trace|ops|classes HAND_WRITTEN.dict OUT.dict — OUT is the hand-written part
// followed by the generated one, written atomically. Exit 2 on a bad argument or an unreadable
// input, 1 when OUT cannot be written.
//
// Example: `alphabet_dict trace fuzz/fuzz_trace.dict build/fuzz/dict/fuzz_trace.dict` appends
// lines like
//   "vfio open 11111111-1111-1111-1111-111111111111 guest=1"
//   "vfio open "
//   "assign_adapter"
// and `alphabet_dict ops fuzz/fuzz_ops.dict build/fuzz/dict/fuzz_ops.dict` lines like
//   vcpu_observe_1="\x0d\x02"
#include <array>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "harness/op_decoder.h"
#include "model/op.h"
#include "model/output_file.h"
#include "trace/trace.h"

namespace {

using namespace apcb;

// A dictionary entry: the bytes in double quotes, '"' and '\' escaped, other bytes outside
// printable ASCII as \xNN, as libFuzzer reads them.
std::string entry(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (char c : bytes) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20 || u >= 0x7f) {
      out += "\\x";
      out += kHex[u >> 4];
      out += kHex[u & 15];
    } else {
      out += c;
    }
  }
  return out + "\"";
}

void trace_words(std::ostream& out) {
  std::set<std::string> seen;  // one entry per distinct string
  auto put = [&](std::string_view comment, std::string_view bytes) {
    if (!seen.insert(std::string(bytes)).second) return;
    out << "# " << comment << "\n" << entry(bytes) << "\n";
  };
  for (const model::OpInfo& row : model::kAlphabet) {
    const std::string line = trace::format_op(model::example_op(row.kind));
    put(std::string(row.name) + ": " + std::string(row.spelling), line);
    // The words before the first argument: "cat ", "vfio open ", "host reset-response ", ...
    const std::string_view spelling = row.spelling;
    const std::size_t first_upper = spelling.find_first_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ");
    if (first_upper != std::string_view::npos && first_upper > 0)
      put(std::string(row.name) + " prefix", spelling.substr(0, first_upper));
  }
  for (std::string_view name : model::kMdevAttrNames) put("mdev attribute", name);
  for (std::string_view name : model::kMdevViewNames) put("mdev view", name);
  for (std::string_view name : model::kBusMaskNames) put("bus mask", std::string("/sys/bus/ap/") + std::string(name));
}

// The host prefix every search input starts with: an APXA host (shape byte 0) whose
// configuration has adapters, domains and control domains 1..4 (count byte 4, then four
// small IDs), so that the operations decoded after it meet configured queues.
std::vector<std::uint8_t> host_prefix() {
  std::vector<std::uint8_t> p{0};
  for (int field = 0; field < 3; ++field) {
    p.push_back(4);
    for (std::uint8_t id = 1; id <= 4; ++id) {
      p.push_back(0);   // source: a small ID
      p.push_back(id);  // its value
    }
  }
  return p;
}

// For every kind the fuzz preset draws, two operations' bytes as the decoder reads them after
// host_prefix() from the initial state: random bytes (a fixed seed: the same dictionary on
// every build) decoded until each kind has been seen twice.
void op_encodings(std::ostream& out) {
  const std::vector<std::uint8_t> prefix = host_prefix();
  const harness::GeneratorKnobs knobs = harness::GeneratorKnobs::fuzz();
  std::array<int, model::kOpKindCount> found{};
  std::mt19937_64 rng(20261207);
  for (int attempt = 0; attempt < 200000; ++attempt) {
    std::vector<std::uint8_t> in = prefix;
    for (int i = 0; i < 24; ++i) in.push_back(static_cast<std::uint8_t>(rng()));
    harness::OpDecoder dec(in.data(), in.size());
    const model::HostParams params = dec.params();
    const model::State s = model::State::initial(params, dec.config());
    const std::size_t start = dec.consumed();
    const auto step = dec.next(s);
    if (!step || dec.consumed() >= in.size()) continue;  // it must not have read past the end
    const auto k = static_cast<std::size_t>(model::kind_of(step->op));
    if (found[k] >= 2) continue;
    ++found[k];
    const std::string bytes(in.begin() + static_cast<std::ptrdiff_t>(start),
                            in.begin() + static_cast<std::ptrdiff_t>(dec.consumed()));
    out << "# " << trace::format_op(step->op) << (step->fault != 0 ? " (with a fault)" : "") << "\n"
        << model::kAlphabet[k].name << "_" << found[k] << "=" << entry(bytes) << "\n";
  }
  for (const model::OpInfo& row : model::kAlphabet)
    if (knobs.weights[static_cast<std::size_t>(row.kind)] > 0 && found[static_cast<std::size_t>(row.kind)] == 0)
      out << "# " << row.name << ": not reached by the search\n";
}

// fuzz_allow_list's words: each operation class, quoted as the JSON string an entry's "op" is.
void operation_class_words(std::ostream& out) {
  for (const std::string& c : model::operation_classes()) out << entry("\"" + c + "\"") << "\n";
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc == 4 ? argv[1] : "";
  if (mode != "trace" && mode != "ops" && mode != "classes") {
    std::cerr << "usage: alphabet_dict trace|ops|classes HAND_WRITTEN.dict OUT.dict\n";
    return 2;
  }
  std::ifstream in(argv[2], std::ios::binary);
  std::ostringstream out;
  if (!in || !(out << in.rdbuf())) {
    std::cerr << argv[2] << ": cannot read the hand-written dictionary\n";
    return 2;
  }
  out << "\n# Generated from model/alphabet.def by fuzz/alphabet_dict.cpp (" << mode << "): do not edit.\n";
  if (mode == "trace") trace_words(out);
  else if (mode == "classes") operation_class_words(out);
  else op_encodings(out);
  if (auto why = model::write_file_atomically(argv[3], out.str())) {
    std::cerr << argv[3] << ": " << *why << "\n";
    return 1;
  }
  return 0;
}
