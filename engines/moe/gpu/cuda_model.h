// The DeepSeek forward pass on a CUDA device, the twin of the CPU Model (engines/moe/model):
// the weights uploaded as loaded (f32, bf16, fp8 with its block scales), a paged latent KV cache,
// and every op a kernel of engines/moe/cuda checked against its CPU twin.
//
// Choices, and why:
// - Activations stay f32 between ops, as on the CPU; weights stay in their dtype. The cache is
//   bf16 for bf16 and fp8 checkpoints (what deployments hold; half the bytes a decode step reads)
//   and f32 for f32 checkpoints, where the CPU comparison is tightest.
// - Products of up to kGemvRowsMax rows (every decode step, small experts' batches) go through
//   the gemv kernel, which reads the weights in their dtype and reduces each output in an order
//   fixed by the matrix alone: a token's logits have the same bits alone or in a batch, as on the
//   CPU. Larger products (prefill) dequantise the matrix to f32 and call cuBLAS's SGEMM with TF32
//   off: cuBLAS picks kernels by shape, so it is not batch-invariant, and prefill needs no
//   invariance (the scheduler never mixes a decode token into a product of this size unless the
//   batch itself is that large; see README "--device cuda").
// - Attention, prefill and decode alike, is our split-KV kernel over the paged latent cache in the
//   absorbed formulation (mla.h), not the unabsorbed form through cuBLAS batched GEMMs: it reads
//   the latent cache where it lies instead of materialising per-head keys and values, and a
//   token's result does not depend on whether it came in a prompt chunk or a decode step, which
//   MTP self-speculation relies on.
// - The MoE router's choice is one thread per token following route_token step by step; tokens
//   are then permuted into expert order, gathered, multiplied per expert, and added back
//   weighted in slot order, as Model::moe sums. For decode-sized batches (at most kGemvRowsMax
//   tokens) the permutation is made on the device (moe_align) and one grouped gemv per
//   projection serves every chosen expert, with gemv's own per-output reduction (the same bits
//   as a gemv per expert); larger batches sort on the host, where the counts decide the launches.
// - A decode step never waits on the host: its inputs (ids, positions, block tables, sampling
//   settings) are staged in pinned memory and copied into fixed device buffers before it, and
//   only ids (plus the logits and hidden states a caller asks for) come back after it. Steps of
//   1 token per input (or 2 with all logits: MTP verification), padded to a batch of
//   1, 2, 4, ..., 64 with dummy inputs writing to a scratch cache block, are captured once per
//   (batch, tokens per input, length bucket, sampled) as a CUDA graph and replayed; padding and
//   the bucket change no result (every kernel is batch-invariant and attention stops at each
//   token's own length). RBENCH_CUDA_GRAPHS=0 runs every step eagerly, unpadded.
//
// forward() and mtp_forward() may be called from several threads: calls are serialised on one
// stream, and each uses its own caches.
#pragma once

#include <memory>
#include <string>

#include "engines/moe/model/forward_model.h"
#include "engines/moe/model/model.h"
#include "engines/moe/model/random_weights.h"

namespace rbench::moe::gpu {

// Until scripts/gpu-check has passed on a GPU, every --device cuda run says so first.
inline constexpr const char* kValidation = "the CUDA path is not yet validated on a GPU";

// Empty when CUDA device `ordinal` can be used, otherwise why not (no driver, no device, ...).
std::string cuda_unavailable(int ordinal);

// Uploads `host`'s weights to device `ordinal` and returns the model that runs there. Error when
// the device lacks the memory or cuBLAS cannot be loaded (SetupError, naming the library).
std::shared_ptr<const ForwardModel> load_cuda_model(std::shared_ptr<const Model> host, int ordinal);

// `--load-format dummy`: random weights of `config` generated in device `ordinal`'s memory,
// bit for bit random_weights(config, options)'s; the host Model keeps their shapes only (and
// the small vectors). SetupError when they do not fit the device's free memory, saying how many
// decoder layers would (--layers).
std::shared_ptr<const ForwardModel> load_dummy_cuda_model(const ModelConfig& config,
                                                          RandomWeightsOptions options,
                                                          int ordinal);

}  // namespace rbench::moe::gpu
