// What this process and this machine have in memory, for the memory probe: resident set size and
// its peak from /proc/self/status (VmRSS, VmHWM), resetting the peak between phases
// (/proc/self/clear_refs), MemAvailable from /proc/meminfo, and the accelerator's free memory.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace rbench::probe {

struct ProcessMemory {
  std::int64_t rss_bytes = -1;       // VmRSS now; -1 when /proc cannot be read
  std::int64_t peak_rss_bytes = -1;  // VmHWM: the peak since start or since the last reset
};
ProcessMemory read_process_memory();

// Resets VmHWM to the current RSS (writes "5" to /proc/self/clear_refs, Linux >= 4.0), so the
// next read's peak is that of the phase in between. False when the kernel refuses.
bool reset_peak_rss();

// MemAvailable of /proc/meminfo in bytes: what can be allocated without swapping.
std::optional<std::int64_t> mem_available_bytes();

// The device the engine's weights and cache live on, and its memory. Only "cpu" for now: the
// CUDA backend is not in the repository yet; when it lands, this is the seam where
// cudaMemGetInfo fills free_bytes and total_bytes for "cuda:N".
struct DeviceMemory {
  std::string device = "cpu";
  std::optional<std::int64_t> free_bytes;  // device memory (GPU only)
  std::optional<std::int64_t> total_bytes;
  std::string note;
};
DeviceMemory device_memory();

}  // namespace rbench::probe
