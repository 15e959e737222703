// A weight matrix of random values generated in device memory, bit for bit the values of the
// CPU's random_weights (engines/moe/model/random_weights.cpp): element (r, c) is the c-th
// splitmix64 draw of row r's state (harness/core/splitmix.h), uniform around `mean`, rounded to
// f32, then stored as f32, bf16 (round to nearest even) or fp8 e4m3 block-quantised as
// quantize_fp8_band does (each block's amax / 448 as its scale, 1 for an all-zero block, the
// smallest normal f32 where it underflows; each value one IEEE division then the saturating,
// round-to-nearest-even e4m3 conversion). `--load-format dummy --device cuda` fills its weights
// with it, so the host never holds them.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

#include "engines/moe/cuda/weights.h"

namespace rbench::moe::cuda {

struct RandomFillParams {
  WeightType type = WeightType::f32;
  void* data = nullptr;     // [rows][cols] of the type's elements
  float* scales = nullptr;  // f8_e4m3: [ceil(rows / block_rows)][ceil(cols / block_cols)]
  int rows = 0;
  int cols = 0;
  int block_rows = 128;  // f8_e4m3 only
  int block_cols = 128;
  std::uint64_t seed = 0;
  std::uint64_t name_hash = 0;  // splitmix::fnv1a of the tensor's name
  float mean = 0.0f;
  double half_width = 0.0;  // uniform_half_width(stddev), computed once on the host
};

// Fills p.data (and p.scales) on `stream`. rbench::Error naming what was wrong for a bad shape,
// a null pointer or a half width that is negative or not finite.
void random_fill(const RandomFillParams& p, cudaStream_t stream);

}  // namespace rbench::moe::cuda
