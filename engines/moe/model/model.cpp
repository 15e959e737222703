#include "engines/moe/model/model.h"

#include <fmt/format.h>
#include <tbb/info.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>

#include "engines/moe/cpu/sampler.h"

namespace rbench::moe {
namespace {

// The reference code builds q_a_layernorm and kv_a_layernorm without passing rms_norm_eps, so
// they keep the RMSNorm default.
constexpr float kLoraNormEps = 1e-6f;

// Tokens whose attention one job computes per head: the head's kv_b rows are read once for them.
constexpr int kAttentionGroup = 8;

struct LatentAttention {
  const KvCache& kv;
  int layer = 0;
  int len = 0;  // positions attended: 0 .. len - 1
  int rank = 0;
  int rope_dim = 0;
  float scale = 0;
};

// o_latent (zeroed, rank floats) += softmax(scores) over the cached latents, where a position's
// score is (q_latent . latent + q_pe . rope key) * scale. The cache a block at a time
// (kv_cache.h): rows within a block are contiguous. Positions are visited in order, as before
// paging, so the sums are the same bits.
void attend_latent(const LatentAttention& p, const float* q_latent, const float* q_pe,
                   float* o_latent) {
  const int rank = p.rank;
  std::vector<float> scores(p.len);
  for (int s0 = 0; s0 < p.len; s0 += kKvBlockSize) {
    const int rows = std::min(kKvBlockSize, p.len - s0);
    const float* latent = p.kv.latent(p.layer, s0);
    const float* keys = p.kv.rope_key(p.layer, s0);
    for (int r = 0; r < rows; ++r) {
      scores[s0 + r] = (dot(q_latent, latent + static_cast<std::size_t>(r) * rank, rank) +
                        dot(q_pe, keys + static_cast<std::size_t>(r) * p.rope_dim, p.rope_dim)) *
                       p.scale;
    }
  }
  softmax_inplace(scores.data(), p.len);
  for (int s0 = 0; s0 < p.len; s0 += kKvBlockSize) {
    const int rows = std::min(kKvBlockSize, p.len - s0);
    const float* latent = p.kv.latent(p.layer, s0);
    for (int r = 0; r < rows; ++r) {
      const float w = scores[s0 + r];
      const float* ls = latent + static_cast<std::size_t>(r) * rank;
#pragma omp simd
      for (int j = 0; j < rank; ++j) o_latent[j] += w * ls[j];
    }
  }
}

// The CPU cache behind a SequenceCache, or nullptr when another model made it.
KvCache* cpu_cache(SequenceCache* cache) {
  return dynamic_cast<KvCache*>(cache);
}

}  // namespace

const ModelConfig& ForwardModel::config() const {
  return host().config();
}

bool ForwardModel::has_mtp() const {
  return host().has_mtp();
}

std::string Model::describe_device() const {
  return fmt::format("cpu, {} threads", tbb::info::default_concurrency());
}

DeviceMemory Model::memory() const {
  DeviceMemory m;
  m.device = "cpu";
  m.weight_bytes = static_cast<std::int64_t>(weights_.bytes());
  // Blocks in use in the model's pools (its caches', main and MTP), as the CUDA model counts.
  m.cache_bytes = cache_bytes_->held();
  m.cache_peak_bytes = cache_bytes_->peak();
  return m;
}

// The flattened tokens of one forward() or mtp_forward() call.
struct Model::Batch {
  int n = 0;                    // tokens in all inputs
  std::vector<int> position;    // per token
  std::vector<KvCache*> cache;  // per token
  std::vector<float> x, out;    // the layers' scratch, [n x hidden]

  // Appends `count` tokens of a sequence. Its cache grows at once: attention of a token reads
  // the entries of earlier tokens of the same sequence written in this very call.
  void add(KvCache& kv, int count) {
    for (int i = 0; i < count; ++i) {
      position.push_back(kv.length() + i);
      cache.push_back(&kv);
    }
    n += count;
    kv.grow_to(kv.length() + count);
  }
};

namespace {

void check_token(std::int32_t t, int vocab) {
  if (t < 0 || t >= vocab) {
    throw std::out_of_range(
        fmt::format("token id {} is outside the vocabulary (size {})", t, vocab));
  }
}

// Logits through `head` of the rows each input wants (its last, or all with `all[k]`) of
// `normed` ([tokens x hidden], already normalised), one vector per input.
std::vector<std::vector<float>> head_logits(const WeightMatrix& head,
                                            const std::vector<float>& normed,
                                            const std::vector<int>& sizes,
                                            const std::vector<bool>& all) {
  const int hidden = head.cols;
  const int vocab = head.rows;
  std::vector<float> rows;
  int offset = 0;
  for (std::size_t k = 0; k < sizes.size(); ++k) {
    const int first = all[k] ? offset : offset + sizes[k] - 1;
    const float* begin = normed.data() + static_cast<std::size_t>(first) * hidden;
    rows.insert(rows.end(), begin,
                normed.data() + static_cast<std::size_t>(offset + sizes[k]) * hidden);
    offset += sizes[k];
  }
  const int count = static_cast<int>(rows.size() / hidden);
  std::vector<float> logits(static_cast<std::size_t>(count) * vocab);
  matmul(head, rows.data(), count, logits.data());
  std::vector<std::vector<float>> result;
  std::size_t r = 0;
  for (std::size_t k = 0; k < sizes.size(); ++k) {
    const std::size_t n = all[k] ? sizes[k] : 1;
    const float* begin = logits.data() + r * vocab;
    result.emplace_back(begin, begin + n * vocab);
    r += n;
  }
  return result;
}

}  // namespace

std::shared_ptr<const Model> Model::load(const std::filesystem::path& dir,
                                         WeightLoadOptions options) {
  ModelConfig config = load_config(dir / "config.json");
  Checkpoint checkpoint(dir);
  ModelWeights weights = load_weights(checkpoint, config, options);
  return std::make_shared<const Model>(std::move(config), std::move(weights));
}

Model::Model(ModelConfig config, ModelWeights weights)
    : config_(std::move(config)),
      weights_(std::move(weights)),
      rope_(config_),
      main_pool_(std::make_shared<KvBlockPool>(kv_block_floats(config_, config_.num_hidden_layers),
                                               cache_bytes_)),
      mtp_pool_(std::make_shared<KvBlockPool>(kv_block_floats(config_, 1), cache_bytes_)) {}

std::vector<std::vector<float>> Model::forward(std::span<const ForwardInput> inputs,
                                               ForwardStats* stats) const {
  const ModelConfig& c = config_;
  const int hidden = c.hidden_size;
  std::vector<std::int32_t> tokens;
  for (const ForwardInput& in : inputs) {
    const KvCache* kv = cpu_cache(in.cache);
    if (kv == nullptr || in.tokens.empty() || kv->layers() != c.num_hidden_layers) {
      throw std::invalid_argument(
          "forward: every input needs a CPU main-model cache (make_cache()) and at least one "
          "token");
    }
    for (const std::int32_t t : in.tokens) check_token(t, c.vocab_size);
    tokens.insert(tokens.end(), in.tokens.begin(), in.tokens.end());
  }
  Batch b;
  for (const ForwardInput& in : inputs) {
    b.add(*cpu_cache(in.cache), static_cast<int>(in.tokens.size()));
  }

  if (stats) {
    const int mats = weights_.embed_tokens.dtype == DType::f32 ? 4 : 2;
    stats->bytes_read += static_cast<std::int64_t>(b.n) * hidden * mats;  // embedding rows
    stats->bytes_read +=
        static_cast<std::int64_t>(weights_.lm_head.bytes() + weights_.norm.size() * 4);
    for (const LayerWeights& lw : weights_.layers) {
      stats->bytes_read += static_cast<std::int64_t>(layer_read_bytes(lw));
    }
    for (const ForwardInput& in : inputs) {
      stats->bytes_read += static_cast<std::int64_t>(in.cache->bytes());
    }
  }

  std::vector<float> h(static_cast<std::size_t>(b.n) * hidden);
  for (int t = 0; t < b.n; ++t) {
    weights_.embed_tokens.row_to_f32(tokens[t], h.data() + static_cast<std::size_t>(t) * hidden);
  }
  for (int l = 0; l < c.num_hidden_layers; ++l) {
    decoder_layer(weights_.layers[l], l, b, h, stats);
  }

  // The final norm, in place, for the tokens whose logits or hidden states are wanted.
  std::vector<int> sizes;
  std::vector<bool> all;
  int offset = 0;
  for (const ForwardInput& in : inputs) {
    const int n = static_cast<int>(in.tokens.size());
    for (int i = in.all_logits || in.hidden ? 0 : n - 1; i < n; ++i) {
      float* row = h.data() + static_cast<std::size_t>(offset + i) * hidden;
      rms_norm(row, weights_.norm.data(), hidden, c.rms_norm_eps, row);
    }
    if (in.hidden) {
      const float* begin = h.data() + static_cast<std::size_t>(offset) * hidden;
      in.hidden->assign(begin, begin + static_cast<std::size_t>(n) * hidden);
    }
    sizes.push_back(n);
    all.push_back(in.all_logits);
    offset += n;
  }
  if (stats) stats->tokens += b.n;
  auto logits = head_logits(weights_.lm_head, h, sizes, all);
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    if (std::vector<std::int32_t>* greedy = inputs[i].greedy_rows) {
      greedy->clear();
      const std::span<const float> rows(logits[i]);
      const auto vocab = static_cast<std::size_t>(c.vocab_size);
      for (std::size_t r = 0; r < rows.size(); r += vocab) {
        greedy->push_back(argmax(rows.subspan(r, vocab)));
      }
    }
    TokenChoice* choice = inputs[i].choice;
    if (choice == nullptr) continue;
    const std::span<const float> last =
        std::span<const float>(logits[i]).last(static_cast<std::size_t>(c.vocab_size));
    choice->token = pick_token(
        last, {.temperature = choice->temperature, .top_k = choice->top_k, .top_p = choice->top_p},
        choice->uniform);
  }
  return logits;
}

std::vector<std::vector<float>> Model::mtp_forward(std::span<const MtpInput> inputs,
                                                   ForwardStats* stats) const {
  if (!weights_.mtp) throw std::logic_error("mtp_forward: the model has no MTP module");
  const MtpWeights& m = *weights_.mtp;
  const ModelConfig& c = config_;
  const int hidden = c.hidden_size;
  const WeightMatrix& embed = weights_.mtp_embed_tokens();
  Batch b;
  for (const MtpInput& in : inputs) {
    const KvCache* kv = cpu_cache(in.cache);
    if (kv == nullptr || kv->layers() != 1 || in.next_tokens.empty() ||
        in.hidden.size() != in.next_tokens.size() * hidden) {
      throw std::invalid_argument(
          "mtp_forward: every input needs a CPU MTP cache (make_mtp_cache()), at least one row "
          "and a hidden state "
          "per next token");
    }
    for (const std::int32_t t : in.next_tokens) check_token(t, c.vocab_size);
  }
  for (const MtpInput& in : inputs) {
    b.add(*cpu_cache(in.cache), static_cast<int>(in.next_tokens.size()));
  }

  if (stats) {
    const int mats = embed.dtype == DType::f32 ? 4 : 2;
    stats->bytes_read += static_cast<std::int64_t>(b.n) * hidden * mats;  // embedding rows
    stats->bytes_read += static_cast<std::int64_t>(
        (m.enorm.size() + m.hnorm.size() + m.head_norm.size()) * 4 + m.eh_proj.bytes() +
        weights_.mtp_head().bytes() + layer_read_bytes(m.layer));
    for (const MtpInput& in : inputs) {
      stats->bytes_read += static_cast<std::int64_t>(in.cache->bytes());
    }
  }

  // x = eh_proj([enorm(embed(t_{i+1})); hnorm(h_i)]): the embedding half first.
  std::vector<float> eh(static_cast<std::size_t>(b.n) * 2 * hidden);
  std::vector<float> row(hidden);
  int r = 0;
  for (const MtpInput& in : inputs) {
    for (std::size_t k = 0; k < in.next_tokens.size(); ++k, ++r) {
      float* dst = eh.data() + static_cast<std::size_t>(r) * 2 * hidden;
      embed.row_to_f32(in.next_tokens[k], row.data());
      rms_norm(row.data(), m.enorm.data(), hidden, c.rms_norm_eps, dst);
      rms_norm(in.hidden.data() + k * hidden, m.hnorm.data(), hidden, c.rms_norm_eps, dst + hidden);
    }
  }
  std::vector<float> x(static_cast<std::size_t>(b.n) * hidden);
  matmul(m.eh_proj, eh.data(), b.n, x.data());
  decoder_layer(m.layer, 0, b, x, stats);

  std::vector<int> sizes;
  std::vector<bool> all;
  int offset = 0;
  for (const MtpInput& in : inputs) {
    const int n = static_cast<int>(in.next_tokens.size());
    for (int i = in.all_logits ? 0 : n - 1; i < n; ++i) {
      float* row_x = x.data() + static_cast<std::size_t>(offset + i) * hidden;
      rms_norm(row_x, m.head_norm.data(), hidden, c.rms_norm_eps, row_x);
    }
    sizes.push_back(n);
    all.push_back(in.all_logits);
    offset += n;
  }
  if (stats) stats->tokens += b.n;
  return head_logits(weights_.mtp_head(), x, sizes, all);
}

void Model::decoder_layer(const LayerWeights& lw, int cache_layer, Batch& b, std::vector<float>& h,
                          ForwardStats* stats) const {
  const ModelConfig& c = config_;
  const int hidden = c.hidden_size;
  std::vector<float>& x = b.x;
  std::vector<float>& out = b.out;
  x.resize(h.size());
  for (int t = 0; t < b.n; ++t) {
    const std::size_t o = static_cast<std::size_t>(t) * hidden;
    rms_norm(h.data() + o, lw.input_layernorm.data(), hidden, c.rms_norm_eps, x.data() + o);
  }
  attention(lw.attn, cache_layer, b, x, out);
  for (std::size_t i = 0; i < h.size(); ++i) h[i] += out[i];
  for (int t = 0; t < b.n; ++t) {
    const std::size_t o = static_cast<std::size_t>(t) * hidden;
    rms_norm(h.data() + o, lw.post_attention_layernorm.data(), hidden, c.rms_norm_eps,
             x.data() + o);
  }
  if (lw.moe) {
    moe(*lw.moe, x, b.n, out, stats);
  } else {
    dense_mlp(*lw.mlp, x, b.n, out);
  }
  for (std::size_t i = 0; i < h.size(); ++i) h[i] += out[i];
}

void Model::attention(const AttentionWeights& a, int cache_layer, Batch& b,
                      const std::vector<float>& x, std::vector<float>& out) const {
  const ModelConfig& c = config_;
  const int heads = c.num_attention_heads;
  const int qk = c.qk_head_dim();
  const int nope = c.qk_nope_head_dim;
  const int rope_dim = c.qk_rope_head_dim;
  const int v_dim = c.v_head_dim;
  const int rank = c.kv_lora_rank;
  const int n = b.n;

  std::vector<float> q(static_cast<std::size_t>(n) * heads * qk);
  if (a.q_a_proj) {
    const int qr = *c.q_lora_rank;
    std::vector<float> qa(static_cast<std::size_t>(n) * qr);
    matmul(*a.q_a_proj, x.data(), n, qa.data());
    for (int t = 0; t < n; ++t) {
      float* row = qa.data() + static_cast<std::size_t>(t) * qr;
      rms_norm(row, a.q_a_layernorm.data(), qr, kLoraNormEps, row);
    }
    matmul(*a.q_b_proj, qa.data(), n, q.data());
  } else {
    matmul(*a.q_proj, x.data(), n, q.data());
  }

  // The compressed latent and the shared rope key go straight into the cache.
  const int kv_a_dim = rank + rope_dim;
  std::vector<float> kva(static_cast<std::size_t>(n) * kv_a_dim);
  matmul(a.kv_a_proj_with_mqa, x.data(), n, kva.data());
  for (int t = 0; t < n; ++t) {
    const float* row = kva.data() + static_cast<std::size_t>(t) * kv_a_dim;
    const KvCache& kv = *b.cache[t];
    float* latent = kv.latent(cache_layer, b.position[t]);
    rms_norm(row, a.kv_a_layernorm.data(), rank, kLoraNormEps, latent);
    float* key = kv.rope_key(cache_layer, b.position[t]);
    std::copy_n(row + rank, rope_dim, key);
    rope_.apply(key, b.position[t]);
  }

  const float scale = rope_.softmax_scale();
  std::vector<float> o(static_cast<std::size_t>(n) * heads * v_dim);
  const float* wkvb = a.kv_b_f32.data();
  // One job per head and group of tokens: each row of the head's slice of kv_b is read once for
  // all the group's tokens (a verification step's 2, a decode batch's up to kAttentionGroup),
  // not once per token. Each token's own sums keep their order, so its bits do not change.
  const int groups = (n + kAttentionGroup - 1) / kAttentionGroup;
  tbb::parallel_for(0, groups * heads, [&](int job) {
    const int head = job % heads;
    const int t0 = job / heads * kAttentionGroup;
    const int count = std::min(kAttentionGroup, n - t0);
    // Absorb the key up-projection into each query: q_latent = W_UK^T q_nope.
    std::vector<float> q_latent(static_cast<std::size_t>(count) * rank, 0.0f);
    const float* w_uk = wkvb + static_cast<std::size_t>(head) * (nope + v_dim) * rank;
    for (int i = 0; i < nope; ++i) {
      const float* wrow = w_uk + static_cast<std::size_t>(i) * rank;
      for (int g = 0; g < count; ++g) {
        const float qi = q[(static_cast<std::size_t>(t0 + g) * heads + head) * qk + i];
        float* ql = q_latent.data() + static_cast<std::size_t>(g) * rank;
#pragma omp simd
        for (int j = 0; j < rank; ++j) ql[j] += qi * wrow[j];
      }
    }
    std::vector<float> o_latent(static_cast<std::size_t>(count) * rank, 0.0f);
    for (int g = 0; g < count; ++g) {
      const int t = t0 + g;
      const float* qh = q.data() + (static_cast<std::size_t>(t) * heads + head) * qk;
      std::vector<float> q_pe(qh + nope, qh + qk);
      rope_.apply(q_pe.data(), b.position[t]);
      attend_latent({.kv = *b.cache[t],
                     .layer = cache_layer,
                     .len = b.position[t] + 1,  // causal: itself and what came before
                     .rank = rank,
                     .rope_dim = rope_dim,
                     .scale = scale},
                    q_latent.data() + static_cast<std::size_t>(g) * rank, q_pe.data(),
                    o_latent.data() + static_cast<std::size_t>(g) * rank);
    }
    // Lift the attended latents out through the value up-projection W_UV.
    const float* w_uv = w_uk + static_cast<std::size_t>(nope) * rank;
    for (int k = 0; k < v_dim; ++k) {
      const float* wrow = w_uv + static_cast<std::size_t>(k) * rank;
      for (int g = 0; g < count; ++g) {
        o[(static_cast<std::size_t>(t0 + g) * heads + head) * v_dim + k] =
            dot(wrow, o_latent.data() + static_cast<std::size_t>(g) * rank, rank);
      }
    }
  });
  out.assign(static_cast<std::size_t>(n) * c.hidden_size, 0.0f);
  matmul(a.o_proj, o.data(), n, out.data());
}

void Model::dense_mlp(const MlpWeights& w, const std::vector<float>& x, int n,
                      std::vector<float>& out) const {
  const int inter = w.gate_proj.rows;
  std::vector<float> g(static_cast<std::size_t>(n) * inter);
  std::vector<float> u(g.size());
  matmul(w.gate_proj, x.data(), n, g.data());
  matmul(w.up_proj, x.data(), n, u.data());
  for (std::size_t i = 0; i < g.size(); ++i) g[i] = silu(g[i]) * u[i];
  out.assign(static_cast<std::size_t>(n) * w.down_proj.rows, 0.0f);
  matmul(w.down_proj, g.data(), n, out.data());
}

std::vector<std::pair<int, float>> route_token(const ModelConfig& c, const float* logits,
                                               const std::vector<float>& bias) {
  const int experts = c.n_routed_experts;
  const int k = c.num_experts_per_tok;
  std::vector<float> scores(logits, logits + experts);
  if (c.scoring_func == ScoringFunc::softmax) {
    softmax_inplace(scores.data(), experts);
  } else {
    for (float& s : scores) s = 1.0f / (1.0f + std::exp(-s));
  }
  // What selection ranks by: the scores, plus the load-balancing bias for noaux_tc.
  std::vector<float> choice = scores;
  if (c.topk_method == TopkMethod::noaux_tc) {
    for (int e = 0; e < experts; ++e) choice[e] += bias[e];
  }
  if (c.topk_method != TopkMethod::greedy && c.n_group > 1) {
    const int per_group = experts / c.n_group;
    std::vector<float> group_score(c.n_group);
    for (int g = 0; g < c.n_group; ++g) {
      std::vector<float> members(choice.begin() + g * per_group,
                                 choice.begin() + (g + 1) * per_group);
      std::sort(members.begin(), members.end(), std::greater<>());
      // V2 ranks groups by their best expert, V3 by the sum of their best two.
      group_score[g] = c.topk_method == TopkMethod::noaux_tc
                           ? members[0] + (per_group > 1 ? members[1] : 0.0f)
                           : members[0];
    }
    std::vector<int> groups(c.n_group);
    std::iota(groups.begin(), groups.end(), 0);
    std::stable_sort(groups.begin(), groups.end(),
                     [&](int x, int y) { return group_score[x] > group_score[y]; });
    std::vector<bool> keep(c.n_group, false);
    for (int i = 0; i < c.topk_group; ++i) keep[groups[i]] = true;
    for (int e = 0; e < experts; ++e) {
      if (!keep[e / per_group]) choice[e] = -std::numeric_limits<float>::infinity();
    }
  }
  std::vector<int> order(experts);
  std::iota(order.begin(), order.end(), 0);
  std::partial_sort(order.begin(), order.begin() + k, order.end(), [&](int x, int y) {
    return choice[x] > choice[y] || (choice[x] == choice[y] && x < y);
  });
  std::vector<std::pair<int, float>> picked;
  double sum = 0.0;
  for (int i = 0; i < k; ++i) {
    picked.emplace_back(order[i], scores[order[i]]);  // weights from the unbiased scores
    sum += scores[order[i]];
  }
  const bool normalise = k > 1 && c.norm_topk_prob;
  for (auto& [_, w] : picked) {
    if (normalise) w = static_cast<float>(w / (sum + 1e-20));
    // V2 scales only what it does not normalise; V3 always scales.
    if (!c.is_v2() || !normalise) w *= static_cast<float>(c.routed_scaling_factor);
  }
  return picked;
}

void Model::moe(const MoeWeights& m, const std::vector<float>& x, int n, std::vector<float>& out,
                ForwardStats* stats) const {
  const ModelConfig& c = config_;
  const int hidden = c.hidden_size;
  const int experts = c.n_routed_experts;
  const int k = c.num_experts_per_tok;

  std::vector<float> logits(static_cast<std::size_t>(n) * experts);
  matmul(m.gate, x.data(), n, logits.data());
  // Token -> its k (expert, weight) choices; expert -> the (token, slot) pairs it serves.
  std::vector<std::vector<std::pair<int, float>>> routes(n);
  std::vector<std::vector<std::pair<int, int>>> served(experts);
  for (int t = 0; t < n; ++t) {
    routes[t] = route_token(c, logits.data() + static_cast<std::size_t>(t) * experts,
                            m.e_score_correction_bias);
    for (int slot = 0; slot < k; ++slot) served[routes[t][slot].first].emplace_back(t, slot);
  }
  // Each slot's expert output lands in its own row, then rows are summed in slot order, so the
  // result does not depend on which thread finished first.
  std::vector<float> slot_out(static_cast<std::size_t>(n) * k * hidden, 0.0f);
  std::vector<int> active;
  for (int e = 0; e < experts; ++e) {
    if (!served[e].empty()) active.push_back(e);
  }
  tbb::parallel_for(0, static_cast<int>(active.size()), [&](int i) {
    const int e = active[i];
    const auto& list = served[e];
    const int count = static_cast<int>(list.size());
    std::vector<float> xe(static_cast<std::size_t>(count) * hidden);
    for (int r = 0; r < count; ++r) {
      std::copy_n(x.data() + static_cast<std::size_t>(list[r].first) * hidden, hidden,
                  xe.data() + static_cast<std::size_t>(r) * hidden);
    }
    std::vector<float> ye;
    dense_mlp(m.experts[e], xe, count, ye);
    for (int r = 0; r < count; ++r) {
      const auto [t, slot] = list[r];
      const float w = routes[t][slot].second;
      float* dst = slot_out.data() + (static_cast<std::size_t>(t) * k + slot) * hidden;
      const float* src = ye.data() + static_cast<std::size_t>(r) * hidden;
      for (int d = 0; d < hidden; ++d) dst[d] = w * src[d];
    }
  });
  if (m.shared) {
    dense_mlp(*m.shared, x, n, out);
  } else {
    out.assign(static_cast<std::size_t>(n) * hidden, 0.0f);
  }
  for (int t = 0; t < n; ++t) {
    float* dst = out.data() + static_cast<std::size_t>(t) * hidden;
    for (int slot = 0; slot < k; ++slot) {
      const float* src = slot_out.data() + (static_cast<std::size_t>(t) * k + slot) * hidden;
      for (int d = 0; d < hidden; ++d) dst[d] += src[d];
    }
  }
  if (stats) {
    stats->expert_activations += static_cast<std::int64_t>(n) * k;
    for (int e : active) stats->bytes_read += static_cast<std::int64_t>(m.experts[e].bytes());
  }
}

}  // namespace rbench::moe
