// The process's open-file limit: thousands of connections in flight (a run at --concurrency
// 4096, the mock serving them) need more descriptors than the usual soft limit of 1,024.
#pragma once

#include <cstdint>

namespace rbench {

// Raises the soft RLIMIT_NOFILE to `wanted`, or to the hard limit when that is lower; never
// lowers it. Only as far as asked: a child that closes every descriptor up to the limit (the
// code sandbox) pays for each one. Returns the soft limit in force afterwards.
std::uint64_t raise_open_files_limit(std::uint64_t wanted);

}  // namespace rbench
