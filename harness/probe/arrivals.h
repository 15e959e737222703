// Request arrival times for open-loop load (rate sweeps), as vLLM's benchmark_serving draws them:
// gaps between requests from a gamma distribution with shape `burstiness` and mean 1 / rate, so
// burstiness 1 is a Poisson process, < 1 burstier, > 1 more regular. Seeded: the same seed gives
// the same schedule on every machine (std::mt19937_64 and our own gamma sampling, since the
// standard library's distributions are implementation-defined).
#pragma once

#include <cstdint>
#include <vector>

namespace rbench::probe {

struct ArrivalOptions {
  double rate = 1;        // requests per second; +inf = all at time 0
  double burstiness = 1;  // gamma shape; 1 = Poisson
  std::uint64_t seed = 0;
};

// Send times (seconds from the start) of `count` requests, non-decreasing, the first at its own
// gap after 0 (inf rate: all 0).
std::vector<double> arrival_times(int count, const ArrivalOptions& options);

}  // namespace rbench::probe
