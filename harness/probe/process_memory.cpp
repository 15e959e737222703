#include "harness/probe/process_memory.h"

#include <fstream>
#include <sstream>
#include <string_view>

namespace rbench::probe {
namespace {

// The "Key:   123 kB" value of a /proc file, in bytes; nullopt when absent.
std::optional<std::int64_t> proc_kib_field(const char* path, std::string_view key) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.size() > key.size() && line.compare(0, key.size(), key) == 0 &&
        line[key.size()] == ':') {
      std::istringstream value(line.substr(key.size() + 1));
      std::int64_t kib = 0;
      if (value >> kib) return kib * 1024;
    }
  }
  return std::nullopt;
}

}  // namespace

ProcessMemory read_process_memory() {
  ProcessMemory m;
  m.rss_bytes = proc_kib_field("/proc/self/status", "VmRSS").value_or(-1);
  m.peak_rss_bytes = proc_kib_field("/proc/self/status", "VmHWM").value_or(-1);
  return m;
}

bool reset_peak_rss() {
  std::ofstream out("/proc/self/clear_refs");
  out << "5";
  out.flush();
  return static_cast<bool>(out);
}

std::optional<std::int64_t> mem_available_bytes() {
  return proc_kib_field("/proc/meminfo", "MemAvailable");
}

DeviceMemory device_memory() {
  DeviceMemory d;
  d.note =
      "the built-in engine runs on the CPU; GPU memory (cudaMemGetInfo) waits for the CUDA "
      "backend";
  return d;
}

}  // namespace rbench::probe
