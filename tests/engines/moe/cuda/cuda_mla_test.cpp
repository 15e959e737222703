// MLA over the paged latent cache (engines/moe/cuda/mla.h) against reference loops written as
// Model::attention computes them. Several sequences of different lengths share one call, their
// blocks scattered through the pool in scrambled order; the pool starts as NaN, so a read of a
// slot nobody wrote shows up in every result. Device tests skip without a CUDA device; the
// parameter checks run everywhere.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <numeric>
#include <random>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "engines/moe/checkpoint/dtype.h"
#include "engines/moe/cpu/cpu_kernels.h"
#include "engines/moe/cuda/cuda_test_support.h"
#include "engines/moe/cuda/device_buffer.h"
#include "engines/moe/cuda/mla.h"
#include "engines/moe/model/rope.h"

namespace rbench::moe::cuda {
namespace {

struct Shape {
  int heads, nope, rope_dim, v_dim, rank;
};

constexpr int kLayers = 2;
constexpr int kLayer = 1;  // the second layer of each block, so the layer offset counts
constexpr float kEps = 1e-6f;
constexpr int kTablePositions = 2048;

// A pool of cache blocks on the device, the sequences' block tables (blocks handed out in a
// scrambled order) and a host reader of the pool with the layout of mla.h, derived here anew.
class PagedCache {
 public:
  PagedCache(const Shape& s, int block_size, bool bf16, const std::vector<int>& lengths,
             std::uint32_t seed)
      : shape_(s), block_size_(block_size), bf16_(bf16) {
    int blocks = 0;
    for (int len : lengths) blocks += (len + block_size - 1) / block_size;
    std::vector<std::int32_t> ids(blocks);
    std::iota(ids.begin(), ids.end(), 0);
    std::mt19937 rng(seed);
    std::shuffle(ids.begin(), ids.end(), rng);
    int next = 0;
    for (int len : lengths) {
      table_offset_.push_back(static_cast<std::int32_t>(tables_.size()));
      for (int b = 0; b < (len + block_size - 1) / block_size; ++b) tables_.push_back(ids[next++]);
    }
    block_bytes_ = static_cast<std::size_t>(kLayers) * block_size * width() * element_bytes();
    pool_ = DeviceBuffer<unsigned char>(block_bytes_ * blocks);
    // All ones: NaN in bf16 and f32 alike.
    RBENCH_CUDA_CHECK(cudaMemset(pool_.data(), 0xff, pool_.bytes()));
    std::vector<void*> bases(blocks);
    for (int b = 0; b < blocks; ++b) bases[b] = pool_.data() + block_bytes_ * b;
    d_blocks_ = DeviceBuffer<void*>(std::span<void* const>(bases));
    d_tables_ = DeviceBuffer<std::int32_t>(std::span<const std::int32_t>(tables_));
  }

  int width() const { return shape_.rank + shape_.rope_dim; }
  std::size_t element_bytes() const { return bf16_ ? 2 : 4; }
  std::int32_t table_offset(int sequence) const { return table_offset_[sequence]; }

  // The view for tokens whose sequences' table offsets are in d_token_table.
  PagedCacheView view(const std::int32_t* d_token_table) const {
    return {.blocks = d_blocks_.data(),
            .block_size = block_size_,
            .layers = kLayers,
            .layer = kLayer,
            .rank = shape_.rank,
            .rope_dim = shape_.rope_dim,
            .bf16 = bf16_,
            .tables = d_tables_.data(),
            .token_table = d_token_table};
  }

  void download() { host_ = pool_.download(); }
  // Element e (latent then rope key) of position s of a sequence, as f32, from the last download.
  float at(int sequence, int s, int e) const {
    const std::int32_t block = tables_[table_offset_[sequence] + s / block_size_];
    const std::size_t element =
        (static_cast<std::size_t>(kLayer) * block_size_ + s % block_size_) * width() + e;
    const unsigned char* p = host_.data() + block_bytes_ * block + element * element_bytes();
    if (bf16_) {
      std::uint16_t v;
      std::memcpy(&v, p, 2);
      return bf16_to_f32(v);
    }
    float v;
    std::memcpy(&v, p, 4);
    return v;
  }

 private:
  Shape shape_;
  int block_size_;
  bool bf16_;
  std::vector<std::int32_t> tables_;
  std::vector<std::int32_t> table_offset_;
  std::size_t block_bytes_ = 0;
  DeviceBuffer<unsigned char> pool_;
  DeviceBuffer<void*> d_blocks_;
  DeviceBuffer<std::int32_t> d_tables_;
  std::vector<unsigned char> host_;
};

Rope make_rope(const Shape& s) {
  ModelConfig c;
  c.qk_nope_head_dim = s.nope;
  c.qk_rope_head_dim = s.rope_dim;
  c.rope_scaling = YarnScaling{.factor = 40.0, .mscale = 1.0, .mscale_all_dim = 0.707};
  return Rope(c);
}

struct Token {
  int sequence;
  int position;
};

class CudaMla : public CudaOps {
 protected:
  // Writes every position of every sequence through mla_cache_write (one call), checks what was
  // written against rms_norm and Rope::apply, and downloads the pool for the references.
  void fill(PagedCache& cache, const Shape& s, const std::vector<int>& lengths, const Rope& rope,
            std::uint32_t seed) {
    std::vector<Token> tokens;
    for (int q = 0; q < static_cast<int>(lengths.size()); ++q) {
      for (int p = 0; p < lengths[q]; ++p) tokens.push_back({q, p});
    }
    // Scrambled, so that a token's slot does not follow from its index in the call.
    std::mt19937 rng(seed);
    std::shuffle(tokens.begin(), tokens.end(), rng);
    const int n = static_cast<int>(tokens.size());
    const int width = cache.width();
    const auto kva = random_floats(static_cast<std::size_t>(n) * width, seed + 1, -2.0f, 2.0f);
    const auto norm_weight = random_floats(s.rank, seed + 2, 0.5f, 1.5f);
    std::vector<std::int32_t> positions(n);
    std::vector<std::int32_t> token_table(n);
    for (int t = 0; t < n; ++t) {
      positions[t] = tokens[t].position;
      token_table[t] = cache.table_offset(tokens[t].sequence);
    }
    DeviceBuffer<float> d_kva{std::span<const float>(kva)};
    DeviceBuffer<float> d_norm{std::span<const float>(norm_weight)};
    DeviceBuffer<std::int32_t> d_positions{std::span<const std::int32_t>(positions)};
    DeviceBuffer<std::int32_t> d_token_table{std::span<const std::int32_t>(token_table)};
    DeviceBuffer<float> d_table{std::span<const float>(rope.cos_sin_table(kTablePositions))};
    mla_cache_write({.cache = cache.view(d_token_table.data()),
                     .kva = d_kva.data(),
                     .norm_weight = d_norm.data(),
                     .eps = kEps,
                     .positions = d_positions.data(),
                     .cos_sin = d_table.data(),
                     .table_positions = kTablePositions,
                     .n = n},
                    stream());
    synchronize();
    cache.download();

    // Tolerance: f32 cache 1e-5 relative for the latent (f32 sum of squares against double) and
    // 1e-6 x (|a| + |b|) x mscale for a rotated pair (as RopeMatchesCpu); a bf16 cache adds the
    // rounding to bf16, half an ulp: 2^-9 relative, so 2^-8 relative covers both.
    const bool bf16 = cache.element_bytes() == 2;
    const double mscale = rope.cos_sin_scale();
    std::vector<float> latent(s.rank);
    std::vector<float> key(s.rope_dim);
    for (int t = 0; t < n; ++t) {
      const float* row = kva.data() + static_cast<std::size_t>(t) * width;
      rms_norm(row, norm_weight.data(), s.rank, kEps, latent.data());
      std::copy_n(row + s.rank, s.rope_dim, key.data());
      rope.apply(key.data(), positions[t]);
      for (int e = 0; e < width; ++e) {
        const float got = cache.at(tokens[t].sequence, positions[t], e);
        float expected;
        float tolerance;
        if (e < s.rank) {
          expected = latent[e];
          tolerance = (bf16 ? 0.00390625f : 1e-5f) * std::fabs(expected);
        } else {
          const int pair = (e - s.rank) / 2 * 2;
          expected = key[e - s.rank];
          const float scale = std::fabs(row[s.rank + pair]) + std::fabs(row[s.rank + pair + 1]);
          tolerance = bf16 ? 0.00390625f * std::fabs(expected) + 1e-6f * scale
                           : static_cast<float>(1e-6 * scale * mscale);
        }
        ASSERT_NEAR(got, expected, tolerance)
            << "cache write, sequence " << tokens[t].sequence << ", position " << positions[t]
            << ", element " << e << (bf16 ? " (bf16)" : " (f32)");
      }
    }
  }

  struct Outputs {
    std::vector<float> q_latent;  // [n][heads][rank]
    std::vector<float> o_latent;  // [n][heads][rank]
    std::vector<float> o;         // [n][heads][v_dim]
  };

  // absorb, attention and lift for the tokens, on the device.
  Outputs run(const PagedCache& cache, const Shape& s, const std::vector<Token>& tokens,
              const std::vector<float>& q, const std::vector<float>& w_kvb, float scale) {
    const int n = static_cast<int>(tokens.size());
    std::vector<std::int32_t> positions(n);
    std::vector<std::int32_t> token_table(n);
    int max_length = 0;
    for (int t = 0; t < n; ++t) {
      positions[t] = tokens[t].position;
      token_table[t] = cache.table_offset(tokens[t].sequence);
      max_length = std::max(max_length, tokens[t].position + 1);
    }
    const std::size_t rows = static_cast<std::size_t>(n) * s.heads;
    DeviceBuffer<float> d_q{std::span<const float>(q)};
    DeviceBuffer<float> d_w{std::span<const float>(w_kvb)};
    DeviceBuffer<std::int32_t> d_positions{std::span<const std::int32_t>(positions)};
    DeviceBuffer<std::int32_t> d_token_table{std::span<const std::int32_t>(token_table)};
    DeviceBuffer<float> d_q_latent(rows * s.rank);
    DeviceBuffer<float> d_o_latent(rows * s.rank);
    DeviceBuffer<float> d_o(rows * s.v_dim);
    DeviceBuffer<float> d_workspace(attention_workspace_floats(n, s.heads, s.rank, max_length));
    mla_absorb_query({.q = d_q.data(),
                      .w_kvb = d_w.data(),
                      .q_latent = d_q_latent.data(),
                      .n = n,
                      .heads = s.heads,
                      .nope = s.nope,
                      .rope_dim = s.rope_dim,
                      .v_dim = s.v_dim,
                      .rank = s.rank},
                     stream());
    mla_attention({.cache = cache.view(d_token_table.data()),
                   .q_latent = d_q_latent.data(),
                   .q = d_q.data(),
                   .positions = d_positions.data(),
                   .o_latent = d_o_latent.data(),
                   .workspace = d_workspace.data(),
                   .n = n,
                   .heads = s.heads,
                   .nope = s.nope,
                   .scale = scale,
                   .max_length = max_length},
                  stream());
    mla_lift_value({.o_latent = d_o_latent.data(),
                    .w_kvb = d_w.data(),
                    .o = d_o.data(),
                    .n = n,
                    .heads = s.heads,
                    .nope = s.nope,
                    .v_dim = s.v_dim,
                    .rank = s.rank},
                   stream());
    synchronize();
    return {d_q_latent.download(), d_o_latent.download(), d_o.download()};
  }
};

std::vector<Shape> shapes() {
  // DeepSeek-V3's head (fewer heads), and an awkward one: rank not a multiple of 32, odd sizes.
  return {{2, 128, 64, 128, 512}, {3, 5, 6, 7, 33}};
}

// The references, per token and head, written as Model::attention computes them, reading the
// cache the GPU wrote and starting from the GPU's q_latent, so that only the order of the
// arithmetic differs. Tolerances:
//   q_latent: 1e-5 x sum_i |q_i w_ij| (both sum in i order; the GPU may fuse multiply-adds)
//   o_latent: 1e-4 x max |latent| over the attended positions (f32 dots in another order and
//             expf against the CPU's double softmax sum, through weights that sum to 1)
//   o:        1e-5 x sum_j |w_kj o_latent_j| (f32 dots in another order)
TEST_F(CudaMla, MatchesModelAttentionOverPagedCache) {
  const bool reduced = reduced_grid();
  const std::vector<int> lengths =
      reduced ? std::vector<int>{1, 257, 40} : std::vector<int>{1, 255, 256, 257, 600};
  std::uint32_t seed = 1;
  for (const Shape& s : shapes()) {
    const Rope rope = make_rope(s);
    const float scale = rope.softmax_scale();
    for (int block_size : {16, 64}) {
      for (bool bf16 : {true, false}) {
        if (reduced && block_size == 64 && bf16) continue;
        const std::string what = "rank " + std::to_string(s.rank) + ", block_size " +
                                 std::to_string(block_size) + (bf16 ? ", bf16" : ", f32");
        PagedCache cache(s, block_size, bf16, lengths, seed);
        fill(cache, s, lengths, rope, seed);
        if (HasFatalFailure()) return;
        // Queries at and around the split boundaries, the first and last positions, each only
        // seeing its own prefix of a cache that holds the whole sequence.
        std::vector<Token> tokens;
        for (int q = 0; q < static_cast<int>(lengths.size()); ++q) {
          std::set<int> at = {0, lengths[q] / 2, lengths[q] - 2, lengths[q] - 1, 254, 255, 256};
          for (int p : at) {
            if (p >= 0 && p < lengths[q]) tokens.push_back({q, p});
          }
        }
        std::shuffle(tokens.begin(), tokens.end(), std::mt19937(seed));
        const int n = static_cast<int>(tokens.size());
        const int qk = s.nope + s.rope_dim;
        const auto q = random_floats(static_cast<std::size_t>(n) * s.heads * qk, seed + 3);
        const auto w_kvb = random_floats(
            static_cast<std::size_t>(s.heads) * (s.nope + s.v_dim) * s.rank, seed + 4, -0.1f, 0.1f);
        const Outputs out = run(cache, s, tokens, q, w_kvb, scale);
        ++seed;

        for (int t = 0; t < n; ++t) {
          const int len = tokens[t].position + 1;
          const int sequence = tokens[t].sequence;
          std::vector<float> latent(static_cast<std::size_t>(len) * s.rank);
          std::vector<float> keys(static_cast<std::size_t>(len) * s.rope_dim);
          float max_latent = 0.0f;
          for (int p = 0; p < len; ++p) {
            for (int j = 0; j < s.rank; ++j) {
              latent[static_cast<std::size_t>(p) * s.rank + j] = cache.at(sequence, p, j);
              max_latent = std::max(max_latent, std::fabs(cache.at(sequence, p, j)));
            }
            for (int j = 0; j < s.rope_dim; ++j) {
              keys[static_cast<std::size_t>(p) * s.rope_dim + j] =
                  cache.at(sequence, p, s.rank + j);
            }
          }
          for (int head = 0; head < s.heads; ++head) {
            const std::size_t row = static_cast<std::size_t>(t) * s.heads + head;
            const std::string where = what + ": sequence " + std::to_string(sequence) +
                                      ", position " + std::to_string(tokens[t].position) +
                                      ", head " + std::to_string(head);
            const float* qh = q.data() + row * qk;
            const float* w_uk =
                w_kvb.data() + static_cast<std::size_t>(head) * (s.nope + s.v_dim) * s.rank;
            // q_latent, as Model::attention's loop.
            std::vector<float> q_latent(s.rank, 0.0f);
            std::vector<float> q_latent_scale(s.rank, 0.0f);
            for (int i = 0; i < s.nope; ++i) {
              for (int j = 0; j < s.rank; ++j) {
                q_latent[j] += qh[i] * w_uk[static_cast<std::size_t>(i) * s.rank + j];
                q_latent_scale[j] +=
                    std::fabs(qh[i] * w_uk[static_cast<std::size_t>(i) * s.rank + j]);
              }
            }
            for (int j = 0; j < s.rank; ++j) {
              ASSERT_NEAR(out.q_latent[row * s.rank + j], q_latent[j], 1e-5f * q_latent_scale[j])
                  << "q_latent, " << where << ", j " << j;
            }
            // Attention from the GPU's q_latent.
            const float* gq = out.q_latent.data() + row * s.rank;
            const float* q_pe = qh + s.nope;
            std::vector<float> scores(len);
            for (int p = 0; p < len; ++p) {
              scores[p] =
                  (dot(gq, latent.data() + static_cast<std::size_t>(p) * s.rank, s.rank) +
                   dot(q_pe, keys.data() + static_cast<std::size_t>(p) * s.rope_dim, s.rope_dim)) *
                  scale;
            }
            softmax_inplace(scores.data(), len);
            std::vector<float> o_latent(s.rank, 0.0f);
            for (int p = 0; p < len; ++p) {
              for (int j = 0; j < s.rank; ++j) {
                o_latent[j] += scores[p] * latent[static_cast<std::size_t>(p) * s.rank + j];
              }
            }
            for (int j = 0; j < s.rank; ++j) {
              ASSERT_NEAR(out.o_latent[row * s.rank + j], o_latent[j], 1e-4f * max_latent)
                  << "o_latent, " << where << ", j " << j;
            }
            // The lift, from the GPU's o_latent.
            const float* go = out.o_latent.data() + row * s.rank;
            const float* w_uv = w_uk + static_cast<std::size_t>(s.nope) * s.rank;
            for (int k = 0; k < s.v_dim; ++k) {
              const float* wk = w_uv + static_cast<std::size_t>(k) * s.rank;
              float bound = 0.0f;
              for (int j = 0; j < s.rank; ++j) bound += std::fabs(wk[j] * go[j]);
              ASSERT_NEAR(out.o[row * s.v_dim + k], dot(wk, go, s.rank), 1e-5f * bound)
                  << "o, " << where << ", k " << k;
            }
          }
        }
      }
    }
  }
}

// A token's outputs are the same bits alone as inside a call with 7 tokens of other sequences
// (another max_length, so another workspace layout and grid).
TEST_F(CudaMla, BatchInvariant) {
  const Shape s = shapes()[reduced_grid() ? 1 : 0];
  const std::vector<int> lengths = {300, 1, 256, 700, 17, 512, 1000, 257};
  const Rope rope = make_rope(s);
  for (bool bf16 : {true, false}) {
    PagedCache cache(s, 16, bf16, lengths, 99);
    fill(cache, s, lengths, rope, 99);
    if (HasFatalFailure()) return;
    std::vector<Token> all;
    for (int q = 0; q < static_cast<int>(lengths.size()); ++q) all.push_back({q, lengths[q] - 1});
    const int qk = s.nope + s.rope_dim;
    const std::size_t per_token = static_cast<std::size_t>(s.heads) * qk;
    const auto q = random_floats(all.size() * per_token, 7);
    const auto w_kvb = random_floats(
        static_cast<std::size_t>(s.heads) * (s.nope + s.v_dim) * s.rank, 8, -0.1f, 0.1f);
    const Outputs batch = run(cache, s, all, q, w_kvb, rope.softmax_scale());
    for (int t : {0, 1, 3, 6}) {
      const std::vector<float> q_alone(q.begin() + t * per_token, q.begin() + (t + 1) * per_token);
      const Outputs alone = run(cache, s, {all[t]}, q_alone, w_kvb, rope.softmax_scale());
      const std::size_t latent = static_cast<std::size_t>(s.heads) * s.rank;
      const std::size_t values = static_cast<std::size_t>(s.heads) * s.v_dim;
      const std::vector<float> batch_o_latent(batch.o_latent.begin() + t * latent,
                                              batch.o_latent.begin() + (t + 1) * latent);
      const std::vector<float> batch_o(batch.o.begin() + t * values,
                                       batch.o.begin() + (t + 1) * values);
      EXPECT_EQ(std::memcmp(alone.o_latent.data(), batch_o_latent.data(), latent * 4), 0)
          << "o_latent of token " << t << (bf16 ? " (bf16)" : " (f32)");
      EXPECT_EQ(std::memcmp(alone.o.data(), batch_o.data(), values * 4), 0)
          << "o of token " << t << (bf16 ? " (bf16)" : " (f32)");
      for (float v : alone.o_latent) ASSERT_FALSE(std::isnan(v)) << "token " << t;
    }
  }
}

// A position past the rope table writes a NaN key, and a token past max_length attends to
// nothing it could address: NaN, not a read past the workspace.
TEST_F(CudaMla, OutOfRangePositionsGiveNan) {
  const Shape s = shapes()[1];
  const Rope rope = make_rope(s);
  PagedCache cache(s, 16, false, {20}, 5);
  fill(cache, s, {20}, rope, 5);
  if (HasFatalFailure()) return;
  const std::vector<Token> tokens = {{0, 19}, {0, 10}};
  const auto q = random_floats(2 * static_cast<std::size_t>(s.heads) * (s.nope + s.rope_dim), 3);
  // max_length 11 covers the second token only.
  const std::vector<std::int32_t> positions = {19, 10};
  const std::vector<std::int32_t> token_table = {cache.table_offset(0), cache.table_offset(0)};
  DeviceBuffer<float> d_q{std::span<const float>(q)};
  DeviceBuffer<std::int32_t> d_positions{std::span<const std::int32_t>(positions)};
  DeviceBuffer<std::int32_t> d_token_table{std::span<const std::int32_t>(token_table)};
  const std::size_t rows = 2 * static_cast<std::size_t>(s.heads);
  const auto q_latent = random_floats(rows * s.rank, 6);
  DeviceBuffer<float> d_q_latent{std::span<const float>(q_latent)};
  DeviceBuffer<float> d_o_latent(rows * s.rank);
  DeviceBuffer<float> d_workspace(attention_workspace_floats(2, s.heads, s.rank, 11));
  mla_attention({.cache = cache.view(d_token_table.data()),
                 .q_latent = d_q_latent.data(),
                 .q = d_q.data(),
                 .positions = d_positions.data(),
                 .o_latent = d_o_latent.data(),
                 .workspace = d_workspace.data(),
                 .n = 2,
                 .heads = s.heads,
                 .nope = s.nope,
                 .scale = rope.softmax_scale(),
                 .max_length = 11},
                stream());
  synchronize();
  const auto o_latent = d_o_latent.download();
  for (std::size_t i = 0; i < o_latent.size(); ++i) {
    const bool first_token = i < static_cast<std::size_t>(s.heads) * s.rank;
    EXPECT_EQ(std::isnan(o_latent[i]), first_token) << "at " << i;
  }

  // A cache write at a position outside the table: the key is NaN, the latent is not.
  const std::vector<float> kva = random_floats(cache.width(), 9);
  const std::vector<float> norm(s.rank, 1.0f);
  const std::vector<std::int32_t> late = {3};
  const std::vector<float> small_table = rope.cos_sin_table(2);  // positions 0 and 1 only
  DeviceBuffer<float> d_kva{std::span<const float>(kva)};
  DeviceBuffer<float> d_norm{std::span<const float>(norm)};
  DeviceBuffer<std::int32_t> d_late{std::span<const std::int32_t>(late)};
  DeviceBuffer<std::int32_t> d_one_table{std::span<const std::int32_t>(token_table.data(), 1)};
  DeviceBuffer<float> d_small_table{std::span<const float>(small_table)};
  mla_cache_write({.cache = cache.view(d_one_table.data()),
                   .kva = d_kva.data(),
                   .norm_weight = d_norm.data(),
                   .positions = d_late.data(),
                   .cos_sin = d_small_table.data(),
                   .table_positions = 2,
                   .n = 1},
                  stream());
  synchronize();
  cache.download();
  for (int e = 0; e < cache.width(); ++e) {
    EXPECT_EQ(std::isnan(cache.at(0, 3, e)), e >= s.rank) << "element " << e;
  }
}

// Checked before any launch, so these run without a GPU; the pointers are never dereferenced.
TEST(CudaMlaParams, RejectedBeforeLaunch) {
  float f = 0.0f;
  std::int32_t i = 0;
  void* block = &f;
  const PagedCacheView view{.blocks = &block,
                            .block_size = 16,
                            .layers = 2,
                            .layer = 1,
                            .rank = 8,
                            .rope_dim = 4,
                            .tables = &i,
                            .token_table = &i};
  auto view_with = [&](auto change) {
    PagedCacheView v = view;
    change(v);
    return v;
  };
  const CacheWriteParams write{.cache = view,
                               .kva = &f,
                               .norm_weight = &f,
                               .positions = &i,
                               .cos_sin = &f,
                               .table_positions = 4,
                               .n = 1};
  auto write_with = [&](auto change) {
    CacheWriteParams p = write;
    change(p);
    return p;
  };
  EXPECT_THROW(mla_cache_write(write_with([&](CacheWriteParams& p) {
                                 p.cache = view_with([](PagedCacheView& v) { v.block_size = 0; });
                               }),
                               nullptr),
               Error);
  EXPECT_THROW(mla_cache_write(write_with([&](CacheWriteParams& p) {
                                 p.cache = view_with([](PagedCacheView& v) { v.layer = 2; });
                               }),
                               nullptr),
               Error);
  EXPECT_THROW(mla_cache_write(write_with([&](CacheWriteParams& p) {
                                 p.cache = view_with([](PagedCacheView& v) { v.rope_dim = 3; });
                               }),
                               nullptr),
               Error);
  EXPECT_THROW(mla_cache_write(write_with([&](CacheWriteParams& p) {
                                 p.cache = view_with([](PagedCacheView& v) { v.tables = nullptr; });
                               }),
                               nullptr),
               Error);
  EXPECT_THROW(mla_cache_write(write_with([](CacheWriteParams& p) { p.kva = nullptr; }), nullptr),
               Error);
  EXPECT_THROW(
      mla_cache_write(write_with([](CacheWriteParams& p) { p.table_positions = 0; }), nullptr),
      Error);
  EXPECT_THROW(mla_cache_write(write_with([](CacheWriteParams& p) { p.n = -1; }), nullptr), Error);
  EXPECT_NO_THROW(mla_cache_write(write_with([](CacheWriteParams& p) { p.n = 0; }), nullptr));

  const AbsorbQueryParams absorb{.q = &f,
                                 .w_kvb = &f,
                                 .q_latent = &f,
                                 .n = 1,
                                 .heads = 2,
                                 .nope = 4,
                                 .rope_dim = 2,
                                 .v_dim = 4,
                                 .rank = 8};
  AbsorbQueryParams bad_absorb = absorb;
  bad_absorb.rank = 0;
  EXPECT_THROW(mla_absorb_query(bad_absorb, nullptr), Error);
  bad_absorb = absorb;
  bad_absorb.q = nullptr;
  EXPECT_THROW(mla_absorb_query(bad_absorb, nullptr), Error);

  const AttentionParams attention{.cache = view,
                                  .q_latent = &f,
                                  .q = &f,
                                  .positions = &i,
                                  .o_latent = &f,
                                  .workspace = &f,
                                  .n = 1,
                                  .heads = 2,
                                  .nope = 4,
                                  .max_length = 10};
  auto attention_with = [&](auto change) {
    AttentionParams p = attention;
    change(p);
    return p;
  };
  EXPECT_THROW(mla_attention(attention_with([](AttentionParams& p) { p.max_length = 0; }), nullptr),
               Error);
  EXPECT_THROW(
      mla_attention(attention_with([](AttentionParams& p) { p.workspace = nullptr; }), nullptr),
      Error);
  EXPECT_THROW(mla_attention(attention_with([](AttentionParams& p) { p.heads = 0; }), nullptr),
               Error);
  // Too wide for the shared memory of one block, and too long for the grid.
  EXPECT_THROW(mla_attention(attention_with([&](AttentionParams& p) {
                               p.cache = view_with([](PagedCacheView& v) { v.rank = 20000; });
                             }),
                             nullptr),
               Error);
  EXPECT_THROW(
      mla_attention(attention_with([](AttentionParams& p) { p.max_length = 1 << 30; }), nullptr),
      Error);
  EXPECT_NO_THROW(mla_attention(attention_with([](AttentionParams& p) { p.n = 0; }), nullptr));

  EXPECT_THROW(mla_lift_value({.o_latent = &f,
                               .w_kvb = &f,
                               .o = &f,
                               .n = 1,
                               .heads = 2,
                               .nope = 4,
                               .v_dim = 0,
                               .rank = 8},
                              nullptr),
               Error);
  EXPECT_THROW(mla_lift_value({.o_latent = nullptr,
                               .w_kvb = &f,
                               .o = &f,
                               .n = 1,
                               .heads = 2,
                               .nope = 4,
                               .v_dim = 4,
                               .rank = 8},
                              nullptr),
               Error);

  EXPECT_EQ(attention_workspace_floats(2, 3, 8, 1), 2u * 3u * 1u * 10u);
  EXPECT_EQ(attention_workspace_floats(2, 3, 8, 257), 2u * 3u * 2u * 10u);
}

}  // namespace
}  // namespace rbench::moe::cuda
