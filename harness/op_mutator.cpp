// apcb harness — operation-level mutation of fuzz_ops / fuzz_sut inputs (op_mutator.h).
#include "harness/op_mutator.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "model/state.h"
#include "model/step.h"

namespace apcb::harness {

namespace {

// splitmix64: small, fast, the same on every platform (std:: distributions are not).
class Rng {
 public:
  explicit Rng(unsigned seed) : x_(0x9e3779b97f4a7c15ULL ^ seed) {}
  std::uint64_t next() {
    std::uint64_t z = (x_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n); n >= 1.
  std::size_t below(std::size_t n) { return static_cast<std::size_t>(next() % n); }
  std::uint8_t byte() { return static_cast<std::uint8_t>(next()); }

 private:
  std::uint64_t x_;
};

using Bytes = std::vector<std::uint8_t>;

// The bytes of span `sp` of `data`.
Bytes slice(const std::uint8_t* data, OpSpan sp) { return Bytes(data + sp.begin, data + sp.end); }

// Writes `out` (cut to max_size) to data and returns its size.
std::size_t emit(const Bytes& out, std::uint8_t* data, std::size_t max_size) {
  const std::size_t n = std::min(out.size(), max_size);
  if (n != 0) std::memcpy(data, out.data(), n);
  return n;
}

// Fresh bytes for a new operation: a kind byte and up to 11 argument (and fault) bytes. The
// decoder reads what it needs; what a short operation leaves over starts the next one, which
// is one more way runs change shape.
Bytes fresh_op(Rng& rng) {
  Bytes b(1 + rng.below(12));
  for (auto& x : b) x = rng.byte();
  return b;
}

// The offset where operation i starts in a layout (i == ops.size(): after the last one).
std::size_t boundary(const OpLayout& l, std::size_t i) { return i == 0 ? l.header_end : l.ops[i - 1].end; }

}  // namespace

OpLayout decode_layout(const std::uint8_t* data, std::size_t size) {
  OpDecoder dec(data, size);
  OpLayout layout;
  const model::HostParams p = dec.params();
  const model::Matrix c = dec.config();
  layout.header_end = dec.consumed();
  model::State s = model::State::initial(p, c);
  while (const auto step = dec.next(s)) {
    layout.ops.push_back(dec.last_span());
    layout.fault_byte.push_back(dec.last_fault_byte());
    model::apply(s, step->op);
  }
  return layout;
}

std::string_view op_mutation_name(OpMutation m) {
  switch (m) {
    case OpMutation::insert: return "insert";
    case OpMutation::erase: return "erase";
    case OpMutation::duplicate: return "duplicate";
    case OpMutation::swap: return "swap";
    case OpMutation::reargument: return "reargument";
    case OpMutation::fault: return "fault";
    case OpMutation::bytes: return "bytes";
  }
  return "?";
}

std::size_t mutate_ops(std::uint8_t* data, std::size_t size, std::size_t max_size, unsigned seed, ByteMutator bytes,
                       OpMutation* done, unsigned byte_fallback_period) {
  Rng rng(seed);
  if (bytes != nullptr && byte_fallback_period != 0 && rng.below(byte_fallback_period) == 0) {
    if (done != nullptr) *done = OpMutation::bytes;
    return bytes(data, std::min(size, max_size), max_size);
  }
  const OpLayout l = decode_layout(data, size);
  const std::size_t n = l.ops.size();
  // The input as header + operations; bytes past the last operation are dropped (unread).
  Bytes header(data, data + l.header_end);
  std::vector<Bytes> ops;
  ops.reserve(n + 1);
  for (const OpSpan& sp : l.ops) ops.push_back(slice(data, sp));

  // Draw a mutation that applies: without operations only an insert does; a swap needs two; a
  // fault toggle needs a mutating operation with its fault byte.
  std::vector<std::size_t> with_fault;
  for (std::size_t i = 0; i < n; ++i)
    if (l.fault_byte[i] != OpDecoder::kNoFaultByte) with_fault.push_back(i);
  std::vector<OpMutation> choices{OpMutation::insert};
  if (n >= 1) {
    choices.insert(choices.end(), {OpMutation::erase, OpMutation::duplicate, OpMutation::reargument,
                                   OpMutation::reargument});
    if (n >= 2) choices.push_back(OpMutation::swap);
    if (!with_fault.empty()) choices.push_back(OpMutation::fault);
  }
  const OpMutation m = choices[rng.below(choices.size())];
  if (done != nullptr) *done = m;
  switch (m) {
    case OpMutation::insert: {
      Bytes op;
      if (n != 0 && rng.below(2) == 0) {
        op = ops[rng.below(n)];  // a kind the run has, with fresh arguments
        for (std::size_t k = 1; k < op.size(); ++k) op[k] = rng.byte();
      } else {
        op = fresh_op(rng);
      }
      ops.insert(ops.begin() + static_cast<std::ptrdiff_t>(rng.below(n + 1)), std::move(op));
      break;
    }
    case OpMutation::erase:
      ops.erase(ops.begin() + static_cast<std::ptrdiff_t>(rng.below(n)));
      break;
    case OpMutation::duplicate: {
      const std::size_t i = rng.below(n);
      Bytes copy = ops[i];
      ops.insert(ops.begin() + static_cast<std::ptrdiff_t>(i + 1), std::move(copy));
      break;
    }
    case OpMutation::swap: {
      const std::size_t i = rng.below(n);
      std::size_t j = rng.below(n - 1);
      if (j >= i) ++j;
      std::swap(ops[i], ops[j]);
      break;
    }
    case OpMutation::reargument: {
      Bytes& op = ops[rng.below(n)];
      if (op.size() <= 1) {
        op.push_back(rng.byte());  // an operation cut short by the end: give it an argument
      } else {
        // Redraw one argument byte, or (for a third of the calls) all of them.
        if (rng.below(3) == 0) {
          for (std::size_t k = 1; k < op.size(); ++k) op[k] = rng.byte();
        } else {
          op[1 + rng.below(op.size() - 1)] = rng.byte();
        }
      }
      break;
    }
    case OpMutation::fault: {
      const std::size_t i = with_fault[rng.below(with_fault.size())];
      Bytes& op = ops[i];
      std::uint8_t& f = op[l.fault_byte[i] - l.ops[i].begin];
      // Armed (byte % 32 >= 29) becomes disarmed; disarmed becomes armed at fault point 1..3.
      f = (f % 32 >= 29) ? static_cast<std::uint8_t>(f - f % 32) : static_cast<std::uint8_t>(f - f % 32 + 29 + rng.below(3));
      break;
    }
    case OpMutation::bytes:
      break;  // not drawn here
  }
  Bytes out = std::move(header);
  for (const Bytes& op : ops) out.insert(out.end(), op.begin(), op.end());
  return emit(out, data, max_size);
}

std::size_t crossover_ops(const std::uint8_t* a, std::size_t a_size, const std::uint8_t* b, std::size_t b_size,
                          std::uint8_t* out, std::size_t max_out, unsigned seed) {
  Rng rng(seed);
  const OpLayout la = decode_layout(a, a_size);
  const OpLayout lb = decode_layout(b, b_size);
  // a[0, cut) + b[from, to) + (maybe) a[cut, end of a's operations).
  const std::size_t cut = boundary(la, rng.below(la.ops.size() + 1));
  const std::size_t i = rng.below(lb.ops.size() + 1);
  const std::size_t j = i + rng.below(lb.ops.size() - i + 1);
  const std::size_t from = boundary(lb, i), to = boundary(lb, j);
  Bytes r(a, a + cut);
  r.insert(r.end(), b + from, b + to);
  if (rng.below(2) == 0) r.insert(r.end(), a + cut, a + boundary(la, la.ops.size()));
  return emit(r, out, max_out);
}

std::optional<MutatorMode> parse_mutator_mode(std::string_view name) {
  if (name.empty() || name == "ops") return MutatorMode::ops;
  if (name == "bytes") return MutatorMode::bytes;
  return std::nullopt;
}

}  // namespace apcb::harness
