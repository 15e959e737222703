// The trusted Python driver the sandbox runs as `python3 -s -B -c <driver>`. Internal to the
// sandbox (sandbox.cpp); its protocol is described in sandbox_driver.cpp.
#pragma once

#include <string_view>

namespace rbench::sandbox::detail {

// File descriptors the driver expects, set up by the sandbox before exec.
inline constexpr int kProgramFd =
    3;  // JSON {nonce, setup, candidate, tests, entry_point}; read once
inline constexpr int kResultFd = 4;  // the completion record, one JSON line

// The driver's source (Python 3.8+).
extern const std::string_view kDriverSource;

}  // namespace rbench::sandbox::detail
