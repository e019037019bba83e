// apcb tests — whether this binary runs under a sanitizer (ASan or TSan make the tests 5–10×
// slower). The long enumerations use it to pick a smaller bound in the sanitizer CI job; the
// full bound runs in the default (g++) build, and every test prints the bound it used.
#ifndef APCB_TESTS_SANITIZED_H_
#define APCB_TESTS_SANITIZED_H_

namespace apcb::testing {

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
inline constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
inline constexpr bool kSanitized = true;
#else
inline constexpr bool kSanitized = false;
#endif
#else
inline constexpr bool kSanitized = false;
#endif

}  // namespace apcb::testing

#endif  // APCB_TESTS_SANITIZED_H_
