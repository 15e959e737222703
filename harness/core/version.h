// rbench's version and the commit it was built from, for --version and the runs table.
#pragma once

#include <string>

namespace rbench {
std::string version();  // "0.1.0"
std::string git_sha();  // short sha of the build's commit, or "unknown"
}  // namespace rbench
