// Re-grading stored answers without calling any model: after a scorer changed (a better math
// checker, a sandbox fix), `rbench rescore` brings every stored verdict up to date in place.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "harness/store/store.h"

namespace rbench {

struct RescoreOptions {
  std::optional<std::string> run;          // one run by name; all runs when absent
  std::vector<std::string> suites;         // only these suites; all when empty
  std::filesystem::path data_dir;          // where public suites live (as for `rbench run`)
  std::filesystem::path bundled_data_dir;  // rbench's data/
  double code_timeout_s = 0;               // code suites: as `rbench run --code-timeout`
};

// One sample whose verdict flipped: what was extracted and by which rules, before and after.
struct RescoreChange {
  std::string item_id;
  int sample_index = 0;
  bool now_correct = false;  // wrong (or unscored) -> right when true, right -> wrong when false
  std::string before_extracted, before_method, before_rule;
  std::string after_extracted, after_method, after_rule;
};

struct RescoreResult {
  std::string run;
  std::string suite;
  std::size_t rescored = 0;
  std::size_t became_correct = 0;      // wrong or unscored before
  std::size_t became_wrong = 0;        // correct before
  std::size_t missing_items = 0;       // stored items the suite no longer has (left as they were)
  std::vector<RescoreChange> changes;  // every flipped verdict, by item id and sample
};

// Scores every stored sample without error again with its suite's scorer, from the suite data
// the run used. Throws DataError when that data changed since the run (its sha256 differs), or
// cannot be found, naming the run, the suite and the file: a verdict against other data would
// not be the run's.
std::vector<RescoreResult> rescore(Store& store, const RescoreOptions& options);

}  // namespace rbench
