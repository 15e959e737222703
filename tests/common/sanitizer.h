// How much slower this build's code runs than a plain -O2 build: ThreadSanitizer about 5-15x,
// AddressSanitizer about 2-3x. A test's timeouts that only guard against a hang, or stand in for
// "the server is slow", are multiplied by it, so that scripts/sanitize runs the same tests
// without mistaking the sanitizer's slowness for the fault under test.
#pragma once

namespace rbench::testing {

#if defined(__SANITIZE_THREAD__)
inline constexpr double kSanitizerSlowdown = 10;
#elif defined(__SANITIZE_ADDRESS__)
inline constexpr double kSanitizerSlowdown = 3;
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
inline constexpr double kSanitizerSlowdown = 10;
#elif __has_feature(address_sanitizer)
inline constexpr double kSanitizerSlowdown = 3;
#else
inline constexpr double kSanitizerSlowdown = 1;
#endif
#else
inline constexpr double kSanitizerSlowdown = 1;
#endif

}  // namespace rbench::testing
