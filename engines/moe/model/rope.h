// Decoupled rotary embeddings of MLA, with DeepSeek's YaRN context extension: per-frequency
// interpolation between the original and the stretched frequencies over a linear ramp, and the
// attention-temperature factor ("mscale") applied to cos/sin and to the softmax scale.
#pragma once

#include <vector>

#include "engines/moe/checkpoint/config.h"

namespace rbench::moe {

// yarn_get_mscale of the reference code: 0.1 * mscale * ln(scale) + 1 for scale > 1, else 1.
double yarn_mscale(double scale, double mscale);

class Rope {
 public:
  explicit Rope(const ModelConfig& config);
  // Rotates x[2i], x[2i+1] by position * inv_freq[i], scaled by the cos/sin mscale. The checkpoint
  // stores rope dims interleaved; the reference code de-interleaves before a half rotation, which
  // rotates the same pairs. Only dot products of rotated vectors are used, so the order is ours.
  void apply(float* x, int position) const;
  // cos and sin of every rotation apply() makes for positions [0, positions), mscale included, in
  // f32: pair i of position p at [(p * dim / 2 + i) * 2] (cos) and [... + 1] (sin). The CUDA
  // kernel rotates with this table, so both paths share one angle computation.
  std::vector<float> cos_sin_table(int positions) const;
  const std::vector<double>& inv_freq() const { return inv_freq_; }
  double cos_sin_scale() const { return mscale_; }
  // Softmax scale of MLA: qk_head_dim^-0.5, times yarn_mscale(factor, mscale_all_dim)^2.
  float softmax_scale() const { return softmax_scale_; }

 private:
  float angle(int position, int pair) const;

  int dim_;
  std::vector<double> inv_freq_;
  double mscale_ = 1.0;
  float softmax_scale_ = 1.0f;
};

}  // namespace rbench::moe
