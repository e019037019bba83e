// apcb harness — bytes to an operation sequence, for fuzz_ops and fuzz_sut.
//
// Any byte string decodes to a valid run: a host (QCI parameters and configuration) and up to
// kMaxOps operations of the whole alphabet (model/op.h), each mutating one optionally carrying
// a fault to inject. The operations are the generator family's (harness/generate.h) with the
// fuzz preset (GeneratorKnobs::fuzz()) over ByteEntropy, so the fuzzer explores exactly what
// the other generators draw, with the same biases, looking at the model state reached so far.
// Running out of bytes reads zeros, so a short input still decodes (to a short run). The same
// bytes decode to the same run on every platform.
//
// Layout: every choice of the generator reads one byte and takes it modulo the number of
// alternatives (ByteEntropy):
//   host:   the host shape (byte % 7: 0..3 APXA 255/255, 4..5 non-APXA 63/15, 6 APXA 64/16),
//           then the configuration: adapters, domains, control domains, each a count (% 5)
//           and that many IDs (each a source byte and a value byte: small 0..4, an interesting
//           ID, a configured one);
//   op:     the kind byte (% 32 over the preset's weights, in the variant order of model::Op),
//           then the kind's arguments (uuid, apqn, id text form and id, ...), then for a
//           mutating op one fault byte: byte % 32 >= 29 arms a fault at the fault point
//           nth = byte % 32 - 28 (1..3) this step reaches.
// The input ends the run when it is exhausted before an operation's kind byte, or after
// kMaxOps operations.
//
// decode_trace() is the model-only decode: the same operations, each with the model's
// observation as its expectation, written in the trace format (trace/trace.h). A crash input
// of fuzz_ops becomes a replayable trace with it.
#ifndef APCB_HARNESS_OP_DECODER_H_
#define APCB_HARNESS_OP_DECODER_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "harness/generate.h"
#include "model/op.h"
#include "model/state.h"
#include "model/step.h"
#include "trace/trace.h"

namespace apcb::harness {

inline constexpr int kMaxOps = 32;

// One decoded operation and the fault fuzz_ops injects into it.
//
// Example: {model::op::MdevCreate{uuid}, 2}: fail at the second fault point the create reaches.
struct DecodedStep {
  model::Op op;
  std::uint32_t fault = 0;  // 0: none; n: fail at the nth fault point reached (impl/fault.h)
};

// The byte span [begin, end) one decoded operation read, its kind byte at `begin`
// (OpDecoder::last_span; the operation-level mutator, op_mutator.h, cuts inputs there).
//
// Example: OpSpan{12, 17}: the operation whose kind byte is data[12] read data[12..16].
struct OpSpan {
  std::size_t begin = 0;
  std::size_t end = 0;
  bool operator==(const OpSpan&) const = default;
};

// The decoder of one input. Not thread-safe.
// Example: OpDecoder d(data, size); auto p = d.params(); auto c = d.config();
//          model::State s = model::State::initial(p, c);
//          while (auto step = d.next(s)) model::apply(s, step->op);
class OpDecoder {
 public:
  // Decodes the `size` bytes at `data`, which must outlive the decoder (they are not copied).
  // Any bytes, none included, decode.
  //
  // Example: OpDecoder d(nullptr, 0);  // reads zeros: the default host, no operation
  OpDecoder(const std::uint8_t* data, std::size_t size)
      : gen_(ByteEntropy(data, size), GeneratorKnobs::fuzz()) {}

  // The host: read once, first.
  //
  // Example: auto p = d.params();
  model::HostParams params() { return gen_.params(); }
  // A configuration that host can have (no adapter 64 or domain 16 of a non-APXA host); read
  // once, after params().
  //
  // Example: auto c = d.config(); model::State s = model::State::initial(p, c);
  model::Matrix config() { return gen_.config(); }

  // The next operation, drawn with an eye on `s` (the model state reached so far), or nullopt
  // when the input is exhausted or kMaxOps operations were decoded.
  //
  // Example: while (auto step = d.next(s)) model::apply(s, step->op);
  std::optional<DecodedStep> next(const model::State& s) {
    if (gen_.entropy().exhausted() || ops_ >= kMaxOps) return std::nullopt;
    ++ops_;
    last_begin_ = gen_.entropy().consumed();
    last_fault_at_ = kNoFaultByte;
    DecodedStep step{gen_.next(s), 0};
    if (model::is_mutating(step.op)) {
      if (!gen_.entropy().exhausted()) last_fault_at_ = gen_.entropy().consumed();
      const int f = gen_.entropy().pick(32);
      if (f >= 29) step.fault = static_cast<std::uint32_t>(f - 28);
    }
    return step;
  }

  // The bytes the last operation next() returned read: [begin, end), its kind byte at begin
  // (end is consumed(): an operation cut short by the end of the input ends there). Only
  // records what the decode reads; the decode is the same whether or not it is asked.
  //
  // Example: auto step = d.next(s); OpSpan sp = d.last_span();  // data[sp.begin] is the kind byte
  OpSpan last_span() { return OpSpan{last_begin_, consumed()}; }

  // The offset of the last operation's fault byte, or kNoFaultByte when it has none (a read,
  // or a mutating operation cut short before it).
  //
  // Example: if (d.last_fault_byte() != kNoFaultByte) data[d.last_fault_byte()] = 29;  // arm fault #1
  std::size_t last_fault_byte() const { return last_fault_at_; }
  static constexpr std::size_t kNoFaultByte = static_cast<std::size_t>(-1);

  // The bytes read so far (reads past the end, which give zeros, are not counted).
  //
  // Example: OpDecoder(nullptr, 0).consumed() == 0
  std::size_t consumed() { return gen_.entropy().consumed(); }

 private:
  OpGenerator<ByteEntropy> gen_;
  int ops_ = 0;
  std::size_t last_begin_ = 0;
  std::size_t last_fault_at_ = kNoFaultByte;
};

// The model-only decode of `data` as a trace: the host, then each decoded operation with the
// model's observation as its expectation; a step with a fault carries a comment naming it
// (the trace format has no fault syntax, and a fault does not change the model's effect: a
// fired fault must leave the state unchanged and the step is then run without one).
// At most `max_steps` steps are written (a failure's trace stops at the failing step).
// Any bytes decode, so it cannot fail.
//
// Example: trace::format_trace(decode_trace(data, size)) is the replayable trace of a fuzz_ops input.
inline trace::Trace decode_trace(const std::uint8_t* data, std::size_t size, std::size_t max_steps = kMaxOps) {
  OpDecoder dec(data, size);
  trace::Trace t;
  t.params = dec.params();
  t.config = dec.config();
  model::State s = t.initial_state();
  while (t.steps.size() < max_steps) {
    const auto step = dec.next(s);
    if (!step) break;
    trace::TraceStep ts{step->op, model::apply(s, step->op), 0, {}};
    if (step->fault != 0)
      ts.comments.push_back("# fuzz_ops injects a fault at the fault point #" + std::to_string(step->fault) +
                            " this step reaches, then runs it again without one");
    t.steps.push_back(std::move(ts));
  }
  return t;
}

}  // namespace apcb::harness

#endif  // APCB_HARNESS_OP_DECODER_H_
