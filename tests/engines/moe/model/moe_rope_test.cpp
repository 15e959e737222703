// Rope::cos_sin_table, the table the CUDA rope kernel rotates with, agrees with Rope::apply.
#include <gtest/gtest.h>

#include <vector>

#include "engines/moe/model/rope.h"

namespace rbench::moe {
namespace {

// Rotating (1, 0) by pair i's angle gives (cos, sin) times mscale, rounded once to f32: exactly
// the table's entries, at positions inside and past YaRN's original context.
TEST(MoeRope, CosSinTableMatchesApplyExactly) {
  ModelConfig c;
  c.qk_nope_head_dim = 16;
  c.qk_rope_head_dim = 8;
  c.rope_theta = 10000.0;
  c.rope_scaling = YarnScaling{.factor = 40.0, .mscale = 1.0, .mscale_all_dim = 0.707};
  const Rope rope(c);
  constexpr int kPositions = 5000;  // past original_max_position_embeddings (4096)
  const std::vector<float> table = rope.cos_sin_table(kPositions);
  ASSERT_EQ(table.size(), static_cast<std::size_t>(kPositions) * 4 * 2);
  for (int p : {0, 1, 17, 4095, 4999}) {
    for (int i = 0; i < 4; ++i) {
      std::vector<float> x(8, 0.0f);
      x[2 * i] = 1.0f;
      rope.apply(x.data(), p);
      const std::size_t at = (static_cast<std::size_t>(p) * 4 + i) * 2;
      EXPECT_EQ(x[2 * i], table[at]) << "position " << p << " pair " << i;
      EXPECT_EQ(x[2 * i + 1], table[at + 1]) << "position " << p << " pair " << i;
    }
  }
}

}  // namespace
}  // namespace rbench::moe
