// The pairwise suites' loaders: Arena-Hard-Auto (both layouts, per-category baselines) and
// AlpacaEval (model outputs as baseline, annotations), on the shared files and on small temp
// files for every rejection.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string_view>

#include "common/temp_dir.h"
#include "harness/core/error.h"
#include "suites/dataset_catalogue.h"
#include "suites/loaders.h"
#include "suites/prompts.h"
#include "suites/registry.h"

namespace rbench {
namespace {

using testing::bundled_data_dir;
using ::testing::HasSubstr;
using testing::shared_data_dir;
using ::testing::StartsWith;
using testing::TempDir;

std::size_t with_baseline(const Suite& suite) {
  return static_cast<std::size_t>(
      std::count_if(suite.items.begin(), suite.items.end(),
                    [](const Item& item) { return item.has_baseline(); }));
}

const Item& find_item(const Suite& suite, std::string_view id) {
  const auto it = std::find_if(suite.items.begin(), suite.items.end(),
                               [&](const Item& item) { return item.id == id; });
  if (it == suite.items.end()) throw std::runtime_error("no item " + std::string(id));
  return *it;
}

// The DataError message of `load`, or "" when it does not throw one.
template <typename Load>
std::string data_error(Load load) {
  try {
    load();
  } catch (const DataError& error) {
    return error.what();
  }
  return "";
}

// --- the shared files ---

TEST(ArenaHardLoader, LoadsV01WithGpt4Baselines) {
  const std::filesystem::path data = shared_data_dir();
  if (data.empty()) GTEST_SKIP() << "no shared data at " << RBENCH_SHARED_DATA_DIR;
  const std::filesystem::path dir = data / "arena-hard" / "arena-hard-v0.1";
  const Suite suite = load_arena_hard(
      dir / "question.jsonl",
      std::vector<std::filesystem::path>{dir / "model_answer" / "gpt-4-0314.jsonl"});
  EXPECT_EQ(suite.items.size(), 500u);
  EXPECT_EQ(with_baseline(suite), 500u);
  EXPECT_EQ(suite.version.size(), 16u);
  EXPECT_EQ(suite.path, (dir / "question.jsonl").string());
  std::set<std::string> ids;
  for (const Item& item : suite.items) {
    ids.insert(item.id);
    EXPECT_EQ(item.baseline_model, "gpt-4-0314") << item.id;
    EXPECT_EQ(item.category, "arena-hard-v0.1") << item.id;
    EXPECT_FALSE(item.question.empty()) << item.id;
    EXPECT_EQ(item.reference, item.baseline_answer) << item.id;  // stored with each sample
  }
  EXPECT_EQ(ids.size(), 500u);
  const Item& first = suite.items.front();
  EXPECT_EQ(first.id, "328c149ed45a41c0b9d6f14659e63599");
  EXPECT_EQ(first.question, "Use ABC notation to write a melody in the style of a folk tune.");
  EXPECT_EQ(first.source, (dir / "question.jsonl").string() + ":1");
  EXPECT_THAT(first.baseline_answer, HasSubstr("X:1"));
  const Item& scim = find_item(suite, "0122ab60646b4961bc39e9c03bdf6bcc");
  EXPECT_EQ(scim.question, "Tell me how to implement a SCIM server in PHP using slim as a router");
  EXPECT_THAT(scim.baseline_answer,
              StartsWith("To implement a SCIM (System for Cross-domain Identity Management) "
                         "server in PHP using the Slim framework"));
}

TEST(ArenaHardLoader, V2ThroughTheRegistryHasBaselinesForHardPromptsOnly) {
  const std::filesystem::path data = shared_data_dir();
  if (data.empty()) GTEST_SKIP() << "no shared data at " << RBENCH_SHARED_DATA_DIR;
  const Suite suite = load_suite("arena-hard-v2", data, bundled_data_dir());
  EXPECT_EQ(suite.name, "arena-hard-v2");
  EXPECT_EQ(suite.scorer, "pairwise");
  EXPECT_EQ(suite.prompt_template, kPairwisePlainV1);
  EXPECT_EQ(suite.items.size(), 750u);
  EXPECT_EQ(with_baseline(suite), 500u);
  for (const Item& item : suite.items) {
    if (item.category.starts_with("hard_prompt/")) {
      EXPECT_EQ(item.baseline_model, "o3-mini-2025-01-31") << item.id;
      EXPECT_FALSE(item.baseline_answer.empty()) << item.id;
    } else {
      // gemini-2.0-flash-001's answers are the baseline here, and they are not in the data.
      EXPECT_EQ(item.category, "creative_writing/creative_writing") << item.id;
      EXPECT_TRUE(item.baseline_answer.empty()) << item.id;
      EXPECT_TRUE(item.baseline_model.empty()) << item.id;
    }
  }
  const Item& zig = find_item(suite, "2edbb5f36f5b42be");
  EXPECT_EQ(zig.category, "hard_prompt/coding");
  EXPECT_THAT(zig.question, StartsWith("Write me a zig program that solves the following problem"));
  EXPECT_FALSE(zig.baseline_answer.empty());

  // The o3-mini file answers all 750 questions: unscoped, it would be everyone's baseline.
  const std::filesystem::path dir = data / "arena-hard" / "arena-hard-v2.0";
  const Suite unscoped = load_arena_hard(
      dir / "question.jsonl",
      std::vector<std::filesystem::path>{dir / "model_answer" / "o3-mini-2025-01-31.jsonl"});
  EXPECT_EQ(with_baseline(unscoped), 750u);
  // The baseline is part of the version: scores depend on it.
  EXPECT_NE(unscoped.version,
            load_arena_hard(dir / "question.jsonl", std::vector<std::filesystem::path>{}).version);
}

TEST(ArenaHardLoader, V01ThroughTheRegistry) {
  const std::filesystem::path data = shared_data_dir();
  if (data.empty()) GTEST_SKIP() << "no shared data at " << RBENCH_SHARED_DATA_DIR;
  const Suite suite = load_suite("arena-hard", data, bundled_data_dir());
  EXPECT_EQ(suite.name, "arena-hard");
  EXPECT_EQ(suite.scorer, "pairwise");
  EXPECT_EQ(suite.items.size(), 500u);
  EXPECT_EQ(with_baseline(suite), 500u);
}

TEST(AlpacaEvalLoader, LoadsThe805InstructionsWithGpt4TurboBaselines) {
  const std::filesystem::path data = shared_data_dir();
  if (data.empty()) GTEST_SKIP() << "no shared data at " << RBENCH_SHARED_DATA_DIR;
  const Suite suite = load_suite("alpaca-eval", data, bundled_data_dir());
  EXPECT_EQ(suite.name, "alpaca-eval");
  EXPECT_EQ(suite.scorer, "pairwise");
  EXPECT_EQ(suite.prompt_template, kPairwisePlainV1);
  ASSERT_EQ(suite.items.size(), 805u);
  EXPECT_EQ(with_baseline(suite), 805u);
  const Item& first = suite.items.front();
  EXPECT_EQ(first.id, "alpaca-eval/000");
  EXPECT_EQ(first.question,
            "What are the names of some famous actors that started their careers on Broadway?");
  EXPECT_EQ(first.category, "helpful_base");
  EXPECT_EQ(first.baseline_model, "gpt4_1106_preview");
  EXPECT_THAT(first.baseline_answer, StartsWith("Several famous actors started their careers"));
  EXPECT_THAT(first.source, HasSubstr("model_outputs.json: element 0"));
  EXPECT_EQ(suite.items.back().id, "alpaca-eval/804");
  std::set<std::string> categories;
  for (const Item& item : suite.items) categories.insert(item.category);
  EXPECT_EQ(categories,
            (std::set<std::string>{"helpful_base", "koala", "oasst", "selfinstruct", "vicuna"}));

  // AlpacaEval 1.0's reference lists the same instructions in the same order: same ids.
  const Suite v1 =
      load_alpaca_eval(data / "alpaca-eval" / "text_davinci_003" / "model_outputs.json");
  ASSERT_EQ(v1.items.size(), 805u);
  for (std::size_t i = 0; i < v1.items.size(); ++i) {
    EXPECT_EQ(v1.items[i].id, suite.items[i].id);
    EXPECT_EQ(v1.items[i].question, suite.items[i].question) << i;
    EXPECT_EQ(v1.items[i].baseline_model, "text_davinci_003");
  }
  // Two of its outputs are empty, as published: still baselines, judged as they are.
  EXPECT_EQ(with_baseline(v1), 805u);
  EXPECT_EQ(v1.items[247].baseline_answer, "");
  EXPECT_EQ(v1.items[504].baseline_answer, "");
}

TEST(AlpacaEvalLoader, AnnotationsOfClaude21MatchThePublishedCounts) {
  const std::filesystem::path data = shared_data_dir();
  if (data.empty()) GTEST_SKIP() << "no shared data at " << RBENCH_SHARED_DATA_DIR;
  const std::vector<AlpacaAnnotation> annotations = load_alpaca_annotations(
      data / "alpaca-eval" / "annotated" / "claude-2.1" / "annotations.json");
  ASSERT_EQ(annotations.size(), 805u);
  const Suite suite =
      load_alpaca_eval(data / "alpaca-eval" / "gpt4_1106_preview" / "model_outputs.json");
  std::size_t wins = 0, losses = 0, draws = 0;
  double preference_sum = 0;
  for (std::size_t i = 0; i < annotations.size(); ++i) {
    const AlpacaAnnotation& a = annotations[i];
    EXPECT_EQ(a.instruction, suite.items[i].question) << i;
    EXPECT_EQ(a.output_1, suite.items[i].baseline_answer) << i;
    EXPECT_EQ(a.generator_1, "gpt4_1106_preview");
    EXPECT_EQ(a.generator_2, "claude-2.1");
    EXPECT_EQ(a.annotator, "weighted_alpaca_eval_gpt4_turbo");
    EXPECT_FALSE(a.output_2.empty()) << i;
    ASSERT_TRUE(a.preference.has_value()) << i;
    wins += *a.preference > 1.5;
    losses += *a.preference < 1.5;
    draws += *a.preference == 1.5;
    preference_sum += *a.preference - 1;
  }
  // alpaca-eval/annotated/EXPECTED.md: n_wins 115, n_wins_base 688, n_draws 2, win_rate 15.73...
  EXPECT_EQ(wins, 115u);
  EXPECT_EQ(losses, 688u);
  EXPECT_EQ(draws, 2u);
  EXPECT_NEAR(100 * preference_sum / 805, 15.733506736409938, 1e-9);
}

// `rbench data fetch NAME` must bring every file a suite reads, baselines included.
TEST(PairwiseSuites, DataFetchCataloguesEveryFileTheSuitesRead) {
  const std::vector<Dataset> catalogue =
      load_dataset_catalogue(bundled_data_dir() / "datasets.json");
  for (const SuiteInfo& info : list_suites()) {
    if (info.location != DataLocation::data_dir) continue;
    const Dataset& dataset = find_dataset(catalogue, info.dataset);
    for (const std::filesystem::path& file : suite_files(info, "", "")) {
      const bool listed = std::any_of(dataset.files.begin(), dataset.files.end(),
                                      [&](const DatasetFile& f) { return f.path == file; });
      EXPECT_TRUE(listed) << info.name << ": " << file << " is not in dataset " << info.dataset;
    }
  }
}

// --- small files: both Arena-Hard layouts ---

TEST(ArenaHardLoader, ReadsTheOriginalV01Layout) {
  TempDir dir;
  const auto questions = dir.write(
      "question.jsonl",
      R"({"question_id": "q1", "category": "arena-hard-v0.1", "cluster": "C", "turns": [{"content": "Hi?"}]})"
      "\n"
      R"({"question_id": "q2", "category": "arena-hard-v0.1", "cluster": "C", "turns": [{"content": "Bye?"}]})"
      "\n");
  const auto answers = dir.write(
      "gpt-4-0314.jsonl",
      R"({"question_id": "q2", "answer_id": "x", "model_id": "gpt-4-0314", "choices": [{"index": 0, "turns": [{"content": "Bye.", "token_len": 2}]}], "tstamp": 1.0})"
      "\n");
  const Suite suite = load_arena_hard(questions, std::vector<std::filesystem::path>{answers});
  ASSERT_EQ(suite.items.size(), 2u);
  EXPECT_EQ(suite.items[0].id, "q1");
  EXPECT_EQ(suite.items[0].question, "Hi?");
  EXPECT_EQ(suite.items[0].category, "arena-hard-v0.1");
  // An answer file may cover only some questions: the rest keep empty baseline fields.
  EXPECT_TRUE(suite.items[0].baseline_answer.empty());
  EXPECT_TRUE(suite.items[0].baseline_model.empty());
  EXPECT_EQ(suite.items[1].id, "q2");
  EXPECT_EQ(suite.items[1].question, "Bye?");
  EXPECT_EQ(suite.items[1].baseline_answer, "Bye.");
  EXPECT_EQ(suite.items[1].baseline_model, "gpt-4-0314");
  EXPECT_EQ(suite.items[1].source, questions.string() + ":2");
}

TEST(ArenaHardLoader, ReadsTheCurrentLayoutWithCategoryScopedBaselines) {
  TempDir dir;
  const auto questions = dir.write(
      "question.jsonl",
      R"({"uid": "a", "category": "hard_prompt", "subcategory": "math", "prompt": "1+1?"})"
      "\n\n"
      R"({"uid": "b", "category": "creative_writing", "subcategory": "creative_writing", "prompt": "A poem."})"
      "\n"
      R"({"uid": "c", "prompt": "No category."})"
      "\n");
  const auto o3 = dir.write(
      "o3.jsonl",
      R"({"uid": "a", "ans_id": "1", "model": "o3-mini", "messages": [{"role": "user", "content": "1+1?"}, {"role": "assistant", "content": {"answer": "2"}}]})"
      "\n"
      R"({"uid": "b", "ans_id": "2", "model": "o3-mini", "messages": [{"role": "user", "content": "A poem."}, {"role": "assistant", "content": {"answer": "Roses."}}]})"
      "\n");
  const auto gemini = dir.write(
      "gemini.jsonl",
      R"({"uid": "b", "ans_id": "3", "model": "gemini", "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "A poem."}, {"role": "assistant", "content": "Violets."}]})"
      "\n");
  const Suite suite = load_arena_hard(
      questions, std::vector<ArenaHardBaseline>{{o3, "hard_prompt"}, {gemini, "creative_writing"}});
  ASSERT_EQ(suite.items.size(), 3u);
  EXPECT_EQ(suite.items[0].category, "hard_prompt/math");
  EXPECT_EQ(suite.items[0].question, "1+1?");
  EXPECT_EQ(suite.items[0].baseline_answer, "2");
  EXPECT_EQ(suite.items[0].baseline_model, "o3-mini");
  EXPECT_EQ(suite.items[1].category, "creative_writing/creative_writing");
  EXPECT_EQ(suite.items[1].baseline_answer, "Violets.");  // o3-mini's "Roses." is out of scope
  EXPECT_EQ(suite.items[1].baseline_model, "gemini");
  EXPECT_EQ(suite.items[2].category, "");
  EXPECT_TRUE(suite.items[2].baseline_answer.empty());
  EXPECT_EQ(suite.items[2].source, questions.string() + ":4");
}

// --- rejections ---

TEST(ArenaHardLoader, RejectsBadQuestions) {
  TempDir dir;
  const auto load = [&](std::string_view contents) {
    const auto file = dir.write("q.jsonl", contents);
    return data_error([&] { load_arena_hard(file, std::vector<std::filesystem::path>{}); });
  };
  const std::string q = (dir.path() / "q.jsonl").string();
  EXPECT_EQ(load("{\"uid\": \"a\", \"prompt\": \"x\"}\n{\"uid\": \"a\", \"prompt\": \"y\"}\n"),
            q + ":2: $.uid: duplicate id \"a\" first seen on line 1");
  EXPECT_EQ(load("{\"question_id\": \"a\", \"turns\": [{\"content\": \"x\"}, {\"content\": "
                 "\"y\"}]}\n"),
            q + ":1: $.turns: has 2 turns; Arena-Hard is single-turn");
  EXPECT_EQ(load("{\"question_id\": \"a\", \"turns\": []}\n"), q + ":1: $.turns: is empty");
  EXPECT_EQ(load("{\"uid\": \"a\", \"category\": \"c\"}\n"),
            q + ":1: $.prompt: missing (or \"turns\")");
  EXPECT_EQ(load("{\"prompt\": \"x\"}\n"), q + ":1: $.uid: missing (or \"question_id\")");
  EXPECT_EQ(load("{\"uid\": \"a\", \"prompt\": 5}\n"),
            q + ":1: $.prompt: expected a string, got a number");
  EXPECT_EQ(load("{\"uid\": \"a\", \"prompt\": \"  \"}\n"), q + ":1: $.prompt: is empty");
  EXPECT_EQ(load("{\"uid\": \"a\", \"prompt\": \"x\", \"category\": [1]}\n"),
            q + ":1: $.category: expected a string, got an array");
  EXPECT_EQ(load("{\"question_id\": \"a\", \"turns\": [{\"content\": 3}]}\n"),
            q + ":1: $.turns[0].content: expected a string, got a number");
  EXPECT_EQ(load("[1]\n"), q + ":1: $: expected an object, got an array");
}

TEST(ArenaHardLoader, RejectsBadAnswers) {
  TempDir dir;
  const auto questions = dir.write(
      "q.jsonl", "{\"uid\": \"a\", \"prompt\": \"x\"}\n{\"uid\": \"b\", \"prompt\": \"y\"}\n");
  const std::string a = (dir.path() / "a.jsonl").string();
  const auto load = [&](std::string_view contents) {
    const auto file = dir.write("a.jsonl", contents);
    return data_error(
        [&] { load_arena_hard(questions, std::vector<std::filesystem::path>{file}); });
  };
  const auto answer = [](std::string_view id, std::string_view content) {
    return "{\"uid\": \"" + std::string(id) +
           "\", \"model\": \"m\", \"messages\": [{\"role\": \"user\", \"content\": \"x\"}, "
           "{\"role\": \"assistant\", \"content\": " +
           std::string(content) + "}]}\n";
  };
  EXPECT_EQ(load(answer("a", "\"1\"") + answer("a", "\"2\"")),
            a + ":2: $.uid: duplicate id \"a\" first seen on line 1");
  EXPECT_EQ(load(answer("zz", "\"1\"")),
            a + ":1: $.uid: answer for question id \"zz\", which is not in " + questions.string());
  EXPECT_EQ(load(answer("a", "7")),
            a + ":1: $.messages[1].content: expected a string, got a number");
  EXPECT_EQ(load(answer("a", "{\"answer\": null}")),
            a + ":1: $.messages[1].content.answer: expected a string, got null");
  EXPECT_EQ(load(answer("a", "{\"reasoning\": \"r\"}")),
            a + ":1: $.messages[1].content.answer: missing");
  EXPECT_EQ(load("{\"uid\": \"a\", \"model\": \" \", \"messages\": []}\n"),
            a + ":1: $.model: is empty");
  EXPECT_EQ(load("{\"uid\": \"a\", \"model\": \"m\", \"messages\": [{\"role\": \"assistant\", "
                 "\"content\": \"1\"}, {\"role\": \"user\", \"content\": \"more\"}, {\"role\": "
                 "\"assistant\", \"content\": \"2\"}]}\n"),
            a + ":1: $.messages: has 2 assistant messages; Arena-Hard is single-turn");
  EXPECT_EQ(load("{\"uid\": \"a\", \"model\": \"m\", \"messages\": [{\"role\": \"user\", "
                 "\"content\": \"x\"}]}\n"),
            a + ":1: $.messages: has no assistant message");
  EXPECT_EQ(load("{\"uid\": \"a\", \"model\": \"m\", \"messages\": {}}\n"),
            a + ":1: $.messages: expected an array, got an object");
  EXPECT_EQ(load("{\"uid\": \"a\", \"messages\": [{\"role\": \"assistant\", \"content\": "
                 "\"1\"}]}\n"),
            a + ":1: $.model: missing");
  EXPECT_EQ(load("{\"uid\": \"a\", \"model\": \"m\"}\n"),
            a + ":1: $.messages: missing (or \"choices\")");
  EXPECT_EQ(load("{\"question_id\": \"a\", \"model_id\": \"m\", \"choices\": [{\"turns\": "
                 "[{\"content\": \"1\"}, {\"content\": \"2\"}]}]}\n"),
            a + ":1: $.choices[0].turns: has 2 turns; Arena-Hard is single-turn");
  EXPECT_EQ(load("{\"question_id\": \"a\", \"model_id\": \"m\", \"choices\": []}\n"),
            a + ":1: $.choices: is empty");
  EXPECT_THAT(load("{\"uid\": \"a\", "), StartsWith(a + ":1: bad JSON at column "));
}

TEST(ArenaHardLoader, RejectsTwoBaselinesForOneQuestion) {
  TempDir dir;
  const auto questions = dir.write("q.jsonl", "{\"uid\": \"a\", \"prompt\": \"x\"}\n");
  const std::string answer =
      "{\"uid\": \"a\", \"model\": \"m\", \"messages\": [{\"role\": \"assistant\", \"content\": "
      "\"1\"}]}\n";
  const auto first = dir.write("first.jsonl", answer);
  const auto second = dir.write("second.jsonl", answer);
  EXPECT_EQ(data_error([&] {
              load_arena_hard(questions, std::vector<std::filesystem::path>{first, second});
            }),
            second.string() + ":1: $.uid: question id \"a\" already has a baseline answer, from " +
                first.string() + ":1");
  // Disjoint categories make the same two files fine.
  const Suite suite =
      load_arena_hard(questions, std::vector<ArenaHardBaseline>{{first, "other"}, {second, ""}});
  EXPECT_EQ(suite.items[0].baseline_answer, "1");
  EXPECT_THAT(data_error([&] {
                load_arena_hard(questions,
                                std::vector<std::filesystem::path>{dir.path() / "absent.jsonl"});
              }),
              HasSubstr("absent.jsonl: cannot open file"));
}

TEST(ArenaHardLoader, EmptyBaselineAnswersAreKeptAsPublished) {
  TempDir dir;
  const auto questions = dir.write("q.jsonl", "{\"uid\": \"a\", \"prompt\": \"x\"}\n");
  const auto answers = dir.write("a.jsonl",
                                 "{\"uid\": \"a\", \"model\": \"m\", \"messages\": [{\"role\": "
                                 "\"assistant\", \"content\": {\"answer\": \"\"}}]}\n");
  const Suite suite = load_arena_hard(questions, std::vector<std::filesystem::path>{answers});
  ASSERT_EQ(suite.items.size(), 1u);
  EXPECT_TRUE(suite.items[0].has_baseline());
  EXPECT_EQ(suite.items[0].baseline_answer, "");
  EXPECT_EQ(suite.items[0].baseline_model, "m");
}

TEST(AlpacaEvalLoader, RejectsBadOutputs) {
  TempDir dir;
  const std::string f = (dir.path() / "model_outputs.json").string();
  const auto load = [&](std::string_view contents) {
    const auto file = dir.write("model_outputs.json", contents);
    return data_error([&] { load_alpaca_eval(file); });
  };
  const std::string good =
      R"({"instruction": "Hi?", "output": "Hello.", "generator": "g", "dataset": "d"})";
  EXPECT_EQ(load(good), f + ": $: expected an array of records, got an object");
  EXPECT_EQ(load("[]"), f + ": empty file: the JSON array has no records");
  EXPECT_EQ(load("[" + good + ", {\"instruction\": \"Bye?\", \"generator\": \"g\"}]"),
            f + ": $[1].output: missing");
  EXPECT_EQ(load("[" + good + ", {\"instruction\": 3, \"output\": \"o\", \"generator\": \"g\"}]"),
            f + ": $[1].instruction: expected a string, got a number");
  EXPECT_EQ(load("[" + good + ", " + good + "]"),
            f + ": $[1].instruction: duplicate instruction, first seen at element 0");
  EXPECT_EQ(load("[{\"instruction\": \"Hi?\", \"output\": \"o\", \"generator\": \" \"}]"),
            f + ": $[0].generator: is empty");
  EXPECT_EQ(load("[" + good + ", 5]"), f + ": $[1]: expected an object, got a number");

  const auto ok = dir.write("ok.json", "[" + good +
                                           R"(, {"instruction": "Bye?", "output": "Bye.", )"
                                           R"("generator": "g"}])");
  const Suite suite = load_alpaca_eval(ok);
  ASSERT_EQ(suite.items.size(), 2u);
  EXPECT_EQ(suite.items[0].id, "alpaca-eval/000");
  EXPECT_EQ(suite.items[0].category, "d");
  EXPECT_EQ(suite.items[1].id, "alpaca-eval/001");
  EXPECT_EQ(suite.items[1].category, "");  // "dataset" is optional
  EXPECT_EQ(suite.items[1].baseline_answer, "Bye.");
  EXPECT_EQ(suite.items[1].baseline_model, "g");
}

TEST(AlpacaEvalLoader, AnnotationsParseAndRejections) {
  TempDir dir;
  const std::string f = (dir.path() / "annotations.json").string();
  const auto load = [&](std::string_view contents) {
    const auto file = dir.write("annotations.json", contents);
    return data_error([&] { load_alpaca_annotations(file); });
  };
  const std::string pair =
      R"("instruction": "Hi?", "output_1": "a", "generator_1": "base", "output_2": "b", )"
      R"("generator_2": "model")";
  const auto file =
      dir.write("ok.json", "[{" + pair + R"(, "preference": 1.75, "annotator": "judge"}, {)" +
                               pair + R"(, "preference": null, "price_per_example": null}, {)" +
                               pair + R"(, "preference": 2}])");
  const std::vector<AlpacaAnnotation> annotations = load_alpaca_annotations(file);
  ASSERT_EQ(annotations.size(), 3u);
  EXPECT_EQ(annotations[0].instruction, "Hi?");
  EXPECT_EQ(annotations[0].output_1, "a");
  EXPECT_EQ(annotations[0].generator_1, "base");
  EXPECT_EQ(annotations[0].output_2, "b");
  EXPECT_EQ(annotations[0].generator_2, "model");
  EXPECT_EQ(annotations[0].preference, 1.75);
  EXPECT_EQ(annotations[0].annotator, "judge");
  EXPECT_EQ(annotations[0].source, file.string() + ": element 0");
  EXPECT_FALSE(annotations[1].preference.has_value());
  EXPECT_EQ(annotations[1].annotator, "");
  EXPECT_EQ(annotations[2].preference, 2.0);

  EXPECT_EQ(load("{" + pair + "}"), f + ": $: expected an array of records, got an object");
  EXPECT_EQ(load("[{" + pair + R"(, "preference": "2"}])"),
            f + ": $[0].preference: expected a number or null, got a string");
  EXPECT_EQ(load("[{" + pair + "}]"), f + ": $[0].preference: missing");
  EXPECT_EQ(load(R"([{"instruction": "Hi?", "output_1": "a", "generator_1": "base", )"
                 R"("generator_2": "model", "preference": 1}])"),
            f + ": $[0].output_2: missing");
  EXPECT_EQ(load(R"([{"instruction": "Hi?", "output_1": "a", "generator_1": 1, "output_2": "b", )"
                 R"("generator_2": "model", "preference": 1}])"),
            f + ": $[0].generator_1: expected a string, got a number");
}

TEST(ArenaHardJudgments, BothLayoutsAndTheirGames) {
  TempDir dir;
  const auto file = dir.write(
      "j.jsonl",
      R"({"uid": "a", "category": "hard_prompt", "judge": "gpt-4.1", "model": "m", )"
      R"("baseline": "o3-mini", "games": [{"score": "B>A", "judgment": {"answer": "[[B>A]]", )"
      R"("reasoning": "hmm"}}, null]})"
      "\n"
      R"({"question_id": "b", "judge": "gpt-4", "model": "m", "games": [{"judgment": "no label", )"
      R"("score": null}, {"judgment": "[[A>>B]]", "score": "A>>B"}]})"
      "\n");
  EXPECT_TRUE(is_arena_hard_judgment_file(file));
  const std::vector<ArenaHardJudgment> j = load_arena_hard_judgments(file);
  ASSERT_EQ(j.size(), 2u);
  EXPECT_EQ(j[0].id, "a");
  EXPECT_EQ(j[0].baseline, "o3-mini");
  ASSERT_EQ(j[0].games.size(), 2u);
  EXPECT_TRUE(j[0].games[0].present && j[0].games[0].has_score);
  EXPECT_EQ(j[0].games[0].score, "B>A");
  EXPECT_EQ(j[0].games[0].judgment, "[[B>A]]");
  EXPECT_EQ(j[0].games[0].reasoning, "hmm");
  EXPECT_FALSE(j[0].games[1].present);
  EXPECT_EQ(j[1].id, "b");
  EXPECT_EQ(j[1].baseline, "");
  EXPECT_TRUE(j[1].games[0].present);
  EXPECT_FALSE(j[1].games[0].has_score);
  EXPECT_EQ(j[1].games[1].score, "A>>B");
  EXPECT_EQ(j[1].source, file.string() + ":2");

  const std::string f = (dir.path() / "bad.jsonl").string();
  const auto load = [&](std::string_view contents) {
    const auto bad = dir.write("bad.jsonl", contents);
    return data_error([&] { load_arena_hard_judgments(bad); });
  };
  EXPECT_EQ(load(R"({"uid": "a", "judge": "j", "model": "m", "games": []})"),
            f + ":1: $.games: must be an array of one or two games");
  EXPECT_EQ(load(R"({"uid": "a", "judge": "j", "model": "m", "games": [{"score": 3}]})"),
            f + ":1: $.games[0].score: expected a string or null, got a number");
  EXPECT_EQ(load(R"({"uid": "a", "model": "m", "games": [null]})"), f + ":1: $.judge: missing");
  EXPECT_EQ(load(R"({"uid": "a", "model": "m", "messages": []})"),
            f + ":1: $: this is a model answer, not a judgment record (it has no \"games\")");
  const auto answers =
      dir.write("answers.jsonl",
                R"({"uid": "a", "model": "m", "messages": [{"role": "assistant", "content": "x"}]})"
                "\n");
  EXPECT_FALSE(is_arena_hard_judgment_file(answers));
  EXPECT_EQ(load_arena_hard_answers(answers).at(0).answer, "x");
}

}  // namespace
}  // namespace rbench
