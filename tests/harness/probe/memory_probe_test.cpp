// The memory probe: analytic figures of DeepSeek-V3's published config worked out by hand, the
// published claims rebuilt from the papers' shapes, what fits a budget, and the measured figures
// of a tiny checkpoint written to a temporary directory.
#include "harness/probe/memory_probe.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <numeric>

#include "common/temp_dir.h"
#include "engines/moe/checkpoint/safetensors.h"
#include "engines/moe/model/model.h"
#include "engines/moe/tools/random_checkpoint.h"
#include "harness/core/error.h"
#include "harness/probe/probe_header.h"

namespace rbench::probe {
namespace {

const std::filesystem::path kV3Config =
    std::filesystem::path(RBENCH_SOURCE_DIR) / "tests/engines/data/deepseek-v3-config.json";

TEST(MemoryProbe, KvCacheOfDeepSeekV3ByHand) {
  const moe::ModelConfig c = moe::load_config(kV3Config);
  const AnalyticMemory a = analytic_memory(c, 1024, 2, 256);
  // Latent: kv_lora_rank + qk_rope_head_dim = 512 + 64 = 576 elements x 2 bytes = 1,152 B per
  // layer; x 61 layers = 70,272 B per token.
  EXPECT_EQ(a.kv_latent_per_layer, 1152);
  EXPECT_EQ(a.kv_latent_per_token, 70272);
  // Multi-head: 128 heads x (keys 128 + 64 = 192, values 128) = 40,960 elements x 2 bytes =
  // 81,920 B per layer; x 61 = 4,997,120 B per token.
  EXPECT_EQ(a.kv_mha_per_layer, 81920);
  EXPECT_EQ(a.kv_mha_per_token, 4997120);
  // Saving: 1 - 576 / 40,960 = 0.9859375, "98.6%".
  EXPECT_DOUBLE_EQ(a.kv_saving, 0.9859375);
  // A context of 1,024 tokens: 70,272 x 1,024 = 71,958,528 B (68.6 MiB) against
  // 4,997,120 x 1,024 = 5,117,050,880 B (4.77 GiB).
  EXPECT_EQ(a.kv_latent_context, 71958528);
  EXPECT_EQ(a.kv_mha_context, 5117050880LL);
  // fp8 elements halve both and leave the saving as it is.
  const AnalyticMemory fp8 = analytic_memory(c, 1024, 1, 256);
  EXPECT_EQ(fp8.kv_latent_per_token, 35136);
  EXPECT_DOUBLE_EQ(fp8.kv_saving, a.kv_saving);
}

TEST(MemoryProbe, PublishedKvClaimIsV2AgainstDeepSeek67b) {
  const moe::ModelConfig c = moe::load_config(kV3Config);
  const ClaimChecks k = claim_checks(c, analytic_memory(c, 1024, 2, 256));
  // DeepSeek-V2: 60 layers x 576 elements x 6 bits / 8 = 25,920 B per token as deployed,
  // 60 x 576 x 2 = 69,120 B in bf16.
  EXPECT_EQ(k.v2_kv_per_token_deployed, 25920);
  EXPECT_EQ(k.v2_kv_per_token_bf16, 69120);
  // DeepSeek 67B: 95 layers x (K, V) x 8 KV heads x 128 x 2 bytes = 389,120 B per token.
  EXPECT_EQ(k.llm67b_kv_per_token, 389120);
  // 1 - 25,920 / 389,120 = 0.93339: the published 93.3%. Without V2's quantisation: 82.2%.
  EXPECT_NEAR(k.kv_saving_deployed, 0.933, 0.0005);
  EXPECT_NEAR(k.kv_saving_bf16, 1.0 - 69120.0 / 389120.0, 1e-12);
  EXPECT_NEAR(k.kv_saving_bf16, 0.822, 0.0005);
  // Ours compares V3 with its own multi-head equivalent: a different, larger figure.
  EXPECT_DOUBLE_EQ(k.kv_saving_ours, 0.9859375);
}

TEST(MemoryProbe, EightBitWeightsSave75PercentOfF32AndHalfOfBf16) {
  const moe::ModelConfig c = moe::load_config(kV3Config);
  const AnalyticMemory a = analytic_memory(c, 1024, 2, 256);
  const ClaimChecks k = claim_checks(c, a);
  EXPECT_EQ(a.weights.f32, 4 * a.parameters.total);
  EXPECT_EQ(a.weights.bf16, 2 * a.parameters.total);
  EXPECT_DOUBLE_EQ(k.element_saving_vs_f32, 0.75);
  EXPECT_DOUBLE_EQ(k.element_saving_vs_bf16, 0.5);
  // The config's fp8 layout keeps ~1.96B parameters (embeddings, LM head, norms, routers) in
  // bf16 and adds 4 bytes per 128x128 block: a little short of the element-size figures.
  EXPECT_GT(k.config_fp8_saving_vs_f32, 0.74);
  EXPECT_LT(k.config_fp8_saving_vs_f32, 0.75);
  EXPECT_GT(k.config_fp8_saving_vs_bf16, 0.48);
  EXPECT_LT(k.config_fp8_saving_vs_bf16, 0.50);
  // Kept in bf16: embedding and LM head 2 x 129,280 x 7,168 = 1,853,358,080; the final norm
  // 7,168; per layer two norms 2 x 7,168, the q_a and kv_a layernorms 1,536 + 512: 61 x 16,384 =
  // 999,424; the routers of the 58 MoE layers, 256 x 7,168 + 256 (bias) = 1,835,264 each:
  // 106,445,312. In all 1,960,809,984.
  EXPECT_EQ(a.weights.fp8_kept_bf16_params, 1960809984LL);
}

TEST(MemoryProbe, FitIsTheLargestBatchWithinTheBudget) {
  const moe::ModelConfig c = moe::tiny_config("v3", 300);
  const FitInputs in{.budget_bytes = 64LL << 20,
                     .fixed_bytes = 10'000'000,
                     .kv_bytes_per_token = 480,
                     .context = 1024,
                     .prefill_chunk = 256,
                     .step_sequences = 16};
  const MemoryFit f = fit_in_budget(c, in);
  ASSERT_FALSE(f.rows.empty());
  for (const FitRow& row : f.rows) {
    EXPECT_LE(row.context, c.max_position_embeddings);
    ASSERT_GT(row.max_batch, 0) << row.context;
    EXPECT_LE(bytes_needed(c, in, row.max_batch, row.context), in.budget_bytes) << row.context;
    EXPECT_GT(bytes_needed(c, in, row.max_batch + 1, row.context), in.budget_bytes) << row.context;
  }
  EXPECT_LE(bytes_needed(c, in, 1, f.max_context_one_sequence), in.budget_bytes);
  EXPECT_GT(bytes_needed(c, in, 1, f.max_context_one_sequence + 1), in.budget_bytes);
  // By hand for 2 sequences of 1,024 tokens: 10,000,000 fixed + 2 x 1,024 x 480 of cache + the
  // workspace of 2 x 256 tokens in one step.
  EXPECT_EQ(bytes_needed(c, in, 2, 1024),
            10'000'000 + 2 * 1024 * 480 + moe::forward_workspace_bytes(c, 512, 2));
  // Past 16 sequences the step no longer grows: only the cache does.
  EXPECT_EQ(bytes_needed(c, in, 40, 1024) - bytes_needed(c, in, 30, 1024), 10 * 1024 * 480);
  // Nothing fits when the weights alone exceed the budget.
  FitInputs over = in;
  over.fixed_bytes = in.budget_bytes + 1;
  const MemoryFit none = fit_in_budget(c, over);
  for (const FitRow& row : none.rows) EXPECT_EQ(row.max_batch, 0);
  EXPECT_EQ(none.max_context_one_sequence, 0);
}

TEST(MemoryProbe, WorkspaceHoldsAtLeastTheResidualStream) {
  const moe::ModelConfig c = moe::load_config(kV3Config);
  // 256 tokens: the residual stream and its two scratch copies are 3 x 256 x 7,168 floats; the
  // MoE layer's expert scratch (256 x 8 slots x (2 x 7,168 + 2 x 2,048)) dominates.
  const std::int64_t w = moe::forward_workspace_bytes(c, 256, 1);
  const std::int64_t residual = 4LL * 3 * 256 * 7168;
  const std::int64_t moe = 4LL * (256 * 256 + 256 * 8 * 7168 + 256 * 8 * (2 * 7168 + 2 * 2048));
  EXPECT_EQ(w, residual + moe);
  EXPECT_LT(moe::forward_workspace_bytes(c, 1, 1), w);
}

TEST(MemoryProbe, MeasuresATinyCheckpoint) {
  testing::TempDir dir;
  const moe::ModelConfig c = moe::tiny_config("v3", 300);
  moe::write_random_checkpoint(dir.path() / "tiny", c, {.dtype = moe::DType::bf16, .seed = 1});
  MemoryProbeOptions o;
  o.model_dir = dir.path() / "tiny";
  o.context = 64;
  o.prefill_chunk = 32;
  o.memory_budget_gib = 1;
  const MemoryReport r = probe_memory(o);
  EXPECT_EQ(r.model, "tiny");
  ASSERT_TRUE(r.measured);
  const MeasuredMemory& m = *r.measured;
  // 3 layers x (32 + 8) elements x 4 bytes (the engine's f32 cache) = 480 B per token.
  EXPECT_EQ(m.kv_bytes_per_token_held, 480);
  EXPECT_EQ(m.kv_cache_bytes, 64 * 480);
  EXPECT_EQ(m.forward_tokens, 64);
  // On disk everything is bf16 but the router's bias (f32, as DeepSeek-V3 ships it); the engine
  // keeps the matrices bf16 and widens the other vectors (norms) to f32: twice their disk bytes.
  const auto& disk = m.checkpoint_bytes_by_dtype;
  const auto& held = m.held_bytes_by_dtype;
  ASSERT_EQ(disk.size(), 2u);
  // 2 MoE layers x 8 experts x 4 bytes.
  EXPECT_EQ(disk.at("F32"), 2 * 8 * 4);
  EXPECT_EQ(held.at("BF16") + (held.at("F32") - disk.at("F32")) / 2, disk.at("BF16"));
  EXPECT_EQ(disk.at("BF16") / 2 + disk.at("F32") / 4, moe::count_parameters(c).total);
  EXPECT_EQ(m.checkpoint_bytes_not_loaded, 0);
  EXPECT_GT(m.held_kv_b_f32_bytes, 0);
  EXPECT_GT(m.after_load.rss_bytes, 0);
  EXPECT_GE(m.after_forward.peak_rss_bytes, m.after_forward.rss_bytes);
  EXPECT_EQ(r.fit.basis, "measured");
  EXPECT_EQ(r.fit.budget_source, "--memory-budget");
  EXPECT_EQ(r.fit.budget_bytes, 1LL << 30);
  EXPECT_EQ(r.fit.kv_bytes_per_token, 480);
  ASSERT_FALSE(r.fit.rows.empty());
  EXPECT_GT(r.fit.rows.front().max_batch, 0);

  const std::string json = memory_probe_json({.kind = "memory",
                                              .model = r.model,
                                              .engine = "builtin",
                                              .config_json = memory_probe_config_json(o)},
                                             r);
  rapidjson::Document doc;
  doc.Parse(json.c_str());
  ASSERT_FALSE(doc.HasParseError()) << json;
  EXPECT_EQ(doc["rbench_probe"].GetInt(), kProbeFormatVersion);
  EXPECT_STREQ(doc["kind"].GetString(), "memory");
  EXPECT_STREQ(doc["engine"].GetString(), "builtin");
  EXPECT_EQ(doc["config"]["context"].GetInt(), 64);
  EXPECT_EQ(doc["figures"]["measured"]["kv_bytes_per_token_held"].GetInt64(), 480);
  EXPECT_STREQ(doc["figures"]["device"]["name"].GetString(), "cpu");
  EXPECT_GE(doc["assumptions"].Size(), 5u);
  EXPECT_NE(memory_report_table(r).find("device: cpu"), std::string::npos);
  // The model's own account (ForwardModel::memory()) after the pass: its weights and the peak
  // of the one cache it held.
  EXPECT_EQ(m.device, "cpu");
  EXPECT_GT(m.engine_memory.weight_bytes, 0);
  EXPECT_EQ(m.engine_memory.cache_peak_bytes, 64 * 480);
  EXPECT_EQ(doc["figures"]["measured"]["engine_memory"]["cache_peak_bytes"].GetInt64(), 64 * 480);
}

// --device hands the probe a loader (the CLI's load_model()); the pass runs on what it loads.
TEST(MemoryProbe, MeasuresOnTheModelTheLoaderGives) {
  testing::TempDir dir;
  const moe::ModelConfig c = moe::tiny_config("v3", 300);
  moe::write_random_checkpoint(dir.path() / "tiny", c, {.dtype = moe::DType::bf16, .seed = 1});
  MemoryProbeOptions o;
  o.model_dir = dir.path() / "tiny";
  o.context = 40;
  o.memory_budget_gib = 1;
  int loads = 0;
  o.load_model = [&](const std::filesystem::path& path) {
    ++loads;
    return moe::Model::load(path, {.mtp = false});
  };
  const MemoryReport r = probe_memory(o);
  EXPECT_EQ(loads, 1);
  ASSERT_TRUE(r.measured);
  // 40 positions hold one block of 64 (480 bytes a position): the cache is paged.
  EXPECT_EQ(r.measured->engine_memory.cache_peak_bytes, 64 * 480);
  EXPECT_EQ(r.measured->engine_memory.cache_bytes, 64 * 480) << "taken while the cache lives";
}

TEST(MemoryProbe, MtpLayersOnDiskAreCountedAsNotLoaded) {
  testing::TempDir dir;
  const moe::ModelConfig c = moe::tiny_config("v3", 300);
  const auto model = dir.path() / "tiny";
  moe::write_random_checkpoint(model, c, {.dtype = moe::DType::f32, .seed = 1});
  // An MTP module's tensor in a second file, as layer 3 of a 3-layer model: on disk, not loaded.
  const moe::TensorToWrite mtp{
      "model.layers.3.enorm.weight", moe::DType::f32, {64}, std::vector<std::byte>(64 * 4)};
  moe::write_safetensors(model / "mtp.safetensors", std::span(&mtp, 1));
  MemoryProbeOptions o;
  o.model_dir = model;
  o.context = 8;
  o.memory_budget_gib = 1;
  const MemoryReport r = probe_memory(o);
  ASSERT_TRUE(r.measured);
  EXPECT_EQ(r.measured->checkpoint_bytes_not_loaded, 64 * 4);
  EXPECT_EQ(r.measured->checkpoint_bytes_by_dtype.at("F32"),
            4 * moe::count_parameters(c).total + 64 * 4);
}

TEST(MemoryProbe, RefusesBadOptionsNamingTheFlag) {
  MemoryProbeOptions o;
  EXPECT_THROW(probe_memory(o), UsageError);  // neither --model nor --config
  o.config_path = kV3Config;
  o.kv_dtype = "int4";
  try {
    probe_memory(o);
    FAIL() << "int4 accepted";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("--kv-dtype"), std::string::npos) << e.what();
  }
  o.kv_dtype = "bf16";
  o.context = 0;
  EXPECT_THROW(probe_memory(o), UsageError);
}

}  // namespace
}  // namespace rbench::probe
