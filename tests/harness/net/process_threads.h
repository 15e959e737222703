// The calling process's thread count (Threads: in /proc/self/status), for tests that check a
// load holds no thread per request; and the count without a loopback server's connection
// threads (named kConnectionThreadName), for a client under test beside its server.
#pragma once

#include <filesystem>
#include <fstream>
#include <string>

#include "harness/net/growing_thread_pool.h"

namespace rbench::test {

inline int process_threads() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.starts_with("Threads:")) return std::stoi(line.substr(8));
  }
  return -1;
}

// Threads of this process other than the servers' connection threads.
inline int process_threads_but_connections() {
  int n = 0;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream comm(task.path() / "comm");
    std::string name;
    std::getline(comm, name);
    if (name != rbench::http::kConnectionThreadName) ++n;
  }
  return n;
}

}  // namespace rbench::test
