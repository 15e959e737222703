// Loading the multi-token-prediction module: as our exports store it (without its own embedding
// and head), as DeepSeek-V3's release does (with them), a checkpoint stripped of it (no MTP, no
// error), one missing a single tensor (DataError naming it), and left on disk when not asked for.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>

#include "common/temp_dir.h"
#include "engines/moe/engine/builtin_engine.h"
#include "engines/moe/model/model.h"
#include "engines/moe/tools/random_checkpoint.h"
#include "harness/core/error.h"

namespace rbench::moe {
namespace {

using rbench::testing::TempDir;

ModelConfig mtp_config() {
  ModelConfig c = tiny_config("v3", 300);
  c.num_nextn_predict_layers = 1;
  return c;
}

// Every tensor of the checkpoint in `from` as it is stored, for rewriting.
std::vector<TensorToWrite> all_tensors(const std::filesystem::path& from) {
  const Checkpoint ckpt(from);
  std::vector<TensorToWrite> out;
  for (const std::string& name : ckpt.names()) {
    const TensorInfo& info = ckpt.info(name);
    const auto bytes = ckpt.bytes(name);
    out.push_back({name, info.dtype, info.shape, {bytes.begin(), bytes.end()}});
  }
  return out;
}

// The checkpoint in `from` copied to `to` without the tensor `drop`.
void copy_without(const std::filesystem::path& from, const std::filesystem::path& to,
                  const std::string& drop) {
  std::vector<TensorToWrite> kept = all_tensors(from);
  std::erase_if(kept, [&](const TensorToWrite& t) { return t.name == drop; });
  std::filesystem::create_directories(to);
  write_safetensors(to / "model.safetensors", kept);
  std::filesystem::copy_file(from / "config.json", to / "config.json");
}

TEST(MtpLoad, OmittedEmbeddingAndHeadAreTheMainModels) {
  const TempDir dir;
  write_random_checkpoint(dir.path(), mtp_config(), {.seed = 1, .mtp = true});
  const auto model = Model::load(dir.path());
  ASSERT_TRUE(model->has_mtp());
  const ModelWeights& w = model->weights();
  EXPECT_FALSE(w.mtp->embed_tokens);
  EXPECT_FALSE(w.mtp->head);
  EXPECT_EQ(&w.mtp_embed_tokens(), &w.embed_tokens);
  EXPECT_EQ(&w.mtp_head(), &w.lm_head);
  // Layer 3 of a first_k_dense_replace = 1 config is an MoE layer, with everything that implies.
  ASSERT_TRUE(w.mtp->layer.moe);
  EXPECT_EQ(w.mtp->layer.moe->experts.size(), 8u);
  EXPECT_TRUE(w.mtp->layer.moe->shared);
  EXPECT_EQ(w.mtp->layer.moe->e_score_correction_bias.size(), 8u);
  EXPECT_EQ(w.mtp->eh_proj.rows, 64);
  EXPECT_EQ(w.mtp->eh_proj.cols, 128);

  // Its bytes are counted, apart and in the total; without it the total is the main model's.
  const auto mtp_bytes = w.mtp_bytes_by_dtype();
  ASSERT_EQ(mtp_bytes.size(), 1u);
  const auto main_only = Model::load(dir.path(), {.mtp = false});
  EXPECT_FALSE(main_only->has_mtp());
  EXPECT_TRUE(main_only->weights().mtp_bytes_by_dtype().empty());
  EXPECT_EQ(w.bytes(), main_only->weights().bytes() + mtp_bytes.at("F32"));
  // The module's own weights, in f32: enorm, hnorm, the head's norm, eh_proj, and a layer of
  // the shapes of main layer 2.
  ModelWeights layer_2;
  layer_2.layers = {w.layers[2]};
  EXPECT_EQ(mtp_bytes.at("F32"), 4 * (3 * 64 + 64 * 128) + layer_2.bytes());
}

TEST(MtpLoad, OwnEmbeddingAndHeadAreLoadedUnlessIdenticalToTheMainOnes) {
  const TempDir base;
  write_random_checkpoint(base.path(), mtp_config(), {.seed = 1, .mtp = true});
  const auto without = Model::load(base.path());
  // DeepSeek-V3's layout: the module stores both; here the embedding is a byte-for-byte copy
  // of the main one and the head differs.
  const Checkpoint ckpt(base.path());
  const auto embed = ckpt.bytes("model.embed_tokens.weight");
  std::vector<float> head = ckpt.to_f32("lm_head.weight").values;
  for (float& v : head) v = -v;
  std::vector<std::byte> head_bytes(head.size() * 4);
  std::memcpy(head_bytes.data(), head.data(), head_bytes.size());
  const TempDir dir;
  std::vector<TensorToWrite> t = all_tensors(base.path());
  t.push_back(
      {"model.layers.3.embed_tokens.weight", DType::f32, {300, 64}, {embed.begin(), embed.end()}});
  t.push_back({"model.layers.3.shared_head.head.weight", DType::f32, {300, 64}, head_bytes});
  write_safetensors(dir.path() / "model.safetensors", t);
  std::filesystem::copy_file(base.path() / "config.json", dir.path() / "config.json");

  const auto with = Model::load(dir.path());
  ASSERT_TRUE(with->has_mtp());
  EXPECT_FALSE(with->weights().mtp->embed_tokens) << "an identical copy is shared, not held";
  ASSERT_TRUE(with->weights().mtp->head);
  EXPECT_EQ(with->weights().mtp->head->f32, head);
  EXPECT_EQ(with->weights().bytes(), without->weights().bytes() + head.size() * 4);

  // The negated head negates the MTP logits.
  const std::vector<float> h(64, 0.5f);
  const std::int32_t next[] = {17};
  KvCache c1 = with->new_mtp_cache(), c2 = without->new_mtp_cache();
  const MtpInput a{&c1, h, next, false}, b{&c2, h, next, false};
  const auto la = with->mtp_forward(std::span(&a, 1)).front();
  const auto lb = without->mtp_forward(std::span(&b, 1)).front();
  ASSERT_EQ(la.size(), 300u);
  for (std::size_t i = 0; i < la.size(); ++i) EXPECT_FLOAT_EQ(la[i], -lb[i]) << i;
}

TEST(MtpLoad, AMissingTensorOfAPresentModuleIsNamed) {
  const TempDir base;
  write_random_checkpoint(base.path(), mtp_config(), {.seed = 1, .mtp = true});
  for (const std::string drop :
       {"model.layers.3.hnorm.weight", "model.layers.3.eh_proj.weight",
        "model.layers.3.shared_head.norm.weight", "model.layers.3.self_attn.kv_b_proj.weight",
        "model.layers.3.mlp.experts.5.up_proj.weight",
        "model.layers.3.mlp.gate.e_score_correction_bias"}) {
    const TempDir dir;
    copy_without(base.path(), dir.path(), drop);
    try {
      Model::load(dir.path());
      ADD_FAILURE() << "loaded without " << drop;
    } catch (const DataError& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find("'" + drop + "'"), std::string::npos) << what;
      EXPECT_NE(what.find("num_nextn_predict_layers"), std::string::npos) << what;
    }
    // Left on disk, the incomplete module is no error.
    EXPECT_FALSE(Model::load(dir.path(), {.mtp = false})->has_mtp());
  }
}

TEST(MtpLoad, AConfigWithoutStoredModuleLoadsWithoutMtp) {
  // As make-random's deepseek-v3 shape writes it: num_nextn_predict_layers 1, no tensors.
  const TempDir dir;
  make_tiny(dir.path(), {.seed = 1, .vocab_size = 300});
  ModelConfig c = load_config(dir.path() / "config.json");
  c.num_nextn_predict_layers = 1;
  std::ofstream(dir.path() / "config.json") << to_json(c);
  const auto model = Model::load(dir.path());
  EXPECT_FALSE(model->has_mtp());
  KvCache cache = model->new_mtp_cache();
  const std::vector<float> h(64, 0.5f);
  const std::int32_t next[] = {1};
  const MtpInput in{&cache, h, next, false};
  EXPECT_THROW(model->mtp_forward(std::span(&in, 1)), std::logic_error);
  // Asking the engine for MTP on it is refused, saying why.
  try {
    BuiltinEngine::open(dir.path(), {.mtp = true});
    FAIL() << "--mtp accepted without an MTP module";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("none of its tensors"), std::string::npos) << e.what();
  }
  EXPECT_NO_THROW(BuiltinEngine::open(dir.path()));
}

TEST(MtpLoad, ZeroModulesIgnoresLayerTensorsPastTheModel) {
  // num_nextn_predict_layers 0: tensors of model.layers.3 are not the model's business.
  const TempDir base, dir;
  write_random_checkpoint(base.path(), mtp_config(), {.seed = 1, .mtp = true});
  std::filesystem::create_directories(dir.path());
  std::filesystem::copy_file(base.path() / "model.safetensors", dir.path() / "model.safetensors");
  ModelConfig c = mtp_config();
  c.num_nextn_predict_layers = 0;
  std::ofstream(dir.path() / "config.json") << to_json(c);
  EXPECT_FALSE(Model::load(dir.path())->has_mtp());
}

TEST(MtpLoad, RandomModuleLeavesTheOtherWeightsUnchanged) {
  const ModelConfig c = mtp_config();
  const ModelWeights with = random_weights(c, {.seed = 4, .mtp = true});
  const ModelWeights without = random_weights(c, {.seed = 4});
  ASSERT_TRUE(with.mtp);
  EXPECT_FALSE(without.mtp);
  EXPECT_EQ(with.embed_tokens.f32, without.embed_tokens.f32);
  EXPECT_EQ(with.lm_head.f32, without.lm_head.f32);
  EXPECT_EQ(with.layers[2].attn.o_proj.f32, without.layers[2].attn.o_proj.f32);
  EXPECT_EQ(with.layers[2].moe->experts[7].down_proj.f32,
            without.layers[2].moe->experts[7].down_proj.f32);
  EXPECT_THROW(random_weights(tiny_config("v3", 300), {.mtp = true}), UsageError);
}

}  // namespace
}  // namespace rbench::moe
