// apcb tests — whether this binary runs under a sanitizer (ASan or TSan make the tests 5–10×
// slower). The long enumerations use it to pick a smaller bound in the sanitizer CI job; the
// full bound runs in the default (g++) build, and every test prints the bound it used.
#ifndef APCB_TESTS_SANITIZED_H_
#define APCB_TESTS_SANITIZED_H_

#include <cstdlib>

namespace apcb::testing {

// ThreadSanitizer alone (about ten times slower; the thread stress tests shrink under it).
#if defined(__SANITIZE_THREAD__)
inline constexpr bool kThreadSanitized = true;
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
inline constexpr bool kThreadSanitized = true;
#else
inline constexpr bool kThreadSanitized = false;
#endif
#else
inline constexpr bool kThreadSanitized = false;
#endif

// AddressSanitizer or ThreadSanitizer.
#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool kSanitized = true;
#else
inline constexpr bool kSanitized = kThreadSanitized;
#endif
#else
inline constexpr bool kSanitized = kThreadSanitized;
#endif

// Whether this build runs under ThreadSanitizer: the long runs shrink (an alias kept short for
// the tests' count expressions). Example: env_count("N", kUnderTsan ? 300 : 3000).
inline constexpr bool kUnderTsan = kThreadSanitized;

// A count from the environment variable `name` (for longer local runs), else `fallback`; a
// value that is not a number counts as 0 (std::atoi).
// Example: env_count("APCB_DIFF_SEQUENCES", 3000) == 3000 when the variable is unset.
inline int env_count(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v != nullptr ? std::atoi(v) : fallback;
}

}  // namespace apcb::testing

#endif  // APCB_TESTS_SANITIZED_H_
