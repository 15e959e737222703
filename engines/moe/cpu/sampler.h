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
  // The next token: the argmax when greedy, else pick_token() with the next draw.
  std::int32_t sample(std::span<const float> logits);
  bool greedy() const { return options_.temperature <= 0.0; }
  const SamplerOptions& options() const { return options_; }
  // The draw sample() makes for a sampled token: uniform in [0, 1), 53 bits, as
  // std::uniform_real_distribution<double> draws it. A device that picks the token itself is
  // handed this, so that a seed gives the same draws on every device.
  double draw();

 private:
  SamplerOptions options_;
  std::mt19937_64 rng_;
};

// The highest logit; the lowest id among equals.
std::int32_t argmax(std::span<const float> logits);

// The sampled token given the draw `uniform` in [0, 1): candidates by descending logit (ties by
// id), cut to top_k, weighted exp((l - top) / T) in double, cut to the smallest prefix whose
// probability reaches top_p, and the candidate where the running weight first exceeds
// uniform x total. The argmax when options.temperature <= 0.
std::int32_t pick_token(std::span<const float> logits, const SamplerOptions& options,
                        double uniform);

}  // namespace rbench::moe
