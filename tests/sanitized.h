// apcb tests — whether this binary runs under a sanitizer (ASan or TSan make the tests 5–10×
// slower). The long enumerations use it to pick a smaller bound in the sanitizer CI job; the
// full bound runs in the default (g++) build, and every test prints the bound it used.
#ifndef APCB_TESTS_SANITIZED_H_
#define APCB_TESTS_SANITIZED_H_

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

}  // namespace apcb::testing

#endif  // APCB_TESTS_SANITIZED_H_
