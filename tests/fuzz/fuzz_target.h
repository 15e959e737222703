// One fuzz target per parser: RBENCH_FUZZ_TARGET(name) { ...body over (data, size)... }.
//
// Built two ways from the same file (CMakeLists.txt, "fuzz targets"):
// - with clang and -DRBENCH_FUZZ=ON, each file is its own libFuzzer binary `fuzz_<name>`, where
//   the macro defines LLVMFuzzerTestOneInput (scripts/fuzz runs them under ASan and UBSan);
// - in every build, all files link into one `fuzz_replay` binary, where the macro registers the
//   body under its name; ctest replays tests/fuzz/corpus/<name>/ and tests/fuzz/crashes/<name>/
//   through it, so every committed input stays a regression test with g++ too.
//
// A property the target checks beyond "does not crash" fails through rbench::fuzz::check, which
// aborts with the message: libFuzzer keeps the input as a crash, and the replay test fails.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace rbench::fuzz {

using TargetFn = int (*)(const std::uint8_t* data, std::size_t size);

// Registers `fn` under `name` for the replay binary; returns true (for a static initialiser).
bool register_target(const char* name, TargetFn fn);

// Aborts (a finding, for libFuzzer and the replay alike) when `ok` is false.
inline void check(bool ok, std::string_view what) {
  if (ok) return;
  std::fprintf(stderr, "fuzz property violated: %.*s\n", static_cast<int>(what.size()),
               what.data());
  std::abort();
}

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace rbench::fuzz

#ifdef RBENCH_LIBFUZZER
#define RBENCH_FUZZ_TARGET(name) \
  extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
#else
#define RBENCH_FUZZ_TARGET(name)                                             \
  static int rbench_fuzz_##name(const std::uint8_t* data, std::size_t size); \
  [[maybe_unused]] static const bool rbench_fuzz_registered_##name =         \
      ::rbench::fuzz::register_target(#name, &rbench_fuzz_##name);           \
  static int rbench_fuzz_##name(const std::uint8_t* data, std::size_t size)
#endif
