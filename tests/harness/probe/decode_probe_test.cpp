// The decode probe on the bundled model on the CPU: the figures agree with each other and with the
// model's shape (every step evaluates batch x experts-per-token x MoE layers routed experts), the
// steps leave the caches as they found them (a second run gives the same counts), the MTP figures
// follow their formula, and options the model cannot take are refused before any work.
#include "harness/probe/decode_probe.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "common/temp_dir.h"
#include "engines/moe/model/model.h"
#include "harness/core/error.h"
#include "harness/probe/probe_header.h"

namespace rbench::probe {
namespace {

std::shared_ptr<const moe::Model> bundled() {
  return moe::Model::load(testing::bundled_data_dir() / "checkpoints/tiny-r1-arith");
}

DecodeProbeOptions small() {
  DecodeProbeOptions o;
  o.batches = {1, 3};
  o.context = 40;
  o.steps = 3;
  o.warmup = 2;
  o.prefill_chunk = 16;  // 40 = 16 + 16 + 8: chunks of several calls
  o.copy_bytes = std::size_t{4} << 20;
  o.copy_repeats = 2;
  return o;
}

int moe_layers(const moe::ModelConfig& c) {
  int n = 0;
  for (int l = 0; l < c.num_hidden_layers; ++l) n += c.is_moe_layer(l) ? 1 : 0;
  return n;
}

TEST(DecodeProbe, FiguresAgreeWithEachOtherAndTheShape) {
  const auto model = bundled();
  const DecodeProbeResult r = probe_decode(*model, small());
  EXPECT_EQ(r.device, "cpu");
  EXPECT_GT(r.copy.gb_per_s(), 0);
  EXPECT_EQ(r.prefill_tokens, 3 * 40);
  ASSERT_EQ(r.rows.size(), 2u);
  const int k = model->config().num_experts_per_tok;
  for (const DecodeStepFigures& f : r.rows) {
    SCOPED_TRACE(f.batch);
    EXPECT_EQ(f.steps, 3);
    EXPECT_LE(f.step_s_min, f.step_s_median);
    EXPECT_LE(f.step_s_median, f.step_s_max);
    EXPECT_DOUBLE_EQ(f.tokens_per_s, f.batch / f.step_s_median);
    EXPECT_DOUBLE_EQ(f.read_gb_per_s, f.bytes_per_step / f.step_s_median / 1e9);
    EXPECT_DOUBLE_EQ(f.roofline_fraction, f.read_gb_per_s / r.copy.gb_per_s());
    EXPECT_DOUBLE_EQ(f.expert_activations_per_step, f.batch * k * moe_layers(model->config()));
  }
  // Three sequences read more than one: their caches, and experts only some of them chose.
  EXPECT_GT(r.rows[1].bytes_per_step, r.rows[0].bytes_per_step);
}

// The model, recording where each decode input (1 or 2 tokens) starts and each MTP row lands.
class Recording final : public moe::ForwardModel {
 public:
  explicit Recording(const moe::ForwardModel& m) : m_(m) {}
  const moe::Model& host() const override { return m_.host(); }
  std::string device() const override { return m_.device(); }
  std::string describe_device() const override { return m_.describe_device(); }
  moe::DeviceMemory memory() const override { return m_.memory(); }
  std::unique_ptr<moe::SequenceCache> make_cache() const override { return m_.make_cache(); }
  std::unique_ptr<moe::SequenceCache> make_mtp_cache() const override {
    return m_.make_mtp_cache();
  }
  int cache_block_size() const override { return m_.cache_block_size(); }
  std::size_t cache_block_bytes() const override { return m_.cache_block_bytes(); }
  std::size_t mtp_cache_block_bytes() const override { return m_.mtp_cache_block_bytes(); }
  std::size_t default_cache_bytes() const override { return m_.default_cache_bytes(); }
  std::vector<std::vector<float>> forward(std::span<const moe::ForwardInput> inputs,
                                          moe::ForwardStats* stats) const override {
    for (const auto& in : inputs) {
      if (in.tokens.size() <= 2) decode_starts.push_back(in.cache->length());
    }
    return m_.forward(inputs, stats);
  }
  std::vector<std::vector<float>> mtp_forward(std::span<const moe::MtpInput> inputs,
                                              moe::ForwardStats* stats) const override {
    for (const auto& in : inputs) {
      if (in.next_tokens.size() == 1) draft_starts.push_back(in.cache->length());
    }
    return m_.mtp_forward(inputs, stats);
  }
  mutable std::vector<int> decode_starts;
  mutable std::vector<int> draft_starts;

 private:
  const moe::ForwardModel& m_;
};

TEST(DecodeProbe, EveryStepStartsAtTheContext) {
  // Were a step's positions kept, the next would attend over more than the context.
  const auto model = bundled();
  const Recording recording(*model);
  const DecodeProbeOptions o = small();
  probe_decode(recording, o);
  // Batches 1 and 3 (warm-up and timed), then the MTP rounds: plain and verification steps.
  // Each batch: the counted warm-up steps, 2 more and the timed ones.
  const std::size_t steps = (1 + 3) * (o.warmup + 2 + o.steps) + o.warmup + 2 * o.steps;
  ASSERT_EQ(recording.decode_starts.size(), steps);
  for (const int start : recording.decode_starts) EXPECT_EQ(start, o.context);
  ASSERT_EQ(recording.draft_starts.size(), static_cast<std::size_t>(o.warmup + o.steps));
  for (const int start : recording.draft_starts) EXPECT_EQ(start, o.context - 1);
}

TEST(DecodeProbe, MtpFiguresFollowTheirFormula) {
  const auto model = bundled();
  ASSERT_TRUE(model->has_mtp());
  const DecodeProbeResult r = probe_decode(*model, small());
  ASSERT_TRUE(r.mtp.has_value());
  const MtpDecodeFigures& m = *r.mtp;
  EXPECT_GT(m.verify_step_s, 0);
  EXPECT_GT(m.draft_pass_s, 0);
  EXPECT_DOUBLE_EQ(m.verify_ratio, m.verify_step_s / m.plain_step_s);
  EXPECT_DOUBLE_EQ(m.draft_ratio, m.draft_pass_s / m.plain_step_s);
  ASSERT_EQ(m.implied_speedup.size(), 6u);
  EXPECT_DOUBLE_EQ(m.implied_speedup.front().first, 0.5);
  EXPECT_DOUBLE_EQ(m.implied_speedup.back().first, 1.0);
  EXPECT_DOUBLE_EQ(m.implied_speedup.back().second, 2.0 / (m.verify_ratio + m.draft_ratio));
  // The arithmetic: a verification step at 1.15x a plain step, no draft cost, 90%.
  EXPECT_NEAR(implied_mtp_speedup(0.9, 1.15, 0.0), 1.652, 0.001);
  EXPECT_EQ(implied_mtp_speedup(0.9, 0.0, 0.0), 0.0);

  DecodeProbeOptions without = small();
  without.mtp = false;
  EXPECT_FALSE(probe_decode(*model, without).mtp.has_value());
}

TEST(DecodeProbe, RefusesWhatTheModelCannotTake) {
  const auto model = bundled();
  DecodeProbeOptions o = small();
  o.context = model->config().max_position_embeddings - 1;  // the step needs 2 more
  EXPECT_THROW(probe_decode(*model, o), UsageError);
  o = small();
  o.batches = {1, 0};
  EXPECT_THROW(probe_decode(*model, o), UsageError);
  o = small();
  o.steps = 0;
  EXPECT_THROW(probe_decode(*model, o), UsageError);
}

TEST(DecodeProbe, DocumentHasTheRowsAndTheFormula) {
  const auto model = bundled();
  const DecodeProbeResult r = probe_decode(*model, small());
  const std::string text = decode_probe_json({.kind = "decode",
                                              .model = "tiny",
                                              .engine = "builtin",
                                              .config_json = decode_probe_config_json(small())},
                                             r);
  rapidjson::Document doc;
  doc.Parse(text.c_str());
  ASSERT_FALSE(doc.HasParseError()) << text;
  EXPECT_STREQ(doc["kind"].GetString(), "decode");
  EXPECT_EQ(doc["config"]["context"].GetInt(), 40);
  const auto& figures = doc["figures"];
  EXPECT_STREQ(figures["device"].GetString(), "cpu");
  ASSERT_EQ(figures["rows"].Size(), 2u);
  EXPECT_EQ(figures["rows"][1]["batch"].GetInt(), 3);
  EXPECT_DOUBLE_EQ(figures["rows"][0]["roofline_fraction"].GetDouble(),
                   r.rows[0].roofline_fraction);
  EXPECT_STREQ(figures["mtp"]["implied_speedup_formula"].GetString(),
               "(1 + acceptance) / (verify_ratio + draft_ratio)");
  EXPECT_TRUE(doc["assumptions"].IsArray());
  const std::string table = decode_probe_table(r);
  EXPECT_NE(table.find("tokens/s"), std::string::npos) << table;
  EXPECT_NE(table.find("implied speedup"), std::string::npos) << table;
}

}  // namespace
}  // namespace rbench::probe
