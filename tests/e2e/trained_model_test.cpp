// The bundled trained model (data/checkpoints/tiny-r1-arith, made by
// engines/moe/train/train_reasoner.py): the C++ engine reproduces the PyTorch model's tokens and
// logits, and answers the held-out easy split as well as its model card says.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>

#include "e2e/subprocess.h"
#include "engines/moe/model/model.h"
#include "engines/moe/tokenizer/tokenizer.h"
#include "harness/store/store.h"

namespace rbench::test {
namespace {

const std::filesystem::path kModel =
    std::filesystem::path(RBENCH_SOURCE_DIR) / "data" / "checkpoints" / "tiny-r1-arith";

rapidjson::Document read_json(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  rapidjson::Document doc;
  doc.Parse(text.str().c_str());
  EXPECT_FALSE(doc.HasParseError()) << path;
  return doc;
}

// PyTorch computed these logits in f32 with a different summation order (and MLA not absorbed);
// the two agree to float rounding, far inside the gaps between the top logits.
constexpr float kLogitTolerance = 2e-3f;

TEST(TrainedModel, EngineReproducesThePyTorchTokensAndLogits) {
  const auto reference = read_json(kModel / "reference.json");
  const auto model = moe::Model::load(kModel);
  const auto tokenizer = moe::Tokenizer::load(kModel / "tokenizer.json");
  const int vocab = model->config().vocab_size;
  ASSERT_GT(reference["cases"].Size(), 0u);
  for (const auto& c : reference["cases"].GetArray()) {
    std::vector<std::int32_t> tokens;
    for (const auto& t : c["tokens"].GetArray()) tokens.push_back(t.GetInt());
    // The prompt text tokenises here exactly as in the trainer's Python tokenizer.
    const auto prompt = tokenizer.encode(c["text"].GetString(), {.parse_special = true});
    ASSERT_LE(prompt.size(), tokens.size());
    EXPECT_EQ(prompt, std::vector<std::int32_t>(tokens.begin(), tokens.begin() + prompt.size()));

    moe::KvCache cache = model->new_cache();
    const moe::ForwardInput in{&cache, tokens, false};
    const auto logits = model->forward(std::span(&in, 1)).front();
    const auto& expected = c["last_logits"];
    ASSERT_EQ(static_cast<int>(expected.Size()), vocab);
    float worst = 0;
    for (int v = 0; v < vocab; ++v) {
      worst = std::max(worst, std::abs(logits[v] - expected[v].GetFloat()));
    }
    EXPECT_LT(worst, kLogitTolerance);

    // The MTP module at the position before the last: h_{T-2} and t_{T-1} predict t_T.
    ASSERT_TRUE(model->has_mtp());
    moe::KvCache again = model->new_cache();
    std::vector<float> hidden;
    const moe::ForwardInput with_hidden{&again, tokens, false, &hidden};
    model->forward(std::span(&with_hidden, 1));
    const int h = model->config().hidden_size;
    moe::KvCache mtp_cache = model->new_mtp_cache();
    const moe::MtpInput mtp{&mtp_cache,
                            std::span<const float>(hidden).first((tokens.size() - 1) * h),
                            std::span<const std::int32_t>(tokens).subspan(1), false};
    const auto mtp_logits = model->mtp_forward(std::span(&mtp, 1)).front();
    const auto& expected_mtp = c["mtp_last_logits"];
    worst = 0;
    for (int v = 0; v < vocab; ++v) {
      worst = std::max(worst, std::abs(mtp_logits[v] - expected_mtp[v].GetFloat()));
    }
    EXPECT_LT(worst, kLogitTolerance);
  }
}

// The first 100 items of the held-out easy split through `rbench run`, greedy, so the figures are
// the same on every machine. The model card states the full-split accuracy.
struct Answers {
  int correct = 0;
  int truncated = 0;
  std::map<std::string, std::string> text;  // item -> reasoning and answer
};

Answers run_easy(const std::filesystem::path& dir, const std::string& model,
                 std::vector<std::string> extra = {}) {
  const auto db = (dir / "r.db").string();
  std::vector<std::string> args = {"run",     "--engine",   "builtin", "--model", model,
                                   "--suite", "arith-easy", "--limit", "100",     "--max-tokens",
                                   "256",     "--db",       db,        "--quiet"};
  args.insert(args.end(), extra.begin(), extra.end());
  std::string out;
  EXPECT_EQ(run_rbench(args, out), 0) << out;
  Answers a;
  Store store(db);
  const auto samples = store.samples();
  EXPECT_EQ(samples.size(), 100u);
  for (const auto& s : samples) {
    EXPECT_TRUE(s.completion.ok()) << s.completion.error;
    a.correct += s.score.has_value() && s.score->correct;
    a.truncated += s.completion.finish_reason == "length";
    a.text[s.key.item_id] = s.completion.reasoning + "|" + s.completion.answer;
    // R1's format: the worked steps are reasoning, the boxed answer is not.
    EXPECT_NE(s.completion.reasoning.find(" = "), std::string::npos) << s.key.item_id;
    EXPECT_NE(s.completion.answer.find("\\boxed{"), std::string::npos) << s.key.item_id;
  }
  return a;
}

class TrainedModelRuns : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::filesystem::create_directories(dir().path() / "f32");
    f32_ = run_easy(dir().path() / "f32", kModel.string());
  }
  static void TearDownTestSuite() { f32_.reset(); }
  static TempDir& dir() {
    static TempDir d;
    return d;
  }
  static inline std::optional<Answers> f32_;  // the f32 run, shared by the suite's tests
};

TEST_F(TrainedModelRuns, AnswersTheHeldOutEasySplit) {
  EXPECT_GE(f32_->correct, 90) << "of 100";
  EXPECT_EQ(f32_->truncated, 0);
}

TEST_F(TrainedModelRuns, Fp8StaysWithinTwoPointsOfF32) {
  const auto fp8 = dir().path() / "fp8-model";
  std::string out;
  ASSERT_EQ(run_rbench({"engine", "quantize", "--fp8", kModel.string(), fp8.string()}, out), 0)
      << out;
  std::filesystem::create_directories(dir().path() / "fp8");
  const Answers a = run_easy(dir().path() / "fp8", fp8.string());
  EXPECT_LE(std::abs(a.correct - f32_->correct), 2) << a.correct << " vs " << f32_->correct;
  // The linear weights become a quarter of their bytes (plus a scale per 128x128 block); the
  // embeddings, LM head, norms, router and eh_proj keep f32, as DeepSeek's convention keeps them
  // in high precision, and in a model this small they are a large share.
  const double ratio =
      static_cast<double>(std::filesystem::file_size(fp8 / "model.safetensors")) /
      static_cast<double>(std::filesystem::file_size(kModel / "model.safetensors"));
  EXPECT_NEAR(ratio, 0.3817, 0.0005);
  EXPECT_GE(a.correct, 88);
}

TEST_F(TrainedModelRuns, MtpGivesTheSameAnswersAndAcceptsMostDrafts) {
  std::filesystem::create_directories(dir().path() / "mtp");
  const Answers a = run_easy(dir().path() / "mtp", kModel.string(), {"--mtp"});
  EXPECT_EQ(a.correct, f32_->correct);
  EXPECT_EQ(a.text, f32_->text);

  std::string out;
  ASSERT_EQ(run_rbench({"engine", "generate", "--model", kModel.string(), "--chat", "--greedy",
                        "--mtp", "--json", "--max-tokens", "200", "--prompt",
                        "Ava has 23 apples. She buys 14 more. She eats 9. How many apples does "
                        "Ava have now?\n\nPlease reason step by step, and put your final answer "
                        "within \\boxed{}."},
                       out),
            0)
      << out;
  const rapidjson::Document doc = json_in_output(out);
  ASSERT_FALSE(doc.HasParseError()) << out;
  const double drafted = doc["draft_tokens"].GetDouble();
  const double accepted = doc["accepted_draft_tokens"].GetDouble();
  ASSERT_GT(drafted, 0);
  // A trained module predicts the steps' fixed wording and copied numbers well.
  EXPECT_GT(accepted / drafted, 0.5) << accepted << " of " << drafted;
}

}  // namespace
}  // namespace rbench::test
