// The paged CPU latent cache (kv_cache.h): blocks of kKvBlockSize positions taken from the
// model's pool as a sequence grows, given back on truncate() and destruction and reused; and the
// forward pass through it gives bitwise the logits of one un-chunked pass on either side of a
// block boundary.
#include "engines/moe/model/kv_cache.h"

#include <gtest/gtest.h>

#include <span>

#include "engines/moe/model/model.h"
#include "engines/moe/tools/random_checkpoint.h"

namespace rbench::moe {
namespace {

std::shared_ptr<const Model> tiny_model(const std::string& variant) {
  const ModelConfig c = tiny_config(variant, 300);
  return std::make_shared<const Model>(c, random_weights(c, {.dtype = DType::f32, .seed = 5}));
}

std::vector<std::int32_t> some_tokens(int n, int vocab) {
  std::vector<std::int32_t> t;
  for (int i = 0; i < n; ++i) t.push_back((i * 53 + 7) % vocab);
  return t;
}

void feed(const Model& model, KvCache& cache, std::span<const std::int32_t> tokens) {
  const ForwardInput in{&cache, tokens, false};
  model.forward(std::span(&in, 1));
}

TEST(KvCache, TakesBlocksAsItGrowsAndGivesThemBackOnTruncateAndDestruction) {
  const auto model = tiny_model("v3");
  const auto tokens = some_tokens(130, model->config().vocab_size);
  const KvBlockPool& pool = model->main_pool();
  ASSERT_EQ(pool.blocks_held(), 0u);
  {
    KvCache cache = model->new_cache();
    EXPECT_EQ(cache.pool(), &pool);
    feed(*model, cache, std::span(tokens).first(63));
    EXPECT_EQ(cache.blocks(), 1u);
    feed(*model, cache, std::span(tokens).subspan(63, 1));
    EXPECT_EQ(cache.length(), 64);
    EXPECT_EQ(cache.blocks(), 1u);  // exactly full
    feed(*model, cache, std::span(tokens).subspan(64, 1));
    EXPECT_EQ(cache.blocks(), 2u);
    feed(*model, cache, std::span(tokens).subspan(65, 65));
    EXPECT_EQ(cache.length(), 130);
    EXPECT_EQ(cache.blocks(), 3u);
    EXPECT_EQ(pool.blocks_held(), 3u);
    EXPECT_EQ(pool.blocks_free(), 0u);

    cache.truncate(65);  // still needs block 1
    EXPECT_EQ(cache.blocks(), 2u);
    EXPECT_EQ(pool.blocks_free(), 1u);
    cache.truncate(64);
    EXPECT_EQ(cache.blocks(), 1u);
    EXPECT_EQ(pool.blocks_free(), 2u);

    // A second cache reuses the free blocks before the pool grows.
    KvCache other = model->new_cache();
    feed(*model, other, std::span(tokens).first(100));
    EXPECT_EQ(other.blocks(), 2u);
    EXPECT_EQ(pool.blocks_held(), 3u);
    EXPECT_EQ(pool.blocks_free(), 0u);

    // A copy takes blocks of its own; a move takes the blocks along.
    KvCache copy = other;
    EXPECT_EQ(pool.blocks_held(), 5u);
    KvCache moved = std::move(copy);
    EXPECT_EQ(moved.blocks(), 2u);
    EXPECT_EQ(pool.blocks_held(), 5u);
    EXPECT_EQ(pool.blocks_free(), 0u);
    moved = KvCache();  // the assigned-over cache's blocks go back
    EXPECT_EQ(pool.blocks_free(), 2u);
    cache.truncate(0);
    EXPECT_EQ(cache.blocks(), 0u);
    EXPECT_EQ(pool.blocks_free(), 3u);
  }
  EXPECT_EQ(pool.blocks_free(), pool.blocks_held());  // destruction returned every block
  // MTP caches have a pool of their own, of one-layer blocks.
  KvCache mtp = model->new_mtp_cache();
  EXPECT_EQ(mtp.pool(), &model->mtp_pool());
  EXPECT_EQ(model->mtp_pool().block_floats() * model->config().num_hidden_layers,
            pool.block_floats());
}

TEST(KvCache, ModelReportsItsBlockGeometry) {
  const auto model = tiny_model("v3");
  const ModelConfig& c = model->config();
  const ForwardModel& fm = *model;
  EXPECT_EQ(fm.cache_block_size(), 64);
  EXPECT_EQ(fm.cache_block_bytes(), model->make_cache()->bytes_per_token() * 64);
  EXPECT_EQ(fm.mtp_cache_block_bytes(),
            static_cast<std::size_t>(64) * (c.kv_lora_rank + c.qk_rope_head_dim) * 4);
  EXPECT_EQ(fm.default_cache_bytes(), 0u);  // unbounded on the CPU
}

class AcrossBlocks : public testing::TestWithParam<std::string> {};

// Decoding through the paged cache, a prefix then one token at a time over 63, 64, 65 and 130
// positions, gives the very bits of one un-chunked pass over all of them.
TEST_P(AcrossBlocks, LogitsAreBitwiseThoseOfOneUnchunkedPass) {
  const auto model = tiny_model(GetParam());
  const int vocab = model->config().vocab_size;
  for (const int n : {63, 64, 65, 130}) {
    const auto tokens = some_tokens(n, vocab);
    KvCache full = model->new_cache();
    const ForwardInput all{&full, tokens, true};
    const std::vector<float> reference = model->forward(std::span(&all, 1)).front();
    for (const int prefix : {1, 62, 64}) {
      if (prefix >= n) continue;
      KvCache cache = model->new_cache();
      const ForwardInput first{&cache, std::span(tokens).first(prefix), true};
      std::vector<float> logits = model->forward(std::span(&first, 1)).front();
      for (int i = prefix; i < n; ++i) {
        const ForwardInput step{&cache, std::span(tokens).subspan(i, 1), false};
        const auto next = model->forward(std::span(&step, 1)).front();
        logits.insert(logits.end(), next.begin(), next.end());
      }
      ASSERT_EQ(logits.size(), reference.size());
      for (std::size_t k = 0; k < logits.size(); ++k) {
        ASSERT_EQ(logits[k], reference[k]) << GetParam() << ": " << n << " positions, prefix "
                                           << prefix << ", position " << k / vocab;
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Variants, AcrossBlocks, testing::Values("v2", "v3"));

}  // namespace
}  // namespace rbench::moe
