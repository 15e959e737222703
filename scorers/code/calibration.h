// The sandbox's speed factor: how much slower than the reference machine this one runs a fixed
// pure-Python workload in the sandbox. Time limits are given in reference seconds and scaled by
// it, so that a slow or loaded machine does not turn right answers into timeouts.
#pragma once

#include <functional>

#include "scorers/code/sandbox.h"

namespace rbench::sandbox::detail {

// The fastest of three runs of the workload through `run` (a program and its timeout in
// seconds), divided by its time on the reference machine; never below 1. Throws rbench::Error
// when the workload does not run.
double measure_speed_factor(const std::function<Result(const Program&, double)>& run);

}  // namespace rbench::sandbox::detail
