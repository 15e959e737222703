#include "harness/core/version.h"

#include "rbench_version.h"

namespace rbench {
std::string version() {
  return RBENCH_VERSION;
}
std::string git_sha() {
  return RBENCH_GIT_SHA;
}
}  // namespace rbench
