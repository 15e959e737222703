// Where rbench finds its bundled data/.
#include <unistd.h>

#include <array>
#include <cstdlib>

#include "harness/cli/commands.h"

namespace rbench::cli {

std::filesystem::path bundled_data_dir() {
  if (const char* env = std::getenv("RBENCH_DATA"); env && *env) return env;
#ifdef RBENCH_SOURCE_DATA_DIR
  if (std::filesystem::is_directory(RBENCH_SOURCE_DATA_DIR "/models")) {
    return RBENCH_SOURCE_DATA_DIR;
  }
#endif
  std::array<char, 4096> buffer{};
  const ssize_t n = readlink("/proc/self/exe", buffer.data(), buffer.size() - 1);
  if (n > 0) {
    const std::filesystem::path exe(std::string(buffer.data(), static_cast<std::size_t>(n)));
    return exe.parent_path().parent_path() / "share" / "rbench" / "data";
  }
  return "data";
}

}  // namespace rbench::cli
