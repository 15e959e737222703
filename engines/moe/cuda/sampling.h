// Next-token choice on the device, row by row: the twin of engines/moe/cpu/sampler.h.
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>

namespace rbench::moe::cuda {

// ids[r] = the index of the highest logit of row r, the lowest among equals. Twin: argmax. Exact.
void argmax_rows(const float* logits, int rows, int vocab, std::int32_t* ids, cudaStream_t stream);

// One row's sampling settings. `uniform` is the row's draw in [0, 1) from its request's seeded
// generator (std::generate_canonical<double, 53>, what uniform_real_distribution uses), so the
// same seed draws the same numbers as the CPU Sampler.
struct RowSampling {
  double temperature = 0.0;  // <= 0: greedy (double, as SamplerOptions holds it)
  int top_k = 0;             // 0: off
  double top_p = 1.0;        // 1: off
  double uniform = 0.0;
};

// Sampled ids: candidates ordered by descending logit (ties by id), cut to top_k, weighted
// exp((l - top) / T) in double, cut to the smallest prefix reaching top_p, and the candidate
// where the running weight first exceeds uniform * total. Twin: Sampler::sample given the same
// draw; the same token wherever the weights are not within rounding of the draw.
struct SampleParams {
  const float* logits = nullptr;          // [rows][vocab]
  const RowSampling* settings = nullptr;  // device, [rows]
  std::int32_t* ids = nullptr;            // [rows]
  int rows = 0;
  int vocab = 0;
  void* workspace = nullptr;  // sample_workspace_bytes(rows, vocab)
  std::size_t workspace_bytes = 0;
};
std::size_t sample_workspace_bytes(int rows, int vocab);
void sample_rows(const SampleParams& p, cudaStream_t stream);

}  // namespace rbench::moe::cuda
