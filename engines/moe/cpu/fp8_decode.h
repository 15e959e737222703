// fp8 e4m3 (OCP "fn": no infinities, 0x7F/0xFF are NaN) to f32 with integer bit operations, 16
// codes at a time in vector registers: what the CPU matmul streams fp8 weights through. Bitwise
// the same as f8_e4m3_to_f32 (engines/moe/checkpoint/dtype.h) for all 256 codes, subnormals,
// signed zeros and NaN included, so the dequantised rows, and the logits, do not change.
#pragma once

#include <bit>
#include <cstdint>

namespace rbench::moe {

// One code: sign to bit 31; a normal's exponent rebiased by 127 - 7 and its mantissa shifted up
// by 23 - 3; a subnormal m * 2^-9 through an exact int-to-float conversion; NaN quiet.
inline float e4m3_bits_to_f32(std::uint8_t code) {
  const std::uint32_t sign = static_cast<std::uint32_t>(code & 0x80u) << 24;
  const std::uint32_t mag = code & 0x7Fu;
  std::uint32_t bits = 0;
  if (mag == 0x7Fu) {
    bits = 0x7FC00000u;
  } else if (mag < 8) {
    bits = std::bit_cast<std::uint32_t>(static_cast<float>(mag) * (1.0f / 512.0f));
  } else {
    bits = (mag << 20) + (120u << 23);
  }
  return std::bit_cast<float>(bits | sign);
}

// out[i] = e4m3(codes[i]) * scale for i in [0, n): the same bits as f8_e4m3_to_f32(code) * scale
// (one f32 multiplication, correctly rounded). Vectorised with GCC vector extensions, which the
// compiler lowers to the widest unit the build targets (AVX-512, AVX2, SSE2 or scalar code).
void decode_e4m3_scaled(const std::uint8_t* codes, int n, float scale, float* out);

}  // namespace rbench::moe
