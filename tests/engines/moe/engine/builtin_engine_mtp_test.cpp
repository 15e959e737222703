// Self-speculative greedy decoding with the MTP module through BuiltinEngine: the tokens are
// exactly those of plain greedy decoding (alone, batched, chunked differently, f32 and fp8), and
// the bookkeeping holds at the edges: a stop token inside an accepted pair, max_tokens reached
// mid-pair, min_tokens, the context limit, a caller that stops reading. On random weights drafts
// are nearly always wrong; a contrived model whose MTP head knows the main model's rule gets
// them right, which exercises the accepting path.
#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

#include "common/temp_dir.h"
#include "engines/moe/engine/builtin_engine.h"
#include "engines/moe/tools/random_checkpoint.h"

namespace rbench::moe {
namespace {

using rbench::testing::TempDir;

struct Engines {
  std::unique_ptr<BuiltinEngine> plain;
  std::unique_ptr<BuiltinEngine> mtp;
};

class BuiltinEngineMtp : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dirs_ = std::make_unique<TempDir>();
    for (const auto& [name, dtype] : {std::pair{"f32", DType::f32}, {"fp8", DType::f8_e4m3}}) {
      make_tiny(dirs_->path() / name,
                {.variant = "v3", .dtype = dtype, .seed = 3, .vocab_size = 512, .mtp = true});
    }
  }
  static void TearDownTestSuite() { dirs_.reset(); }

  // Both engines over one loaded model; the MTP one prefills in other chunks, which must not
  // matter either.
  static Engines engines(const std::string& name, std::shared_ptr<const Model> model = nullptr,
                         int max_batch = 16) {
    const auto dir = dirs_->path() / name;
    if (!model) model = Model::load(dir);
    auto tokenizer = std::make_shared<const Tokenizer>(Tokenizer::load(dir / "tokenizer.json"));
    BuiltinEngineOptions plain = BuiltinEngineOptions::with_max_batch(max_batch);
    BuiltinEngineOptions mtp = plain;
    mtp.mtp = true;
    mtp.prefill_chunk = 5;
    return {std::make_unique<BuiltinEngine>(model, tokenizer, dir, plain),
            std::make_unique<BuiltinEngine>(model, tokenizer, dir, mtp)};
  }

  static GenerateResult run(BuiltinEngine& e, const GenerateRequest& r, int read_at_most = -1) {
    int read = 0;
    return e.generate(r, [&](std::int32_t) { return ++read != read_at_most; });
  }

  static void expect_same(const GenerateResult& plain, const GenerateResult& mtp,
                          const std::string& what) {
    EXPECT_EQ(mtp.tokens, plain.tokens) << what;
    EXPECT_EQ(mtp.finish_reason, plain.finish_reason) << what;
    EXPECT_EQ(mtp.generated, plain.generated) << what;
    EXPECT_TRUE(mtp.error.empty() && plain.error.empty()) << mtp.error << plain.error;
    EXPECT_EQ(plain.draft_tokens, 0) << what;
    EXPECT_GE(mtp.accepted_draft_tokens, 0) << what;
    EXPECT_LE(mtp.accepted_draft_tokens, mtp.draft_tokens) << what;
    // At most one draft per token after the first.
    EXPECT_LE(mtp.draft_tokens, std::max(0, mtp.generated - 1)) << what;
  }

  static std::unique_ptr<TempDir> dirs_;
};
std::unique_ptr<TempDir> BuiltinEngineMtp::dirs_;

TEST_F(BuiltinEngineMtp, GreedyTokensAreTheSameWithAndWithoutMtp) {
  for (const std::string name : {"f32", "fp8"}) {
    const Engines e = engines(name);
    int drafts = 0;
    for (const std::string text :
         {"Tom has 3 apples", "What is 12 + 30? Think step by step and answer with a number.",
          "x"}) {
      for (const int max_tokens : {1, 2, 3, 8, 30}) {
        GenerateRequest r;
        r.prompt = e.plain->raw_prompt(text);
        r.max_tokens = max_tokens;
        r.stop_ids = e.plain->stop_ids();
        const GenerateResult mtp = run(*e.mtp, r);
        expect_same(run(*e.plain, r), mtp, name + " '" + text + "' " + std::to_string(max_tokens));
        drafts += mtp.draft_tokens;
      }
    }
    EXPECT_GT(drafts, 50) << name;
  }
}

TEST_F(BuiltinEngineMtp, ConcurrentRequestsAreBatchedWithoutChangingTokens) {
  const Engines e = engines("f32", nullptr, 4);
  std::vector<GenerateRequest> requests;
  for (int i = 0; i < 7; ++i) {
    GenerateRequest r;
    r.prompt = e.plain->raw_prompt("Add " + std::to_string(i) + " and " + std::to_string(i * 7) +
                                   std::string(static_cast<std::size_t>(i) * 3, '!'));
    r.max_tokens = 5 + 3 * i;
    requests.push_back(r);
  }
  // One request samples: it decodes without drafts beside the others.
  requests[3].sampler = {.temperature = 0.8, .seed = 9};
  std::vector<GenerateResult> alone;
  for (const auto& r : requests) alone.push_back(run(*e.plain, r));
  std::vector<GenerateResult> together(requests.size());
  std::vector<std::jthread> threads;
  for (std::size_t i = 0; i < requests.size(); ++i) {
    threads.emplace_back([&, i] { together[i] = run(*e.mtp, requests[i]); });
  }
  threads.clear();
  for (std::size_t i = 0; i < requests.size(); ++i) {
    expect_same(alone[i], together[i], "request " + std::to_string(i));
  }
  EXPECT_EQ(together[3].draft_tokens, 0) << "a sampled sequence has no drafts";
  EXPECT_GT(together[6].draft_tokens, 0);
}

TEST_F(BuiltinEngineMtp, CompletionsReportDraftsAndDescribeSaysMtp) {
  const Engines e = engines("f32");
  ChatRequest q;
  q.messages = {{"user", "What is 2 + 2?"}};
  q.sampling.max_tokens = 12;
  const Completion plain = e.plain->complete(q, nullptr, {});
  const Completion mtp = e.mtp->complete(q, nullptr, {});
  ASSERT_TRUE(plain.ok() && mtp.ok()) << plain.error << mtp.error;
  EXPECT_EQ(mtp.reasoning + "|" + mtp.answer, plain.reasoning + "|" + plain.answer);
  EXPECT_EQ(plain.usage.draft_tokens, -1);
  EXPECT_GT(mtp.usage.draft_tokens, 0);
  EXPECT_GE(mtp.usage.accepted_draft_tokens, 0);
  EXPECT_LE(mtp.usage.accepted_draft_tokens, mtp.usage.draft_tokens);
  EXPECT_EQ(e.plain->describe().find("mtp"), std::string::npos) << e.plain->describe();
  EXPECT_NE(e.mtp->describe().find("mtp"), std::string::npos) << e.mtp->describe();
}

// Main layers that add nothing (o_proj and every down_proj zero): the greedy token after t is a
// function g(t) of t alone. The MTP layer adds nothing either, eh_proj passes the embedding half
// through, enorm is 1 and the head's norm is model.norm, so the module predicts g(t_{i+1}):
// exactly the token after next. With `noise` > 0 the hidden half of eh_proj and the MTP
// attention's o_proj keep that fraction of their random weights: the drafts then depend on
// h_i and on every entry of the module's cache, and some are wrong.
std::shared_ptr<const Model> knowing_model(const Model& base, int context, float noise = 0) {
  ModelConfig c = base.config();
  c.max_position_embeddings = context;
  ModelWeights w = base.weights();
  auto silence = [](LayerWeights& lw) {
    std::ranges::fill(lw.attn.o_proj.f32, 0.0f);
    if (lw.mlp) std::ranges::fill(lw.mlp->down_proj.f32, 0.0f);
    if (lw.moe) {
      for (MlpWeights& e : lw.moe->experts) std::ranges::fill(e.down_proj.f32, 0.0f);
      if (lw.moe->shared) std::ranges::fill(lw.moe->shared->down_proj.f32, 0.0f);
    }
  };
  for (LayerWeights& lw : w.layers) silence(lw);
  MtpWeights& m = *w.mtp;
  const std::vector<float> o_proj = m.layer.attn.o_proj.f32;
  silence(m.layer);
  for (std::size_t i = 0; i < o_proj.size(); ++i) m.layer.attn.o_proj.f32[i] = noise * o_proj[i];
  const int h = c.hidden_size;
  for (int r = 0; r < h; ++r) {
    float* row = m.eh_proj.f32.data() + static_cast<std::size_t>(r) * 2 * h;
    for (int col = 0; col < h; ++col) row[col] = col == r ? 1.0f : 0.0f;
    for (int col = h; col < 2 * h; ++col) row[col] *= noise;
  }
  std::ranges::fill(m.enorm, 1.0f);
  m.head_norm = w.norm;
  return std::make_shared<const Model>(c, std::move(w));
}

TEST_F(BuiltinEngineMtp, AKnowingMtpHeadIsAcceptedAndTheEdgesHold) {
  const auto base = Model::load(dirs_->path() / "f32");
  const Engines e = engines("f32", knowing_model(*base, 40));
  GenerateRequest r;
  r.prompt = e.plain->raw_prompt("Tom has 3 apples and");
  r.max_tokens = 14;
  const GenerateResult reference = run(*e.plain, r);
  const GenerateResult fast = run(*e.mtp, r);
  expect_same(reference, fast, "no stop");
  ASSERT_EQ(fast.tokens.size(), 14u);
  // The prefill's token, 6 steps of a draft and its bonus token, a last one without a draft
  // (max_tokens would drop its bonus).
  EXPECT_EQ(fast.draft_tokens, 6);
  EXPECT_EQ(fast.accepted_draft_tokens, fast.draft_tokens);

  // max_tokens reached on either token of a pair.
  for (int max_tokens = 1; max_tokens <= 9; ++max_tokens) {
    r.max_tokens = max_tokens;
    const GenerateResult m = run(*e.mtp, r);
    expect_same(run(*e.plain, r), m, "max_tokens " + std::to_string(max_tokens));
    EXPECT_EQ(m.tokens.size(), static_cast<std::size_t>(max_tokens));
    EXPECT_EQ(m.finish_reason, "length");
  }

  // A stop token as the first (odd k) or the bonus (even k) token of an accepted pair: nothing
  // after it, itself not kept; before min_tokens it is text like any other.
  r.max_tokens = 14;
  int pairs_tested = 0;
  for (std::size_t k = 1; k < 10; ++k) {
    const std::int32_t stop = reference.tokens[k];
    if (std::find(reference.tokens.begin(), reference.tokens.begin() + k, stop) !=
        reference.tokens.begin() + k) {
      continue;  // appears earlier: would stop there
    }
    r.stop_ids = {stop};
    r.min_tokens = 0;
    const GenerateResult m = run(*e.mtp, r);
    expect_same(run(*e.plain, r), m, "stop at " + std::to_string(k));
    EXPECT_EQ(m.finish_reason, "stop");
    EXPECT_EQ(m.tokens, std::vector(reference.tokens.begin(), reference.tokens.begin() + k));
    EXPECT_EQ(m.generated, static_cast<int>(k) + 1);
    r.min_tokens = static_cast<int>(k) + 1;
    expect_same(run(*e.plain, r), run(*e.mtp, r), "min_tokens past the stop " + std::to_string(k));
    ++pairs_tested;
  }
  EXPECT_GE(pairs_tested, 2) << "the greedy cycle is too short to test stops inside pairs";

  // The context (40 positions) ends the sequence where it ends it without drafts.
  r.stop_ids.clear();
  r.min_tokens = 0;
  r.max_tokens = 100;
  const GenerateResult limited = run(*e.mtp, r);
  expect_same(run(*e.plain, r), limited, "context limit");
  EXPECT_EQ(limited.finish_reason, "length");
  EXPECT_EQ(static_cast<int>(r.prompt.size()) + limited.generated, 41);

  // A caller that stops reading after 5 tokens gets 5, and the pair's second is dropped.
  const GenerateResult cut = run(*e.mtp, r, 5);
  EXPECT_EQ(cut.tokens, std::vector(reference.tokens.begin(), reference.tokens.begin() + 5));
  EXPECT_EQ(cut.finish_reason, "stop");
}

// The draft the engine fed with each token, replayed: the module's predictions over the whole
// sequence in one call, row n - 1 for the step that feeds t_n (main cache length n). Returns
// (drafts, accepted) of the schedule the engine follows.
std::pair<int, int> replay(const Model& model, const GenerateRequest& r,
                           const std::vector<std::int32_t>& generated) {
  std::vector<std::int32_t> all = r.prompt;
  all.insert(all.end(), generated.begin(), generated.end());
  KvCache cache = model.new_cache();
  std::vector<float> hidden;
  const ForwardInput in{&cache, std::span(all).first(all.size() - 1), false, &hidden};
  model.forward(std::span(&in, 1));
  KvCache mtp_cache = model.new_mtp_cache();
  const MtpInput rows{&mtp_cache, hidden, std::span(all).subspan(1), true};
  const auto logits = model.mtp_forward(std::span(&rows, 1)).front();
  const std::size_t vocab = model.config().vocab_size;
  int drafts = 0, accepted = 0;
  std::size_t n = r.prompt.size();
  // The prefill gave one token; a step drafts while its bonus token could still be kept.
  for (int count = 1; count + 1 < r.max_tokens;) {
    ++drafts;
    const bool right = argmax(std::span(logits).subspan((n - 1) * vocab, vocab)) == all[n + 1];
    accepted += right;
    n += right ? 2 : 1;
    count += right ? 2 : 1;
  }
  return {drafts, accepted};
}

TEST_F(BuiltinEngineMtp, DraftsAreTheModulesPredictionsOverTheWholeSequence) {
  // The engine builds the MTP cache step by step (prompt chunks of 5, accepted pairs, rejected
  // drafts, other sequences beside). Its drafts must be what the module predicts over the final
  // sequence in one call: replaying the schedule with those gives the engine's counts.
  const auto base = Model::load(dirs_->path() / "f32");
  int accepted = 0, drafts = 0;
  for (const float noise : {0.25f, 0.5f, 1.0f}) {
    const auto model = knowing_model(*base, 2048, noise);
    const Engines e = engines("f32", model);
    std::vector<GenerateRequest> requests;
    for (const std::string text :
         {"Tom has 3 apples and Anna has 4 more than Tom.", "Count: 1 2"}) {
      GenerateRequest r;
      r.prompt = e.plain->raw_prompt(text);
      r.max_tokens = 40;
      requests.push_back(r);
    }
    std::vector<GenerateResult> got(requests.size());
    std::vector<std::jthread> threads;
    for (std::size_t i = 0; i < requests.size(); ++i) {
      threads.emplace_back([&, i] { got[i] = run(*e.mtp, requests[i]); });
    }
    threads.clear();
    for (std::size_t i = 0; i < requests.size(); ++i) {
      const std::string what = "noise " + std::to_string(noise) + ", prompt " + std::to_string(i);
      expect_same(run(*e.plain, requests[i]), got[i], what);
      ASSERT_EQ(got[i].tokens.size(), 40u) << what;
      const auto [d, a] = replay(*model, requests[i], got[i].tokens);
      EXPECT_EQ(got[i].draft_tokens, d) << what;
      EXPECT_EQ(got[i].accepted_draft_tokens, a) << what;
      drafts += d;
      accepted += a;
    }
  }
  EXPECT_GT(accepted, drafts / 5) << "the noise should leave many drafts right";
  EXPECT_LT(accepted, drafts * 4 / 5) << "the noise should make many drafts wrong";
}

}  // namespace
}  // namespace rbench::moe
