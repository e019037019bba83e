// apcb fuzzing — prints the part of fuzz_trace's dictionary that comes from the operation
// alphabet (model/alphabet.def): every kind's example step line, the words that start each
// kind's step, and every attribute, view and bus-mask file name. The build appends it to the
// hand-written part (fuzz_trace.dict: header, expectations, escapes) so a new row of the
// alphabet reaches the fuzzer's dictionary without anyone editing it.
//
// Example: `alphabet_dict > fuzz_trace.alphabet.dict` writes lines like
//   "vfio open 11111111-1111-1111-1111-111111111111 guest=1"
//   "vfio open "
//   "assign_adapter"
#include <iostream>
#include <set>
#include <string>
#include <string_view>

#include "model/op.h"
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

int main() {
  using namespace apcb;
  std::set<std::string> seen;  // one entry per distinct string, in first-seen order below
  auto put = [&](std::string_view comment, std::string_view bytes) {
    if (!seen.insert(std::string(bytes)).second) return;
    std::cout << "# " << comment << "\n" << entry(bytes) << "\n";
  };
  std::cout << "# Generated from model/alphabet.def by fuzz/alphabet_dict.cpp: do not edit.\n";
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
  return std::cout.good() ? 0 : 1;
}
