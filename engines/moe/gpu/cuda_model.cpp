#include "engines/moe/gpu/cuda_model.h"

#include <fmt/format.h>

#include <algorithm>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "engines/moe/cuda/blas.h"
#include "engines/moe/cuda/cuda_check.h"
#include "engines/moe/cuda/device.h"
#include "engines/moe/cuda/device_buffer.h"
#include "engines/moe/cuda/elementwise.h"
#include "engines/moe/cuda/kernels.h"
#include "engines/moe/cuda/mla.h"
#include "engines/moe/cuda/moe.h"
#include "engines/moe/cuda/sampling.h"
#include "engines/moe/cuda/stream.h"
#include "engines/moe/cuda/weights.h"
#include "engines/moe/gpu/device_weights.h"
#include "engines/moe/gpu/dummy_device_weights.h"
#include "engines/moe/gpu/paged_cache.h"
#include "engines/moe/model/rope.h"

namespace rbench::moe::gpu {
namespace {

// As model.cpp: the reference builds q_a_layernorm and kv_a_layernorm with the RMSNorm default.
constexpr float kLoraNormEps = 1e-6f;
// Products of at most this many rows use the batch-invariant gemv kernel (cuda_model.h).
constexpr int kGemvRowsMax = 64;
constexpr int kBlockSize = 64;

// A device buffer that only grows: the forward pass's scratch, reused across calls.
template <typename T>
class Scratch {
 public:
  T* get(std::size_t count) {
    if (buffer_.size() < count) buffer_ = cuda::DeviceBuffer<T>(std::max<std::size_t>(count, 1));
    return buffer_.data();
  }

 private:
  cuda::DeviceBuffer<T> buffer_;
};

// Makes `ordinal` the calling thread's device for the scope and restores the previous one.
class DeviceScope {
 public:
  explicit DeviceScope(int ordinal) {
    RBENCH_CUDA_CHECK(cudaGetDevice(&previous_));
    if (previous_ != ordinal) RBENCH_CUDA_CHECK(cudaSetDevice(ordinal));
  }
  ~DeviceScope() { cudaSetDevice(previous_); }
  DeviceScope(const DeviceScope&) = delete;
  DeviceScope& operator=(const DeviceScope&) = delete;

 private:
  int previous_ = 0;
};

cuda::Scoring scoring(const ModelConfig& c) {
  return c.scoring_func == ScoringFunc::softmax ? cuda::Scoring::softmax : cuda::Scoring::sigmoid;
}

cuda::TopkMethod topk_method(const ModelConfig& c) {
  switch (c.topk_method) {
    case TopkMethod::greedy:
      return cuda::TopkMethod::greedy;
    case TopkMethod::group_limited_greedy:
      return cuda::TopkMethod::group_limited_greedy;
    case TopkMethod::noaux_tc:
      return cuda::TopkMethod::noaux_tc;
  }
  return cuda::TopkMethod::greedy;
}

void check_token(std::int32_t t, int vocab) {
  if (t < 0 || t >= vocab) {
    throw std::out_of_range(
        fmt::format("token id {} is outside the vocabulary (size {})", t, vocab));
  }
}

template <typename T>
void upload_async(Scratch<T>& scratch, const std::vector<T>& host, const cuda::Stream& stream) {
  T* dst = scratch.get(host.size());
  if (host.empty()) return;
  RBENCH_CUDA_CHECK(cudaMemcpyAsync(dst, host.data(), host.size() * sizeof(T),
                                    cudaMemcpyHostToDevice, stream.get()));
}

class CudaModel final : public ForwardModel {
 public:
  CudaModel(std::shared_ptr<const Model> host, int ordinal, cuda::DeviceInfo info)
      : CudaModel(host, ordinal, std::move(info), upload(host->weights())) {}
  // Over weights already on the device (a dummy model's, generated there; `host` then holds
  // their shapes only).
  CudaModel(std::shared_ptr<const Model> host, int ordinal, cuda::DeviceInfo info,
            DeviceWeights weights);

  const Model& host() const override { return *host_; }
  std::string device() const override { return fmt::format("cuda:{}", ordinal_); }
  std::string describe_device() const override;
  std::unique_ptr<SequenceCache> make_cache() const override {
    return std::make_unique<PagedCache>(main_pool_, this);
  }
  std::unique_ptr<SequenceCache> make_mtp_cache() const override {
    if (!mtp_pool_) throw std::logic_error("make_mtp_cache: the model has no MTP module");
    return std::make_unique<PagedCache>(mtp_pool_, this);
  }
  std::vector<std::vector<float>> forward(std::span<const ForwardInput> inputs,
                                          ForwardStats* stats) const override;
  std::vector<std::vector<float>> mtp_forward(std::span<const MtpInput> inputs,
                                              ForwardStats* stats) const override;

 private:
  // The tokens of one call, on the device.
  struct Batch {
    int n = 0;
    int max_length = 0;                  // the longest causal length (max position + 1)
    std::vector<std::int32_t> position;  // host copies, per token
    std::vector<std::int32_t> token_table;
    std::vector<std::int32_t> tables;
    BlockPool* pool = nullptr;
  };
  PagedCache& own_cache(SequenceCache* cache, int layers, const char* call) const;
  void add_sequence(Batch& b, PagedCache& cache, int count) const;
  void check_context(const PagedCache& cache, std::size_t tokens) const;
  void upload_batch(Batch& b) const;

  void matmul(const DeviceMatrix& w, const float* x, int n, float* y, int x_stride = 0,
              int y_stride = 0) const;
  void decoder_layer(const DeviceLayer& lw, int cache_layer, const Batch& b, float* h,
                     ForwardStats* stats) const;
  void attention(const DeviceAttention& a, int cache_layer, const Batch& b, const float* x,
                 float* out) const;
  void mlp(const DeviceMlp& w, const float* x, int n, float* out, float* g, float* u) const;
  void moe(const DeviceMoe& m, const float* x, int n, float* out, ForwardStats* stats) const;
  // Logits through `head` of the rows each input wants (normed in place first), downloaded.
  // With `choices` (one per input, null where none), the tokens are chosen on the device from
  // each input's last row.
  std::vector<std::vector<float>> head_logits(const DeviceMatrix& head, const float* norm_weight,
                                              float* h, const std::vector<int>& sizes,
                                              const std::vector<bool>& all,
                                              const std::vector<TokenChoice*>& choices = {}) const;
  void choose_tokens(const float* logits, int vocab, const std::vector<int>& last_rows,
                     const std::vector<TokenChoice*>& choices) const;

  std::shared_ptr<const Model> host_;
  int ordinal_;
  cuda::DeviceInfo info_;
  Rope rope_;
  int table_positions_;
  cuda::Stream stream_;
  cuda::Blas blas_;
  DeviceWeights weights_;
  cuda::DeviceBuffer<float> cos_sin_;
  std::shared_ptr<BlockPool> main_pool_;
  std::shared_ptr<BlockPool> mtp_pool_;

  // Calls are serialised: one stream, one set of scratch buffers.
  mutable std::mutex mutex_;
  mutable Scratch<std::byte> d_sample_work_;
  mutable Scratch<cuda::RowSampling> d_settings_;
  mutable Scratch<std::int32_t> d_chosen_;
  mutable Scratch<std::int32_t> d_ids_, d_positions_, d_token_table_, d_tables_, d_route_ids_,
      d_perm_, d_slot_row_;
  mutable Scratch<float> d_h_, d_x_, d_out_, d_q_, d_qa_, d_kva_, d_q_latent_, d_o_latent_, d_o_,
      d_attn_work_, d_g_, d_u_, d_router_, d_route_w_, d_xe_, d_ye_, d_dequant_, d_rows_, d_logits_,
      d_eh_, d_hidden_in_, d_choice_logits_;
};

CudaModel::CudaModel(std::shared_ptr<const Model> host, int ordinal, cuda::DeviceInfo info,
                     DeviceWeights weights)
    : host_(std::move(host)),
      ordinal_(ordinal),
      info_(std::move(info)),
      rope_(host_->config()),
      table_positions_(std::max(host_->config().max_position_embeddings, 1)),
      weights_(std::move(weights)) {
  const ModelConfig& c = host_->config();
  const std::vector<float> table = rope_.cos_sin_table(table_positions_);
  cos_sin_ = cuda::DeviceBuffer<float>(std::span<const float>(table));
  // bf16 for bf16 and fp8 checkpoints, f32 for f32 ones (cuda_model.h).
  const bool bf16 = host_->weights().embed_tokens.dtype != DType::f32 ||
                    host_->weights().lm_head.dtype != DType::f32 ||
                    (!host_->weights().layers.empty() &&
                     host_->weights().layers[0].attn.kv_a_proj_with_mqa.dtype != DType::f32);
  CacheShape shape{c.num_hidden_layers, c.kv_lora_rank, c.qk_rope_head_dim, bf16, kBlockSize};
  main_pool_ = std::make_shared<BlockPool>(shape);
  if (host_->has_mtp()) {
    shape.layers = 1;
    mtp_pool_ = std::make_shared<BlockPool>(shape);
  }
  stream_.synchronize();
}

std::string CudaModel::describe_device() const {
  return fmt::format("cuda:{} ({}, sm_{}{}, {} MiB; {}), latent cache in {}; {}", ordinal_,
                     info_.name, info_.major, info_.minor, info_.total_bytes >> 20,
                     blas_.describe(), main_pool_->shape().bf16 ? "bf16" : "f32", kValidation);
}

PagedCache& CudaModel::own_cache(SequenceCache* cache, int layers, const char* call) const {
  auto* paged = dynamic_cast<PagedCache*>(cache);
  if (paged == nullptr || paged->owner() != this || paged->pool().shape().layers != layers) {
    throw std::invalid_argument(
        fmt::format("{}: every input needs a cache this CUDA model made ({})", call,
                    layers == 1 ? "make_mtp_cache()" : "make_cache()"));
  }
  return *paged;
}

void CudaModel::add_sequence(Batch& b, PagedCache& cache, int count) const {
  const int start = cache.length();
  cache.grow_to(start + count);
  const auto table_at = static_cast<std::int32_t>(b.tables.size());
  b.tables.insert(b.tables.end(), cache.blocks().begin(), cache.blocks().end());
  for (int i = 0; i < count; ++i) {
    b.position.push_back(start + i);
    b.token_table.push_back(table_at);
  }
  b.n += count;
  b.max_length = std::max(b.max_length, start + count);
  b.pool = &cache.pool();
}

void CudaModel::check_context(const PagedCache& cache, std::size_t tokens) const {
  // Checked before any cache grows, so a refused call leaves every cache as it was.
  if (static_cast<std::size_t>(cache.length()) + tokens >
      static_cast<std::size_t>(table_positions_)) {
    throw std::out_of_range(fmt::format("positions up to {} are past the model's context of {}",
                                        cache.length() + tokens - 1, table_positions_));
  }
}

void CudaModel::upload_batch(Batch& b) const {
  upload_async(d_positions_, b.position, stream_);
  upload_async(d_token_table_, b.token_table, stream_);
  upload_async(d_tables_, b.tables, stream_);
}

void CudaModel::matmul(const DeviceMatrix& w, const float* x, int n, float* y, int x_stride,
                       int y_stride) const {
  if (n <= 0) return;
  if (n <= kGemvRowsMax) {
    cuda::gemv({w.view(), x, x_stride, y, y_stride, n}, stream_.get());
    return;
  }
  const float* wf = reinterpret_cast<const float*>(w.data.data());
  if (w.type != cuda::WeightType::f32) {
    float* dq = d_dequant_.get(static_cast<std::size_t>(w.rows) * w.cols);
    cuda::dequantize(w.view(), dq, stream_.get());
    wf = dq;
  }
  blas_.gemm_f32(wf, w.rows, w.cols, x, x_stride ? x_stride : w.cols, n, y,
                 y_stride ? y_stride : w.rows, stream_.get());
}

void CudaModel::decoder_layer(const DeviceLayer& lw, int cache_layer, const Batch& b, float* h,
                              ForwardStats* stats) const {
  const ModelConfig& c = host_->config();
  const int hidden = c.hidden_size;
  const std::size_t count = static_cast<std::size_t>(b.n) * hidden;
  float* x = d_x_.get(count);
  float* out = d_out_.get(count);
  cuda::rms_norm({h, lw.input_layernorm.data(), x, b.n, hidden, static_cast<float>(c.rms_norm_eps)},
                 stream_.get());
  attention(lw.attn, cache_layer, b, x, out);
  cuda::add_inplace(h, out, count, stream_.get());
  cuda::rms_norm(
      {h, lw.post_attention_layernorm.data(), x, b.n, hidden, static_cast<float>(c.rms_norm_eps)},
      stream_.get());
  if (lw.moe) {
    moe(*lw.moe, x, b.n, out, stats);
  } else {
    const int inter = lw.mlp->gate_proj.rows;
    const std::size_t gsize = static_cast<std::size_t>(b.n) * inter;
    mlp(*lw.mlp, x, b.n, out, d_g_.get(gsize), d_u_.get(gsize));
  }
  cuda::add_inplace(h, out, count, stream_.get());
}

void CudaModel::attention(const DeviceAttention& a, int cache_layer, const Batch& b, const float* x,
                          float* out) const {
  const ModelConfig& c = host_->config();
  const int heads = c.num_attention_heads;
  const int qk = c.qk_head_dim();
  const int nope = c.qk_nope_head_dim;
  const int rope_dim = c.qk_rope_head_dim;
  const int v_dim = c.v_head_dim;
  const int rank = c.kv_lora_rank;
  const int n = b.n;
  cudaStream_t s = stream_.get();

  float* q = d_q_.get(static_cast<std::size_t>(n) * heads * qk);
  if (a.q_a_proj) {
    const int qr = *c.q_lora_rank;
    float* qa = d_qa_.get(static_cast<std::size_t>(n) * qr);
    matmul(*a.q_a_proj, x, n, qa);
    cuda::rms_norm({qa, a.q_a_layernorm.data(), qa, n, qr, kLoraNormEps}, s);
    matmul(*a.q_b_proj, qa, n, q);
  } else {
    matmul(*a.q_proj, x, n, q);
  }

  const int kv_a_dim = rank + rope_dim;
  float* kva = d_kva_.get(static_cast<std::size_t>(n) * kv_a_dim);
  matmul(a.kv_a_proj_with_mqa, x, n, kva);

  cuda::PagedCacheView view;
  view.blocks = b.pool->block_pointers();
  view.block_size = b.pool->shape().block_size;
  view.layers = b.pool->shape().layers;
  view.layer = cache_layer;
  view.rank = rank;
  view.rope_dim = rope_dim;
  view.bf16 = b.pool->shape().bf16;
  view.tables = d_tables_.get(0);
  view.token_table = d_token_table_.get(0);
  const std::int32_t* positions = d_positions_.get(0);

  cuda::CacheWriteParams w;
  w.cache = view;
  w.kva = kva;
  w.norm_weight = a.kv_a_layernorm.data();
  w.eps = kLoraNormEps;
  w.positions = positions;
  w.cos_sin = cos_sin_.data();
  w.table_positions = table_positions_;
  w.n = n;
  cuda::mla_cache_write(w, s);

  cuda::rope(
      {q, positions, cos_sin_.data(), n * heads, qk, nope, rope_dim, heads, table_positions_}, s);

  float* q_latent = d_q_latent_.get(static_cast<std::size_t>(n) * heads * rank);
  cuda::mla_absorb_query({q, a.kv_b_f32.data(), q_latent, n, heads, nope, rope_dim, v_dim, rank},
                         s);

  float* o_latent = d_o_latent_.get(static_cast<std::size_t>(n) * heads * rank);
  cuda::AttentionParams ap;
  ap.cache = view;
  ap.q_latent = q_latent;
  ap.q = q;
  ap.positions = positions;
  ap.o_latent = o_latent;
  ap.workspace = d_attn_work_.get(cuda::attention_workspace_floats(n, heads, rank, b.max_length));
  ap.n = n;
  ap.heads = heads;
  ap.nope = nope;
  ap.scale = rope_.softmax_scale();
  ap.max_length = b.max_length;
  cuda::mla_attention(ap, s);

  float* o = d_o_.get(static_cast<std::size_t>(n) * heads * v_dim);
  cuda::mla_lift_value({o_latent, a.kv_b_f32.data(), o, n, heads, nope, v_dim, rank}, s);
  matmul(a.o_proj, o, n, out);
}

void CudaModel::mlp(const DeviceMlp& w, const float* x, int n, float* out, float* g,
                    float* u) const {
  const int inter = w.gate_proj.rows;
  matmul(w.gate_proj, x, n, g);
  matmul(w.up_proj, x, n, u);
  cuda::silu_mul(g, u, static_cast<std::size_t>(n) * inter, stream_.get());
  matmul(w.down_proj, g, n, out);
}

void CudaModel::moe(const DeviceMoe& m, const float* x, int n, float* out,
                    ForwardStats* stats) const {
  const ModelConfig& c = host_->config();
  const int hidden = c.hidden_size;
  const int experts = c.n_routed_experts;
  const int k = c.num_experts_per_tok;
  cudaStream_t s = stream_.get();

  float* logits = d_router_.get(static_cast<std::size_t>(n) * experts);
  matmul(m.gate, x, n, logits);
  std::int32_t* ids = d_route_ids_.get(static_cast<std::size_t>(n) * k);
  float* weights = d_route_w_.get(static_cast<std::size_t>(n) * k);
  cuda::RouteParams rp;
  rp.logits = logits;
  rp.bias = m.e_score_correction_bias.size() ? m.e_score_correction_bias.data() : nullptr;
  rp.ids = ids;
  rp.weights = weights;
  rp.n = n;
  rp.experts = experts;
  rp.k = k;
  rp.n_group = c.n_group;
  rp.topk_group = c.topk_group;
  rp.scoring = scoring(c);
  rp.method = topk_method(c);
  rp.norm_topk_prob = c.norm_topk_prob;
  rp.v2 = c.is_v2();
  rp.routed_scaling = static_cast<float>(c.routed_scaling_factor);
  cuda::moe_route(rp, s);

  // The choices decide the launches: to the host, to sort tokens into expert order (each
  // expert's tokens in token order, as Model::moe serves them).
  std::vector<std::int32_t> chosen(static_cast<std::size_t>(n) * k);
  RBENCH_CUDA_CHECK(cudaMemcpyAsync(chosen.data(), ids, chosen.size() * sizeof(std::int32_t),
                                    cudaMemcpyDeviceToHost, s));
  stream_.synchronize();
  std::vector<std::vector<std::int32_t>> served(experts);  // expert -> t * k + slot
  for (int i = 0; i < n * k; ++i) {
    const std::int32_t e = chosen[i];
    if (e < 0 || e >= experts) {
      throw Error(fmt::format("cuda moe_route chose expert {} of {}", e, experts));
    }
    served[e].push_back(i);
  }
  std::vector<std::int32_t> perm;  // row r of the expert-ordered batch: its token
  std::vector<std::int32_t> slot_row(static_cast<std::size_t>(n) * k);
  std::vector<std::pair<int, int>> active;  // (expert, first row)
  perm.reserve(slot_row.size());
  for (int e = 0; e < experts; ++e) {
    if (served[e].empty()) continue;
    active.emplace_back(e, static_cast<int>(perm.size()));
    for (const std::int32_t i : served[e]) {
      slot_row[i] = static_cast<std::int32_t>(perm.size());
      perm.push_back(i / k);
    }
  }
  upload_async(d_perm_, perm, stream_);
  upload_async(d_slot_row_, slot_row, stream_);
  const int rows = static_cast<int>(perm.size());
  float* xe = d_xe_.get(static_cast<std::size_t>(rows) * hidden);
  float* ye = d_ye_.get(static_cast<std::size_t>(rows) * hidden);
  cuda::gather_rows(x, d_perm_.get(0), rows, hidden, xe, s);
  const int inter = c.moe_intermediate_size;
  float* g = d_g_.get(static_cast<std::size_t>(rows) * std::max(inter, 1));
  float* u = d_u_.get(static_cast<std::size_t>(rows) * std::max(inter, 1));
  for (std::size_t a = 0; a < active.size(); ++a) {
    const auto [e, first] = active[a];
    const int count = static_cast<int>(served[e].size());
    const std::size_t xo = static_cast<std::size_t>(first) * hidden;
    const std::size_t go = static_cast<std::size_t>(first) * m.experts[e].gate_proj.rows;
    mlp(m.experts[e], xe + xo, count, ye + xo, g + go, u + go);
  }
  if (m.shared) {
    const int shared_inter = m.shared->gate_proj.rows;
    const std::size_t gsize = static_cast<std::size_t>(n) * shared_inter;
    // The routed experts' scratch is no longer needed once their outputs are in ye.
    mlp(*m.shared, x, n, out, d_g_.get(std::max(gsize, static_cast<std::size_t>(rows) * inter)),
        d_u_.get(std::max(gsize, static_cast<std::size_t>(rows) * inter)));
  } else {
    RBENCH_CUDA_CHECK(
        cudaMemsetAsync(out, 0, static_cast<std::size_t>(n) * hidden * sizeof(float), s));
  }
  cuda::moe_unpermute({ye, d_slot_row_.get(0), weights, out, n, k, hidden}, s);
  if (stats) stats->expert_activations += static_cast<std::int64_t>(n) * k;
}

std::vector<std::vector<float>> CudaModel::head_logits(
    const DeviceMatrix& head, const float* norm_weight, float* h, const std::vector<int>& sizes,
    const std::vector<bool>& all, const std::vector<TokenChoice*>& choices) const {
  const ModelConfig& c = host_->config();
  const int hidden = c.hidden_size;
  const int vocab = head.rows;
  cudaStream_t s = stream_.get();
  int total = 0;
  for (std::size_t i = 0; i < sizes.size(); ++i) total += all[i] ? sizes[i] : 1;
  float* rows = d_rows_.get(static_cast<std::size_t>(total) * hidden);
  int offset = 0;
  int r = 0;
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    const int first = all[i] ? offset : offset + sizes[i] - 1;
    const int count = all[i] ? sizes[i] : 1;
    cuda::copy_rows(rows + static_cast<std::size_t>(r) * hidden, hidden,
                    h + static_cast<std::size_t>(first) * hidden, hidden, count, hidden, s);
    r += count;
    offset += sizes[i];
  }
  cuda::rms_norm({rows, norm_weight, rows, total, hidden, static_cast<float>(c.rms_norm_eps)}, s);
  float* logits = d_logits_.get(static_cast<std::size_t>(total) * vocab);
  matmul(head, rows, total, logits);
  if (!choices.empty()) {
    std::vector<int> last_rows;
    int end = 0;
    for (std::size_t i = 0; i < sizes.size(); ++i) {
      end += all[i] ? sizes[i] : 1;
      last_rows.push_back(end - 1);
    }
    choose_tokens(logits, vocab, last_rows, choices);
  }
  std::vector<float> host_logits(static_cast<std::size_t>(total) * vocab);
  RBENCH_CUDA_CHECK(cudaMemcpyAsync(host_logits.data(), logits, host_logits.size() * sizeof(float),
                                    cudaMemcpyDeviceToHost, s));
  stream_.synchronize();
  std::vector<std::vector<float>> out;
  r = 0;
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    const int count = all[i] ? sizes[i] : 1;
    const auto begin = host_logits.begin() + static_cast<std::ptrdiff_t>(r) * vocab;
    out.emplace_back(begin, begin + static_cast<std::ptrdiff_t>(count) * vocab);
    r += count;
  }
  return out;
}

void CudaModel::choose_tokens(const float* logits, int vocab, const std::vector<int>& last_rows,
                              const std::vector<TokenChoice*>& choices) const {
  cudaStream_t s = stream_.get();
  std::vector<cuda::RowSampling> settings;
  std::vector<TokenChoice*> wanted;
  std::vector<int> rows;
  for (std::size_t i = 0; i < choices.size(); ++i) {
    if (choices[i] == nullptr) continue;
    const TokenChoice& c = *choices[i];
    settings.push_back({c.temperature, c.top_k, c.top_p, c.uniform});
    wanted.push_back(choices[i]);
    rows.push_back(last_rows[i]);
  }
  if (wanted.empty()) return;
  const int n = static_cast<int>(wanted.size());
  // The rows to choose from, side by side, as the sampling kernels read them.
  float* picked = d_choice_logits_.get(static_cast<std::size_t>(n) * vocab);
  for (int r = 0; r < n; ++r) {
    cuda::copy_rows(picked + static_cast<std::size_t>(r) * vocab, vocab,
                    logits + static_cast<std::size_t>(rows[r]) * vocab, vocab, 1, vocab, s);
  }
  std::int32_t* ids = d_chosen_.get(n);
  const bool greedy = std::all_of(settings.begin(), settings.end(),
                                  [](const cuda::RowSampling& r) { return r.temperature <= 0; });
  if (greedy) {
    cuda::argmax_rows(picked, n, vocab, ids, s);
  } else {
    upload_async(d_settings_, settings, stream_);
    cuda::SampleParams sp;
    sp.logits = picked;
    sp.settings = d_settings_.get(0);
    sp.ids = ids;
    sp.rows = n;
    sp.vocab = vocab;
    sp.workspace_bytes = cuda::sample_workspace_bytes(n, vocab);
    sp.workspace = d_sample_work_.get(sp.workspace_bytes);
    cuda::sample_rows(sp, s);
  }
  std::vector<std::int32_t> host(n);
  RBENCH_CUDA_CHECK(cudaMemcpyAsync(host.data(), ids, host.size() * sizeof(std::int32_t),
                                    cudaMemcpyDeviceToHost, s));
  stream_.synchronize();
  for (int r = 0; r < n; ++r) wanted[r]->token = host[r];
}

std::vector<std::vector<float>> CudaModel::forward(std::span<const ForwardInput> inputs,
                                                   ForwardStats* stats) const {
  const ModelConfig& c = host_->config();
  const int hidden = c.hidden_size;
  std::vector<std::int32_t> tokens;
  for (const ForwardInput& in : inputs) {
    const PagedCache& cache = own_cache(in.cache, c.num_hidden_layers, "forward");
    if (in.tokens.empty()) throw std::invalid_argument("forward: an input without tokens");
    check_context(cache, in.tokens.size());
    for (const std::int32_t t : in.tokens) {
      check_token(t, c.vocab_size);
      tokens.push_back(t);
    }
  }
  std::lock_guard lock(mutex_);
  const DeviceScope scope(ordinal_);
  Batch b;
  for (const ForwardInput& in : inputs) {
    add_sequence(b, own_cache(in.cache, c.num_hidden_layers, "forward"),
                 static_cast<int>(in.tokens.size()));
  }
  upload_batch(b);
  upload_async(d_ids_, tokens, stream_);
  float* h = d_h_.get(static_cast<std::size_t>(b.n) * hidden);
  cuda::embedding(weights_.embed_tokens.view(), d_ids_.get(0), b.n, h, stream_.get());
  for (int l = 0; l < c.num_hidden_layers; ++l) {
    decoder_layer(weights_.layers[l], l, b, h, stats);
  }

  std::vector<int> sizes;
  std::vector<bool> all;
  bool any_hidden = false;
  for (const ForwardInput& in : inputs) {
    sizes.push_back(static_cast<int>(in.tokens.size()));
    all.push_back(in.all_logits);
    any_hidden = any_hidden || in.hidden != nullptr;
  }
  if (any_hidden) {
    // Every token's final-normed hidden state: the MTP module's input.
    float* normed = d_x_.get(static_cast<std::size_t>(b.n) * hidden);
    cuda::rms_norm(
        {h, weights_.norm.data(), normed, b.n, hidden, static_cast<float>(c.rms_norm_eps)},
        stream_.get());
    std::vector<float> host_normed(static_cast<std::size_t>(b.n) * hidden);
    RBENCH_CUDA_CHECK(cudaMemcpyAsync(host_normed.data(), normed,
                                      host_normed.size() * sizeof(float), cudaMemcpyDeviceToHost,
                                      stream_.get()));
    stream_.synchronize();
    int offset = 0;
    for (const ForwardInput& in : inputs) {
      const auto n = static_cast<std::ptrdiff_t>(in.tokens.size());
      if (in.hidden) {
        const auto begin = host_normed.begin() + static_cast<std::ptrdiff_t>(offset) * hidden;
        in.hidden->assign(begin, begin + n * hidden);
      }
      offset += static_cast<int>(n);
    }
  }
  if (stats) stats->tokens += b.n;
  std::vector<TokenChoice*> choices;
  for (const ForwardInput& in : inputs) choices.push_back(in.choice);
  return head_logits(weights_.lm_head, weights_.norm.data(), h, sizes, all, choices);
}

std::vector<std::vector<float>> CudaModel::mtp_forward(std::span<const MtpInput> inputs,
                                                       ForwardStats* stats) const {
  if (!weights_.mtp) throw std::logic_error("mtp_forward: the model has no MTP module");
  const DeviceMtp& m = *weights_.mtp;
  const ModelConfig& c = host_->config();
  const int hidden = c.hidden_size;
  std::vector<std::int32_t> tokens;
  std::vector<float> hidden_in;
  for (const MtpInput& in : inputs) {
    const PagedCache& cache = own_cache(in.cache, 1, "mtp_forward");
    check_context(cache, in.next_tokens.size());
    if (in.next_tokens.empty() || in.hidden.size() != in.next_tokens.size() * hidden) {
      throw std::invalid_argument(
          "mtp_forward: every input needs at least one row and a hidden state per next token");
    }
    for (const std::int32_t t : in.next_tokens) {
      check_token(t, c.vocab_size);
      tokens.push_back(t);
    }
    hidden_in.insert(hidden_in.end(), in.hidden.begin(), in.hidden.end());
  }
  std::lock_guard lock(mutex_);
  const DeviceScope scope(ordinal_);
  Batch b;
  for (const MtpInput& in : inputs) {
    add_sequence(b, own_cache(in.cache, 1, "mtp_forward"), static_cast<int>(in.next_tokens.size()));
  }
  upload_batch(b);
  upload_async(d_ids_, tokens, stream_);
  upload_async(d_hidden_in_, hidden_in, stream_);
  cudaStream_t s = stream_.get();

  // x = eh_proj([enorm(embed(t_{i+1})); hnorm(h_i)]): the embedding half first.
  float* e = d_x_.get(static_cast<std::size_t>(b.n) * hidden);
  cuda::embedding(weights_.mtp_embed_tokens().view(), d_ids_.get(0), b.n, e, s);
  float* eh = d_eh_.get(static_cast<std::size_t>(b.n) * 2 * hidden);
  cuda::rms_norm(
      {e, m.enorm.data(), eh, b.n, hidden, static_cast<float>(c.rms_norm_eps), hidden, 2 * hidden},
      s);
  cuda::rms_norm({d_hidden_in_.get(0), m.hnorm.data(), eh + hidden, b.n, hidden,
                  static_cast<float>(c.rms_norm_eps), hidden, 2 * hidden},
                 s);
  float* h = d_h_.get(static_cast<std::size_t>(b.n) * hidden);
  matmul(m.eh_proj, eh, b.n, h);
  decoder_layer(m.layer, 0, b, h, stats);

  std::vector<int> sizes;
  std::vector<bool> all;
  for (const MtpInput& in : inputs) {
    sizes.push_back(static_cast<int>(in.next_tokens.size()));
    all.push_back(in.all_logits);
  }
  if (stats) stats->tokens += b.n;
  return head_logits(weights_.mtp_head(), m.head_norm.data(), h, sizes, all);
}

}  // namespace

std::string cuda_unavailable(int ordinal) {
  try {
    if (cuda::cuda_device(ordinal)) return {};
    return "no CUDA device: " + cuda::cuda_unavailable_reason(ordinal);
  } catch (const std::exception& e) {
    return std::string("the CUDA device failed to answer: ") + e.what();
  }
}

std::shared_ptr<const ForwardModel> load_cuda_model(std::shared_ptr<const Model> host,
                                                    int ordinal) {
  std::optional<cuda::DeviceInfo> info = cuda::cuda_device(ordinal);
  if (!info) {
    throw SetupError(fmt::format("--device cuda:{}: no CUDA device: {}", ordinal,
                                 cuda::cuda_unavailable_reason(ordinal)));
  }
  const std::size_t need = device_bytes(host->weights());
  if (need > info->free_bytes) {
    throw SetupError(fmt::format(
        "--device cuda:{}: the weights need {:.1f} MiB on the device and {} has {:.1f} MiB free",
        ordinal, need / 1048576.0, info->name, info->free_bytes / 1048576.0));
  }
  const DeviceScope scope(ordinal);
  try {
    return std::make_shared<const CudaModel>(std::move(host), ordinal, std::move(*info));
  } catch (const cuda::CudaError&) {
    throw;
  } catch (const Error& e) {
    // cuBLAS missing: the device is there but this machine cannot drive it.
    throw SetupError(fmt::format("--device cuda:{}: {}", ordinal, e.what()));
  }
}

namespace {

// How many of the config's decoder layers fit in `free` bytes beside the rest of the model.
int layers_that_fit(const ModelWeights& shapes, std::size_t free) {
  ModelWeights outside;  // everything but the decoder layers
  outside.embed_tokens = shapes.embed_tokens;
  outside.norm = shapes.norm;
  outside.lm_head = shapes.lm_head;
  outside.mtp = shapes.mtp;
  std::size_t used = device_bytes(outside);
  int n = 0;
  for (const LayerWeights& lw : shapes.layers) {
    ModelWeights one;
    one.layers.push_back(lw);
    used += device_bytes(one);
    if (used > free) break;
    ++n;
  }
  return n;
}

}  // namespace

std::shared_ptr<const ForwardModel> load_dummy_cuda_model(const ModelConfig& config,
                                                          RandomWeightsOptions options,
                                                          int ordinal) {
  std::optional<cuda::DeviceInfo> info = cuda::cuda_device(ordinal);
  if (!info) {
    throw SetupError(fmt::format("--device cuda:{}: no CUDA device: {}", ordinal,
                                 cuda::cuda_unavailable_reason(ordinal)));
  }
  options.shapes_only = true;
  auto host = std::make_shared<const Model>(config, random_weights(config, options));
  const std::size_t need = device_bytes(host->weights());
  if (need > info->free_bytes) {
    throw SetupError(fmt::format(
        "--device cuda:{}: the dummy weights need {:.1f} MiB on the device and {} has {:.1f} MiB "
        "free; --layers {} would fit (of {})",
        ordinal, need / 1048576.0, info->name, info->free_bytes / 1048576.0,
        layers_that_fit(host->weights(), info->free_bytes), config.num_hidden_layers));
  }
  const DeviceScope scope(ordinal);
  try {
    DeviceWeights weights = generate_device_weights(host->weights(), config, options);
    return std::make_shared<const CudaModel>(std::move(host), ordinal, std::move(*info),
                                             std::move(weights));
  } catch (const cuda::CudaError&) {
    throw;
  } catch (const Error& e) {
    throw SetupError(fmt::format("--device cuda:{}: {}", ordinal, e.what()));
  }
}

}  // namespace rbench::moe::gpu
