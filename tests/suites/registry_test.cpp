// The suite registry: names to files, custom JSONL paths, missing-data hints, the data dir rule.
#include "suites/registry.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/temp_dir.h"
#include "harness/core/error.h"
#include "suites/prompts.h"

namespace rbench {
namespace {

using testing::bundled_data_dir;
using ::testing::HasSubstr;
using testing::shared_data_dir;
using testing::TempDir;

TEST(SuiteRegistry, ListsTheKnownSuites) {
  const std::vector<SuiteInfo> suites = list_suites();
  std::vector<std::string> names;
  for (const SuiteInfo& info : suites) {
    names.push_back(info.name);
    EXPECT_FALSE(info.description.empty()) << info.name;
    // Math suites (AIME's integer scorer too) use the math prompt; code suites default to the code
    // chat prompt; pairwise (judged) suites send the question verbatim and alone have baseline
    // answer files.
    if (info.scorer == "math" || info.scorer == "aime") {
      EXPECT_EQ(info.prompt_template, kMathCotBoxedV1) << info.name;
    } else if (info.scorer == "pairwise") {
      EXPECT_EQ(info.prompt_template, kPairwisePlainV1) << info.name;
    } else {
      EXPECT_EQ(info.scorer, "code") << info.name;
      EXPECT_EQ(info.prompt_template, kCodeChatV1) << info.name;
    }
    if (info.scorer != "pairwise") {
      EXPECT_TRUE(info.baseline_files.empty()) << info.name;
    }
  }
  EXPECT_THAT(names, ::testing::ElementsAre("gsm8k", "math500", "aime2024", "aime2025", "demo-math",
                                            "demo-aime", "arith-easy", "arith-hard", "humaneval",
                                            "mbpp", "mbpp-sanitized", "demo-code", "arena-hard",
                                            "arena-hard-v2", "alpaca-eval"));
  ASSERT_TRUE(find_suite("gsm8k").has_value());
  EXPECT_EQ(find_suite("gsm8k")->relative_path, "gsm8k/test.jsonl");
  EXPECT_EQ(find_suite("math500")->relative_path, "math500/test.jsonl");
  EXPECT_EQ(find_suite("demo-math")->scorer, "math");
  EXPECT_EQ(find_suite("aime2024")->relative_path, "aime2024/test.jsonl");
  EXPECT_EQ(find_suite("aime2025")->relative_path, "aime2025/test.jsonl");
  EXPECT_EQ(find_suite("aime2025")->scorer, "aime");
  EXPECT_EQ(find_suite("aime2025")->dataset, "aime2025");
  EXPECT_FALSE(find_suite("nope").has_value());
}

TEST(SuiteRegistry, PairwiseSuitesNameTheirQuestionAndBaselineFiles) {
  const std::optional<SuiteInfo> v01 = find_suite("arena-hard");
  ASSERT_TRUE(v01.has_value());
  EXPECT_EQ(v01->relative_path, "arena-hard/arena-hard-v0.1/question.jsonl");
  EXPECT_EQ(v01->dataset, "arena-hard");
  ASSERT_EQ(v01->baseline_files.size(), 1u);
  EXPECT_EQ(v01->baseline_files[0].relative_path,
            "arena-hard/arena-hard-v0.1/model_answer/gpt-4-0314.jsonl");
  EXPECT_EQ(v01->baseline_files[0].category, "");
  const std::optional<SuiteInfo> v2 = find_suite("arena-hard-v2");
  ASSERT_TRUE(v2.has_value());
  EXPECT_EQ(v2->relative_path, "arena-hard/arena-hard-v2.0/question.jsonl");
  ASSERT_EQ(v2->baseline_files.size(), 1u);
  EXPECT_EQ(v2->baseline_files[0].relative_path,
            "arena-hard/arena-hard-v2.0/model_answer/o3-mini-2025-01-31.jsonl");
  EXPECT_EQ(v2->baseline_files[0].category, "hard_prompt");
  const std::optional<SuiteInfo> alpaca = find_suite("alpaca-eval");
  ASSERT_TRUE(alpaca.has_value());
  EXPECT_EQ(alpaca->relative_path, "alpaca-eval/gpt4_1106_preview/model_outputs.json");
  EXPECT_EQ(alpaca->dataset, "alpaca-eval");
  EXPECT_TRUE(alpaca->baseline_files.empty());
  const std::filesystem::path data("/d");
  EXPECT_EQ(suite_files(*v01, data, "/b"),
            (std::vector<std::filesystem::path>{
                "/d/arena-hard/arena-hard-v0.1/question.jsonl",
                "/d/arena-hard/arena-hard-v0.1/model_answer/gpt-4-0314.jsonl"}));
}

TEST(SuiteRegistry, MissingBaselineFileSaysWhatToRun) {
  TempDir dir;
  dir.write("arena-hard/arena-hard-v0.1/question.jsonl", "{\"uid\": \"a\", \"prompt\": \"x\"}\n");
  try {
    load_suite("arena-hard", dir.path(), bundled_data_dir());
    FAIL() << "expected DataError";
  } catch (const DataError& error) {
    EXPECT_THAT(error.what(), HasSubstr("gpt-4-0314.jsonl not found"));
    EXPECT_THAT(error.what(), HasSubstr("run `rbench data fetch arena-hard`"));
  }
}

TEST(SuiteRegistry, LoadsPublicSuitesFromTheDataDir) {
  const std::filesystem::path data = shared_data_dir();
  if (data.empty()) GTEST_SKIP() << "no shared data at " << RBENCH_SHARED_DATA_DIR;
  const Suite gsm8k = load_suite("gsm8k", data, bundled_data_dir());
  EXPECT_EQ(gsm8k.name, "gsm8k");
  EXPECT_EQ(gsm8k.scorer, "math");
  EXPECT_EQ(gsm8k.prompt_template, "math-cot-boxed-v1");
  EXPECT_EQ(gsm8k.items.size(), 1319u);
  const Suite math = load_suite("math500", data, bundled_data_dir());
  EXPECT_EQ(math.name, "math500");
  EXPECT_EQ(math.items.size(), 500u);
  for (const char* name : {"aime2024", "aime2025"}) {
    const Suite aime = load_suite(name, data, bundled_data_dir());
    EXPECT_EQ(aime.name, name);
    EXPECT_EQ(aime.scorer, "aime");
    EXPECT_EQ(aime.prompt_template, kMathCotBoxedV1);
    EXPECT_EQ(aime.items.size(), 30u);
  }
}

TEST(SuiteRegistry, MissingPublicFileSaysWhatToRun) {
  TempDir empty;
  try {
    load_suite("gsm8k", empty.path(), bundled_data_dir());
    FAIL() << "expected DataError";
  } catch (const DataError& error) {
    EXPECT_THAT(error.what(), HasSubstr((empty.path() / "gsm8k" / "test.jsonl").string()));
    EXPECT_THAT(error.what(), HasSubstr("run `rbench data fetch gsm8k` or pass --data-dir DIR"));
  }
}

TEST(SuiteRegistry, DemoSuiteComesFromTheBundledDir) {
  TempDir empty;
  const Suite demo = load_suite("demo-math", empty.path(), bundled_data_dir());
  EXPECT_EQ(demo.name, "demo-math");
  EXPECT_EQ(demo.path, (bundled_data_dir() / "suites" / "demo-math.jsonl").string());
  EXPECT_GE(demo.items.size(), 60u);
  const Suite code = load_suite("demo-code", empty.path(), bundled_data_dir());
  EXPECT_EQ(code.name, "demo-code");
  EXPECT_EQ(code.scorer, "code");
  EXPECT_EQ(code.prompt_template, kCodeChatV1);
  EXPECT_GE(code.items.size(), 20u);
}

TEST(SuiteRegistry, CustomJsonlPathUsesTheFileStem) {
  TempDir dir;
  const auto file =
      dir.write("my-quiz.jsonl", "{\"id\":\"q1\",\"question\":\"1+2?\",\"answer\":\"3\"}\n");
  const Suite suite = load_suite(file.string(), dir.path(), bundled_data_dir());
  EXPECT_EQ(suite.name, "my-quiz");
  EXPECT_EQ(suite.scorer, "math");
  EXPECT_EQ(suite.prompt_template, kMathCotBoxedV1);
  ASSERT_EQ(suite.items.size(), 1u);
  EXPECT_EQ(suite.items[0].reference, "3");
}

TEST(SuiteRegistry, BadNamesAndPaths) {
  TempDir dir;
  EXPECT_THROW(load_suite("no-such-suite", dir.path(), bundled_data_dir()), UsageError);
  try {
    load_suite("no-such-suite", dir.path(), bundled_data_dir());
  } catch (const UsageError& error) {
    EXPECT_THAT(
        error.what(),
        HasSubstr("known suites: gsm8k, math500, aime2024, aime2025, demo-math, demo-aime, "
                  "arith-easy, arith-hard, humaneval, mbpp, mbpp-sanitized, demo-code, arena-hard, "
                  "arena-hard-v2, alpaca-eval"));
  }
  EXPECT_THROW(load_suite((dir.path() / "absent.jsonl").string(), dir.path(), bundled_data_dir()),
               DataError);
  const auto clash =
      dir.write("gsm8k.jsonl", "{\"id\":\"a\",\"question\":\"q\",\"answer\":\"1\"}\n");
  EXPECT_THROW(load_suite(clash.string(), dir.path(), bundled_data_dir()), UsageError);
  const auto not_jsonl = dir.write("x.txt", "hello");
  EXPECT_THROW(load_suite(not_jsonl.string(), dir.path(), bundled_data_dir()), UsageError);
}

TEST(DefaultDataDir, FollowsTheEnvironmentRule) {
  EXPECT_EQ(default_data_dir_from("/d", "/x", "/h"), std::filesystem::path("/d"));
  EXPECT_EQ(default_data_dir_from("", "/x", "/h"), std::filesystem::path("/x/rbench/data"));
  EXPECT_EQ(default_data_dir_from(nullptr, nullptr, "/h"),
            std::filesystem::path("/h/.cache/rbench/data"));
  EXPECT_EQ(default_data_dir_from(nullptr, "", "/h"),
            std::filesystem::path("/h/.cache/rbench/data"));
  EXPECT_THROW(default_data_dir_from(nullptr, nullptr, nullptr), UsageError);
  EXPECT_FALSE(default_data_dir().empty());
}

}  // namespace
}  // namespace rbench
