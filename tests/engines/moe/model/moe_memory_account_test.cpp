// ForwardModel::memory() on the CPU: the weights as held, and the bytes of the caches the model
// made (make_cache(), make_mtp_cache()) now and at their peak, given back as caches shrink or end.
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

  const std::vector<std::int32_t> tokens = {1, 2, 3, 4, 5};
  std::unique_ptr<SequenceCache> a = model->make_cache();
  std::unique_ptr<SequenceCache> b = model->make_cache();
  const ForwardInput inputs[] = {{a.get(), tokens}, {b.get(), std::span(tokens).first(2)}};
  model->forward(inputs);
  const auto per_token = static_cast<std::int64_t>(a->bytes_per_token());
  m = model->memory();
  EXPECT_EQ(m.cache_bytes, 7 * per_token);
  EXPECT_EQ(m.cache_peak_bytes, 7 * per_token);

  a->truncate(1);  // a rolled-back draft gives its bytes back; the peak stays
  m = model->memory();
  EXPECT_EQ(m.cache_bytes, 3 * per_token);
  EXPECT_EQ(m.cache_peak_bytes, 7 * per_token);

  b.reset();
  a.reset();
  m = model->memory();
  EXPECT_EQ(m.cache_bytes, 0);
  EXPECT_EQ(m.cache_peak_bytes, 7 * per_token);

  // Caches made by new_cache() are the caller's own and are not counted.
  KvCache own = model->new_cache();
  const ForwardInput one[] = {{&own, tokens}};
  model->forward(one);
  EXPECT_EQ(model->memory().cache_bytes, 0);
}

}  // namespace
}  // namespace rbench::moe
