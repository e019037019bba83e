// apcb impl — test-only mutants: deliberate bugs a test switches on at run time to show that
// an engine (the stateful property test, fuzz_ops) notices a wrong implementation and prints a
// trace for it. Every mutant is off unless a test turns it on; nothing else may turn one on.
//
// NOT API: nothing here is part of the implementation's interface; only tests and the engines'
// own self-checks may include this header, and it may change or go without notice.
//
// Why a run-time switch and not a build flag: the very binaries CI runs (the property test,
// the libFuzzer harness) must be shown able to fail, not a separate build of them.
#ifndef APCB_IMPL_TESTING_MUTANT_H_
#define APCB_IMPL_TESTING_MUTANT_H_

#include <atomic>
#include <cstdint>
#include <optional>
#include <string_view>

namespace apcb::impl {

enum class Mutant : std::uint8_t {
  none,
  // The full filter treats every linked queue as passable: a queue whose last reset answered
  // e.g. Q_NOT_AVAIL no longer takes its adapter out of the shadow (SPEC §1.3 broken).
  filter_ignores_reset_responses,
};

namespace detail {
inline std::atomic<Mutant> active_mutant{Mutant::none};
}  // namespace detail

// Switches the process-wide mutant (Mutant::none switches every mutant off). Meant for a
// test's driving thread between operations, not while operations run.
// Example: set_testing_mutant(Mutant::filter_ignores_reset_responses); /* run */
//          set_testing_mutant(Mutant::none);
inline void set_testing_mutant(Mutant m) { detail::active_mutant.store(m, std::memory_order_relaxed); }

// Whether mutant `m` is on. Cheap (one relaxed load): it sits on the filter's path.
// Example: testing_mutant_on(Mutant::filter_ignores_reset_responses) is false unless a test
// set it.
inline bool testing_mutant_on(Mutant m) { return detail::active_mutant.load(std::memory_order_relaxed) == m; }

// The mutant named `name` ("none", "filter_ignores_reset_responses"), or nullopt.
// Example: testing_mutant_from_name("none") == Mutant::none; ("typo") == nullopt.
inline std::optional<Mutant> testing_mutant_from_name(std::string_view name) {
  if (name == "none") return Mutant::none;
  if (name == "filter_ignores_reset_responses") return Mutant::filter_ignores_reset_responses;
  return std::nullopt;
}

}  // namespace apcb::impl

#endif  // APCB_IMPL_TESTING_MUTANT_H_
