// `rbench engine quantize --fp8 IN OUT`: a DeepSeek-V2/V3 checkpoint in f32, bf16 or f16 turned
// into DeepSeek-V3's fp8 layout. Every 2-D `model.layers.*_proj.weight` and
// `kv_a_proj_with_mqa.weight` (attention projections, dense MLPs, routed and shared experts, the
// MTP layer's too) but the MTP layer's eh_proj becomes
// F8_E4M3 with a `*.weight_scale_inv` F32 tensor of one scale per 128x128 block
// (quantize_fp8_band); every other tensor (embeddings, norms, router, correction bias, LM head,
// MTP's enorm/hnorm/eh_proj/shared_head) keeps its dtype and bytes. config.json gains
// quantization_config; every other file is copied unchanged.
//
// Tensors are read from the memory-mapped input one at a time and written shard by shard
// (at most max_shard_bytes of tensor data each, with model.safetensors.index.json when there is
// more than one), so memory holds one output shard, not the model twice. Everything is written
// into a staging directory beside OUT that is renamed to OUT only when complete: a failed run
// removes it, and a killed one leaves it (hidden, never at OUT) for the next run to clear.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace rbench::moe {

enum class QuantFormat { none, fp8 };

struct QuantizeOptions {
  QuantFormat format = QuantFormat::none;  // none is refused: the format must be named
  bool force = false;                      // replace a non-empty OUT
  int block_rows = 128;                    // weight_block_size, as DeepSeek-V3 publishes it
  int block_cols = 128;
  std::uint64_t max_shard_bytes = 4'000'000'000;  // tensor data per output file
};

struct QuantizeSummary {
  int tensors_quantised = 0;       // written as F8_E4M3, each with its scale tensor
  int tensors_kept = 0;            // written in their own dtype
  std::uint64_t bytes_before = 0;  // tensor data of IN
  std::uint64_t bytes_after = 0;   // tensor data of OUT, scales included
  int shards = 0;                  // safetensors files written
  int files_copied = 0;            // other files (tokenizer, model card, ...)
  int block_rows = 0;              // the weight_block_size written
  int block_cols = 0;
  double ratio() const;  // bytes_after / bytes_before
};

// Refuses with UsageError a missing format, OUT non-empty without `force`, OUT inside IN or IN
// inside OUT; with DataError (naming the file, and the tensor where there is one) IN without
// config.json or weights, IN already quantised (a quantization_config, F8 tensors or
// *_scale_inv tensors), a tensor to quantise that is not a float type or holds a non-finite value.
QuantizeSummary quantize_checkpoint(const std::filesystem::path& in,
                                    const std::filesystem::path& out,
                                    const QuantizeOptions& options);

// What the command prints to stderr: counts, bytes before and after, their ratio (3 decimals).
std::string describe(const QuantizeSummary& summary, const std::filesystem::path& in,
                     const std::filesystem::path& out);

}  // namespace rbench::moe
