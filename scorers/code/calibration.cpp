// The sandbox's speed factor against the reference machine (see calibration.h).
#include "scorers/code/calibration.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <limits>
#include <string>
#include <string_view>

#include "harness/core/error.h"

namespace rbench::sandbox::detail {
namespace {

// A fixed pure-Python workload for calibrate(); it times itself so that interpreter start-up
// does not count. kReferenceSeconds is its time on the reference machine: a fast desktop core
// (about 5 GHz) running CPython 3.11, estimated at 40 ns per iteration; this development VM
// (an AMD EPYC core, CPython 3.11.2) takes about 0.33 s.
constexpr double kReferenceSeconds = 0.2;
constexpr std::string_view kCalibrationWorkload = R"PY(
import time
start = time.perf_counter()
total = 0
for i in range(5_000_000):
    total = (total + i * i) % 1000003
print(f"{time.perf_counter() - start:.6f}")
)PY";

}  // namespace

double measure_speed_factor(const std::function<Result(const Program&, double)>& run) {
  Program workload;
  workload.candidate = std::string(kCalibrationWorkload);
  double fastest = std::numeric_limits<double>::infinity();
  for (int i = 0; i < 3; ++i) {
    const Result result = run(workload, 60);
    double seconds = 0;
    if (result.outcome != Outcome::passed ||
        std::sscanf(result.stdout_head.c_str(), "%lf", &seconds) != 1 || !(seconds > 0)) {
      throw Error(fmt::format("sandbox: the calibration workload did not run: {} {}",
                              to_string(result.outcome), result.message));
    }
    fastest = std::min(fastest, seconds);
  }
  return std::max(1.0, fastest / kReferenceSeconds);
}

}  // namespace rbench::sandbox::detail
