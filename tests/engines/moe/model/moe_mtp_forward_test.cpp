// Model::mtp_forward against a straightforward reimplementation written here, in double: the
// MTP input x = eh_proj([enorm(embed(t_{i+1})); hnorm(h_i)]), one decoder layer with plain
// (non-absorbed) MLA over the module's own positions 0..i, and shared_head. Also: forward()'s
// hidden states are what the LM head multiplies, and feeding the rows in chunks changes nothing.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "engines/moe/model/model.h"
#include "engines/moe/model/rope.h"
#include "engines/moe/tools/random_checkpoint.h"

namespace rbench::moe {
namespace {

using Vec = std::vector<double>;

Vec rms(const Vec& x, const std::vector<float>& w, double eps) {
  double ss = 0;
  for (double v : x) ss += v * v;
  const double inv = 1.0 / std::sqrt(ss / x.size() + eps);
  Vec out(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) out[i] = x[i] * inv * w[i];
  return out;
}

Vec linear(const WeightMatrix& w, const Vec& x) {
  const std::vector<float> f = w.to_f32();
  Vec y(w.rows, 0.0);
  for (int r = 0; r < w.rows; ++r) {
    for (int c = 0; c < w.cols; ++c) y[r] += f[static_cast<std::size_t>(r) * w.cols + c] * x[c];
  }
  return y;
}

Vec mlp(const MlpWeights& m, const Vec& x) {
  Vec g = linear(m.gate_proj, x);
  const Vec u = linear(m.up_proj, x);
  for (std::size_t i = 0; i < g.size(); ++i) g[i] = g[i] / (1.0 + std::exp(-g[i])) * u[i];
  return linear(m.down_proj, g);
}

// Pairs (2k, 2k+1) rotated by position * inv_freq[k], scaled by YaRN's cos/sin factor.
void rotate(Vec& x, std::size_t from, const Rope& rope, int position) {
  const auto& inv_freq = rope.inv_freq();
  for (std::size_t k = 0; k < inv_freq.size(); ++k) {
    const double a = position * inv_freq[k];
    const double s = rope.cos_sin_scale();
    const double x0 = x[from + 2 * k], x1 = x[from + 2 * k + 1];
    x[from + 2 * k] = (x0 * std::cos(a) - x1 * std::sin(a)) * s;
    x[from + 2 * k + 1] = (x0 * std::sin(a) + x1 * std::cos(a)) * s;
  }
}

// One decoder layer over positions 0..n-1 of `xs`, causal, keys and values per head.
void reference_layer(const ModelConfig& c, const LayerWeights& lw, std::vector<Vec>& xs) {
  const Rope rope(c);
  const int n = static_cast<int>(xs.size());
  const int heads = c.num_attention_heads, nope = c.qk_nope_head_dim, rd = c.qk_rope_head_dim;
  const int vd = c.v_head_dim, rank = c.kv_lora_rank, qk = nope + rd;
  double scale = 1.0 / std::sqrt(static_cast<double>(qk));
  if (c.rope_scaling && c.rope_scaling->mscale_all_dim != 0) {
    const double m = yarn_mscale(c.rope_scaling->factor, c.rope_scaling->mscale_all_dim);
    scale *= m * m;
  }
  const AttentionWeights& a = lw.attn;
  std::vector<Vec> q(n), kv(n), kpe(n);
  for (int i = 0; i < n; ++i) {
    const Vec xn = rms(xs[i], lw.input_layernorm, c.rms_norm_eps);
    q[i] = a.q_proj ? linear(*a.q_proj, xn)
                    : linear(*a.q_b_proj, rms(linear(*a.q_a_proj, xn), a.q_a_layernorm, 1e-6));
    for (int h = 0; h < heads; ++h) rotate(q[i], h * qk + nope, rope, i);
    const Vec kva = linear(a.kv_a_proj_with_mqa, xn);
    kv[i] = linear(a.kv_b_proj, rms(Vec(kva.begin(), kva.begin() + rank), a.kv_a_layernorm, 1e-6));
    kpe[i] = Vec(kva.begin() + rank, kva.end());
    rotate(kpe[i], 0, rope, i);
  }
  for (int i = 0; i < n; ++i) {
    Vec o(static_cast<std::size_t>(heads) * vd, 0.0);
    for (int h = 0; h < heads; ++h) {
      Vec p(i + 1);
      for (int j = 0; j <= i; ++j) {
        double s = 0;
        for (int d = 0; d < nope; ++d) s += q[i][h * qk + d] * kv[j][h * (nope + vd) + d];
        for (int d = 0; d < rd; ++d) s += q[i][h * qk + nope + d] * kpe[j][d];
        p[j] = s * scale;
      }
      const double mx = *std::max_element(p.begin(), p.end());
      double sum = 0;
      for (double& v : p) sum += (v = std::exp(v - mx));
      for (int j = 0; j <= i; ++j) {
        for (int d = 0; d < vd; ++d)
          o[h * vd + d] += p[j] / sum * kv[j][h * (nope + vd) + nope + d];
      }
    }
    const Vec attn = linear(a.o_proj, o);
    for (std::size_t d = 0; d < attn.size(); ++d) xs[i][d] += attn[d];
  }
  for (int i = 0; i < n; ++i) {
    const Vec xn = rms(xs[i], lw.post_attention_layernorm, c.rms_norm_eps);
    Vec y(xn.size(), 0.0);
    if (lw.mlp) {
      y = mlp(*lw.mlp, xn);
    } else {
      const Vec g = linear(lw.moe->gate, xn);
      const std::vector<float> logits(g.begin(), g.end());
      for (const auto& [e, w] : route_token(c, logits.data(), lw.moe->e_score_correction_bias)) {
        const Vec ye = mlp(lw.moe->experts[e], xn);
        for (std::size_t d = 0; d < y.size(); ++d) y[d] += w * ye[d];
      }
      if (lw.moe->shared) {
        const Vec ys = mlp(*lw.moe->shared, xn);
        for (std::size_t d = 0; d < y.size(); ++d) y[d] += ys[d];
      }
    }
    for (std::size_t d = 0; d < y.size(); ++d) xs[i][d] += y[d];
  }
}

// Logits of the MTP module for rows 0..n-1: hidden [n x hidden], next tokens [n].
std::vector<Vec> reference_mtp(const Model& model, const std::vector<float>& hidden,
                               const std::vector<std::int32_t>& next) {
  const ModelConfig& c = model.config();
  const ModelWeights& w = model.weights();
  const MtpWeights& m = *w.mtp;
  const int hs = c.hidden_size;
  std::vector<Vec> xs;
  for (std::size_t i = 0; i < next.size(); ++i) {
    std::vector<float> e(hs);
    w.mtp_embed_tokens().row_to_f32(next[i], e.data());
    const Vec en = rms(Vec(e.begin(), e.end()), m.enorm, c.rms_norm_eps);
    const Vec hn =
        rms(Vec(hidden.begin() + i * hs, hidden.begin() + (i + 1) * hs), m.hnorm, c.rms_norm_eps);
    Vec cat = en;  // the embedding half first
    cat.insert(cat.end(), hn.begin(), hn.end());
    xs.push_back(linear(m.eh_proj, cat));
  }
  reference_layer(c, m.layer, xs);
  std::vector<Vec> logits;
  for (const Vec& x : xs)
    logits.push_back(linear(w.mtp_head(), rms(x, m.head_norm, c.rms_norm_eps)));
  return logits;
}

struct Case {
  std::string variant;
  DType dtype;
};

void PrintTo(const Case& c, std::ostream* os) {
  *os << c.variant << " " << to_string(c.dtype);
}

class MtpForward : public testing::TestWithParam<Case> {};

TEST_P(MtpForward, MatchesAPlainReimplementation) {
  ModelConfig c = tiny_config(GetParam().variant, 300);
  c.num_nextn_predict_layers = 1;
  if (GetParam().dtype == DType::f8_e4m3) {
    c.quantization = Fp8Quantization{.block_rows = 32, .block_cols = 32};
  }
  const Model model(c, random_weights(c, {.dtype = GetParam().dtype, .seed = 11, .mtp = true}));
  ASSERT_TRUE(model.has_mtp());
  const int n = 12, hs = c.hidden_size, vocab = c.vocab_size;
  std::vector<std::int32_t> tokens;
  for (int i = 0; i <= n; ++i) tokens.push_back((i * 89 + 5) % vocab);

  // forward()'s hidden states are the rows its LM head multiplies.
  KvCache cache = model.new_cache();
  std::vector<float> hidden;
  const ForwardInput in{&cache, tokens, true, &hidden};
  const auto logits = model.forward(std::span(&in, 1)).front();
  ASSERT_EQ(hidden.size(), static_cast<std::size_t>(n + 1) * hs);
  std::vector<float> again(logits.size());
  matmul(model.weights().lm_head, hidden.data(), n + 1, again.data());
  EXPECT_EQ(again, logits);

  // Rows 0..n-1 (position i carries h_i and t_{i+1}) in uneven chunks through the MTP cache.
  hidden.resize(static_cast<std::size_t>(n) * hs);
  const std::vector<std::int32_t> next(tokens.begin() + 1, tokens.end());
  KvCache mtp_cache = model.new_mtp_cache();
  std::vector<float> ours;
  int at = 0;
  for (const int chunk : {5, 1, 4, 2}) {
    const MtpInput step{&mtp_cache, std::span(hidden).subspan(at * hs, chunk * hs),
                        std::span(next).subspan(at, chunk), true};
    const auto out = model.mtp_forward(std::span(&step, 1)).front();
    ASSERT_EQ(out.size(), static_cast<std::size_t>(chunk) * vocab);
    ours.insert(ours.end(), out.begin(), out.end());
    at += chunk;
  }
  ASSERT_EQ(at, n);
  EXPECT_EQ(mtp_cache.length(), n);
  EXPECT_EQ(mtp_cache.layers(), 1);

  const std::vector<Vec> theirs = reference_mtp(model, hidden, next);
  double scale = 0, diff = 0;
  for (int i = 0; i < n; ++i) {
    for (int v = 0; v < vocab; ++v) {
      scale = std::max(scale, std::abs(theirs[i][v]));
      diff = std::max(diff, std::abs(ours[static_cast<std::size_t>(i) * vocab + v] - theirs[i][v]));
    }
  }
  // f32 accumulation against double: relative 1e-4 of the largest logit (measured: 3e-7).
  EXPECT_GT(scale, 0.1);
  EXPECT_LE(diff, 1e-4 * scale) << "max difference " << diff << " against max |logit| " << scale;

  // Without all_logits: the last row's logits, the same bits.
  KvCache last_cache = model.new_mtp_cache();
  const MtpInput whole{&last_cache, hidden, next, false};
  const auto last = model.mtp_forward(std::span(&whole, 1)).front();
  EXPECT_TRUE(std::equal(last.begin(), last.end(), ours.end() - vocab, ours.end()));
}

INSTANTIATE_TEST_SUITE_P(Tiny, MtpForward,
                         testing::Values(Case{"v3", DType::f32}, Case{"dense", DType::f32},
                                         Case{"v2-lite", DType::bf16}, Case{"v3", DType::f8_e4m3}),
                         [](const auto& info) {
                           std::string n =
                               info.param.variant + "_" + std::string(to_string(info.param.dtype));
                           for (char& ch : n) {
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           }
                           return n;
                         });

TEST(MtpForward, RefusesMismatchedInputs) {
  ModelConfig c = tiny_config("v3", 300);
  c.num_nextn_predict_layers = 1;
  const Model model(c, random_weights(c, {.seed = 1, .mtp = true}));
  const std::vector<float> h(64, 0.1f);
  const std::int32_t two[] = {1, 2}, bad[] = {300};
  KvCache mtp = model.new_mtp_cache(), main = model.new_cache();
  const MtpInput short_hidden{&mtp, h, two, false};
  EXPECT_THROW(model.mtp_forward(std::span(&short_hidden, 1)), std::invalid_argument);
  const MtpInput main_cache{&main, h, std::span(two).first(1), false};
  EXPECT_THROW(model.mtp_forward(std::span(&main_cache, 1)), std::invalid_argument);
  const MtpInput out_of_vocab{&mtp, h, bad, false};
  EXPECT_THROW(model.mtp_forward(std::span(&out_of_vocab, 1)), std::out_of_range);
  const std::int32_t one[] = {1};
  const ForwardInput mtp_cache_in_forward{&mtp, one, false};
  EXPECT_THROW(model.forward(std::span(&mtp_cache_in_forward, 1)), std::invalid_argument);
  EXPECT_EQ(mtp.length(), 0) << "a refused call leaves the cache as it was";
}

}  // namespace
}  // namespace rbench::moe
