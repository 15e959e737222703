// Two models on the same items: per suite, the paired comparison (difference in accuracy with a
// paired bootstrap interval; McNemar's exact test with one sample per item) and the items one got
// right and the other wrong, with both answers. Reads stored samples, so it works on any store,
// merged shards included. `rbench diff` prints it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "harness/store/store.h"
#include "reports/stats/paired.h"

namespace rbench {

struct DiffItem {
  std::string item_id;
  std::string reference;
  double a_correct = 0;  // fraction of A's scored samples that were correct
  double b_correct = 0;
  std::string a_extracted;  // the first sample's extracted answer
  std::string b_extracted;
};

struct SuiteDiff {
  std::string suite;
  stats::PairedComparison paired;
  std::size_t only_in_a = 0;  // items A has a scored sample for and B has not
  std::size_t only_in_b = 0;
  std::vector<DiffItem> discordant;  // a_correct != b_correct, in item order
};

// `samples`: a store's samples (any runs). Errored and unscored samples are left out; an item
// counts when both models have at least one scored sample. `suite`: "" for every suite.
std::vector<SuiteDiff> diff_models(const std::vector<SampleRecord>& samples,
                                   const std::string& model_a, const std::string& model_b,
                                   const std::string& suite, double confidence = 0.95);

std::string render_diff_text(const std::vector<SuiteDiff>& diffs, const std::string& model_a,
                             const std::string& model_b, std::size_t max_items);
std::string render_diff_json(const std::vector<SuiteDiff>& diffs, const std::string& model_a,
                             const std::string& model_b);

}  // namespace rbench
