// The calling process's thread count (Threads: in /proc/self/status), for tests that check a
// load holds no thread per request.
#pragma once

#include <fstream>
#include <string>

namespace rbench::test {

inline int process_threads() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.starts_with("Threads:")) return std::stoi(line.substr(8));
  }
  return -1;
}

}  // namespace rbench::test
