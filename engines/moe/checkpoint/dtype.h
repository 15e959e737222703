// Element types of safetensors checkpoints and their conversions to and from f32.
// bf16 and f16 conversions round to nearest even; f8 e4m3 is the OCP "fn" variant DeepSeek uses
// (no infinities, max 448, one NaN pattern per sign), saturating when converting from f32.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace rbench::moe {

enum class DType { f32, f16, bf16, f8_e4m3, i64, i32, i16, i8, u8, boolean, f64 };

std::string_view to_string(DType t);  // safetensors names: "F32", "BF16", "F8_E4M3", ...
std::optional<DType> parse_dtype(std::string_view name);
std::size_t dtype_size(DType t);  // bytes per element

float bf16_to_f32(std::uint16_t v);
std::uint16_t f32_to_bf16(float v);
float f16_to_f32(std::uint16_t v);
std::uint16_t f32_to_f16(float v);
float f8_e4m3_to_f32(std::uint8_t v);
std::uint8_t f32_to_f8_e4m3(float v);

// DeepSeek-V3's fp8 block quantisation, one band of a row-major matrix at a time: `values` holds
// whole rows (at most a block's worth) of `cols` finite f32 values. Each block of `block_cols`
// columns gets the scale amax(|v|) / 448, written to scales[block], so that its largest value
// maps to e4m3's largest; an all-zero block gets 1 (any scale represents it, and 0 would divide
// by zero), and one whose scale underflows the smallest normal f32 gets that. Each element is
// stored as e4m3(v / scale), rounded to nearest even and saturating. Dequantised:
// q * scale, the scale being the checkpoint's weight_scale_inv.
// q.size() == values.size(); scales.size() == ceil(cols / block_cols).
void quantize_fp8_band(std::span<const float> values, int cols, int block_cols,
                       std::span<std::uint8_t> q, std::span<float> scales);

// Converts `count` elements of a float type (f32, f16, bf16, f8_e4m3, f64) at `src` to f32.
// Throws std::invalid_argument for integer types.
void convert_to_f32(DType t, const std::byte* src, std::size_t count, float* dst);

}  // namespace rbench::moe
