// End to end: `rbench run` on pairwise suites (ArenaHard, AlpacaEval) with the mock server as
// both the model and the judge (its length-biased judge mode): answers stored with the pairwise
// marker, two games per answer judged and stored, a rerun that asks the judge nothing, and judges
// that give no label at first or ever.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "e2e/subprocess.h"
#include "harness/serve/mock_openai_server.h"
#include "harness/store/store.h"
#include "suites/registry.h"

namespace rbench::test {
namespace {

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// The mock judge's rule, written out again here so that the test does not trust the mock's code:
// the longer answer wins, significantly at twice the length, slightly at 1.2 times.
std::string length_rule(std::size_t a, std::size_t b) {
  const std::size_t longer = std::max(a, b);
  const std::size_t shorter = std::min(a, b);
  if (longer > 0 && longer >= 2 * shorter) return a > b ? "A>>B" : "B>>A";
  if (longer > shorter && 5 * longer >= 6 * shorter) return a > b ? "A>B" : "B>A";
  return "A=B";
}

std::vector<std::string> run_args(const MockOpenAIServer& server, const std::string& data_dir,
                                  const std::filesystem::path& db, const std::string& suite,
                                  int limit, bool judge) {
  std::vector<std::string> args = {"run", "--model", "mock", "--base-url", server.base_url()};
  args.insert(args.end(), {"--suite", suite, "--limit", std::to_string(limit)});
  args.insert(args.end(), {"--data-dir", data_dir, "--db", db.string(), "--run", "r1", "--quiet"});
  if (judge) args.insert(args.end(), {"--judge", "mock", "--judge-base-url", server.base_url()});
  return args;
}

// Baseline answers by item id, as the suite's loader reads them.
std::map<std::string, std::string> baselines(const std::string& suite, const std::string& data) {
  std::map<std::string, std::string> out;
  for (const Item& item : load_suite(suite, data, RBENCH_SOURCE_DIR "/data").items) {
    out[item.id] = item.baseline_answer;
  }
  return out;
}

// Runs `suite` judged by the mock, checks the stored samples and games, then runs it again.
void check_judged_run(const std::string& suite, int limit, const std::string& data_file) {
  const std::string data = RBENCH_SHARED_DATA_DIR;
  if (!std::filesystem::exists(std::filesystem::path(data) / data_file)) {
    GTEST_SKIP() << "no " << data << "/" << data_file;
  }
  MockOpenAIServer server;
  server.start();
  TempDir dir;
  const auto db = dir.path() / "pairwise.db";
  const auto args = run_args(server, data, db, suite, limit, true);
  std::string output;
  ASSERT_EQ(run_rbench(args, output), 0) << output;
  const std::size_t games = 2 * static_cast<std::size_t>(limit);
  EXPECT_TRUE(contains(output, fmt::format("{} games planned, 0 already judged, {} judged now "
                                           "(0 unparsed, 0 judge errors)",
                                           games, games)))
      << output;
  // One model call per item, one judge call per game.
  EXPECT_EQ(server.requests_received(), static_cast<std::size_t>(limit) + games);

  Store store(db);
  std::map<std::string, std::size_t> answer_length;
  for (const SampleRecord& s : store.samples()) {
    ASSERT_TRUE(s.score.has_value()) << s.key.item_id;
    EXPECT_EQ(s.scorer, "pairwise");
    EXPECT_EQ(s.score->method, "pairwise");
    answer_length[s.key.item_id] = s.completion.answer.size();
  }
  ASSERT_EQ(answer_length.size(), static_cast<std::size_t>(limit));

  const auto baseline = baselines(suite, data);
  const auto judgments = store.judgments();
  ASSERT_EQ(judgments.size(), games);
  std::size_t model_loses = 0;  // games with the baseline significantly better
  for (const JudgmentRecord& j : judgments) {
    SCOPED_TRACE(j.item_id + " game " + std::to_string(j.game));
    ASSERT_TRUE(answer_length.contains(j.item_id));
    ASSERT_TRUE(baseline.contains(j.item_id));
    EXPECT_EQ(j.status, "ok") << j.why;
    EXPECT_EQ(j.judge, "mock");
    EXPECT_EQ(j.model, "mock");
    EXPECT_EQ(j.attempts, 1);
    const std::size_t model_len = answer_length[j.item_id];
    const std::size_t baseline_len = baseline.at(j.item_id).size();
    // On the model's side the rule is the same in both games; as judged, game 2 sees it swapped.
    EXPECT_EQ(j.label, length_rule(model_len, baseline_len));
    EXPECT_EQ(j.label_as_judged, j.game == 1 ? length_rule(model_len, baseline_len)
                                             : length_rule(baseline_len, model_len));
    EXPECT_TRUE(contains(j.raw, "My own answer: ")) << j.raw;
    EXPECT_TRUE(contains(j.raw, "\nMy final verdict: [[" + j.label_as_judged + "]]")) << j.raw;
    EXPECT_TRUE(contains(j.reasoning, "bytes long")) << j.reasoning;
    if (j.label == "B>>A") ++model_loses;
  }
  // The mock's one-line answers (24 bytes or so) are far less than half as long as the GPT-4
  // baselines of these items: the baseline wins every game significantly, [[B>>A]] as judged in
  // game 1 and [[A>>B]] in game 2.
  EXPECT_EQ(model_loses, games);

  // Again: everything is stored, so neither the model nor the judge is asked anything.
  const std::size_t requests = server.requests_received();
  ASSERT_EQ(run_rbench(args, output), 0) << output;
  EXPECT_EQ(server.requests_received(), requests);
  EXPECT_TRUE(contains(
      output, fmt::format("{} games planned, {} already judged, 0 judged now", games, games)))
      << output;
  EXPECT_EQ(Store(db).judgments().size(), games);
}

TEST(PairwiseRun, ArenaHardJudgedByTheMockTwoGamesEach) {
  check_judged_run("arena-hard", 6, "arena-hard/arena-hard-v0.1/question.jsonl");
}

TEST(PairwiseRun, AlpacaEvalJudgedByTheMockTwoGamesEach) {
  check_judged_run("alpaca-eval", 4, "alpaca-eval/gpt4_1106_preview/model_outputs.json");
}

TEST(PairwiseRun, WithoutJudgeAnswersAreStoredAndTheHintPrinted) {
  const std::string data = RBENCH_SHARED_DATA_DIR;
  if (!std::filesystem::exists(std::filesystem::path(data) / "arena-hard")) {
    GTEST_SKIP() << "no " << data << "/arena-hard";
  }
  MockOpenAIServer server;
  server.start();
  TempDir dir;
  const auto db = dir.path() / "pairwise.db";
  std::string output;
  ASSERT_EQ(run_rbench(run_args(server, data, db, "arena-hard", 2, false), output), 0) << output;
  EXPECT_TRUE(contains(output, "run the same command with --judge PROFILE")) << output;
  EXPECT_EQ(server.requests_received(), 2u);
  Store store(db);
  EXPECT_EQ(store.samples().size(), 2u);
  EXPECT_TRUE(store.judgments().empty());
}

// A data dir of our own in the arena-hard v0.1 layout: the judge misbehaves on marked questions.
TEST(PairwiseRun, JudgeWithoutALabelIsAskedAgainThenLeftUnparsed) {
  MockOpenAIServer server;
  server.start();
  TempDir dir;
  const auto root = dir.path() / "data" / "arena-hard" / "arena-hard-v0.1";
  std::filesystem::create_directories(root / "model_answer");
  // The mock model answers "The answer is \boxed{N}." (24 bytes for one digit).
  const std::vector<std::pair<std::string, std::string>> questions = {
      {"plain", "What is 2 + 3?"},
      {"garbage", "JUDGE_GARBAGE: what is 2 + 3?"},
      {"refuse", "JUDGE_REFUSE: what is 2 + 3?"},
  };
  {
    std::ofstream q(root / "question.jsonl");
    std::ofstream a(root / "model_answer" / "gpt-4-0314.jsonl");
    for (const auto& [id, text] : questions) {
      q << R"({"question_id": ")" << id << R"(", "category": "arena-hard-v0.1", "turns": )"
        << R"([{"content": ")" << text << R"("}]})"
        << "\n";
      a << R"({"question_id": ")" << id << R"(", "model_id": "gpt-4-0314", "choices": )"
        << R"([{"index": 0, "turns": [{"content": "5"}]}]})"
        << "\n";
    }
  }
  const auto db = dir.path() / "judge.db";
  const auto args = run_args(server, (dir.path() / "data").string(), db, "arena-hard", 3, true);
  std::string output;
  ASSERT_EQ(run_rbench(args, output), 0) << output;
  EXPECT_TRUE(contains(output,
                       "6 games planned, 0 already judged, 6 judged now (2 unparsed, 0 "
                       "judge errors)"))
      << output;
  // 3 answers; plain: 2 games at 1 call; garbage: 2 games at 2 calls; refuse: 2 games at 3.
  EXPECT_EQ(server.requests_received(), 3u + 2u + 4u + 6u);

  Store store(db);
  const auto judgments = store.judgments();
  ASSERT_EQ(judgments.size(), 6u);
  for (const JudgmentRecord& j : judgments) {
    SCOPED_TRACE(j.item_id + " game " + std::to_string(j.game));
    if (j.item_id == "refuse") {
      EXPECT_EQ(j.status, "unparsed");
      EXPECT_EQ(j.attempts, 3);
      EXPECT_EQ(j.label, "");
      EXPECT_TRUE(contains(j.why, "no usable label after 3 attempts")) << j.why;
      EXPECT_EQ(j.raw, "I would rather not judge these two answers.");
      continue;
    }
    // The model's 24 bytes against the baseline's 1: the model wins by far.
    EXPECT_EQ(j.status, "ok") << j.why;
    EXPECT_EQ(j.label, "A>>B");
    EXPECT_EQ(j.label_as_judged, j.game == 1 ? "A>>B" : "B>>A");
    if (j.item_id == "garbage") {
      EXPECT_EQ(j.attempts, 2);
      EXPECT_EQ(j.raw, "[[" + j.label_as_judged + "]]");  // the label alone, as asked
    } else {
      EXPECT_EQ(j.attempts, 1);
    }
  }

  // Unparsed games are decided: a rerun does not ask again.
  const std::size_t requests = server.requests_received();
  ASSERT_EQ(run_rbench(args, output), 0) << output;
  EXPECT_EQ(server.requests_received(), requests);

  // Several samples per item would leave all but the first unjudged: refused up front.
  std::vector<std::string> sampled = args;
  sampled.insert(sampled.end(), {"--samples", "4"});
  EXPECT_EQ(run_rbench(sampled, output), 2) << output;
  EXPECT_TRUE(contains(output, "arena-hard is a pairwise suite, judged on one answer per item"))
      << output;
  EXPECT_EQ(server.requests_received(), requests);
}

}  // namespace
}  // namespace rbench::test
