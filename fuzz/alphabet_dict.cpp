// apcb fuzzing — prints the part of fuzz_trace's dictionary that comes from the operation
// alphabet (model/alphabet.def): every kind's example step line, the words that start each
// kind's step, and every attribute, view and bus-mask file name. The build appends it to the
// hand-written part (fuzz_trace.dict: header, expectations, escapes) so a new row of the
// alphabet reaches the fuzzer's dictionary without anyone editing it.
//
// Usage: alphabet_dict HAND_WRITTEN.dict OUT.dict — OUT is the hand-written part followed by
// the generated one, written atomically. Exit 2 when an argument is missing or unreadable, 1
// when OUT cannot be written.
//
// Example: `alphabet_dict fuzz/fuzz_trace.dict build/fuzz/dict/fuzz_trace.dict` appends lines like
//   "vfio open 11111111-1111-1111-1111-111111111111 guest=1"
//   "vfio open "
//   "assign_adapter"
#include <fstream>
#include <iostream>
#include <sstream>
#include <set>
#include <string>
#include <string_view>

#include "model/op.h"
#include "model/output_file.h"
#include "trace/trace.h"

namespace {

// A dictionary entry: the bytes in double quotes, with '"' and '\' escaped as libFuzzer reads.
std::string entry(std::string_view bytes) {
  std::string out = "\"";
  for (char c : bytes) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace

int main(int argc, char** argv) {
  using namespace apcb;
  if (argc != 3) {
    std::cerr << "usage: alphabet_dict HAND_WRITTEN.dict OUT.dict\n";
    return 2;
  }
  std::ifstream in(argv[1], std::ios::binary);
  std::ostringstream out;
  if (!(out << in.rdbuf())) {
    std::cerr << argv[1] << ": cannot read the hand-written dictionary\n";
    return 2;
  }
  std::set<std::string> seen;  // one entry per distinct string, in first-seen order below
  auto put = [&](std::string_view comment, std::string_view bytes) {
    if (!seen.insert(std::string(bytes)).second) return;
    out << "# " << comment << "\n" << entry(bytes) << "\n";
  };
  out << "\n# Generated from model/alphabet.def by fuzz/alphabet_dict.cpp: do not edit.\n";
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
  if (auto why = model::write_file_atomically(argv[2], out.str())) {
    std::cerr << argv[2] << ": " << *why << "\n";
    return 1;
  }
  return 0;
}
