// The scheduler's block accounting with a bounded latent cache (--kv-cache-memory) on the bundled
// model: concurrent requests that outgrow the cache are preempted and recomputed, and still give
// exactly the tokens of an unbounded run (greedy, seeded sampling, MTP self-speculation);
// requests wait for room instead of failing; a prompt that could never fit is an error saying
// what to raise; a sequence that outgrows the cache alone ends with "length", as in vLLM.
#include "engines/moe/engine/scheduler.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <thread>

#include "engines/moe/engine/builtin_engine.h"

namespace rbench::moe {
namespace {

const std::filesystem::path kModel =
    std::filesystem::path(RBENCH_SOURCE_DIR) / "data" / "checkpoints" / "tiny-r1-arith";

enum class Decoding { greedy, sampled, mtp };

class BoundedCache : public testing::TestWithParam<Decoding> {
 protected:
  static void SetUpTestSuite() {
    model_ = Model::load(kModel);
    tokenizer_ = std::make_shared<const Tokenizer>(Tokenizer::load(kModel / "tokenizer.json"));
  }
  static void TearDownTestSuite() {
    model_.reset();
    tokenizer_.reset();
  }

  // An engine whose caches may hold `units` blocks of 64 positions (0: unbounded).
  static std::unique_ptr<BuiltinEngine> engine(std::size_t units, bool mtp, int max_batch = 8) {
    BuiltinEngineOptions o = BuiltinEngineOptions::with_max_batch(max_batch);
    o.mtp = mtp;
    o.prefill_chunk = 16;
    o.kv_cache_bytes =
        units * (model_->cache_block_bytes() + (mtp ? model_->mtp_cache_block_bytes() : 0));
    return std::make_unique<BuiltinEngine>(model_, tokenizer_, kModel, o);
  }

  static std::vector<GenerateRequest> requests(const BuiltinEngine& e, Decoding d, int count) {
    std::vector<GenerateRequest> out;
    for (int i = 0; i < count; ++i) {
      GenerateRequest r;
      r.prompt = e.chat_prompt(
          {{"user", "What is " + std::to_string(11 * i + 7) + " + " + std::to_string(5 * i + 30) +
                        "? Please reason step by step."}});
      r.max_tokens = 70 + 9 * i;  // no stop tokens: every sequence passes a block boundary
      if (d == Decoding::sampled) {
        r.sampler = {.temperature = 0.9,
                     .top_k = 40,
                     .top_p = 0.95,
                     .seed = static_cast<std::uint64_t>(100 + i)};
      }
      out.push_back(r);
    }
    return out;
  }

  static std::vector<GenerateResult> concurrently(BuiltinEngine& e,
                                                  const std::vector<GenerateRequest>& rs) {
    std::vector<GenerateResult> out(rs.size());
    std::vector<std::jthread> threads;
    for (std::size_t i = 0; i < rs.size(); ++i) {
      threads.emplace_back(
          [&, i] { out[i] = e.generate(rs[i], [](std::int32_t) { return true; }); });
    }
    threads.clear();
    return out;
  }

  static std::shared_ptr<const Model> model_;
  static std::shared_ptr<const Tokenizer> tokenizer_;
};

std::shared_ptr<const Model> BoundedCache::model_;
std::shared_ptr<const Tokenizer> BoundedCache::tokenizer_;

TEST_P(BoundedCache, PreemptedSequencesGiveTheTokensOfAnUnboundedRun) {
  const bool mtp = GetParam() == Decoding::mtp;
  auto unbounded = engine(0, mtp);
  // Six sequences of 2 to 3 blocks each in a cache of 5: admission waits, growth preempts.
  auto tight = engine(5, mtp);
  const auto rs = requests(*unbounded, GetParam(), 6);
  const auto reference = concurrently(*unbounded, rs);
  const auto bounded = concurrently(*tight, rs);
  int preemptions = 0;
  for (std::size_t i = 0; i < rs.size(); ++i) {
    const std::string what = "request " + std::to_string(i);
    EXPECT_TRUE(reference[i].error.empty() && bounded[i].error.empty())
        << what << ": " << reference[i].error << bounded[i].error;
    EXPECT_EQ(bounded[i].tokens, reference[i].tokens) << what;
    EXPECT_EQ(bounded[i].finish_reason, reference[i].finish_reason) << what;
    EXPECT_EQ(bounded[i].generated, reference[i].generated) << what;
    EXPECT_EQ(reference[i].preemptions, 0) << what;
    preemptions += bounded[i].preemptions;
  }
  EXPECT_GT(preemptions, 0) << "the bound must have forced preemptions";
  if (mtp) {
    int drafts = 0;
    for (const auto& r : bounded) drafts += r.draft_tokens;
    EXPECT_GT(drafts, 0);
  }
}

INSTANTIATE_TEST_SUITE_P(Decodings, BoundedCache,
                         testing::Values(Decoding::greedy, Decoding::sampled, Decoding::mtp),
                         [](const auto& info) {
                           switch (info.param) {
                             case Decoding::greedy:
                               return std::string("greedy");
                             case Decoding::sampled:
                               return std::string("sampled");
                             case Decoding::mtp:
                               return std::string("mtp");
                           }
                           return std::string();
                         });

// A cache of 2 blocks admits at most two of four 2-block sequences at once: the others wait their
// turn (no error) and every one finishes as it would have.
TEST_F(BoundedCache, RequestsWaitForRoomInsteadOfFailing) {
  auto unbounded = engine(0, false);
  auto tight = engine(2, false);
  const auto rs = requests(*unbounded, Decoding::greedy, 4);
  const auto reference = concurrently(*unbounded, rs);
  const auto bounded = concurrently(*tight, rs);
  for (std::size_t i = 0; i < rs.size(); ++i) {
    EXPECT_TRUE(bounded[i].error.empty()) << bounded[i].error;
    EXPECT_EQ(bounded[i].finish_reason, "length");
    EXPECT_EQ(bounded[i].tokens, reference[i].tokens) << "request " << i;
  }
}

TEST_F(BoundedCache, APromptThatCannotFitIsAnErrorNamingTheFlag) {
  auto tight = engine(1, false);
  GenerateRequest r;
  r.prompt.assign(64, 300);  // 64 positions and one decode step: 2 blocks
  r.max_tokens = 4;
  const GenerateResult g = tight->generate(r, [](std::int32_t) { return true; });
  EXPECT_TRUE(g.tokens.empty());
  EXPECT_NE(g.error.find("the prompt has 64 tokens and needs 2 KV cache blocks of 64 positions"),
            std::string::npos)
      << g.error;
  EXPECT_NE(g.error.find("the cache holds 1 blocks"), std::string::npos) << g.error;
  EXPECT_NE(g.error.find("--kv-cache-memory"), std::string::npos) << g.error;
  // One that fits still runs on the same engine.
  r.prompt.assign(63, 300);
  const GenerateResult ok = tight->generate(r, [](std::int32_t) { return true; });
  EXPECT_TRUE(ok.error.empty()) << ok.error;
  EXPECT_EQ(ok.finish_reason, "length");
  // The block holds the prompt and the first token; the second comes from that position's
  // logits, the third would need a second block.
  EXPECT_EQ(ok.generated, 2);
}

}  // namespace
}  // namespace rbench::moe
