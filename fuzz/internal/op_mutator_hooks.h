// apcb fuzzing — libFuzzer's custom mutator hooks for the operation-sequence harnesses
// (fuzz_ops, fuzz_sut): include in exactly one translation unit of the harness.
//
// LLVMFuzzerCustomMutator and LLVMFuzzerCustomCrossOver hand libFuzzer's mutations to the
// operation-level mutator (harness/op_mutator.h): whole operations inserted, deleted,
// duplicated, swapped, re-argumented, their faults toggled, inputs spliced at operation
// boundaries; a third of the mutate calls still go to libFuzzer's own byte mutator
// (LLVMFuzzerMutate, with its dictionary and its byte-level crossover).
//
// Environment:
//   APCB_FUZZ_MUTATOR=ops    the operation-level mutator (the default; unset or empty too)
//   APCB_FUZZ_MUTATOR=bytes  libFuzzer's byte mutations only: the custom mutator is
//                            LLVMFuzzerMutate itself and the custom crossover declines
//                            (returns 0), so libFuzzer draws another of its mutations: the
//                            baseline the operation-level mutator is compared with
//                            (scripts/fuzz-kill-times).
// Any other value stops the harness with exit code 2.
//
// In builds without libFuzzer (the corpus replay driver) the hooks are linked but never
// called; LLVMFuzzerMutate is declared weak so they link there.
#ifndef APCB_FUZZ_INTERNAL_OP_MUTATOR_HOOKS_H_
#define APCB_FUZZ_INTERNAL_OP_MUTATOR_HOOKS_H_

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "harness/op_mutator.h"

extern "C" std::size_t LLVMFuzzerMutate(std::uint8_t* data, std::size_t size, std::size_t max_size)
    __attribute__((weak));

namespace apcb::fuzz {

// The mutator APCB_FUZZ_MUTATOR names, read once; exits with 2 naming the variable on a bad
// value.
//
// Example: if (mutator_mode() == harness::MutatorMode::bytes) return LLVMFuzzerMutate(d, n, max);
inline harness::MutatorMode mutator_mode() {
  static const harness::MutatorMode mode = [] {
    const char* v = std::getenv("APCB_FUZZ_MUTATOR");
    const auto m = harness::parse_mutator_mode(v != nullptr ? v : "");
    if (!m) {
      std::fprintf(stderr, "APCB_FUZZ_MUTATOR=%s: not one of ops, bytes\n", v);
      std::exit(2);
    }
    return *m;
  }();
  return mode;
}

}  // namespace apcb::fuzz

// libFuzzer's hook: one mutation of data[0, size) in place (room for max_size bytes).
// Example: libFuzzer calls it; APCB_FUZZ_MUTATOR=bytes makes it LLVMFuzzerMutate.
extern "C" std::size_t LLVMFuzzerCustomMutator(std::uint8_t* data, std::size_t size, std::size_t max_size,
                                               unsigned int seed) {
  if (apcb::fuzz::mutator_mode() == apcb::harness::MutatorMode::bytes) return LLVMFuzzerMutate(data, size, max_size);
  return apcb::harness::mutate_ops(data, size, max_size, seed, &LLVMFuzzerMutate);
}

// libFuzzer's hook: a splice of two corpus inputs at operation boundaries into out.
// Example: libFuzzer calls it; APCB_FUZZ_MUTATOR=bytes makes it decline (0).
extern "C" std::size_t LLVMFuzzerCustomCrossOver(const std::uint8_t* data1, std::size_t size1,
                                                 const std::uint8_t* data2, std::size_t size2, std::uint8_t* out,
                                                 std::size_t max_out_size, unsigned int seed) {
  if (apcb::fuzz::mutator_mode() == apcb::harness::MutatorMode::bytes) return 0;
  return apcb::harness::crossover_ops(data1, size1, data2, size2, out, max_out_size, seed);
}

#endif  // APCB_FUZZ_INTERNAL_OP_MUTATOR_HOOKS_H_
