// Element-type conversions: every e4m3, bf16 and f16 code decodes to the value its bit fields
// say and encodes back to itself; f32 inputs round to nearest even, e4m3 saturates at +-448,
// and NaN stays NaN.
#include "engines/moe/checkpoint/dtype.h"

#include <gtest/gtest.h>

#include <array>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <stdexcept>
#include <vector>

namespace rbench::moe {
namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();

float from_bits(std::uint32_t bits) {
  return std::bit_cast<float>(bits);
}

// The OCP e4m3fn definition, computed in double from the bit fields.
double e4m3_reference(std::uint8_t code) {
  const int sign = code >> 7;
  const int exp = (code >> 3) & 0xF;
  const int mant = code & 0x7;
  const double magnitude =
      exp == 0 ? mant / 8.0 * std::pow(2.0, -6) : (1 + mant / 8.0) * std::pow(2.0, exp - 7);
  return sign != 0 ? -magnitude : magnitude;
}

// Nearest finite e4m3 code by brute force, ties to the even code, saturating: the oracle for
// f32_to_f8_e4m3.
std::uint8_t e4m3_nearest(float v) {
  const std::uint8_t sign = std::signbit(v) ? 0x80 : 0x00;
  const double a = std::fabs(static_cast<double>(v));
  if (a >= 448) return sign | 0x7E;
  std::uint8_t best = 0;
  double best_diff = std::numeric_limits<double>::infinity();
  for (int code = 0; code <= 0x7E; ++code) {
    const double diff = std::fabs(e4m3_reference(static_cast<std::uint8_t>(code)) - a);
    if (diff < best_diff || (diff == best_diff && (code & 1) == 0)) {
      best = static_cast<std::uint8_t>(code);
      best_diff = diff;
    }
  }
  return sign | best;
}

TEST(MoeDType, NamesSizesAndParsing) {
  const std::array<std::tuple<DType, const char*, std::size_t>, 11> expected{{
      {DType::f64, "F64", 8},
      {DType::f32, "F32", 4},
      {DType::f16, "F16", 2},
      {DType::bf16, "BF16", 2},
      {DType::f8_e4m3, "F8_E4M3", 1},
      {DType::i64, "I64", 8},
      {DType::i32, "I32", 4},
      {DType::i16, "I16", 2},
      {DType::i8, "I8", 1},
      {DType::u8, "U8", 1},
      {DType::boolean, "BOOL", 1},
  }};
  for (const auto& [type, name, size] : expected) {
    EXPECT_EQ(to_string(type), name);
    EXPECT_EQ(parse_dtype(name), type) << name;
    EXPECT_EQ(dtype_size(type), size) << name;
  }
  EXPECT_EQ(parse_dtype("f32"), std::nullopt);
  EXPECT_EQ(parse_dtype("F8_E5M2"), std::nullopt);
  EXPECT_EQ(parse_dtype(""), std::nullopt);
}

TEST(MoeDType, E4m3KnownCodes) {
  EXPECT_EQ(f8_e4m3_to_f32(0x00), 0.0f);
  EXPECT_TRUE(std::signbit(f8_e4m3_to_f32(0x80)));
  EXPECT_EQ(f8_e4m3_to_f32(0x01), 0.001953125f);  // smallest subnormal, 2^-9
  EXPECT_EQ(f8_e4m3_to_f32(0x07), 0.013671875f);  // largest subnormal, 7 * 2^-9
  EXPECT_EQ(f8_e4m3_to_f32(0x08), 0.015625f);     // smallest normal, 2^-6
  EXPECT_EQ(f8_e4m3_to_f32(0x38), 1.0f);
  EXPECT_EQ(f8_e4m3_to_f32(0x39), 1.125f);
  EXPECT_EQ(f8_e4m3_to_f32(0x40), 2.0f);
  EXPECT_EQ(f8_e4m3_to_f32(0xC4), -3.0f);
  EXPECT_EQ(f8_e4m3_to_f32(0x77), 240.0f);
  EXPECT_EQ(f8_e4m3_to_f32(0x78), 256.0f);  // e4m3fn uses exponent 15 for numbers
  EXPECT_EQ(f8_e4m3_to_f32(0x7E), 448.0f);
  EXPECT_EQ(f8_e4m3_to_f32(0xFE), -448.0f);
  EXPECT_TRUE(std::isnan(f8_e4m3_to_f32(0x7F)));
  EXPECT_TRUE(std::isnan(f8_e4m3_to_f32(0xFF)));
}

TEST(MoeDType, E4m3AllCodesDecodeAndRoundTrip) {
  for (int i = 0; i < 256; ++i) {
    const auto code = static_cast<std::uint8_t>(i);
    const float v = f8_e4m3_to_f32(code);
    if ((code & 0x7F) == 0x7F) {
      EXPECT_TRUE(std::isnan(v)) << std::hex << i;
    } else {
      EXPECT_EQ(static_cast<double>(v), e4m3_reference(code)) << std::hex << i;
      EXPECT_EQ(std::signbit(v), (code & 0x80) != 0) << std::hex << i;
    }
    EXPECT_EQ(f32_to_f8_e4m3(v), code) << std::hex << i;
  }
  for (int i = 1; i <= 0x7E; ++i) {
    EXPECT_LT(f8_e4m3_to_f32(static_cast<std::uint8_t>(i - 1)),
              f8_e4m3_to_f32(static_cast<std::uint8_t>(i)));
  }
}

TEST(MoeDType, E4m3RoundsToNearestEvenAndSaturates) {
  EXPECT_EQ(f32_to_f8_e4m3(1.0625f), 0x38);  // halfway 1.0 | 1.125: even 1.0
  EXPECT_EQ(f32_to_f8_e4m3(1.1875f), 0x3A);  // halfway 1.125 | 1.25: even 1.25
  EXPECT_EQ(f32_to_f8_e4m3(1.0626f), 0x39);  // just above halfway
  EXPECT_EQ(f32_to_f8_e4m3(-1.0625f), 0xB8);
  EXPECT_EQ(f32_to_f8_e4m3(15.5f), 0x58);          // halfway 15 | 16: 16 (exponent carry)
  EXPECT_EQ(f32_to_f8_e4m3(0.0009765625f), 0x00);  // 2^-10, halfway 0 | 2^-9: even 0
  EXPECT_EQ(f32_to_f8_e4m3(0.0029296875f), 0x02);  // 1.5 * 2^-9: even 2 units
  EXPECT_EQ(f32_to_f8_e4m3(0.0146484375f), 0x08);  // 7.5 * 2^-9: up to the smallest normal
  EXPECT_EQ(f32_to_f8_e4m3(1e-30f), 0x00);
  EXPECT_EQ(f32_to_f8_e4m3(-0.0f), 0x80);
  EXPECT_EQ(f32_to_f8_e4m3(432.0f), 0x7E);  // halfway 416 | 448: even 448
  EXPECT_EQ(f32_to_f8_e4m3(431.0f), 0x7D);
  EXPECT_EQ(f32_to_f8_e4m3(448.0f), 0x7E);
  EXPECT_EQ(f32_to_f8_e4m3(449.0f), 0x7E);
  EXPECT_EQ(f32_to_f8_e4m3(500.0f), 0x7E);
  EXPECT_EQ(f32_to_f8_e4m3(1e9f), 0x7E);
  EXPECT_EQ(f32_to_f8_e4m3(kInf), 0x7E);
  EXPECT_EQ(f32_to_f8_e4m3(-kInf), 0xFE);
  EXPECT_EQ(f32_to_f8_e4m3(kNaN), 0x7F);
  EXPECT_EQ(f32_to_f8_e4m3(-kNaN), 0xFF);
}

TEST(MoeDType, E4m3EncodeMatchesBruteForceNearest) {
  std::vector<float> inputs;
  // Every midpoint between neighbouring codes, and a hair either side of it.
  for (int code = 0; code < 0x7E; ++code) {
    const float mid = static_cast<float>((e4m3_reference(static_cast<std::uint8_t>(code)) +
                                          e4m3_reference(static_cast<std::uint8_t>(code + 1))) /
                                         2);
    inputs.insert(inputs.end(), {mid, std::nextafter(mid, 0.0f), std::nextafter(mid, kInf)});
  }
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> log_magnitude(-12.0f, 9.5f);
  for (int i = 0; i < 20000; ++i) {
    const float v = std::exp2(log_magnitude(rng));
    inputs.push_back(i % 2 == 0 ? v : -v);
  }
  for (const float v : inputs) {
    EXPECT_EQ(f32_to_f8_e4m3(v), e4m3_nearest(v)) << v;
  }
}

TEST(MoeDType, Bf16AllCodesRoundTrip) {
  for (std::uint32_t i = 0; i < 65536; ++i) {
    const auto code = static_cast<std::uint16_t>(i);
    const float v = bf16_to_f32(code);
    EXPECT_EQ(std::bit_cast<std::uint32_t>(v), i << 16);
    if (std::isnan(v)) {
      // NaN payloads survive too, not just NaN-ness.
      EXPECT_EQ(f32_to_bf16(v), code) << std::hex << i;
    } else {
      ASSERT_EQ(f32_to_bf16(v), code) << std::hex << i;
    }
  }
}

TEST(MoeDType, Bf16RoundsToNearestEven) {
  EXPECT_EQ(f32_to_bf16(1.0f), 0x3F80);
  EXPECT_EQ(f32_to_bf16(from_bits(0x3F808000)), 0x3F80);  // halfway, even stays
  EXPECT_EQ(f32_to_bf16(from_bits(0x3F818000)), 0x3F82);  // halfway, odd rounds up
  EXPECT_EQ(f32_to_bf16(from_bits(0x3F808001)), 0x3F81);  // above halfway
  EXPECT_EQ(f32_to_bf16(from_bits(0x3F807FFF)), 0x3F80);  // below halfway
  EXPECT_EQ(f32_to_bf16(from_bits(0xBF818000)), 0xBF82);
  EXPECT_EQ(f32_to_bf16(from_bits(0x3FFF8000)), 0x4000);  // carry into the exponent
  EXPECT_EQ(f32_to_bf16(from_bits(0x7F7FFFFF)), 0x7F80);  // largest f32 rounds to inf
  EXPECT_EQ(f32_to_bf16(kInf), 0x7F80);
  EXPECT_EQ(f32_to_bf16(-kInf), 0xFF80);
  EXPECT_EQ(f32_to_bf16(from_bits(0x00008000)), 0x0000);  // f32 subnormal, halfway to even 0
  EXPECT_EQ(f32_to_bf16(from_bits(0x00018000)), 0x0002);
  EXPECT_EQ(f32_to_bf16(kNaN), 0x7FC0);
  // A NaN whose payload lives only in the dropped bits must not turn into inf.
  const std::uint16_t low_payload_nan = f32_to_bf16(from_bits(0x7F800001));
  EXPECT_TRUE(std::isnan(bf16_to_f32(low_payload_nan)));
  EXPECT_TRUE(std::isnan(bf16_to_f32(f32_to_bf16(from_bits(0xFF800001)))));
  EXPECT_TRUE(std::signbit(bf16_to_f32(f32_to_bf16(from_bits(0xFF800001)))));
}

TEST(MoeDType, F16AllCodesDecodeAndRoundTrip) {
#ifdef __FLT16_MANT_DIG__  // the compiler's _Float16 is the oracle (g++ 12; clang 15 on x86)
  for (std::uint32_t i = 0; i < 65536; ++i) {
    const auto code = static_cast<std::uint16_t>(i);
    const float v = f16_to_f32(code);
    _Float16 h;
    std::memcpy(&h, &code, sizeof h);
    const float oracle = static_cast<float>(h);  // the compiler's own conversion
    if (std::isnan(oracle)) {
      EXPECT_TRUE(std::isnan(v)) << std::hex << i;
    } else {
      ASSERT_EQ(v, oracle) << std::hex << i;
      ASSERT_EQ(std::signbit(v), std::signbit(oracle)) << std::hex << i;
    }
    ASSERT_EQ(f32_to_f16(v), code) << std::hex << i;
  }
#else
  GTEST_SKIP() << "this compiler has no _Float16 on this target: no oracle to compare with";
#endif
}

TEST(MoeDType, F16RoundsToNearestEven) {
  EXPECT_EQ(f32_to_f16(1.0f), 0x3C00);
  EXPECT_EQ(f32_to_f16(1.0f + 0x1p-11f), 0x3C00);      // halfway, even stays
  EXPECT_EQ(f32_to_f16(1.0f + 3 * 0x1p-11f), 0x3C02);  // halfway, odd rounds up
  EXPECT_EQ(f32_to_f16(65504.0f), 0x7BFF);
  EXPECT_EQ(f32_to_f16(65519.0f), 0x7BFF);
  EXPECT_EQ(f32_to_f16(65520.0f), 0x7C00);  // halfway to 65536, which is inf
  EXPECT_EQ(f32_to_f16(1e10f), 0x7C00);
  EXPECT_EQ(f32_to_f16(-kInf), 0xFC00);
  EXPECT_EQ(f32_to_f16(0x1p-24f), 0x0001);            // smallest subnormal
  EXPECT_EQ(f32_to_f16(0x1p-25f), 0x0000);            // halfway 0 | 2^-24: even 0
  EXPECT_EQ(f32_to_f16(3 * 0x1p-25f), 0x0002);        // halfway 1 | 2 units: even 2
  EXPECT_EQ(f32_to_f16(1023.5f * 0x1p-24f), 0x0400);  // up into the smallest normal
  EXPECT_EQ(f32_to_f16(-0.0f), 0x8000);
  EXPECT_EQ(f32_to_f16(kNaN), 0x7E00);
  EXPECT_TRUE(std::isnan(f16_to_f32(f32_to_f16(from_bits(0x7F800001)))));
}

TEST(MoeDType, F16EncodeMatchesCompiler) {
#ifdef __FLT16_MANT_DIG__  // the compiler's _Float16 is the oracle (g++ 12; clang 15 on x86)
  std::mt19937 rng(11);
  std::uniform_int_distribution<std::uint32_t> sign_and_mantissa;
  // Biased f32 exponents from deep below the f16 subnormals to past its largest value.
  std::uniform_int_distribution<std::uint32_t> exponent(90, 145);
  for (int i = 0; i < 200000; ++i) {
    const std::uint32_t bits = (sign_and_mantissa(rng) & 0x807FFFFFu) | (exponent(rng) << 23);
    const float v = from_bits(bits);
    const _Float16 h = static_cast<_Float16>(v);
    std::uint16_t oracle;
    std::memcpy(&oracle, &h, sizeof oracle);
    ASSERT_EQ(f32_to_f16(v), oracle) << std::hexfloat << v;
  }
#else
  GTEST_SKIP() << "this compiler has no _Float16 on this target: no oracle to compare with";
#endif
}

TEST(MoeDType, ConvertToF32EveryFloatType) {
  // Values exact in every type, read from an odd address as mapped tensors may be.
  const std::vector<float> values{0.0f, 1.0f, -2.5f, 0.125f, 448.0f, -0.015625f};
  std::vector<std::byte> buffer(1 + values.size() * 8);
  std::vector<float> out(values.size());
  const auto check = [&](DType t, auto encode) {
    const std::size_t size = dtype_size(t);
    for (std::size_t i = 0; i < values.size(); ++i) {
      const auto bits = encode(values[i]);
      static_assert(std::is_trivially_copyable_v<decltype(bits)>);
      ASSERT_EQ(sizeof bits, size);
      std::memcpy(buffer.data() + 1 + i * size, &bits, size);
    }
    convert_to_f32(t, buffer.data() + 1, values.size(), out.data());
    EXPECT_EQ(out, values) << to_string(t);
  };
  check(DType::f32, [](float v) { return v; });
  check(DType::f64, [](float v) { return static_cast<double>(v); });
  check(DType::f16, [](float v) { return f32_to_f16(v); });
  check(DType::bf16, [](float v) { return f32_to_bf16(v); });
  check(DType::f8_e4m3, [](float v) { return f32_to_f8_e4m3(v); });

  for (const DType t : {DType::i64, DType::i32, DType::i16, DType::i8, DType::u8, DType::boolean}) {
    EXPECT_THROW(convert_to_f32(t, buffer.data(), 1, out.data()), std::invalid_argument);
  }
}

}  // namespace
}  // namespace rbench::moe
