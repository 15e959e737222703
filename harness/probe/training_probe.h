// A published training-cost claim, checked against the model's config: the FLOPs of training
// (6 x active parameters x tokens, plus attention's scores and the MTP modules), the model FLOPs
// utilisation the claimed GPU-hours imply at the GPU's peak, and the claimed cost. DeepSeek-V3's
// report gives 14.8T tokens, 2.788M H800 GPU-hours and $2 per GPU-hour ($5.576M).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "engines/moe/checkpoint/config.h"

namespace rbench::probe {

struct TrainingOptions {
  double tokens = 0;           // training tokens
  double gpu_hours = 0;        // claimed GPU-hours
  double peak_tflops = 0;      // the GPU's dense peak at the training precision, TFLOP/s
  double price_per_hour = 0;   // USD per GPU-hour; 0 = no cost
  int sequence_length = 4096;  // attention's context in training (DeepSeek-V3 pre-trains at 4K)
};

struct TrainingReport {
  std::string model;
  std::int64_t parameters_total = 0;
  std::int64_t parameters_active = 0;      // per token, main model (LM head, no embedding)
  std::int64_t parameters_mtp_active = 0;  // per token, the MTP modules (their layer, projection
                                           // and the shared LM head applied again)
  double dense_flops_per_token = 0;        // 6 x active (forward 2, backward 4)
  double mtp_flops_per_token = 0;          // 6 x MTP active
  double attention_flops_per_token = 0;    // 3 x 2 x heads x (qk + v) x S/2 per layer (causal)
  double flops_6nd = 0;                    // 6 x active x tokens, the usual estimate
  double flops_total = 0;                  // everything above x tokens
  double achieved_tflops_per_gpu = 0;      // flops_total / (gpu_hours x 3600) / 1e12
  double mfu = 0;                          // achieved / peak
  double mfu_6nd = 0;
  double cost_usd = 0;
  TrainingOptions options;
};

TrainingReport probe_training(const moe::ModelConfig& config, const std::string& model,
                              const TrainingOptions& options);
std::string training_report_text(const TrainingReport& report);
std::string training_report_json(const TrainingReport& report);

}  // namespace rbench::probe
