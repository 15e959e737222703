// A synthetic store for the report tests: 2 models x 2 suites with errors, truncations, an
// unscored sample, a missing price and hostile strings. The expected numbers are in the tests.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "harness/store/store.h"

namespace rbench::testing {

inline constexpr const char* kHostileAnswer =
    "<script>document.title='pwned'</script><img src=x onerror=alert(1)>";

// A temporary directory removed on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Fills `store` with run "run-1":
//   model-a/gsm8k   10 samples: 7 correct, 2 wrong (item-7 answers kHostileAnswer; item-8 is
//                   truncated), 1 timeout error; item-6 truncated but correct; $0.01 each,
//                   the errored one unpriced; e2e 1..9 s, ttft 0.5 s.
//   model-b/gsm8k   10 samples: 5 correct, 3 wrong, 2 HTTP errors; cost 0 (no price known).
//   model-a/math500 5 samples: 4 correct (item-0 sampled twice), 1 unscored; $0.02 each.
//   model-b/math500 4 samples: all wrong; $0.005 each.
void fill_fixture_store(Store& store);

// Fills `store` with run "variants" on suite demo-math, three models whose run config stores:
//   tiny-f32   facts: 2,097,152 B of weights, KV 480 B/token (3,072 B multi-head), 524,288
//              parameters (262,144 active); 2 samples, 10 and 20 tokens after the first in 1.0
//              and 2.0 s: decode 10.0 tok/s; one correct.
//   tiny-fp8   facts: 786,432 B of weights, the same KV and parameters; 40 tokens after the
//              first in 1.0 s, a one-token answer (no decode phase) and an engine error: decode
//              40.0 tok/s; both answers correct.
//   endpoint   no facts (an HTTP model), no timings: no decode speed; one wrong answer.
void fill_variants_store(Store& store);

// One demo-math sample of fill_variants_store's kind: item N asks "N + 1", answered right or
// "0", with the completion tokens and timings given (-1: unknown).
SampleRecord variant_sample(std::int64_t run_id, const std::string& model, int item, bool correct,
                            std::int64_t tokens, double ttft_s, double e2e_s);

}  // namespace rbench::testing
