#include "engines/moe/model/rope.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace rbench::moe {
namespace {

// The dimension at which a frequency makes `rotations` full turns over `max_positions`.
double correction_dim(double rotations, int dim, double base, int max_positions) {
  return dim * std::log(max_positions / (rotations * 2 * std::numbers::pi)) / (2 * std::log(base));
}

}  // namespace

double yarn_mscale(double scale, double mscale) {
  return scale <= 1.0 ? 1.0 : 0.1 * mscale * std::log(scale) + 1.0;
}

Rope::Rope(const ModelConfig& c) : dim_(c.qk_rope_head_dim) {
  const int half = dim_ / 2;
  inv_freq_.resize(half);
  for (int i = 0; i < half; ++i) {
    inv_freq_[i] = 1.0 / std::pow(c.rope_theta, 2.0 * i / dim_);
  }
  double softmax_scale = 1.0 / std::sqrt(static_cast<double>(c.qk_head_dim()));
  if (c.rope_scaling) {
    const YarnScaling& y = *c.rope_scaling;
    const int orig = y.original_max_position_embeddings;
    const double low =
        std::max(std::floor(correction_dim(y.beta_fast, dim_, c.rope_theta, orig)), 0.0);
    double high =
        std::min(std::ceil(correction_dim(y.beta_slow, dim_, c.rope_theta, orig)), dim_ - 1.0);
    if (low == high) high += 0.001;  // the reference's guard against a zero-width ramp
    for (int i = 0; i < half; ++i) {
      const double ramp = std::clamp((i - low) / (high - low), 0.0, 1.0);
      const double extrapolate = 1.0 - ramp;  // 1: keep the original frequency
      const double extra = inv_freq_[i];
      const double inter = extra / y.factor;
      inv_freq_[i] = inter * (1.0 - extrapolate) + extra * extrapolate;
    }
    mscale_ = yarn_mscale(y.factor, y.mscale) / yarn_mscale(y.factor, y.mscale_all_dim);
    if (y.mscale_all_dim != 0.0) {
      const double m = yarn_mscale(y.factor, y.mscale_all_dim);
      softmax_scale *= m * m;
    }
  }
  softmax_scale_ = static_cast<float>(softmax_scale);
}

float Rope::angle(int position, int pair) const {
  // The reference computes position * inv_freq in f32; do the same so long contexts agree.
  return static_cast<float>(position) * static_cast<float>(inv_freq_[pair]);
}

void Rope::apply(float* x, int position) const {
  for (int i = 0; i < dim_ / 2; ++i) {
    const float a_i = angle(position, i);
    const double c = std::cos(a_i) * mscale_;
    const double s = std::sin(a_i) * mscale_;
    const double a = x[2 * i];
    const double b = x[2 * i + 1];
    x[2 * i] = static_cast<float>(a * c - b * s);
    x[2 * i + 1] = static_cast<float>(b * c + a * s);
  }
}

std::vector<float> Rope::cos_sin_table(int positions) const {
  const int half = dim_ / 2;
  std::vector<float> table(static_cast<std::size_t>(positions) * half * 2);
  for (int p = 0; p < positions; ++p) {
    for (int i = 0; i < half; ++i) {
      const float a_i = angle(p, i);
      const std::size_t at = (static_cast<std::size_t>(p) * half + i) * 2;
      table[at] = static_cast<float>(std::cos(a_i) * mscale_);
      table[at + 1] = static_cast<float>(std::sin(a_i) * mscale_);
    }
  }
  return table;
}

}  // namespace rbench::moe
