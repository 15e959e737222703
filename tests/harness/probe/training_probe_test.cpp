// The training-cost check on DeepSeek-V3's published config: the parameter counts match the
// published 671B total and 37B active, the FLOPs follow the formulas shown, and the claimed
// $5.576M is the GPU-hours times the price.
#include "harness/probe/training_probe.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "harness/core/error.h"

namespace rbench::probe {
namespace {

moe::ModelConfig v3_config() {
  return moe::load_config(std::filesystem::path(RBENCH_SOURCE_DIR) /
                          "tests/engines/data/deepseek-v3-config.json");
}

TEST(TrainingProbe, DeepSeekV3sClaimIsReproduced) {
  TrainingOptions o;
  o.tokens = 14.8e12;
  o.gpu_hours = 2.788e6;
  o.peak_tflops = 989;
  o.price_per_hour = 2;
  const TrainingReport r = probe_training(v3_config(), "deepseek-v3", o);
  // DeepSeek-V3's report: 671B total parameters, 37B activated per token.
  EXPECT_NEAR(r.parameters_total / 1e9, 671, 1);
  EXPECT_NEAR(r.parameters_active / 1e9, 37, 0.5);
  EXPECT_GT(r.parameters_mtp_active, 0);  // the config has one MTP module
  EXPECT_DOUBLE_EQ(r.flops_6nd, 6.0 * r.parameters_active * o.tokens);
  // 128 heads x (192 + 128) x 2048 positions x (61 + 1) layers x 6.
  EXPECT_DOUBLE_EQ(r.attention_flops_per_token, 6.0 * 128 * 320 * 2048 * 62);
  EXPECT_DOUBLE_EQ(
      r.flops_total,
      (r.dense_flops_per_token + r.mtp_flops_per_token + r.attention_flops_per_token) * o.tokens);
  EXPECT_NEAR(r.cost_usd, 5.576e6, 1);
  EXPECT_NEAR(r.mfu, r.flops_total / (o.gpu_hours * 3600) / (o.peak_tflops * 1e12), 1e-12);
  EXPECT_GT(r.mfu, r.mfu_6nd);
  EXPECT_GT(r.mfu, 0.2);
  EXPECT_LT(r.mfu, 0.6);
  const std::string text = training_report_text(r);
  EXPECT_NE(text.find("$5.576M"), std::string::npos) << text;
  EXPECT_NE(text.find("Left out"), std::string::npos);
  EXPECT_NE(training_report_json(r).find("\"cost_usd\":5576000"), std::string::npos);
}

TEST(TrainingProbe, NonPositiveInputsAreRefused) {
  TrainingOptions o;
  o.tokens = 1e12;
  o.gpu_hours = 0;
  o.peak_tflops = 989;
  EXPECT_THROW(probe_training(v3_config(), "v3", o), UsageError);
  o.gpu_hours = 1;
  o.sequence_length = 0;
  EXPECT_THROW(probe_training(v3_config(), "v3", o), UsageError);
}

}  // namespace
}  // namespace rbench::probe
