#include "harness/probe/training_probe.h"

#include <fmt/format.h>

#include "engines/moe/model/memory.h"
#include "harness/core/error.h"
#include "harness/core/json_writer.h"

namespace rbench::probe {
namespace {

// Multiply-adds of one token through one MoE layer's weights: MLA's projections, the router, the
// shared experts and the top-k routed ones (3 matrices each: gate, up, down).
std::int64_t moe_layer_active(const moe::ModelConfig& c) {
  const std::int64_t h = c.hidden_size, heads = c.num_attention_heads;
  std::int64_t attention =
      c.q_lora_rank ? h * *c.q_lora_rank + std::int64_t{*c.q_lora_rank} * heads * c.qk_head_dim()
                    : h * heads * c.qk_head_dim();
  attention += h * (c.kv_lora_rank + c.qk_rope_head_dim);
  attention += std::int64_t{c.kv_lora_rank} * heads * (c.qk_nope_head_dim + c.v_head_dim);
  attention += heads * c.v_head_dim * h;
  const std::int64_t experts = c.n_shared_experts + c.num_experts_per_tok;
  const std::int64_t mlp = experts * 3 * h * c.moe_intermediate_size + h * c.n_routed_experts;
  return attention + mlp;
}

}  // namespace

TrainingReport probe_training(const moe::ModelConfig& c, const std::string& model,
                              const TrainingOptions& o) {
  if (o.tokens <= 0 || o.gpu_hours <= 0 || o.peak_tflops <= 0) {
    throw UsageError("probe training: --tokens, --gpu-hours and --peak-tflops must be positive");
  }
  if (o.sequence_length < 1) throw UsageError("probe training: --sequence-length must be >= 1");
  TrainingReport r;
  r.model = model;
  r.options = o;
  const moe::ParameterCounts counts = moe::count_parameters(c);
  r.parameters_total = counts.total;
  r.parameters_active = counts.active_per_token;
  // Each MTP module: one MoE layer, its projection of [h; embedding] (2h x h) and the shared LM
  // head applied again to predict one more token.
  const std::int64_t h = c.hidden_size;
  r.parameters_mtp_active = c.num_nextn_predict_layers *
                            (moe_layer_active(c) + 2 * h * h + std::int64_t{c.vocab_size} * h);
  r.dense_flops_per_token = 6.0 * static_cast<double>(r.parameters_active);
  r.mtp_flops_per_token = 6.0 * static_cast<double>(r.parameters_mtp_active);
  // Scores and weighted values over the causal context (S/2 positions on average), forward 2
  // FLOPs per multiply-add, backward twice the forward.
  const double layers = c.num_hidden_layers + c.num_nextn_predict_layers;
  r.attention_flops_per_token = 3.0 * 2.0 * c.num_attention_heads *
                                (c.qk_head_dim() + c.v_head_dim) * (o.sequence_length / 2.0) *
                                layers;
  r.flops_6nd = r.dense_flops_per_token * o.tokens;
  r.flops_total =
      (r.dense_flops_per_token + r.mtp_flops_per_token + r.attention_flops_per_token) * o.tokens;
  const double gpu_seconds = o.gpu_hours * 3600.0;
  r.achieved_tflops_per_gpu = r.flops_total / gpu_seconds / 1e12;
  r.mfu = r.achieved_tflops_per_gpu / o.peak_tflops;
  r.mfu_6nd = r.flops_6nd / gpu_seconds / 1e12 / o.peak_tflops;
  r.cost_usd = o.gpu_hours * o.price_per_hour;
  return r;
}

std::string training_report_text(const TrainingReport& r) {
  const TrainingOptions& o = r.options;
  std::string s;
  s += fmt::format("training cost of {}: {:.4g} tokens, {:.4g} GPU-hours at {:g} TFLOP/s peak\n",
                   r.model, o.tokens, o.gpu_hours, o.peak_tflops);
  s += fmt::format(
      "  parameters: {:.2f}B total, {:.2f}B active per token, {:.2f}B in MTP per "
      "token\n",
      r.parameters_total / 1e9, r.parameters_active / 1e9, r.parameters_mtp_active / 1e9);
  s += fmt::format(
      "  FLOPs per token: 6 x active = {:.4g}; + 6 x MTP = {:.4g}; + attention "
      "3 x 2 x heads x (qk + v) x S/2 x layers (S = {}) = {:.4g}\n",
      r.dense_flops_per_token, r.mtp_flops_per_token, o.sequence_length,
      r.attention_flops_per_token);
  s += fmt::format("  training FLOPs: 6ND = {:.4g}; with MTP and attention = {:.4g}\n", r.flops_6nd,
                   r.flops_total);
  s += fmt::format(
      "  implied: {:.1f} TFLOP/s per GPU, MFU {:.1f}% ({:.1f}% counting 6ND "
      "alone)\n",
      r.achieved_tflops_per_gpu, 100 * r.mfu, 100 * r.mfu_6nd);
  if (o.price_per_hour > 0) {
    s += fmt::format("  claimed cost: {:.4g} GPU-hours x ${:g} = ${:.3f}M\n", o.gpu_hours,
                     o.price_per_hour, r.cost_usd / 1e6);
  }
  s += "  what such a claim covers: GPU rental of the final training run at the stated price. "
       "Left out: research and ablation runs, data collection and cleaning, staff, and owning "
       "the cluster. The GPU-hours and the tokens must cover the same phases for the MFU to "
       "hold.\n";
  return s;
}

std::string training_report_json(const TrainingReport& r) {
  json::Writer w;
  w.object({{"model", r.model},
            {"tokens", r.options.tokens},
            {"gpu_hours", r.options.gpu_hours},
            {"peak_tflops", r.options.peak_tflops},
            {"price_per_hour", r.options.price_per_hour},
            {"sequence_length", r.options.sequence_length},
            {"parameters_total", r.parameters_total},
            {"parameters_active", r.parameters_active},
            {"parameters_mtp_active", r.parameters_mtp_active},
            {"dense_flops_per_token", r.dense_flops_per_token},
            {"mtp_flops_per_token", r.mtp_flops_per_token},
            {"attention_flops_per_token", r.attention_flops_per_token},
            {"flops_6nd", r.flops_6nd},
            {"flops_total", r.flops_total},
            {"achieved_tflops_per_gpu", r.achieved_tflops_per_gpu},
            {"mfu", r.mfu},
            {"mfu_6nd", r.mfu_6nd},
            {"cost_usd", r.cost_usd}});
  return w.str();
}

}  // namespace rbench::probe
