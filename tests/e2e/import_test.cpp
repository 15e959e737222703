// End to end: `rbench import` of arena-hard-auto and alpaca_eval files into a store, then
// `rbench report`: the games mapped to the model's side, unusable verdicts counted, bad files
// refused before anything is written, and the published AlpacaEval leaderboard recomputed from
// its published annotations.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>

#include "common/alpaca_published.h"
#include "e2e/subprocess.h"
#include "harness/store/store.h"

namespace rbench::test {
namespace {

namespace fs = std::filesystem;

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

void write(const fs::path& file, const std::string& text) {
  fs::create_directories(file.parent_path());
  std::ofstream(file, std::ios::binary) << text;
}

// JSON string literal (the texts here are plain ASCII without quotes or backslashes).
std::string q(const std::string& s) {
  return "\"" + s + "\"";
}

std::string uid(int i) {
  return fmt::format("{:032x}", 0xabc000 + i);
}

// A stand-in Arena-Hard v0.1 data folder: questions and gpt-4-0314's baseline answers.
void write_arena_hard_data(const fs::path& data, int n) {
  const fs::path root = data / "arena-hard" / "arena-hard-v0.1";
  std::string questions, baseline;
  for (int i = 0; i < n; ++i) {
    questions += fmt::format(R"({{"uid":{},"category":"arena-hard-v0.1","prompt":"Question {}"}})",
                             q(uid(i)), i) +
                 "\n";
    baseline +=
        fmt::format(
            R"({{"uid":{},"ans_id":"b{}","model":"gpt-4-0314","messages":[{{"role":"user","content":"Question {}"}},{{"role":"assistant","content":{{"answer":"Baseline answer {}"}}}}]}})",
            q(uid(i)), i, i, i) +
        "\n";
  }
  write(root / "question.jsonl", questions);
  write(root / "model_answer" / "gpt-4-0314.jsonl", baseline);
}

// A game of the current layout: score (or null) and the judge's text.
std::string game(const std::string& score) {
  const std::string s = score.empty() ? "null" : q(score);
  return fmt::format(R"({{"score":{},"judgment":{{"answer":"My verdict: [[{}]]"}},"prompt":[]}})",
                     s, score);
}

rapidjson::Document read_json(const fs::path& file) {
  rapidjson::Document doc;
  doc.Parse(read_file(file).c_str());
  EXPECT_FALSE(doc.HasParseError()) << file;
  return doc;
}

const rapidjson::Value* find_model(const rapidjson::Value& pairwise, const std::string& model) {
  for (const auto& m : pairwise["models"].GetArray()) {
    if (m["model"].GetString() == model) return &m;
  }
  return nullptr;
}

TEST(Import, ArenaHardBothLayoutsMappedToTheModelsSide) {
  TempDir dir;
  const fs::path data = dir.path() / "data";
  constexpr int kItems = 30;
  write_arena_hard_data(data, kItems);

  // m-strong, current layout: answers (with reasoning apart) and judgments against gpt-4-0314.
  // arena-hard-auto's game 1 shows the baseline as A, game 2 the model as A.
  std::string answers, judgments;
  for (int i = 0; i < kItems; ++i) {
    answers +=
        fmt::format(
            R"({{"uid":{},"ans_id":"s{}","model":"m-strong","messages":[{{"role":"user","content":"Question {}"}},{{"role":"assistant","content":{{"answer":"Strong answer {}","reasoning":"thinking {}"}}}}]}})",
            q(uid(i)), i, i, i, i) +
        "\n";
    std::string g1, g2;
    if (i < 20)
      g1 = "B>>A", g2 = "A>>B";  // the model much better, in both orders
    else if (i < 25)
      g1 = "A>B", g2 = "B>A";  // the baseline better
    else if (i < 28)
      g1 = "", g2 = "A>B";  // game 1 without a label; game 2 a model win
    else if (i == 28)
      g1 = "A=B", g2 = "A=B";  // a tie
    const std::string first = i == 29 ? "null" : game(g1);
    if (i == 29) g2 = "A=B";  // game 1's judge call gave nothing
    judgments +=
        fmt::format(
            R"({{"uid":{},"category":"arena-hard-v0.1","judge":"gpt-4.1","model":"m-strong","baseline":"gpt-4-0314","games":[{},{}]}})",
            q(uid(i)), first, game(g2)) +
        "\n";
  }
  write(dir.path() / "strong" / "m-strong.jsonl", answers);
  write(dir.path() / "judgment" / "m-strong.jsonl", judgments);

  // m-old, original v0.1 layout: question_id / model_id / choices; every game a tie.
  std::string old_answers, old_judgments;
  for (int i = 0; i < kItems; ++i) {
    old_answers +=
        fmt::format(
            R"({{"question_id":{},"answer_id":"o{}","model_id":"m-old","choices":[{{"index":0,"turns":[{{"content":"Old answer {}","token_len":3}}]}}],"tstamp":1}})",
            q(uid(i)), i, i) +
        "\n";
    old_judgments +=
        fmt::format(
            R"({{"question_id":{},"model":"m-old","judge":"gpt-4.1","games":[{{"user_prompt":"...","judgment":"It is a tie [[A=B]]","score":"A=B"}},{{"user_prompt":"...","judgment":"[[A=B]]","score":"A=B"}}]}})",
            q(uid(i))) +
        "\n";
  }
  write(dir.path() / "old" / "m-old.jsonl", old_answers);
  write(dir.path() / "judgment" / "m-old.jsonl", old_judgments);

  const fs::path db = dir.path() / "import.db";
  std::string out;
  ASSERT_EQ(run_rbench({"import", "--format", "arena-hard", "--db", db.string(), "--data-dir",
                        data.string(), (dir.path() / "judgment" / "m-strong.jsonl").string(),
                        (dir.path() / "strong" / "m-strong.jsonl").string(),
                        (dir.path() / "old" / "m-old.jsonl").string(),
                        (dir.path() / "judgment" / "m-old.jsonl").string()},
                       out),
            0)
      << out;
  EXPECT_TRUE(contains(out,
                       "60 answers, 120 judgments (3 without a usable verdict, 1 failed "
                       "judge calls) on suite arena-hard"))
      << out;

  {
    Store store(db);
    std::map<std::pair<std::string, int>, JudgmentRecord> strong;  // (item, game)
    for (const JudgmentRecord& j : store.judgments()) {
      EXPECT_EQ(j.baseline_model, "gpt-4-0314");
      EXPECT_EQ(j.judge, "gpt-4.1");
      if (j.model == "m-strong") strong[{j.item_id, j.game}] = j;
    }
    ASSERT_EQ(strong.size(), 60u);
    // Game 1 is ours with the model as A: arena-hard-auto's second game, label as written.
    EXPECT_EQ(strong[std::make_pair(uid(0), 1)].label, "A>>B");
    EXPECT_EQ(strong[std::make_pair(uid(0), 1)].label_as_judged, "A>>B");
    EXPECT_EQ(strong[std::make_pair(uid(0), 2)].label, "A>>B");
    EXPECT_EQ(strong[std::make_pair(uid(0), 2)].label_as_judged, "B>>A");
    EXPECT_EQ(strong[std::make_pair(uid(20), 2)].label,
              "B>A");  // baseline (A) better in their game 1
    EXPECT_EQ(strong[std::make_pair(uid(20), 1)].label, "B>A");
    EXPECT_EQ(strong[std::make_pair(uid(25), 2)].status, "unparsed");
    EXPECT_EQ(strong[std::make_pair(uid(25), 1)].status, "ok");
    EXPECT_EQ(strong[std::make_pair(uid(29), 2)].status, "error");
    EXPECT_EQ(strong[std::make_pair(uid(0), 1)].raw, "My verdict: [[A>>B]]");
    for (const SampleRecord& s : store.samples()) {
      EXPECT_EQ(s.scorer, "pairwise");
      const auto i = std::stoul(s.key.item_id, nullptr, 16) - 0xabc000;
      EXPECT_EQ(s.reference, fmt::format("Baseline answer {}", i));
      if (s.key.model == "m-strong") {
        EXPECT_TRUE(s.completion.reasoning.starts_with("thinking"));
      }
    }
  }

  const fs::path json = dir.path() / "report.json";
  ASSERT_EQ(run_rbench({"report", "--db", db.string(), "-o", json.string()}, out), 0) << out;
  const rapidjson::Document report = read_json(json);
  ASSERT_TRUE(report.HasMember("pairwise"));
  ASSERT_EQ(report["pairwise"].Size(), 1u);
  const rapidjson::Value& p = report["pairwise"][0];
  EXPECT_EQ(std::string(p["baseline"].GetString()), "gpt-4-0314");
  const rapidjson::Value* strong = find_model(p, "m-strong");
  const rapidjson::Value* old = find_model(p, "m-old");
  ASSERT_TRUE(strong != nullptr && old != nullptr);
  // Each model plays only the baseline, so its Bradley-Terry win rate is its weighted share of
  // wins: strong verdicts count 3 times, ties half. m-strong: 40 strong wins (weight 120), 10
  // losses, 3 wins, 3 ties -> (120 + 3 + 1.5) / (120 + 10 + 3 + 3).
  const double expected = 100 * (120 + 3 + 1.5) / (120.0 + 10 + 3 + 3);
  EXPECT_NEAR(strong->operator[]("win_rate").GetDouble(), expected, 0.5);
  EXPECT_NEAR(old->operator[]("win_rate").GetDouble(), 50, 0.5);
  EXPECT_EQ((*strong)["games"]["ok"].GetInt(), 56);
  EXPECT_EQ((*strong)["games"]["unparsed"].GetInt(), 3);
  EXPECT_EQ((*strong)["games"]["error"].GetInt(), 1);

  // Importing the same files again replaces, never doubles.
  ASSERT_EQ(run_rbench({"import", "--format", "arena-hard", "--db", db.string(), "--data-dir",
                        data.string(), (dir.path() / "old" / "m-old.jsonl").string(),
                        (dir.path() / "judgment" / "m-old.jsonl").string()},
                       out),
            0)
      << out;
  Store store(db);
  EXPECT_EQ(store.judgments().size(), 120u);
  EXPECT_EQ(store.samples().size(), 60u);
}

TEST(Import, BadFilesImportNothingAndSayWhere) {
  TempDir dir;
  const fs::path data = dir.path() / "data";
  write_arena_hard_data(data, 3);
  const fs::path db = dir.path() / "bad.db";
  auto import = [&](const fs::path& file, std::string& out) {
    return run_rbench({"import", "--format", "arena-hard", "--db", db.string(), "--data-dir",
                       data.string(), file.string()},
                      out);
  };
  std::string out;
  // A question id the suite does not have.
  const fs::path unknown = dir.path() / "unknown.jsonl";
  write(
      unknown,
      R"({"uid":"ffff","ans_id":"x","model":"m","messages":[{"role":"assistant","content":"hi"}]})"
      "\n");
  EXPECT_EQ(import(unknown, out), 2) << out;
  EXPECT_TRUE(
      contains(out, unknown.string() + ":1: question id \"ffff\" is not in suite arena-hard"))
      << out;
  // A judgment with no answer of its model anywhere.
  const fs::path orphan = dir.path() / "orphan.jsonl";
  write(orphan, fmt::format(R"({{"uid":{},"judge":"j","model":"m","games":[{},{}]}})", q(uid(1)),
                            game("A>B"), game("B>A")) +
                    "\n");
  EXPECT_EQ(import(orphan, out), 2) << out;
  EXPECT_TRUE(contains(out, orphan.string() + ":1: a judgment of model m whose answer is neither"))
      << out;
  // Judged against another baseline.
  const fs::path other = dir.path() / "other.jsonl";
  write(other,
        fmt::format(
            R"({{"uid":{},"judge":"j","model":"gpt-4-0314","baseline":"o3-mini","games":[{},{}]}})",
            q(uid(0)), game("A>B"), game("B>A")) +
            "\n");
  EXPECT_EQ(import(other, out), 2) << out;
  EXPECT_TRUE(contains(out, "judged against o3-mini, but suite arena-hard's baseline")) << out;
  // A broken line.
  const fs::path broken = dir.path() / "broken.jsonl";
  write(broken, fmt::format(R"({{"uid":{},"model":"m","messages":[]}})", q(uid(0))) + "\n{\"uid\n");
  EXPECT_EQ(import(broken, out), 2) << out;
  EXPECT_TRUE(contains(out, broken.string() + ":1:")) << out;
  // Nothing was written by any of them.
  Store store(db);
  EXPECT_TRUE(store.runs().empty());
  EXPECT_TRUE(store.samples().empty());
}

TEST(Import, AlpacaEvalPreferencesAndAnnotatorChecks) {
  TempDir dir;
  const fs::path data = dir.path() / "data";
  constexpr int kItems = 10;
  std::string reference = "[", annotations = "[", wrong_baseline = "[";
  const double preferences[kItems] = {1.0, 2.0, 1.5, 1.2, 1.9, 1.0, 1.0, 2.0, 1.7, 0};
  for (int i = 0; i < kItems; ++i) {
    const std::string sep = i ? "," : "";
    reference +=
        sep +
        fmt::format(
            R"({{"instruction":"Do task {}","output":"Reference output number {}","generator":"gpt4_1106_preview","dataset":"demo"}})",
            i, i);
    // Element 9 has no preference (null): counted, not scored.
    const std::string pref = i == 9 ? "null" : fmt::format("{}", preferences[i]);
    annotations +=
        sep +
        fmt::format(
            R"({{"instruction":"Do task {}","output_1":"Reference output number {}","generator_1":"gpt4_1106_preview","output_2":"Model says {}","generator_2":"model-x","annotator":"weighted_judge","preference":{},"price_per_example":0.01,"raw_completion":{{"finish_reason":"stop"}}}})",
            i, i, i, pref);
    wrong_baseline +=
        sep +
        fmt::format(
            R"({{"instruction":"Do task {}","output_1":"x","generator_1":"text_davinci_003","output_2":"y","generator_2":"model-y","preference":1.5}})",
            i);
  }
  write(data / "alpaca-eval" / "gpt4_1106_preview" / "model_outputs.json", reference + "]");
  write(dir.path() / "annotations.json", annotations + "]");
  write(dir.path() / "wrong.json", wrong_baseline + "]");
  const fs::path db = dir.path() / "alpaca.db";
  std::string out;
  EXPECT_EQ(run_rbench({"import", "--format", "alpaca-eval", "--db", db.string(), "--data-dir",
                        data.string(), (dir.path() / "wrong.json").string()},
                       out),
            2);
  EXPECT_TRUE(contains(out, "wrong.json: element 0: judged against text_davinci_003")) << out;
  ASSERT_EQ(
      run_rbench({"import", "--format", "alpaca-eval", "--db", db.string(), "--data-dir",
                  data.string(), "--model", "renamed", (dir.path() / "annotations.json").string()},
                 out),
      0)
      << out;
  EXPECT_TRUE(contains(out, "10 answers, 10 judgments (1 without a usable verdict")) << out;
  const fs::path json = dir.path() / "report.json";
  ASSERT_EQ(run_rbench({"report", "--db", db.string(), "-o", json.string()}, out), 0) << out;
  const rapidjson::Document report = read_json(json);
  const rapidjson::Value* m = find_model(report["pairwise"][0], "renamed");
  ASSERT_NE(m, nullptr);
  double sum = 0;
  for (int i = 0; i < 9; ++i) sum += preferences[i] - 1;
  EXPECT_NEAR((*m)["alpaca_win_rate"].GetDouble(), 100 * sum / 9, 1e-9);
  EXPECT_EQ((*m)["n_wins"].GetInt(), 4);
  EXPECT_EQ((*m)["n_wins_base"].GetInt(), 4);
  EXPECT_EQ((*m)["n_draws"].GetInt(), 1);
  EXPECT_EQ((*m)["games"]["unparsed"].GetInt(), 1);
  EXPECT_EQ(std::string(report["pairwise"][0]["judge"].GetString()), "weighted_judge");
}

// The faithfulness check: alpaca_eval's published annotations of two models, imported and
// reported by rbench, give the published leaderboard's figures.
TEST(Import, AlpacaEvalPublishedLeaderboardRecomputed) {
  const fs::path shared = RBENCH_SHARED_DATA_DIR;
  const fs::path annotated = shared / "alpaca-eval" / "annotated";
  if (!fs::exists(annotated / "EXPECTED.md") ||
      !fs::exists(shared / "alpaca-eval" / "gpt4_1106_preview" / "model_outputs.json")) {
    GTEST_SKIP() << "no AlpacaEval annotations under " << annotated;
  }
  using Published = rbench::testing::AlpacaPublished;
  const auto& published = rbench::testing::kAlpacaPublished;
  TempDir dir;
  const fs::path db = dir.path() / "alpaca.db";
  std::string out;
  ASSERT_EQ(run_rbench({"import", "--format", "alpaca-eval", "--db", db.string(), "--data-dir",
                        shared.string(), (annotated / "claude-2.1" / "annotations.json").string(),
                        (annotated / "alpaca-7b" / "annotations.json").string()},
                       out),
            0)
      << out;
  const fs::path json = dir.path() / "report.json";
  ASSERT_EQ(run_rbench({"report", "--db", db.string(), "-o", json.string()}, out), 0) << out;
  const rapidjson::Document report = read_json(json);
  ASSERT_EQ(report["pairwise"].Size(), 1u);
  std::printf("%-11s %-20s %14s %14s\n", "model", "metric", "rbench", "published");
  for (const Published& pub : published) {
    const rapidjson::Value* m = find_model(report["pairwise"][0], pub.model);
    ASSERT_NE(m, nullptr) << pub.model;
    auto row = [&](const char* name, double ours, double theirs) {
      std::printf("%-11s %-20s %14.4f %14.4f\n", pub.model, name, ours, theirs);
    };
    const double win_rate = (*m)["alpaca_win_rate"].GetDouble();
    const double se = (*m)["alpaca_standard_error"].GetDouble();
    const int n_total =
        (*m)["n_wins"].GetInt() + (*m)["n_wins_base"].GetInt() + (*m)["n_draws"].GetInt();
    const int avg_length = static_cast<int>((*m)["mean_length"].GetDouble());
    row("win_rate", win_rate, pub.win_rate);
    row("standard_error", se, pub.standard_error);
    row("n_wins", (*m)["n_wins"].GetInt(), pub.n_wins);
    row("n_wins_base", (*m)["n_wins_base"].GetInt(), pub.n_wins_base);
    row("n_draws", (*m)["n_draws"].GetInt(), pub.n_draws);
    row("n_total", n_total, pub.n_total);
    row("discrete_win_rate", (*m)["discrete_win_rate"].GetDouble(), pub.discrete_win_rate);
    row("avg_length", avg_length, pub.avg_length);
    row("BT win rate", (*m)["win_rate"].GetDouble(), pub.win_rate);
    row("LC (not comparable)", (*m)["length_controlled_win_rate"].GetDouble(), pub.lc);
    EXPECT_NEAR(win_rate, pub.win_rate, 1e-9);
    EXPECT_NEAR(se, pub.standard_error, 1e-9);
    EXPECT_EQ((*m)["n_wins"].GetInt(), pub.n_wins);
    EXPECT_EQ((*m)["n_wins_base"].GetInt(), pub.n_wins_base);
    EXPECT_EQ((*m)["n_draws"].GetInt(), pub.n_draws);
    EXPECT_EQ(n_total, pub.n_total);
    EXPECT_NEAR((*m)["discrete_win_rate"].GetDouble(), pub.discrete_win_rate, 1e-9);
    EXPECT_EQ(avg_length, pub.avg_length);
    // One baseline and no other opponents: the Bradley-Terry win rate is the mean preference.
    EXPECT_NEAR((*m)["win_rate"].GetDouble(), pub.win_rate, 0.5);
  }
}

}  // namespace
}  // namespace rbench::test
