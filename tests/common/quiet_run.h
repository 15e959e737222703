// Runs a spec through the runner with its progress lines sent to a temporary file, so tests
// print nothing; the file is closed even when the run throws.
#pragma once

#include <cstdio>
#include <memory>

#include "harness/run/runner.h"
#include "harness/store/store.h"

namespace rbench::testing {

inline RunSummary quiet_run(Store& store, RunSpec& spec) {
  const std::unique_ptr<std::FILE, int (*)(std::FILE*)> sink(std::tmpfile(), &std::fclose);
  Progress progress(sink.get(), false);
  return Runner(store, progress).run(spec, {});
}

}  // namespace rbench::testing
