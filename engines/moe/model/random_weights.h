// Weights without a checkpoint: real widths by name (shape_config) and random values seeded per
// tensor name and row (random_weights), for benchmarks, `rbench engine make-random` and the
// engine's `--load-format dummy` (vLLM's dummy loader: a model of the right shape, no download).
// Values come from splitmix64 (harness/core/splitmix.h), counter-based, so a device can
// generate them in its own memory bit for bit (engines/moe/cuda/dummy_weights.h).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "engines/moe/checkpoint/config.h"
#include "engines/moe/checkpoint/dtype.h"
#include "engines/moe/model/weights.h"

namespace rbench::moe {

// Real widths: "deepseek-v2-lite" (27 layers), "deepseek-v2-lite-4l" (its first 4 layers),
// "deepseek-v3". Vocabulary as published. UsageError naming the shapes otherwise.
ModelConfig shape_config(std::string_view shape);

struct RandomWeightsOptions {
  DType dtype = DType::f32;  // f32, bf16 or f8_e4m3 (block-quantised like DeepSeek-V3's release)
  std::uint64_t seed = 0;
  // MTP module 0 (model.layers.{num_hidden_layers}), without its own embedding and head, as our
  // exports store it; the config must have num_nextn_predict_layers >= 1. The other tensors do
  // not change with it.
  bool mtp = false;
  // Matrices as shapes and dtypes only, without values (and kv_b_f32 empty): the host's
  // description of weights a device generates in its own memory. Vectors (norms, the router's
  // bias) are small and generated as usual.
  bool shapes_only = false;
};

// Weights for `config`, held in memory (benchmarks use this directly).
ModelWeights random_weights(const ModelConfig& config, RandomWeightsOptions options);

// One matrix as random_weights makes the tensor `name` (stddev < 0: 1 / sqrt(cols), the
// default of every matrix but the embedding, whose stddev is 1); block sizes apply to f8_e4m3.
// For tests of the device generator, which compare matrices one by one.
WeightMatrix random_matrix(std::string_view name, int rows, int cols, DType dtype,
                           std::uint64_t seed, float stddev = -1, int block_rows = 128,
                           int block_cols = 128);

// The stddev random_weights gives a linear layer of `cols` inputs (1 / sqrt(cols)), and the
// half width of its uniform values: the one formula the device generator uses too.
double uniform_half_width(float stddev);

// `--load-format dummy`: a published shape, maybe cut to its first `layers` decoder layers,
// with random weights.
struct DummySpec {
  std::string shape;             // "deepseek-v2-lite" | "deepseek-v3" (shape_config's names)
  int layers = 0;                // 0: all of the shape's
  DType dtype = DType::f8_e4m3;  // bf16 or f8_e4m3; embeddings, norms, router, LM head bf16
  std::uint64_t seed = 0;
  bool mtp = false;  // with MTP module 0 (num_nextn_predict_layers 1)
};

// The shape's config cut to spec.layers (first_k_dense_replace kept within them), with an fp8
// quantization_config for f8_e4m3 and none for bf16, and an MTP module announced for spec.mtp.
// UsageError for an unknown shape, a dtype other than bf16 or fp8, or more layers than the
// shape has.
ModelConfig dummy_config(const DummySpec& spec);
// random_weights(dummy_config(spec), {spec.dtype, spec.seed, spec.mtp}).
RandomWeightsOptions dummy_weights_options(const DummySpec& spec);
// "dummy-<shape>[-<N>l]-<bf16|fp8>[+mtp]": the model's name in runs and reports.
std::string dummy_name(const DummySpec& spec);
// 16 hex digits over (shape, layers, dtype, seed, mtp): a run resumes only on the same weights.
std::string dummy_digest(const DummySpec& spec);

}  // namespace rbench::moe
