// The trusted Python driver the sandbox runs as `python3 -s -B -c <driver>`. Internal to the
// sandbox (sandbox.cpp), and the zygote that forks it (zygote.h). The driver is
// scorers/code/driver.py, which describes its protocol and what it stops; the build compiles it in
// as kDriverSource (scripts/embed.cmake).
#pragma once

#include <string_view>

namespace rbench::sandbox::detail {

// File descriptors the driver expects, set up by the sandbox before exec.
inline constexpr int kProgramFd =
    3;  // JSON {nonce, setup, candidate, tests, entry_point}; read once
inline constexpr int kResultFd = 4;  // the completion record, one JSON line

// The driver's source (Python 3.8+): driver.py's bytes, defined by the generated source.
extern const std::string_view kDriverSource;

// The zygote's source (zygote.py, Python 3.8+), run as `python3 -s -B -c <zygote> <driver>`.
extern const std::string_view kZygoteSource;

}  // namespace rbench::sandbox::detail
