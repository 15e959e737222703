// ForwardModel::memory() on the CPU: the weights as held, and the bytes of the cache blocks the
// model's caches hold (its pools', main and MTP) now and at their peak, given back as caches
// shrink by a block or end.
#include <gtest/gtest.h>

#include "engines/moe/model/model.h"
#include "engines/moe/tools/random_checkpoint.h"

namespace rbench::moe {
namespace {

TEST(ModelMemory, CountsTheWeightsAndTheLiveCachesWithTheirPeak) {
  const ModelConfig c = tiny_config("v3", 300);
  const auto model = std::make_shared<const Model>(c, random_weights(c, {.seed = 7}));
  DeviceMemory m = model->memory();
  EXPECT_EQ(m.device, "cpu");
  EXPECT_FALSE(m.total_bytes) << "the CPU's memory is not the model's to report";
  EXPECT_EQ(m.weight_bytes, static_cast<std::int64_t>(model->weights().bytes()));
  EXPECT_EQ(m.cache_bytes, 0);
  EXPECT_EQ(m.cache_peak_bytes, 0);

  // Two sequences of 70 and 2 positions: 2 + 1 blocks of 64 positions.
  std::vector<std::int32_t> tokens(70);
  for (std::size_t i = 0; i < tokens.size(); ++i) tokens[i] = static_cast<std::int32_t>(i % 300);
  std::unique_ptr<SequenceCache> a = model->make_cache();
  std::unique_ptr<SequenceCache> b = model->make_cache();
  const ForwardInput inputs[] = {{a.get(), tokens}, {b.get(), std::span(tokens).first(2)}};
  model->forward(inputs);
  const auto block = static_cast<std::int64_t>(model->cache_block_bytes());
  EXPECT_EQ(block, static_cast<std::int64_t>(a->bytes_per_token()) * model->cache_block_size());
  m = model->memory();
  EXPECT_EQ(m.cache_bytes, 3 * block);
  EXPECT_EQ(m.cache_peak_bytes, 3 * block);

  a->truncate(1);  // a rolled-back draft gives its blocks back; the peak stays
  m = model->memory();
  EXPECT_EQ(m.cache_bytes, 2 * block);
  EXPECT_EQ(m.cache_peak_bytes, 3 * block);

  b.reset();
  a.reset();
  m = model->memory();
  EXPECT_EQ(m.cache_bytes, 0);
  EXPECT_EQ(m.cache_peak_bytes, 3 * block);

  // The MTP module's caches count too, by their own block size.
  ModelConfig cm = tiny_config("v3", 300);
  cm.num_nextn_predict_layers = 1;
  const auto with_mtp =
      std::make_shared<const Model>(cm, random_weights(cm, {.seed = 7, .mtp = true}));
  ASSERT_TRUE(with_mtp->has_mtp());
  auto mtp = with_mtp->make_mtp_cache();
  std::vector<float> hidden(static_cast<std::size_t>(cm.hidden_size), 0.5f);
  const std::int32_t next = 3;
  const MtpInput row{mtp.get(), hidden, std::span(&next, 1)};
  with_mtp->mtp_forward(std::span(&row, 1));
  EXPECT_EQ(with_mtp->memory().cache_bytes,
            static_cast<std::int64_t>(with_mtp->mtp_cache_block_bytes()));
}

}  // namespace
}  // namespace rbench::moe
