// Safetensors files and checkpoints: what write_safetensors writes reads back bit for bit, in
// the reference layout; sharded checkpoints resolve through their index; truncated, overlapping
// or malformed files are refused naming the file and the tensor; fp8 weights are dequantised
// block by block.
#include "engines/moe/checkpoint/safetensors.h"

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <stdexcept>

#include "common/temp_dir.h"
#include "harness/core/error.h"

namespace rbench::moe {
namespace {

using rbench::testing::TempDir;

template <typename T>
std::vector<std::byte> as_bytes(const std::vector<T>& values) {
  std::vector<std::byte> out(values.size() * sizeof(T));
  std::memcpy(out.data(), values.data(), out.size());
  return out;
}

// `values` encoded in the float type `t`.
std::vector<std::byte> encode(DType t, const std::vector<float>& values) {
  switch (t) {
    case DType::f32:
      return as_bytes(values);
    case DType::f64:
      return as_bytes(std::vector<double>(values.begin(), values.end()));
    case DType::f16:
    case DType::bf16: {
      std::vector<std::uint16_t> codes;
      for (const float v : values)
        codes.push_back(t == DType::f16 ? f32_to_f16(v) : f32_to_bf16(v));
      return as_bytes(codes);
    }
    case DType::f8_e4m3: {
      std::vector<std::uint8_t> codes;
      for (const float v : values) codes.push_back(f32_to_f8_e4m3(v));
      return as_bytes(codes);
    }
    default:
      throw std::invalid_argument("encode: not a float type");
  }
}

// A raw safetensors file: the length prefix, `header` as given, then `data_size` zero bytes.
std::string raw_file(std::string_view header, std::size_t data_size, std::uint64_t length = 0) {
  if (length == 0) length = header.size();
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((length >> (8 * i)) & 0xFF);
  out += header;
  out.append(data_size, '\0');
  return out;
}

// The DataError message of opening `path`, or "" when it opened.
std::string open_error(const std::filesystem::path& path) {
  try {
    SafetensorsFile file(path);
  } catch (const DataError& e) {
    return e.what();
  }
  return "";
}

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

TEST(Safetensors, WritesTheReferenceLayout) {
  const TempDir dir;
  const auto path = dir.path() / "one.safetensors";
  write_safetensors(path,
                    std::vector<TensorToWrite>{{"a", DType::f32, {1}, encode(DType::f32, {1.0f})}});
  std::ifstream in(path, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // 54 bytes of JSON padded with spaces to 56, so the data starts at byte 64.
  const std::string header = R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}  )";
  std::string expected = raw_file(header, 0);
  expected += std::string("\x00\x00\x80\x3f", 4);
  EXPECT_EQ(bytes, expected);
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "one.safetensors.tmp"));
}

TEST(Safetensors, RoundTripsEveryFloatDType) {
  const TempDir dir;
  // Exactly representable in every type, e4m3 included.
  const std::vector<float> values{0.0f, 1.0f, -2.5f, 0.125f, 448.0f, -0.015625f};
  const std::vector<DType> types{DType::f32, DType::f64, DType::f16, DType::bf16, DType::f8_e4m3};
  std::vector<TensorToWrite> tensors;
  for (const DType t : types) {
    tensors.push_back({std::string(to_string(t)), t, {2, 3}, encode(t, values)});
  }
  tensors.push_back({"ids", DType::i64, {3}, as_bytes(std::vector<std::int64_t>{7, -1, 1 << 20})});
  tensors.push_back({"flag", DType::boolean, {1}, {std::byte{1}}});
  tensors.push_back({"empty", DType::f32, {0, 4}, {}});
  const std::map<std::string, std::string> metadata{{"format", "pt"}, {"note", "\"quoted\""}};
  write_safetensors(dir.path() / "model.safetensors", tensors, metadata);

  const SafetensorsFile file(dir.path() / "model.safetensors");
  EXPECT_EQ(file.metadata(), metadata);
  ASSERT_EQ(file.tensors().size(), tensors.size());
  for (const auto& written : tensors) {
    const TensorInfo* info = file.find(written.name);
    ASSERT_NE(info, nullptr) << written.name;
    EXPECT_EQ(info->dtype, written.dtype);
    EXPECT_EQ(info->shape, written.shape);
    const auto bytes = file.bytes(*info);
    EXPECT_EQ(std::vector<std::byte>(bytes.begin(), bytes.end()), written.data) << written.name;
  }
  EXPECT_EQ(file.find("absent"), nullptr);

  const Checkpoint checkpoint(dir.path());
  for (const DType t : types) {
    // e4m3 without scales is refused (below); read the others as f32.
    if (t == DType::f8_e4m3) continue;
    const FloatTensor f = checkpoint.to_f32(std::string(to_string(t)));
    EXPECT_EQ(f.shape, (std::vector<std::int64_t>{2, 3}));
    EXPECT_EQ(f.values, values) << to_string(t);
  }
  EXPECT_TRUE(checkpoint.to_f32("empty").values.empty());
  EXPECT_THROW(checkpoint.to_f32("ids"), DataError);
  EXPECT_EQ(checkpoint.names(), (std::vector<std::string>{"BF16", "F16", "F32", "F64", "F8_E4M3",
                                                          "empty", "flag", "ids"}));
}

TEST(Safetensors, WriteValidatesItsInput) {
  const TempDir dir;
  const auto path = dir.path() / "bad.safetensors";
  const auto write = [&](std::vector<TensorToWrite> tensors) { write_safetensors(path, tensors); };
  EXPECT_THROW(write({{"a", DType::f32, {2, 2}, std::vector<std::byte>(15)}}),
               std::invalid_argument);
  EXPECT_THROW(write({{"a", DType::f32, {1}, std::vector<std::byte>(4)},
                      {"a", DType::f32, {1}, std::vector<std::byte>(4)}}),
               std::invalid_argument);
  EXPECT_THROW(write({{"__metadata__", DType::u8, {1}, std::vector<std::byte>(1)}}),
               std::invalid_argument);
  EXPECT_THROW(write({{"a", DType::u8, {-1}, {}}}), std::invalid_argument);
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(Safetensors, TruncatedFileNamesTheTensorPastTheEnd) {
  const TempDir dir;
  const auto path = dir.path() / "model.safetensors";
  write_safetensors(path, std::vector<TensorToWrite>{
                              {"first", DType::f32, {4}, std::vector<std::byte>(16)},
                              {"second", DType::bf16, {8}, std::vector<std::byte>(16)},
                          });
  ASSERT_EQ(open_error(path), "");
  std::filesystem::resize_file(path, std::filesystem::file_size(path) - 3);
  const std::string error = open_error(path);
  EXPECT_TRUE(contains(error, path.string())) << error;
  EXPECT_TRUE(contains(error, "tensor 'second'")) << error;
  EXPECT_TRUE(contains(error, "truncated")) << error;
  EXPECT_THROW(Checkpoint{dir.path()}, DataError);
}

TEST(Safetensors, MalformedHeadersAreRefused) {
  const TempDir dir;
  struct Case {
    std::string name;
    std::string file;
    std::string expected;  // in the message
  };
  const std::vector<Case> cases{
      {"short", std::string(5, '\0'), "too short"},
      {"length_past_end", raw_file("{}", 0, 1000), "header length 1000 runs past the end"},
      {"length_over_limit", raw_file("{}", 0, 200'000'000), "exceeds"},
      {"bad_json", raw_file(R"({"a": {"dtype": "F32",)", 0), "not valid JSON"},
      {"not_object", raw_file("[1, 2]", 0), "not a JSON object"},
      {"overlap",
       raw_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                12),
       "tensor 'b': bytes [4, 12] overlap tensor 'a' at [0, 8]"},
      {"size_mismatch", raw_file(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", 8),
       "tensor 'a': data_offsets [0, 8] hold 8 bytes, but shape [3] of F32 needs 12"},
      {"unknown_dtype",
       raw_file(R"({"a":{"dtype":"F8_E5M2","shape":[1],"data_offsets":[0,1]}})", 1),
       "tensor 'a': unknown dtype \"F8_E5M2\""},
      {"negative_shape", raw_file(R"({"a":{"dtype":"U8","shape":[-1],"data_offsets":[0,0]}})", 0),
       "tensor 'a': \"shape\" must hold non-negative integers"},
      {"reversed_offsets", raw_file(R"({"a":{"dtype":"U8","shape":[1],"data_offsets":[2,1]}})", 4),
       "tensor 'a': data_offsets [2, 1] end before they begin"},
      {"offsets_not_pair", raw_file(R"({"a":{"dtype":"U8","shape":[1],"data_offsets":[0]}})", 1),
       "tensor 'a': \"data_offsets\" must be"},
      {"bad_metadata", raw_file(R"({"__metadata__":{"k":1}})", 0), "__metadata__"},
  };
  for (const auto& c : cases) {
    const auto path = dir.write(c.name + ".safetensors", c.file);
    const std::string error = open_error(path);
    EXPECT_TRUE(contains(error, path.string())) << c.name << ": " << error;
    EXPECT_TRUE(contains(error, c.expected)) << c.name << ": " << error;
  }
}

TEST(Checkpoint, ShardedThroughTheIndex) {
  const TempDir dir;
  write_safetensors(dir.path() / "model-00001-of-00002.safetensors",
                    std::vector<TensorToWrite>{
                        {"embed.weight", DType::f32, {2}, encode(DType::f32, {1.0f, 2.0f})},
                        {"unlisted", DType::f32, {1}, encode(DType::f32, {9.0f})},
                    });
  write_safetensors(dir.path() / "model-00002-of-00002.safetensors",
                    std::vector<TensorToWrite>{
                        {"norm.weight", DType::bf16, {3}, encode(DType::bf16, {0.5f, -1.0f, 4.0f})},
                        {"head.weight", DType::f16, {1}, encode(DType::f16, {3.0f})},
                    });
  dir.write("model.safetensors.index.json", R"({
    "metadata": {"total_size": 18},
    "weight_map": {
      "embed.weight": "model-00001-of-00002.safetensors",
      "norm.weight": "model-00002-of-00002.safetensors",
      "head.weight": "model-00002-of-00002.safetensors"
    }
  })");
  const Checkpoint checkpoint(dir.path());
  EXPECT_EQ(checkpoint.names(),
            (std::vector<std::string>{"embed.weight", "head.weight", "norm.weight"}));
  EXPECT_FALSE(checkpoint.has("unlisted"));  // only what the index lists
  EXPECT_EQ(checkpoint.file_of("norm.weight").path().filename(),
            "model-00002-of-00002.safetensors");
  EXPECT_EQ(&checkpoint.file_of("norm.weight"), &checkpoint.file_of("head.weight"));
  EXPECT_EQ(checkpoint.to_f32("norm.weight").values, (std::vector<float>{0.5f, -1.0f, 4.0f}));
  EXPECT_EQ(checkpoint.to_f32("embed.weight").values, (std::vector<float>{1.0f, 2.0f}));
  EXPECT_EQ(checkpoint.info("head.weight").dtype, DType::f16);
  EXPECT_EQ(checkpoint.bytes("head.weight").size(), 2u);
  try {
    checkpoint.info("missing.weight");
    FAIL();
  } catch (const DataError& e) {
    EXPECT_TRUE(contains(e.what(), "no tensor 'missing.weight'")) << e.what();
  }
}

TEST(Checkpoint, IndexListingATensorItsFileLacks) {
  const TempDir dir;
  write_safetensors(dir.path() / "a.safetensors",
                    std::vector<TensorToWrite>{{"x", DType::u8, {1}, {std::byte{1}}}});
  dir.write("model.safetensors.index.json",
            R"({"weight_map": {"x": "a.safetensors", "y": "a.safetensors"}})");
  try {
    Checkpoint{dir.path()};
    FAIL() << "accepted an index naming a tensor its file lacks";
  } catch (const DataError& e) {
    EXPECT_TRUE(contains(e.what(), "tensor 'y'")) << e.what();
    EXPECT_TRUE(contains(e.what(), "a.safetensors")) << e.what();
  }

  dir.write("model.safetensors.index.json", R"({"weight_map": {"x": "b.safetensors"}})");
  try {
    Checkpoint{dir.path()};
    FAIL() << "accepted an index naming a missing shard";
  } catch (const DataError& e) {
    EXPECT_TRUE(contains(e.what(), "b.safetensors")) << e.what();
  }

  dir.write("model.safetensors.index.json", R"({"weight_map": {"x": "../a.safetensors"}})");
  EXPECT_THROW(Checkpoint{dir.path()}, DataError);
  dir.write("model.safetensors.index.json", R"({"weights": {}})");
  EXPECT_THROW(Checkpoint{dir.path()}, DataError);
}

TEST(Checkpoint, UnindexedShardsAndTheirErrors) {
  const TempDir dir;
  EXPECT_THROW(Checkpoint{dir.path() / "absent"}, DataError);
  EXPECT_THROW(Checkpoint{dir.path()}, DataError);  // no files

  write_safetensors(dir.path() / "b.safetensors",
                    std::vector<TensorToWrite>{{"x", DType::u8, {1}, {std::byte{2}}}});
  write_safetensors(dir.path() / "a.safetensors",
                    std::vector<TensorToWrite>{{"w", DType::u8, {1}, {std::byte{1}}}});
  dir.write("notes.txt", "not a shard");
  const Checkpoint two(dir.path());
  EXPECT_EQ(two.names(), (std::vector<std::string>{"w", "x"}));
  EXPECT_EQ(two.file_of("x").path().filename(), "b.safetensors");

  write_safetensors(dir.path() / "c.safetensors",
                    std::vector<TensorToWrite>{{"x", DType::u8, {1}, {std::byte{3}}}});
  try {
    Checkpoint{dir.path()};
    FAIL() << "accepted a tensor in two files";
  } catch (const DataError& e) {
    EXPECT_TRUE(contains(e.what(), "tensor 'x'")) << e.what();
    EXPECT_TRUE(contains(e.what(), "b.safetensors")) << e.what();
    EXPECT_TRUE(contains(e.what(), "c.safetensors")) << e.what();
  }
}

TEST(Checkpoint, ExpectedShapeMismatchNamesBothShapes) {
  const TempDir dir;
  write_safetensors(dir.path() / "model.safetensors",
                    std::vector<TensorToWrite>{
                        {"w", DType::f32, {2, 3}, std::vector<std::byte>(24)},
                    });
  const Checkpoint checkpoint(dir.path());
  const std::vector<std::int64_t> right{2, 3};
  EXPECT_EQ(checkpoint.to_f32("w", right).values, std::vector<float>(6, 0.0f));
  const std::vector<std::int64_t> wrong{3, 2};
  try {
    checkpoint.to_f32("w", wrong);
    FAIL();
  } catch (const DataError& e) {
    EXPECT_TRUE(contains(e.what(), "tensor 'w': expected shape [3, 2], found [2, 3]")) << e.what();
  }
}

// fp8 weights of 130x200 in 128x128 blocks: 2x2 scales, the last block row and column partial.
class Fp8Checkpoint : public ::testing::Test {
 protected:
  static constexpr std::int64_t kRows = 130;
  static constexpr std::int64_t kCols = 200;

  void write(DType scale_type, std::vector<std::int64_t> scale_shape,
             const std::vector<float>& scales) {
    std::vector<std::byte> codes(kRows * kCols, std::byte{0x38});  // 1.0 everywhere
    codes[127 * kCols + 127] = std::byte{0x40};                    // 2.0, last of block (0, 0)
    codes[128 * kCols + 128] = std::byte{0xC4};                    // -3.0, first of block (1, 1)
    codes[129 * kCols + 199] = std::byte{0x01};                    // 2^-9, the very last
    codes[0 * kCols + 130] = std::byte{0x7E};                      // 448, in block (0, 1)
    write_safetensors(
        dir_.path() / "model.safetensors",
        std::vector<TensorToWrite>{
            {"w.weight", DType::f8_e4m3, {kRows, kCols}, codes},
            {"w.weight_scale_inv", scale_type, scale_shape, encode(scale_type, scales)},
            {"cube.weight", DType::f8_e4m3, {1, 1, 1}, {std::byte{0x38}}},
            {"cube.weight_scale_inv", DType::f32, {1, 1, 1}, encode(DType::f32, {1})},
            {"lonely.weight", DType::f8_e4m3, {1, 1}, {std::byte{0x38}}},
        });
  }
  std::string error_of(std::string_view name) const {
    try {
      Checkpoint(dir_.path()).to_f32(name);
    } catch (const DataError& e) {
      return e.what();
    }
    return "";
  }

  TempDir dir_;
};

TEST_F(Fp8Checkpoint, DequantisesBlockByBlock) {
  for (const DType scale_type : {DType::f32, DType::bf16}) {
    SCOPED_TRACE(std::string(to_string(scale_type)));
    // scale[0][0] = 0.5, scale[0][1] = 2, scale[1][0] = 4, scale[1][1] = 0.25
    write(scale_type, {2, 2}, {0.5f, 2.0f, 4.0f, 0.25f});
    const FloatTensor w = Checkpoint(dir_.path()).to_f32("w.weight");
    ASSERT_EQ(w.shape, (std::vector<std::int64_t>{kRows, kCols}));
    ASSERT_EQ(w.values.size(), static_cast<std::size_t>(kRows * kCols));
    const auto at = [&](std::int64_t i, std::int64_t j) { return w.values[i * kCols + j]; };
    // The special codes, by hand: value times its block's scale.
    EXPECT_EQ(at(127, 127), 1.0f);      // 2.0 * 0.5
    EXPECT_EQ(at(128, 128), -0.75f);    // -3.0 * 0.25
    EXPECT_EQ(at(129, 199), 0x1p-11f);  // 2^-9 * 0.25
    EXPECT_EQ(at(0, 130), 896.0f);      // 448 * 2
    // Every other element is 1.0 times its block's scale; block edges at 128 both ways.
    for (std::int64_t i = 0; i < kRows; ++i) {
      for (std::int64_t j = 0; j < kCols; ++j) {
        if ((i == 127 && j == 127) || (i == 128 && j == 128) || (i == 129 && j == 199) ||
            (i == 0 && j == 130)) {
          continue;
        }
        const float expected = i < 128 ? (j < 128 ? 0.5f : 2.0f) : (j < 128 ? 4.0f : 0.25f);
        ASSERT_EQ(at(i, j), expected) << i << ", " << j;
      }
    }
  }
}

TEST_F(Fp8Checkpoint, ScalesMustExistAndFit) {
  write(DType::f32, {1, 2}, {1.0f, 1.0f});
  std::string error = error_of("w.weight");
  EXPECT_TRUE(contains(error, "tensor 'w.weight_scale_inv'")) << error;
  EXPECT_TRUE(contains(error, "expected shape [2, 2]")) << error;
  EXPECT_TRUE(contains(error, "found [1, 2]")) << error;

  write(DType::f16, {2, 2}, {1.0f, 1.0f, 1.0f, 1.0f});
  error = error_of("w.weight");
  EXPECT_TRUE(contains(error, "must be F32 or BF16, found F16")) << error;

  error = error_of("lonely.weight");
  EXPECT_TRUE(contains(error, "tensor 'lonely.weight'")) << error;
  EXPECT_TRUE(contains(error, "'lonely.weight_scale_inv'")) << error;

  error = error_of("cube.weight");
  EXPECT_TRUE(contains(error, "tensor 'cube.weight'")) << error;
  EXPECT_TRUE(contains(error, "2-D")) << error;
}

}  // namespace
}  // namespace rbench::moe
