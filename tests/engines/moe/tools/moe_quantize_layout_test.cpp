// quantize's layout and refusals: blocks that do not divide the matrices, an MTP layer (its
// experts quantised, its enorm/hnorm/eh_proj/shared_head kept), sharded input and output through
// the index; other files copied byte for byte and unknown config keys kept; refusals of an
// unnamed format, quantised input, a non-empty OUT, missing files, an integer linear weight and
// overlapping paths; a failed run leaves nothing at OUT and a killed run's staging directory is
// cleared.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>

#include "common/temp_dir.h"
#include "engines/moe/tools/quantize.h"
#include "engines/moe/tools/random_checkpoint.h"
#include "engines/quantize_test_util.h"
#include "harness/core/error.h"

namespace rbench::moe {
namespace {

namespace fs = std::filesystem;
using rbench::testing::TempDir;
using namespace rbench::moe::test;

constexpr QuantizeOptions kFp8{.format = QuantFormat::fp8};

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

// The message of the error quantize throws (of type E), or "" when it succeeds.
template <typename E>
std::string refusal(const fs::path& in, const fs::path& out, QuantizeOptions options = kFp8) {
  try {
    quantize_checkpoint(in, out, options);
  } catch (const E& e) {
    return e.what();
  }
  return "";
}

// Widths that 128 does not divide (hidden 160, q_lora_rank 136, kv_b 256 x 48, ...) and an MTP
// layer after the 3 main ones, in two shards through an index: the main layers as written by
// write_random_checkpoint, the MTP layer (layer 1's tensors under layer 3, plus its own) apart.
ModelConfig ragged_config() {
  ModelConfig c = tiny_config("v3", 300);
  c.hidden_size = 160;
  c.intermediate_size = 200;
  c.moe_intermediate_size = 72;
  c.q_lora_rank = 136;
  c.kv_lora_rank = 48;
  c.num_attention_heads = 8;
  c.num_key_value_heads = 8;
  c.num_nextn_predict_layers = 1;
  return c;
}

TensorToWrite f32_tensor(std::string name, std::vector<std::int64_t> shape, float base) {
  std::int64_t n = 1;
  for (const std::int64_t d : shape) n *= d;
  std::vector<float> v(n);
  for (std::int64_t i = 0; i < n; ++i) v[i] = base + 0.01f * std::sin(0.37f * i);
  TensorToWrite t{std::move(name), DType::f32, std::move(shape), std::vector<std::byte>(n * 4)};
  std::memcpy(t.data.data(), v.data(), t.data.size());
  return t;
}

void write_sharded_with_mtp(const fs::path& dir, const ModelConfig& c) {
  write_random_checkpoint(dir / "main", c, {.dtype = DType::f32, .seed = 11});
  const std::string mtp = "model.layers." + std::to_string(c.num_hidden_layers) + ".";
  const std::int64_t h = c.hidden_size;
  std::vector<TensorToWrite> tensors;
  std::string index = R"({"metadata": {}, "weight_map": {)";
  {
    const Checkpoint main(dir / "main");
    for (const std::string& name : main.names()) {
      index += "\"" + name + "\": \"model-00001-of-00002.safetensors\", ";
      const auto copy = [&](std::string as) {
        tensors.push_back(
            {std::move(as), main.info(name).dtype, main.info(name).shape, bytes_of(main, name)});
      };
      if (name.starts_with("model.layers.1.")) copy(mtp + name.substr(15));
      if (name == "model.embed_tokens.weight") copy(mtp + "embed_tokens.weight");
      if (name == "lm_head.weight") copy(mtp + "shared_head.head.weight");
    }
  }
  tensors.push_back(f32_tensor(mtp + "enorm.weight", {h}, 1.0f));
  tensors.push_back(f32_tensor(mtp + "hnorm.weight", {h}, 1.0f));
  tensors.push_back(f32_tensor(mtp + "eh_proj.weight", {h, 2 * h}, 0.0f));
  tensors.push_back(f32_tensor(mtp + "shared_head.norm.weight", {h}, 1.0f));
  for (const TensorToWrite& t : tensors) {
    index += "\"" + t.name + "\": \"model-00002-of-00002.safetensors\", ";
  }
  index.resize(index.size() - 2);
  index += "}}";
  fs::create_directories(dir / "in");
  fs::rename(dir / "main" / "model.safetensors", dir / "in" / "model-00001-of-00002.safetensors");
  fs::rename(dir / "main" / "config.json", dir / "in" / "config.json");
  write_safetensors(dir / "in" / "model-00002-of-00002.safetensors", tensors);
  std::ofstream(dir / "in" / "model.safetensors.index.json") << index;
}

TEST(QuantizeLayout, RaggedBlocksAnMtpLayerAndShardsBothWays) {
  TempDir dir;
  const ModelConfig c = ragged_config();
  write_sharded_with_mtp(dir.path(), c);
  const fs::path in = dir.path() / "in";
  const QuantizeSummary one = quantize_checkpoint(in, dir.path() / "one", kFp8);
  EXPECT_EQ(one.shards, 1);

  const Checkpoint source(in), out(dir.path() / "one");
  const std::vector<Linear> linear = linear_weights(c, c.num_hidden_layers + 1);
  EXPECT_EQ(one.tensors_quantised, static_cast<int>(linear.size()));
  for (const Linear& l : linear) check_fp8_blocks(source, out, l.name, 128, 128);
  const std::vector<std::int64_t> two_by_two{2, 2}, two_by_one{2, 1};
  EXPECT_EQ(out.info("model.layers.0.self_attn.q_a_proj.weight_scale_inv").shape, two_by_two);
  EXPECT_EQ(out.info("model.layers.3.self_attn.kv_b_proj.weight_scale_inv").shape, two_by_one);
  EXPECT_EQ(out.info("model.layers.3.mlp.experts.7.down_proj.weight").dtype, DType::f8_e4m3);
  EXPECT_EQ(out.info("model.layers.3.mlp.shared_experts.up_proj.weight").dtype, DType::f8_e4m3);
  for (const char* kept :
       {"model.layers.3.enorm.weight", "model.layers.3.hnorm.weight",
        "model.layers.3.eh_proj.weight", "model.layers.3.shared_head.norm.weight",
        "model.layers.3.shared_head.head.weight", "model.layers.3.embed_tokens.weight",
        "model.layers.3.mlp.gate.weight"}) {
    EXPECT_EQ(out.info(kept).dtype, DType::f32) << kept;
    EXPECT_EQ(bytes_of(out, kept), bytes_of(source, kept)) << kept;
    EXPECT_FALSE(out.has(std::string(kept) + "_scale_inv")) << kept;
  }

  // The same output split into shards of at most a third of it, listed in the index.
  QuantizeOptions small = kFp8;
  small.max_shard_bytes = one.bytes_after / 3;
  const QuantizeSummary split = quantize_checkpoint(in, dir.path() / "split", small);
  EXPECT_GE(split.shards, 3);
  EXPECT_EQ(split.bytes_after, one.bytes_after);
  const fs::path index = dir.path() / "split" / "model.safetensors.index.json";
  ASSERT_TRUE(fs::exists(index));
  rapidjson::Document doc;
  doc.Parse(read_file(index).c_str());
  EXPECT_EQ(doc["metadata"]["total_size"].GetUint64(), one.bytes_after);
  const Checkpoint sharded(dir.path() / "split");
  EXPECT_EQ(sharded.names(), out.names());
  for (const std::string& name : out.names()) {
    EXPECT_EQ(bytes_of(sharded, name), bytes_of(out, name)) << name;
  }
  for (int s = 1; s <= split.shards; ++s) {
    const fs::path file =
        dir.path() / "split" / fmt::format("model-{:05}-of-{:05}.safetensors", s, split.shards);
    ASSERT_TRUE(fs::exists(file)) << file;
    EXPECT_LE(fs::file_size(file) - 8 - header_length(file), small.max_shard_bytes) << file;
  }
  EXPECT_FALSE(fs::exists(dir.path() / "split" / "model.safetensors"));

  // Both load (the MTP layer is not part of the forward pass), agree bit for bit, and compute
  // what their dequantised weights say.
  const auto a = logits_of(*Model::load(dir.path() / "one"));
  EXPECT_EQ(logits_of(*Model::load(dir.path() / "split")), a);
  write_dequantised(dir.path() / "one", dir.path() / "dequantised");
  EXPECT_LT(max_rel_diff(a, logits_of(*Model::load(dir.path() / "dequantised"))), 1e-5);
}

TEST(QuantizeLayout, OtherFilesAreCopiedAndUnknownConfigKeysKept) {
  TempDir dir;
  const fs::path in = dir.path() / "in";
  make_tiny(in, {.variant = "v2-lite", .seed = 2});
  std::string text = R"({"transformers_version": "4.46.3", "initializer_range": 0.02, )";
  text += R"("auto_map": {"AutoConfig": "configuration_deepseek.DeepseekV3Config"}, )";
  text += read_file(in / "config.json").substr(1);
  std::ofstream(in / "config.json") << text;
  const std::string binary("\x89PNG\r\n\x1a\n\0\xff", 10);
  std::ofstream(in / "README.md") << "# A model card\n";
  std::ofstream(in / "generation_config.json") << R"({"temperature": 0.6})";
  std::ofstream(in / "tokenizer_config.json") << R"({"add_bos_token": true})";
  fs::create_directories(in / "figures");
  std::ofstream(in / "figures" / "benchmark.png", std::ios::binary) << binary;
  // Hugging Face's cache links a snapshot's files to blobs elsewhere: the contents are copied.
  std::ofstream(dir.path() / "blob") << R"({"bos_token": "<s>"})";
  fs::create_symlink(dir.path() / "blob", in / "special_tokens_map.json");

  const fs::path out = dir.path() / "out";
  const QuantizeSummary s = quantize_checkpoint(in, out, kFp8);
  EXPECT_EQ(s.files_copied, 6);
  for (const char* file :
       {"tokenizer.json", "README.md", "generation_config.json", "tokenizer_config.json",
        "figures/benchmark.png", "special_tokens_map.json"}) {
    EXPECT_EQ(read_file(out / file), read_file(in / file)) << file;
    EXPECT_FALSE(fs::is_symlink(out / file)) << file;
  }
  rapidjson::Document before, after;
  before.Parse(text.c_str());
  after.Parse(read_file(out / "config.json").c_str());
  ASSERT_TRUE(after.IsObject());
  EXPECT_EQ(after.MemberCount(), before.MemberCount() + 1);
  for (const auto& m : before.GetObject()) {
    ASSERT_TRUE(after.HasMember(m.name)) << m.name.GetString();
    EXPECT_TRUE(after[m.name] == m.value) << m.name.GetString();
  }
  EXPECT_STREQ(after["quantization_config"]["quant_method"].GetString(), "fp8");
  EXPECT_TRUE(load_config(out / "config.json").quantization.has_value());
}

TEST(QuantizeConfig, EditSetsQuantizationConfigInItsSortedPlace) {
  const std::string edited = with_quantization_config(
      R"({"b": 1, "a": [1, 2], "z": {"k": null}, "rms_norm_eps": 1e-06,
          "quantization_config": null})",
      Fp8Quantization{}, "test.json");
  EXPECT_EQ(edited,
            "{\n  \"b\": 1,\n  \"a\": [1, 2],\n  \"quantization_config\": {\n"
            "    \"activation_scheme\": \"dynamic\",\n    \"fmt\": \"e4m3\",\n"
            "    \"quant_method\": \"fp8\",\n    \"weight_block_size\": [128, 128]\n  },\n"
            "  \"z\": {\n    \"k\": null\n  },\n  \"rms_norm_eps\": 0.000001\n}\n");
  try {
    with_quantization_config("[1]", Fp8Quantization{}, "test.json");
    FAIL();
  } catch (const DataError& e) {
    EXPECT_TRUE(contains(e.what(), "test.json")) << e.what();
  }
}

TEST(QuantizeRefusals, TheFormatMustBeNamed) {
  TempDir dir;
  make_tiny(dir.path() / "in", {.variant = "dense"});
  const std::string error = refusal<UsageError>(dir.path() / "in", dir.path() / "out", {});
  EXPECT_TRUE(contains(error, "--fp8")) << error;
  EXPECT_FALSE(fs::exists(dir.path() / "out"));
}

TEST(QuantizeRefusals, QuantisedInput) {
  TempDir dir;
  const fs::path in = dir.path() / "in";
  make_tiny(in, {.variant = "dense", .dtype = DType::f8_e4m3});
  std::string error = refusal<DataError>(in, dir.path() / "out");
  EXPECT_TRUE(contains(error, "config.json")) << error;
  EXPECT_TRUE(contains(error, "quantised already")) << error;
  // F8 tensors under a config that does not say so.
  ModelConfig c = load_config(in / "config.json");
  c.quantization.reset();
  std::ofstream(in / "config.json") << to_json(c);
  error = refusal<DataError>(in, dir.path() / "out");
  EXPECT_TRUE(contains(error, "model.safetensors")) << error;
  EXPECT_TRUE(contains(error, "F8_E4M3")) << error;
  EXPECT_TRUE(contains(error, "quantised already")) << error;
  EXPECT_FALSE(fs::exists(dir.path() / "out"));
}

TEST(QuantizeRefusals, NonEmptyOutUnlessForced) {
  TempDir dir;
  const fs::path in = dir.path() / "in", out = dir.path() / "out";
  make_tiny(in, {.variant = "dense"});
  fs::create_directories(out);
  quantize_checkpoint(in, out, kFp8);  // an empty OUT is fine
  std::ofstream(out / "notes.txt") << "mine";
  const std::string error = refusal<UsageError>(in, out);
  EXPECT_TRUE(contains(error, "not empty")) << error;
  EXPECT_TRUE(contains(error, "--force")) << error;
  EXPECT_EQ(read_file(out / "notes.txt"), "mine");
  QuantizeOptions force = kFp8;
  force.force = true;
  quantize_checkpoint(in, out, force);
  EXPECT_FALSE(fs::exists(out / "notes.txt"));
  EXPECT_TRUE(fs::exists(out / "model.safetensors"));
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 2);
  std::ofstream(dir.path() / "file") << "x";
  EXPECT_TRUE(contains(refusal<UsageError>(in, dir.path() / "file", force), "not a directory"));
}

TEST(QuantizeRefusals, MissingFiles) {
  TempDir dir;
  const fs::path in = dir.path() / "in", out = dir.path() / "out";
  EXPECT_TRUE(contains(refusal<DataError>(in, out), "checkpoint directory not found"));
  make_tiny(in, {.variant = "dense"});
  fs::rename(in / "config.json", dir.path() / "config.json");
  std::string error = refusal<DataError>(in, out);
  EXPECT_TRUE(contains(error, "config.json: not found")) << error;
  fs::rename(dir.path() / "config.json", in / "config.json");
  fs::rename(in / "model.safetensors", dir.path() / "model.safetensors");
  error = refusal<DataError>(in, out);
  EXPECT_TRUE(contains(error, "no *.safetensors")) << error;
  // An index naming a shard that is not there.
  std::ofstream(in / "model.safetensors.index.json")
      << R"({"weight_map": {"lm_head.weight": "model-00001-of-00001.safetensors"}})";
  error = refusal<DataError>(in, out);
  EXPECT_TRUE(contains(error, "model-00001-of-00001.safetensors")) << error;
  EXPECT_FALSE(fs::exists(out));
}

TEST(QuantizeRefusals, LinearWeightOfAnIntegerType) {
  TempDir dir;
  make_tiny(dir.path() / "good", {.variant = "dense"});
  const std::string tensor = "model.layers.1.mlp.up_proj.weight";
  rewrite_checkpoint(dir.path() / "good", dir.path() / "in", [&](TensorToWrite& t) {
    if (t.name == tensor) t.dtype = DType::i32;  // the same 4 bytes per element
  });
  const std::string error = refusal<DataError>(dir.path() / "in", dir.path() / "out");
  EXPECT_TRUE(contains(error, "in/model.safetensors: tensor '" + tensor + "' is I32")) << error;
  EXPECT_FALSE(fs::exists(dir.path() / "out"));
  EXPECT_FALSE(fs::exists(dir.path() / ".out.quantize-tmp"));
}

TEST(QuantizeRefusals, InAndOutMustBeApart) {
  TempDir dir;
  const fs::path in = dir.path() / "in";
  make_tiny(in, {.variant = "dense"});
  QuantizeOptions force = kFp8;
  force.force = true;
  EXPECT_TRUE(contains(refusal<UsageError>(in, in, force), "apart"));
  EXPECT_TRUE(contains(refusal<UsageError>(in, in / "q", force), "apart"));
  EXPECT_TRUE(contains(refusal<UsageError>(in, dir.path(), force), "apart"));
  EXPECT_TRUE(fs::exists(in / "model.safetensors"));
}

TEST(QuantizeFailure, LeavesNothingAtOutAndAKilledRunsStagingIsCleared) {
  TempDir dir;
  make_tiny(dir.path() / "good", {.variant = "v3", .seed = 4});
  const std::string bad_tensor = "model.layers.2.mlp.experts.5.down_proj.weight";
  rewrite_checkpoint(dir.path() / "good", dir.path() / "bad", [&](TensorToWrite& t) {
    if (t.name != bad_tensor) return;
    const float nan = std::numeric_limits<float>::quiet_NaN();
    std::memcpy(t.data.data() + 4 * (7 * t.shape[1] + 3), &nan, 4);
  });
  const fs::path out = dir.path() / "out";
  const fs::path staging = dir.path() / ".out.quantize-tmp";
  fs::create_directories(staging);
  std::ofstream(staging / "model.safetensors") << "half written by a killed run";

  const std::string error = refusal<DataError>(dir.path() / "bad", out);
  EXPECT_TRUE(contains(error, "bad/model.safetensors")) << error;
  EXPECT_TRUE(contains(error, bad_tensor)) << error;
  EXPECT_TRUE(contains(error, "[7, 3]")) << error;
  EXPECT_FALSE(fs::exists(out));
  EXPECT_FALSE(fs::exists(staging));

  fs::create_directories(staging);
  quantize_checkpoint(dir.path() / "good", out, kFp8);
  EXPECT_TRUE(fs::exists(out / "model.safetensors"));
  EXPECT_FALSE(fs::exists(staging));
}

}  // namespace
}  // namespace rbench::moe
