// Element types of safetensors checkpoints and their bit-exact conversions to and from f32.
// Everything is integer arithmetic on the IEEE bit patterns, so results do not depend on the
// FPU's rounding mode or on flush-to-zero settings; the fp8 block quantisation divides by its
// scales in f32 (never subnormal ones), as DeepSeek's quantiser does.
#include "engines/moe/checkpoint/dtype.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>

namespace rbench::moe {
namespace {

constexpr std::array<std::pair<DType, std::string_view>, 11> kNames{{
    {DType::f64, "F64"},
    {DType::f32, "F32"},
    {DType::f16, "F16"},
    {DType::bf16, "BF16"},
    {DType::f8_e4m3, "F8_E4M3"},
    {DType::i64, "I64"},
    {DType::i32, "I32"},
    {DType::i16, "I16"},
    {DType::i8, "I8"},
    {DType::u8, "U8"},
    {DType::boolean, "BOOL"},
}};

constexpr std::uint32_t kF32AbsMask = 0x7FFF'FFFFu;
constexpr std::uint32_t kF32Inf = 0x7F80'0000u;

// Rounds `bits` to nearest even after dropping its low `shift` bits.
constexpr std::uint32_t round_shift_even(std::uint32_t bits, int shift) {
  const std::uint32_t half = (1u << (shift - 1)) - 1;
  return (bits + half + ((bits >> shift) & 1u)) >> shift;
}

// Rounds a non-negative value below 2^24 (exact in f32) to the nearest integer, ties to even.
std::uint32_t round_to_int_even(float v) {
  const float floor = std::floor(v);
  const float diff = v - floor;
  auto r = static_cast<std::uint32_t>(floor);
  if (diff > 0.5f || (diff == 0.5f && (r & 1u) != 0)) ++r;
  return r;
}

template <typename T>
T load(const std::byte* p) {
  // Tensors in a mapped file need not be aligned for T.
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

}  // namespace

std::string_view to_string(DType t) {
  for (const auto& [type, name] : kNames) {
    if (type == t) return name;
  }
  throw std::invalid_argument("to_string: unknown DType " + std::to_string(static_cast<int>(t)));
}

std::optional<DType> parse_dtype(std::string_view name) {
  for (const auto& [type, n] : kNames) {
    if (n == name) return type;
  }
  return std::nullopt;
}

std::size_t dtype_size(DType t) {
  switch (t) {
    case DType::f64:
    case DType::i64:
      return 8;
    case DType::f32:
    case DType::i32:
      return 4;
    case DType::f16:
    case DType::bf16:
    case DType::i16:
      return 2;
    case DType::f8_e4m3:
    case DType::i8:
    case DType::u8:
    case DType::boolean:
      return 1;
  }
  throw std::invalid_argument("dtype_size: unknown DType " + std::to_string(static_cast<int>(t)));
}

float bf16_to_f32(std::uint16_t v) {
  return std::bit_cast<float>(std::uint32_t{v} << 16);
}

std::uint16_t f32_to_bf16(float v) {
  const auto bits = std::bit_cast<std::uint32_t>(v);
  if ((bits & kF32AbsMask) > kF32Inf) {
    // NaN: keep sign and top payload bits; truncation must not leave an all-zero mantissa (inf).
    auto r = static_cast<std::uint16_t>(bits >> 16);
    if ((r & 0x7Fu) == 0) r |= 0x40u;
    return r;
  }
  // A carry out of the mantissa bumps the exponent, and past the largest finite value gives inf,
  // both as IEEE rounding requires.
  return static_cast<std::uint16_t>(round_shift_even(bits, 16));
}

float f16_to_f32(std::uint16_t v) {
  const std::uint32_t sign = std::uint32_t{v & 0x8000u} << 16;
  const std::uint32_t exp = (v >> 10) & 0x1Fu;
  const std::uint32_t mant = v & 0x3FFu;
  if (exp == 0x1F) return std::bit_cast<float>(sign | kF32Inf | (mant << 13));
  if (exp == 0) {
    // Zero or subnormal: mant * 2^-24, exact in f32.
    const float magnitude = std::ldexp(static_cast<float>(mant), -24);
    return sign != 0 ? -magnitude : magnitude;
  }
  return std::bit_cast<float>(sign | ((exp + 112) << 23) | (mant << 13));
}

std::uint16_t f32_to_f16(float v) {
  const auto bits = std::bit_cast<std::uint32_t>(v);
  const auto sign = static_cast<std::uint16_t>((bits >> 16) & 0x8000u);
  const std::uint32_t abs = bits & kF32AbsMask;
  if (abs > kF32Inf) {
    auto mant = static_cast<std::uint16_t>((abs >> 13) & 0x3FFu);
    if (mant == 0) mant = 0x200;
    return sign | 0x7C00u | mant;
  }
  constexpr std::uint32_t kMinNormal = 0x3880'0000u;  // 2^-14
  if (abs >= kMinNormal) {
    // Rebias the exponent (127 -> 15) after rounding; overflow saturates to inf.
    const std::uint32_t r = round_shift_even(abs, 13) - (112u << 10);
    return sign | static_cast<std::uint16_t>(r >= 0x7C00u ? 0x7C00u : r);
  }
  // Subnormal: count units of 2^-24. Scaling by a power of two is exact; 1024 units is the
  // smallest normal, whose code is 0x400 as well.
  const float units = std::ldexp(std::bit_cast<float>(abs), 24);
  return sign | static_cast<std::uint16_t>(round_to_int_even(units));
}

float f8_e4m3_to_f32(std::uint8_t v) {
  const bool negative = (v & 0x80u) != 0;
  const unsigned exp = (v >> 3) & 0xFu;
  const unsigned mant = v & 0x7u;
  float magnitude = 0;
  if (exp == 0xF && mant == 0x7) {
    magnitude = std::numeric_limits<float>::quiet_NaN();
  } else if (exp == 0) {
    magnitude = std::ldexp(static_cast<float>(mant), -9);  // subnormal: mant * 2^-9
  } else {
    magnitude = std::ldexp(static_cast<float>(8 + mant), static_cast<int>(exp) - 10);
  }
  return negative ? -magnitude : magnitude;
}

std::uint8_t f32_to_f8_e4m3(float v) {
  const auto bits = std::bit_cast<std::uint32_t>(v);
  const auto sign = static_cast<std::uint8_t>((bits >> 24) & 0x80u);
  const std::uint32_t abs = bits & kF32AbsMask;
  if (abs > kF32Inf) return sign | 0x7Fu;
  constexpr std::uint32_t kMax = 0x43E0'0000u;  // 448, the largest finite e4m3 value
  constexpr std::uint8_t kMaxCode = 0x7E;
  // e4m3fn has no infinity: DeepSeek's quantizer clamps to +-448, and so do we.
  if (abs >= kMax) return sign | kMaxCode;
  constexpr std::uint32_t kMinNormal = 0x3C80'0000u;  // 2^-6
  if (abs >= kMinNormal) {
    // Keep 3 mantissa bits, then rebias the exponent (127 -> 7). Below 448 rounding reaches
    // at most 448 itself.
    return sign | static_cast<std::uint8_t>(round_shift_even(abs, 20) - (120u << 3));
  }
  // Subnormal: units of 2^-9; 8 units is the smallest normal, code 0x08.
  const float units = std::ldexp(std::bit_cast<float>(abs), 9);
  return sign | static_cast<std::uint8_t>(round_to_int_even(units));
}

void quantize_fp8_band(std::span<const float> values, int cols, int block_cols,
                       std::span<std::uint8_t> q, std::span<float> scales) {
  if (cols <= 0 || block_cols <= 0 || values.size() % static_cast<std::size_t>(cols) != 0 ||
      q.size() != values.size() ||
      scales.size() != static_cast<std::size_t>((cols + block_cols - 1) / block_cols)) {
    throw std::invalid_argument("quantize_fp8_band: sizes do not fit a band of rows");
  }
  constexpr float kE4m3Max = 448.0f;
  const std::size_t rows = values.size() / static_cast<std::size_t>(cols);
  for (std::size_t b = 0; b < scales.size(); ++b) {
    const std::size_t c0 = b * static_cast<std::size_t>(block_cols);
    const std::size_t c1 = std::min(static_cast<std::size_t>(cols), c0 + block_cols);
    float amax = 0.0f;
    for (std::size_t r = 0; r < rows; ++r) {
      for (std::size_t c = c0; c < c1; ++c) amax = std::max(amax, std::abs(values[r * cols + c]));
    }
    float scale = amax / kE4m3Max;
    if (amax == 0.0f) {
      scale = 1.0f;
    } else if (scale < std::numeric_limits<float>::min()) {
      scale = std::numeric_limits<float>::min();
    }
    scales[b] = scale;
    for (std::size_t r = 0; r < rows; ++r) {
      for (std::size_t c = c0; c < c1; ++c) {
        q[r * cols + c] = f32_to_f8_e4m3(values[r * cols + c] / scale);
      }
    }
  }
}

void convert_to_f32(DType t, const std::byte* src, std::size_t count, float* dst) {
  switch (t) {
    case DType::f32:
      // An empty tensor may come with null pointers, which memcpy must not see.
      if (count != 0) std::memcpy(dst, src, count * sizeof(float));
      return;
    case DType::f64:
      for (std::size_t i = 0; i < count; ++i) {
        dst[i] = static_cast<float>(load<double>(src + i * 8));
      }
      return;
    case DType::f16:
      for (std::size_t i = 0; i < count; ++i) dst[i] = f16_to_f32(load<std::uint16_t>(src + i * 2));
      return;
    case DType::bf16:
      for (std::size_t i = 0; i < count; ++i) {
        dst[i] = bf16_to_f32(load<std::uint16_t>(src + i * 2));
      }
      return;
    case DType::f8_e4m3:
      for (std::size_t i = 0; i < count; ++i) {
        dst[i] = f8_e4m3_to_f32(std::to_integer<std::uint8_t>(src[i]));
      }
      return;
    default:
      throw std::invalid_argument("convert_to_f32: " + std::string(to_string(t)) +
                                  " is not a floating-point type");
  }
}

}  // namespace rbench::moe
