// apcb harness — operation-level mutation of fuzz_ops / fuzz_sut inputs (op_decoder.h).
//
// libFuzzer mutates bytes; an input of the operation decoder is a host header followed by
// operations of a few bytes each. A byte flip in the kind byte of the third operation changes
// how many bytes every later operation reads, so most byte mutations reshuffle the tail of a
// run rather than vary one step. The mutator here works on whole operations: it inserts,
// deletes, duplicates, swaps and re-arguments them, toggles their injected fault, and splices
// two inputs at operation boundaries, so libFuzzer's executions explore run shapes (a create
// here, a reset there) instead of decode noise. For part of the calls it hands the input to a
// byte mutator (libFuzzer's LLVMFuzzerMutate) so byte-level exploration is kept.
//
// Where an operation starts and ends is what the decoder read for it (OpLayout); since the
// decoder draws arguments with an eye on the model state, a mutation can change how later
// operations decode, but every byte string decodes (op_decoder.h), so every mutant is a valid
// input. Everything here is deterministic for a given seed.
#ifndef APCB_HARNESS_OP_MUTATOR_H_
#define APCB_HARNESS_OP_MUTATOR_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "harness/op_decoder.h"

namespace apcb::harness {

// Where the parts of an input are: the host header [0, header_end), then one span per decoded
// operation (at most kMaxOps), contiguous: ops[0].begin == header_end, ops[i + 1].begin ==
// ops[i].end. An operation cut short by the end of the input ends at `size`. Bytes after the
// last span (past kMaxOps operations) are not read by the decoder. `fault_byte[i]` is the
// offset of ops[i]'s fault byte (its last byte), OpDecoder::kNoFaultByte when it has none.
//
// Example: decode_layout(nullptr, 0) == OpLayout{0, {}, {}}.
struct OpLayout {
  std::size_t header_end = 0;
  std::vector<OpSpan> ops;
  std::vector<std::size_t> fault_byte;
  bool operator==(const OpLayout&) const = default;
};

// The layout of `data`: runs the decoder (and the model, which the decoder looks at) exactly as
// fuzz_ops does and records what each part read. The decode itself is OpDecoder's, unchanged.
//
// Example: auto l = decode_layout(data, size);
//          l.ops.size() == decode_trace(data, size).steps.size()
OpLayout decode_layout(const std::uint8_t* data, std::size_t size);

// A byte-level mutator with LLVMFuzzerMutate's contract: mutates data[0, size) in place
// (data has room for max_size bytes) and returns the new size (<= max_size).
//
// Example: ByteMutator m = &LLVMFuzzerMutate;
using ByteMutator = std::size_t (*)(std::uint8_t* data, std::size_t size, std::size_t max_size);

// What one mutate_ops call did (for tests and statistics).
enum class OpMutation : std::uint8_t {
  insert,      // a new operation (random bytes, or a copy of one with fresh arguments)
  erase,       // one operation deleted
  duplicate,   // one operation repeated right after itself
  swap,        // two operations exchanged
  reargument,  // an operation keeps its kind byte, its argument bytes are redrawn
  fault,       // a mutating operation's fault byte armed (1..3) or disarmed
  bytes,       // handed to the byte mutator
};

// The name of `m`. Example: op_mutation_name(OpMutation::swap) == "swap".
std::string_view op_mutation_name(OpMutation m);

// How often mutate_ops hands the input to the byte mutator: 1 in `byte_fallback_period` calls
// on average (0: never). Three is libFuzzer-ish: the op mutations get two thirds.
inline constexpr unsigned kByteFallbackPeriod = 3;

// Mutates the input data[0, size) (room for max_size bytes) at operation level, chosen by
// `seed`, and returns its new size (<= max_size; a result longer than max_size is cut to it,
// which still decodes). With `bytes` non-null, about one call in `byte_fallback_period` is
// handed to it instead; the result is then the byte mutator's. `done`, when non-null, receives
// what was done. The same (data, size, max_size, seed) give the same result when `bytes` is
// deterministic.
//
// Example: std::vector<std::uint8_t> in(512); ...; in.resize(mutate_ops(in.data(), n, 512, 7, nullptr));
std::size_t mutate_ops(std::uint8_t* data, std::size_t size, std::size_t max_size, unsigned seed, ByteMutator bytes,
                       OpMutation* done = nullptr, unsigned byte_fallback_period = kByteFallbackPeriod);

// Splices `a` and `b` at operation boundaries into out[0, max_out) and returns the size
// written: a's header and a prefix of a's operations, then a run of consecutive operations of
// b, then (for half the seeds) the rest of a's operations, each part cut at its input's
// boundaries (decode_layout); a result longer than max_out is cut to it. Deterministic for a
// seed.
//
// Example: crossover_ops(a, na, b, nb, out, 512, seed) is a's header, a's first ops, b's ops 3..5.
std::size_t crossover_ops(const std::uint8_t* a, std::size_t a_size, const std::uint8_t* b, std::size_t b_size,
                          std::uint8_t* out, std::size_t max_out, unsigned seed);

// Which mutator the fuzz_ops / fuzz_sut binaries use, from the environment variable
// APCB_FUZZ_MUTATOR: "ops" (unset or empty: the operation-level mutator with byte fallback),
// "bytes" (libFuzzer's own byte mutations and crossover only: the comparison baseline).
enum class MutatorMode : std::uint8_t { ops, bytes };

// Parses a mode name ("ops", "bytes"; "" is ops), nullopt for anything else.
//
// Example: parse_mutator_mode("bytes") == MutatorMode::bytes; parse_mutator_mode("x") == nullopt.
std::optional<MutatorMode> parse_mutator_mode(std::string_view name);

}  // namespace apcb::harness

#endif  // APCB_HARNESS_OP_MUTATOR_H_
