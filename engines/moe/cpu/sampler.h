// Next-token choice: greedy (temperature 0), or temperature with top-k and top-p (nucleus)
// filtering, drawn from a seeded generator so the same seed gives the same text.
#pragma once

#include <cstdint>
#include <random>
#include <span>

namespace rbench::moe {

struct SamplerOptions {
  double temperature = 0.0;  // 0: greedy
  int top_k = 0;             // 0: off
  double top_p = 1.0;        // 1: off
  std::uint64_t seed = 0;
};

class Sampler {
 public:
  explicit Sampler(SamplerOptions options) : options_(options), rng_(options.seed) {}
  std::int32_t sample(std::span<const float> logits);
  bool greedy() const { return options_.temperature <= 0.0; }

 private:
  SamplerOptions options_;
  std::mt19937_64 rng_;
};

// The highest logit; the lowest id among equals.
std::int32_t argmax(std::span<const float> logits);

}  // namespace rbench::moe
