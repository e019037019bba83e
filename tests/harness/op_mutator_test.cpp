// The operation-level mutator of fuzz_ops / fuzz_sut (harness/op_mutator.h) and the decoder's
// span report it relies on (harness/op_decoder.h).
#include "harness/op_mutator.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "harness/op_decoder.h"
#include "model/step.h"
#include "trace/trace.h"

namespace apcb::harness {
namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

std::map<std::string, Bytes> corpus() {
  std::map<std::string, Bytes> files;
  for (const auto& e : std::filesystem::directory_iterator(APCB_FUZZ_OPS_CORPUS))
    if (e.is_regular_file()) files[e.path().filename().string()] = read_file(e.path());
  return files;
}

// The corpus plus random inputs of 0..600 bytes (fixed seed).
std::vector<Bytes> inputs() {
  std::vector<Bytes> all;
  for (auto& [name, bytes] : corpus()) all.push_back(bytes);
  std::mt19937 rng(17);
  for (int i = 0; i < 60; ++i) {
    Bytes b(rng() % 601);
    for (auto& x : b) x = static_cast<std::uint8_t>(rng());
    all.push_back(std::move(b));
  }
  return all;
}

std::string decoded(const Bytes& b) { return trace::format_trace(decode_trace(b.data(), b.size())); }

Bytes join(const Bytes& header, const std::vector<Bytes>& ops) {
  Bytes out = header;
  for (const Bytes& op : ops) out.insert(out.end(), op.begin(), op.end());
  return out;
}

// The input cut into its header and operations (bytes past the last operation dropped).
std::pair<Bytes, std::vector<Bytes>> parts(const Bytes& b) {
  const OpLayout l = decode_layout(b.data(), b.size());
  std::vector<Bytes> ops;
  for (const OpSpan& sp : l.ops) ops.emplace_back(b.begin() + sp.begin, b.begin() + sp.end);
  return {Bytes(b.begin(), b.begin() + l.header_end), ops};
}

TEST(OpDecoder, CorpusDecodesToTheRecordedRuns) {
  // tests/harness/fuzz_ops_corpus_decode.txt: "== name" then the trace, per corpus input.
  std::ifstream in(APCB_FUZZ_OPS_CORPUS_DECODE);
  ASSERT_TRUE(in) << APCB_FUZZ_OPS_CORPUS_DECODE;
  std::map<std::string, std::string> recorded;
  std::string line, name;
  while (std::getline(in, line)) {
    if (line.rfind("== ", 0) == 0) {
      name = line.substr(3);
      recorded[name];
    } else if (!name.empty()) {
      recorded[name] += line + "\n";
    }
  }
  const auto files = corpus();
  // APCB_REGENERATE_CORPUS_DECODE=1 rewrites the file from today's decodes (after a deliberate
  // change of the trace format); review its diff before committing it.
  if (std::getenv("APCB_REGENERATE_CORPUS_DECODE") != nullptr) {
    std::ofstream out(APCB_FUZZ_OPS_CORPUS_DECODE);
    out << "# The model-only decode (harness::decode_trace, trace format) of every input of fuzz/corpus/fuzz_ops,\n"
           "# written by harness_op_mutator_test with APCB_REGENERATE_CORPUS_DECODE=1. harness_op_mutator_test\n"
           "# holds the decoder to it: the corpus must keep decoding to these runs. A deliberate decoder change\n"
           "# rewrites this file and the corpus's meaning with it.\n";
    for (const auto& [file, bytes] : files) out << "== " << file << "\n" << decoded(bytes);
    GTEST_SKIP() << "regenerated " << APCB_FUZZ_OPS_CORPUS_DECODE;
  }
  ASSERT_EQ(files.size(), recorded.size()) << "a corpus input without a recorded run, or the reverse";
  for (const auto& [file, bytes] : files) {
    ASSERT_TRUE(recorded.count(file)) << file;
    EXPECT_EQ(decoded(bytes), recorded[file]) << file;
  }
}

TEST(OpDecoder, SpansAreContiguousAndMatchTheDecode) {
  for (const Bytes& b : inputs()) {
    const OpLayout l = decode_layout(b.data(), b.size());
    const trace::Trace t = decode_trace(b.data(), b.size());
    ASSERT_EQ(l.ops.size(), t.steps.size());
    ASSERT_EQ(l.fault_byte.size(), l.ops.size());
    ASSERT_LE(l.header_end, b.size());
    std::size_t at = l.header_end;
    for (std::size_t i = 0; i < l.ops.size(); ++i) {
      EXPECT_EQ(l.ops[i].begin, at);
      EXPECT_LT(l.ops[i].begin, l.ops[i].end) << "an operation reads at least its kind byte";
      EXPECT_LE(l.ops[i].end, b.size());
      at = l.ops[i].end;
      const bool has_fault_byte = l.fault_byte[i] != OpDecoder::kNoFaultByte;
      if (has_fault_byte) {
        EXPECT_TRUE(model::is_mutating(t.steps[i].op));
        EXPECT_EQ(l.fault_byte[i], l.ops[i].end - 1) << "the fault byte is an operation's last";
      }
      const bool armed = has_fault_byte && b[l.fault_byte[i]] % 32 >= 29;
      EXPECT_EQ(armed, !t.steps[i].comments.empty()) << "step " << i;
    }
    // The header and the operations alone decode to the same run.
    const auto [header, ops] = parts(b);
    EXPECT_EQ(decoded(join(header, ops)), decoded(b));
  }
}

TEST(OpDecoder, EmptyInputHasNoOperations) {
  EXPECT_EQ(decode_layout(nullptr, 0), (OpLayout{0, {}, {}}));
}

// A deterministic stand-in for LLVMFuzzerMutate: flips the first byte, appends one.
std::size_t fake_byte_mutator(std::uint8_t* data, std::size_t size, std::size_t max_size) {
  if (size > 0) data[0] ^= 0xff;
  if (size < max_size) data[size++] = 0x5a;
  return size;
}

Bytes mutated(const Bytes& in, std::size_t max_size, unsigned seed, ByteMutator bytes, OpMutation* done) {
  Bytes buf(std::max(max_size, in.size()));
  std::copy(in.begin(), in.end(), buf.begin());
  buf.resize(mutate_ops(buf.data(), in.size(), max_size, seed, bytes, done));
  return buf;
}

// Each mutation is what it says, on the input's operations, and the result decodes within the
// size limit.
TEST(OpMutator, EveryMutationDoesWhatItNamesWithinMaxSize) {
  std::map<OpMutation, int> seen;
  unsigned seed = 0;
  for (const Bytes& in : inputs()) {
    for (int k = 0; k < 40; ++k, ++seed) {
      // libFuzzer's max_size is at least the input's size: here often just above it, so growing
      // mutations are cut (MaxSizeSmallerThanTheInputIsRespected covers a smaller one).
      const std::size_t max_size = (k % 4 == 0) ? in.size() + 2 : 4096;
      OpMutation m{};
      const Bytes out = mutated(in, max_size, seed, nullptr, &m);
      ++seen[m];
      ASSERT_LE(out.size(), max_size);
      const trace::Trace t = decode_trace(out.data(), out.size());  // decodes (it cannot fail)
      EXPECT_LE(t.steps.size(), static_cast<std::size_t>(kMaxOps));
      const auto [header, ops] = parts(in);
      const std::size_t n = ops.size();
      auto cut = [&](Bytes b) {
        if (b.size() > max_size) b.resize(max_size);
        return b;
      };
      bool explained = false;
      switch (m) {
        case OpMutation::erase:
          for (std::size_t i = 0; i < n && !explained; ++i) {
            auto o = ops;
            o.erase(o.begin() + static_cast<std::ptrdiff_t>(i));
            explained = cut(join(header, o)) == out;
          }
          break;
        case OpMutation::duplicate:
          for (std::size_t i = 0; i < n && !explained; ++i) {
            auto o = ops;
            o.insert(o.begin() + static_cast<std::ptrdiff_t>(i), ops[i]);
            explained = cut(join(header, o)) == out;
          }
          break;
        case OpMutation::swap:
          for (std::size_t i = 0; i < n && !explained; ++i)
            for (std::size_t j = i + 1; j < n && !explained; ++j) {
              auto o = ops;
              std::swap(o[i], o[j]);
              explained = cut(join(header, o)) == out;
            }
          break;
        case OpMutation::insert: {
          // header + ops[0, i) + a new operation + ops[i, n): the prefix and suffix are the input's.
          const Bytes whole = join(header, ops);
          for (std::size_t i = 0; i <= n && !explained; ++i) {
            const Bytes pre = join(header, {ops.begin(), ops.begin() + static_cast<std::ptrdiff_t>(i)});
            const Bytes suf(whole.begin() + static_cast<std::ptrdiff_t>(pre.size()), whole.end());
            if (out.size() < max_size)
              explained = out.size() > whole.size() && std::equal(pre.begin(), pre.end(), out.begin()) &&
                          std::equal(suf.rbegin(), suf.rend(), out.rbegin());
            else
              explained = std::equal(pre.begin(), pre.begin() + static_cast<std::ptrdiff_t>(std::min(out.size(), pre.size())),
                                     out.begin());
          }
          break;
        }
        case OpMutation::reargument: {
          // header + ops[0, i) + the operation with its kind byte kept + ops[i + 1, n).
          for (std::size_t i = 0; i < n && !explained; ++i) {
            const Bytes pre = join(header, {ops.begin(), ops.begin() + static_cast<std::ptrdiff_t>(i)});
            const Bytes post = join({}, {ops.begin() + static_cast<std::ptrdiff_t>(i) + 1, ops.end()});
            const std::size_t new_len = ops[i].size() == 1 ? 2 : ops[i].size();
            const Bytes redrawn(out.begin() + static_cast<std::ptrdiff_t>(std::min(out.size(), pre.size())),
                                out.begin() + static_cast<std::ptrdiff_t>(std::min(out.size(), pre.size() + new_len)));
            Bytes r = pre;
            r.insert(r.end(), redrawn.begin(), redrawn.end());
            r.insert(r.end(), post.begin(), post.end());
            explained = cut(r) == out && (redrawn.empty() || redrawn[0] == ops[i][0]);
          }
          break;
        }
        case OpMutation::fault: {
          // Exactly one byte changes, a fault byte: the same operations decode, one step's
          // fault armed or disarmed.
          ASSERT_EQ(out.size(), std::min(join(header, ops).size(), max_size));
          OpDecoder a(in.data(), in.size()), b(out.data(), out.size());
          const model::HostParams pa = a.params(), pb = b.params();  // params() before config()
          model::State sa = model::State::initial(pa, a.config());
          model::State sb = model::State::initial(pb, b.config());
          int toggled = 0;
          for (;;) {
            const auto x = a.next(sa);
            const auto y = b.next(sb);
            if (!x || !y) {
              EXPECT_EQ(x.has_value(), y.has_value());
              break;
            }
            EXPECT_EQ(trace::format_op(x->op), trace::format_op(y->op));
            if ((x->fault == 0) != (y->fault == 0)) ++toggled;
            model::apply(sa, x->op);
            model::apply(sb, y->op);
          }
          explained = toggled == 1;
          break;
        }
        case OpMutation::bytes:
          FAIL() << "no byte mutator was given";
      }
      EXPECT_TRUE(explained) << op_mutation_name(m) << " with seed " << seed << " on a " << in.size()
                             << "-byte input";
    }
  }
  for (OpMutation m : {OpMutation::insert, OpMutation::erase, OpMutation::duplicate, OpMutation::swap,
                       OpMutation::reargument, OpMutation::fault})
    EXPECT_GT(seen[m], 50) << op_mutation_name(m) << " is hardly ever drawn";
  EXPECT_EQ(seen[OpMutation::bytes], 0);
}

TEST(OpMutator, EmptyInputGetsAnInsert) {
  for (unsigned seed = 0; seed < 50; ++seed) {
    OpMutation m{};
    const Bytes out = mutated({}, 512, seed, nullptr, &m);
    EXPECT_EQ(m, OpMutation::insert);
    EXPECT_FALSE(out.empty());
  }
}

TEST(OpMutator, MaxSizeSmallerThanTheInputIsRespected) {
  const Bytes in = corpus().begin()->second;
  ASSERT_GT(in.size(), 8u);
  for (unsigned seed = 0; seed < 200; ++seed) {
    EXPECT_LE(mutated(in, 8, seed, nullptr, nullptr).size(), 8u);
    EXPECT_LE(mutated(in, 8, seed, &fake_byte_mutator, nullptr).size(), 8u);
  }
}

TEST(OpMutator, DeterministicForASeed) {
  std::set<Bytes> distinct;
  for (const Bytes& in : inputs()) {
    for (unsigned seed = 100; seed < 110; ++seed) {
      OpMutation m1{}, m2{};
      const Bytes x = mutated(in, 1024, seed, &fake_byte_mutator, &m1);
      const Bytes y = mutated(in, 1024, seed, &fake_byte_mutator, &m2);
      EXPECT_EQ(x, y);
      EXPECT_EQ(m1, m2);
      distinct.insert(x);
    }
  }
  EXPECT_GT(distinct.size(), 400u) << "seeds must lead to different mutations";  // of 810
}

TEST(OpMutator, AThirdOfTheCallsGoToTheByteMutator) {
  const Bytes in = corpus().begin()->second;
  int bytes = 0;
  for (unsigned seed = 0; seed < 3000; ++seed) {
    OpMutation m{};
    const Bytes out = mutated(in, 4096, seed, &fake_byte_mutator, &m);
    if (m != OpMutation::bytes) continue;
    ++bytes;
    Bytes expect = in;
    expect.resize(fake_byte_mutator((expect.push_back(0), expect.data()), in.size(), in.size() + 1));
    EXPECT_EQ(out, expect) << "a fallback call's result is the byte mutator's";
  }
  EXPECT_GT(bytes, 800);
  EXPECT_LT(bytes, 1200);
}

// Whether out is a[0, cut) + b[from, to) [+ a[cut, end of a's ops)] at boundaries, cut to max.
bool is_splice(const Bytes& a, const Bytes& b, const Bytes& out, std::size_t max_out) {
  const OpLayout la = decode_layout(a.data(), a.size());
  const OpLayout lb = decode_layout(b.data(), b.size());
  std::vector<std::size_t> ba{la.header_end}, bb{lb.header_end};
  for (const OpSpan& s : la.ops) ba.push_back(s.end);
  for (const OpSpan& s : lb.ops) bb.push_back(s.end);
  for (std::size_t cut : ba)
    for (std::size_t i = 0; i < bb.size(); ++i)
      for (std::size_t j = i; j < bb.size(); ++j)
        for (bool tail : {false, true}) {
          Bytes r(a.begin(), a.begin() + static_cast<std::ptrdiff_t>(cut));
          r.insert(r.end(), b.begin() + static_cast<std::ptrdiff_t>(bb[i]), b.begin() + static_cast<std::ptrdiff_t>(bb[j]));
          if (tail) r.insert(r.end(), a.begin() + static_cast<std::ptrdiff_t>(cut), a.begin() + static_cast<std::ptrdiff_t>(ba.back()));
          if (r.size() > max_out) r.resize(max_out);
          if (r == out) return true;
        }
  return false;
}

TEST(OpCrossOver, CutsAtOperationBoundariesWithinMaxSize) {
  const std::vector<Bytes> all = inputs();
  unsigned seed = 0;
  for (std::size_t x = 0; x < all.size(); x += 3) {
    for (std::size_t y = 1; y < all.size(); y += 7, ++seed) {
      const std::size_t max_out = seed % 3 == 0 ? 48 : 2048;
      Bytes out(max_out);
      out.resize(crossover_ops(all[x].data(), all[x].size(), all[y].data(), all[y].size(), out.data(), max_out, seed));
      ASSERT_LE(out.size(), max_out);
      EXPECT_TRUE(is_splice(all[x], all[y], out, max_out)) << "inputs " << x << ", " << y << ", seed " << seed;
      Bytes again(max_out);
      again.resize(crossover_ops(all[x].data(), all[x].size(), all[y].data(), all[y].size(), again.data(), max_out, seed));
      EXPECT_EQ(out, again) << "deterministic for a seed";
    }
  }
}

TEST(OpCrossOver, TakesOperationsOfBoth) {
  const auto files = corpus();
  const Bytes& a = files.begin()->second;
  const Bytes& b = std::next(files.begin())->second;
  const std::size_t na = decode_layout(a.data(), a.size()).ops.size();
  int from_b = 0;
  for (unsigned seed = 0; seed < 200; ++seed) {
    Bytes out(4096);
    out.resize(crossover_ops(a.data(), a.size(), b.data(), b.size(), out.data(), out.size(), seed));
    // Not just a prefix of a (which a splice that took nothing of b would be).
    const bool prefix_of_a = out.size() <= a.size() && std::equal(out.begin(), out.end(), a.begin());
    if (out.size() > decode_layout(a.data(), a.size()).header_end && !prefix_of_a) ++from_b;
  }
  EXPECT_GT(na, 0u);
  EXPECT_GT(from_b, 50) << "the splice must take operations of the second input";
}

TEST(OpMutator, ModeNames) {
  EXPECT_EQ(parse_mutator_mode(""), MutatorMode::ops);
  EXPECT_EQ(parse_mutator_mode("ops"), MutatorMode::ops);
  EXPECT_EQ(parse_mutator_mode("bytes"), MutatorMode::bytes);
  EXPECT_EQ(parse_mutator_mode("Bytes"), std::nullopt);
  EXPECT_EQ(parse_mutator_mode("none"), std::nullopt);
}

}  // namespace
}  // namespace apcb::harness
