// Synthetic requests of controlled length for latency probes. Prompts are random common English
// words (no two requests alike, so a prefix cache cannot shortcut them); with a tokenizer the
// prompt is cut to the exact token count, without one a word counts as a token and the server's
// usage tells the real count. Output length is set by max_tokens, held there with ignore_eos /
// min_tokens where the server honours them.
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "engines/moe/tokenizer/tokenizer.h"

namespace rbench::probe {

struct LengthSpec {
  int mean = 256;
  double spread = 0;  // lengths uniform in [mean (1 - spread), mean (1 + spread)], at least 1
};

struct WorkloadOptions {
  LengthSpec input;
  LengthSpec output;
  std::uint64_t seed = 0;
};

struct SyntheticRequest {
  std::string prompt;
  int input_tokens = 0;  // the prompt's tokens by the tokenizer, or the word count without one
  bool exact = false;    // input_tokens counted by the model's tokenizer
  int max_tokens = 0;    // the output length asked for
};

// `count` requests; deterministic for a seed (our own draws, not std:: distributions).
// `tokenizer` may be null.
std::vector<SyntheticRequest> make_workload(int count, const WorkloadOptions& options,
                                            const moe::Tokenizer* tokenizer);

}  // namespace rbench::probe
