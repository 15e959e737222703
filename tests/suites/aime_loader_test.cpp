// The AIME loader: the shared aime2024/aime2025 files, answer normalisation and rejection.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "common/temp_dir.h"
#include "harness/core/error.h"
#include "suites/loaders.h"
#include "suites/registry.h"

namespace rbench {
namespace {

using ::testing::HasSubstr;
using testing::shared_data_dir;
using testing::TempDir;

void expect_valid_aime(const Suite& suite, std::size_t items = 30) {
  EXPECT_EQ(suite.items.size(), items);
  EXPECT_EQ(suite.version.size(), 16u);
  std::set<std::string> ids;
  for (const Item& item : suite.items) {
    ids.insert(item.id);
    EXPECT_FALSE(item.question.empty()) << item.id;
    // Decimal without leading zeros, in 0..999.
    ASSERT_FALSE(item.reference.empty()) << item.id;
    EXPECT_TRUE(item.reference == "0" || item.reference[0] != '0') << item.reference;
    const int value = std::stoi(item.reference);
    EXPECT_EQ(std::to_string(value), item.reference);
    EXPECT_GE(value, 0) << item.id;
    EXPECT_LE(value, 999) << item.id;
  }
  EXPECT_EQ(ids.size(), suite.items.size());
}

TEST(AimeLoader, LoadsTheSharedFiles) {
  const std::filesystem::path data = shared_data_dir();
  if (data.empty()) GTEST_SKIP() << "no shared data at " << RBENCH_SHARED_DATA_DIR;
  const Suite a24 = load_aime(data / "aime2024" / "test.jsonl");
  expect_valid_aime(a24);
  // aime2024: integer ids, string answers with leading zeros, worked solutions.
  EXPECT_EQ(a24.items[0].id, "60");
  EXPECT_EQ(a24.items[0].reference, "204");
  EXPECT_FALSE(a24.items[0].solution.empty());
  const auto padded = std::find_if(a24.items.begin(), a24.items.end(),
                                   [](const Item& item) { return item.reference == "25"; });
  EXPECT_NE(padded, a24.items.end()) << "\"025\" should load as \"25\"";
  const Suite a25 = load_aime(data / "aime2025" / "test.jsonl");
  expect_valid_aime(a25);
  // aime2025: string ids, integer answers, no solutions.
  EXPECT_EQ(a25.items[0].id, "0");
  EXPECT_EQ(a25.items[0].reference, "70");
  EXPECT_TRUE(a25.items[0].solution.empty());
}

TEST(AimeLoader, NormalisesAnswers) {
  TempDir dir;
  const auto file = dir.write("a.jsonl",
                              "{\"id\": 1, \"problem\": \"p\", \"answer\": \"070\"}\n"
                              "{\"id\": 2, \"problem\": \"p\", \"answer\": 0}\n"
                              "{\"id\": \"x\", \"problem\": \"p\", \"answer\": \"000\", "
                              "\"solution\": \"s\", \"url\": \"u\"}\n"
                              "{\"id\": 4, \"problem\": \"p\", \"answer\": 999}\n");
  const Suite suite = load_aime(file);
  ASSERT_EQ(suite.items.size(), 4u);
  EXPECT_EQ(suite.items[0].id, "1");
  EXPECT_EQ(suite.items[0].reference, "70");
  EXPECT_EQ(suite.items[1].reference, "0");
  EXPECT_EQ(suite.items[2].id, "x");
  EXPECT_EQ(suite.items[2].reference, "0");
  EXPECT_EQ(suite.items[2].solution, "s");
  EXPECT_EQ(suite.items[3].reference, "999");
  EXPECT_EQ(suite.items[3].source, file.string() + ":4");
}

// The error for a file whose second line carries `answer_json`.
std::string error_for(const std::string& answer_json) {
  TempDir dir;
  const auto file = dir.write("bad.jsonl",
                              "{\"id\": 1, \"problem\": \"p\", \"answer\": 5}\n"
                              "{\"id\": 2, \"problem\": \"p\", \"answer\": " +
                                  answer_json + "}\n");
  try {
    load_aime(file);
  } catch (const DataError& error) {
    const std::string what = error.what();
    EXPECT_THAT(what, HasSubstr(file.string() + ":2: ")) << answer_json;
    return what;
  }
  ADD_FAILURE() << "no DataError for " << answer_json;
  return "";
}

TEST(AimeLoader, RejectsAnswersThatAreNotIntegers0To999) {
  EXPECT_THAT(error_for("\"1000\""),
              HasSubstr(".jsonl:2: $.answer: \"1000\" is not an integer 0..999"));
  EXPECT_THAT(error_for("1000"), HasSubstr("$.answer: 1000 is not an integer 0..999"));
  EXPECT_THAT(error_for("\"-1\""), HasSubstr("$.answer: \"-1\" is not an integer 0..999"));
  EXPECT_THAT(error_for("-1"), HasSubstr("$.answer: -1 is not an integer 0..999"));
  EXPECT_THAT(error_for("\"12.5\""), HasSubstr("$.answer: \"12.5\" is not an integer"));
  EXPECT_THAT(error_for("12.5"), HasSubstr("$.answer: 12.5 is not an integer"));
  EXPECT_THAT(error_for("\"abc\""), HasSubstr("$.answer: \"abc\" is not an integer"));
  EXPECT_THAT(error_for("\"\""), HasSubstr("$.answer: \"\" is not an integer"));
  EXPECT_THAT(error_for("\"0001000\""),
              HasSubstr("$.answer: \"0001000\" is not an integer 0..999"));
  EXPECT_THAT(error_for("null"), HasSubstr("$.answer: null is not an integer"));
}

TEST(AimeLoader, RejectsDuplicateAndMissingIds) {
  TempDir dir;
  // 7 and "7" are the same item id once the id is a string.
  const auto dup = dir.write("dup.jsonl",
                             "{\"id\": 7, \"problem\": \"p\", \"answer\": 1}\n"
                             "{\"id\": \"7\", \"problem\": \"q\", \"answer\": 2}\n");
  try {
    load_aime(dup);
    FAIL() << "expected DataError";
  } catch (const DataError& error) {
    EXPECT_THAT(error.what(),
                HasSubstr(dup.string() + ":2: $.id: duplicate id \"7\" first seen on line 1"));
  }
  const auto missing = dir.write("missing.jsonl", "{\"problem\": \"p\", \"answer\": 1}\n");
  try {
    load_aime(missing);
    FAIL() << "expected DataError";
  } catch (const DataError& error) {
    EXPECT_THAT(error.what(), HasSubstr(missing.string() + ":1: $.id: missing"));
  }
  const auto no_text = dir.write("no_text.jsonl", "{\"id\": 1, \"answer\": 1}\n");
  try {
    load_aime(no_text);
    FAIL() << "expected DataError";
  } catch (const DataError& error) {
    EXPECT_THAT(error.what(), HasSubstr(":1: $.problem: missing (or \"question\")"));
  }
  const auto wrong_type = dir.write(
      "type.jsonl", "{\"id\": 1, \"question\": \"q\", \"answer\": 1, \"answer_type\": \"expr\"}\n");
  try {
    load_aime(wrong_type);
    FAIL() << "expected DataError";
  } catch (const DataError& error) {
    EXPECT_THAT(error.what(), HasSubstr("type.jsonl:1: $.answer_type: is \"expr\""));
  }
}

TEST(AimeLoader, OurOwnAimeStyleSuiteIsBundledAndCustomFilesSayAnswerType) {
  const Suite demo =
      load_aime(std::filesystem::path(RBENCH_SOURCE_DIR) / "data" / "suites" / "demo-aime.jsonl");
  expect_valid_aime(demo, 20);
  TempDir dir;
  const auto mine = dir.write("my-olympiad.jsonl",
                              "{\"id\": \"a\", \"question\": \"1+1?\", \"answer\": \"002\", "
                              "\"answer_type\": \"integer\"}\n");
  const Suite custom = load_suite(mine.string(), {}, {});
  EXPECT_EQ(custom.scorer, "aime");
  EXPECT_EQ(custom.name, "my-olympiad");
  ASSERT_EQ(custom.items.size(), 1u);
  EXPECT_EQ(custom.items[0].reference, "2");
  EXPECT_EQ(custom.items[0].question, "1+1?");
}

}  // namespace
}  // namespace rbench
