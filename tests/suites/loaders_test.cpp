// Suite loaders against the published files (via RBENCH_SHARED_DATA_DIR) and malformed input.
#include "suites/loaders.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "common/temp_dir.h"
#include "harness/core/error.h"
#include "harness/core/sha256.h"

namespace rbench {
namespace {

using ::testing::HasSubstr;
using testing::shared_data_dir;
using testing::TempDir;

std::string error_of(Suite (*load)(const std::filesystem::path&),
                     const std::filesystem::path& file) {
  try {
    load(file);
  } catch (const DataError& error) {
    return error.what();
  }
  return "no error";
}

TEST(Gsm8kAnswer, SplitsAtTheMarkerAndRemovesThousandsSeparators) {
  const auto split = split_gsm8k_answer("He makes 9 * 2 = $<<9*2=18>>18.\n#### 1,818");
  ASSERT_TRUE(split.has_value());
  EXPECT_EQ(split->solution, "He makes 9 * 2 = $<<9*2=18>>18.");
  EXPECT_EQ(split->reference, "1818");
  EXPECT_EQ(split_gsm8k_answer("#### -3.5")->reference, "-3.5");
  EXPECT_EQ(split_gsm8k_answer("no marker here"), std::nullopt);
  EXPECT_EQ(split_gsm8k_answer("worked\n####   "), std::nullopt);
}

TEST(Gsm8kLoader, LoadsThePublishedTestSplit) {
  const std::filesystem::path data = shared_data_dir();
  if (data.empty()) GTEST_SKIP() << "no shared data at " << RBENCH_SHARED_DATA_DIR;
  const std::filesystem::path file = data / "gsm8k" / "test.jsonl";
  const Suite suite = load_gsm8k(file);
  ASSERT_EQ(suite.items.size(), 1319u);
  const Item& first = suite.items.front();
  EXPECT_EQ(first.id, "test/0");
  EXPECT_EQ(first.reference, "18");
  EXPECT_THAT(first.question, HasSubstr("Janet"));
  EXPECT_THAT(first.solution, HasSubstr("16 - 3 - 4"));
  EXPECT_THAT(first.solution, ::testing::Not(HasSubstr("####")));
  EXPECT_EQ(first.source, file.string() + ":1");
  EXPECT_EQ(suite.items.back().id, "test/1318");
  EXPECT_EQ(suite.version, "3730d312f6e34405");  // sha256 prefix from SOURCES.md
  EXPECT_EQ(suite.path, file.string());
  for (const Item& item : suite.items) {
    EXPECT_EQ(item.reference.find(','), std::string::npos) << item.source;
    EXPECT_FALSE(item.reference.empty()) << item.source;
  }
}

TEST(Math500Loader, LoadsThePublishedTestSplit) {
  const std::filesystem::path data = shared_data_dir();
  if (data.empty()) GTEST_SKIP() << "no shared data at " << RBENCH_SHARED_DATA_DIR;
  const Suite suite = load_math500(data / "math500" / "test.jsonl");
  ASSERT_EQ(suite.items.size(), 500u);
  EXPECT_EQ(suite.items[0].id, "test/precalculus/807.json");
  EXPECT_EQ(suite.items[0].reference, "\\left( 3, \\frac{\\pi}{2} \\right)");
  EXPECT_THAT(suite.items[0].solution, HasSubstr("\\boxed{"));
  EXPECT_EQ(suite.version, "35dc41080a368085");
  std::set<std::string> ids;
  for (const Item& item : suite.items) ids.insert(item.id);
  EXPECT_EQ(ids.size(), 500u);
}

TEST(Gsm8kLoader, MissingMarkerNamesTheLine) {
  TempDir dir;
  const auto file = dir.write("g.jsonl",
                              "{\"question\":\"q\",\"answer\":\"a\\n#### 1\"}\n"
                              "{\"question\":\"q\",\"answer\":\"no final answer\"}\n");
  EXPECT_THAT(error_of(load_gsm8k, file),
              HasSubstr(file.string() + ":2: $.answer: has no final answer"));
}

TEST(Gsm8kLoader, IdsCountRecordsNotLines) {
  TempDir dir;
  const auto file = dir.write("g.jsonl",
                              "\n{\"question\":\"q1\",\"answer\":\"#### 1\"}\n\n"
                              "{\"question\":\"q2\",\"answer\":\"#### 2\"}\n");
  const Suite suite = load_gsm8k(file);
  ASSERT_EQ(suite.items.size(), 2u);
  EXPECT_EQ(suite.items[1].id, "test/1");
  EXPECT_EQ(suite.items[1].source, file.string() + ":4");
}

TEST(Math500Loader, DuplicateUniqueIdNamesBothLines) {
  TempDir dir;
  const std::string record =
      "{\"problem\":\"p\",\"solution\":\"s\",\"answer\":\"1\",\"subject\":\"Algebra\","
      "\"level\":1,\"unique_id\":\"test/a/1.json\"}\n";
  const auto file = dir.write("m.jsonl", record + record);
  EXPECT_THAT(error_of(load_math500, file),
              HasSubstr(":2: $.unique_id: duplicate id \"test/a/1.json\" first seen on line 1"));
}

TEST(RbenchJsonlLoader, LoadsItemsWithOptionalSolution) {
  TempDir dir;
  const std::string contents =
      "{\"id\":\"a\",\"question\":\"1+1?\",\"answer\":\"2\",\"solution\":\"1+1=2\"}\n"
      "{\"id\":\"b\",\"question\":\"2+2?\",\"answer\":\"4\"}\n";
  const auto file = dir.write("mine.jsonl", contents);
  const Suite suite = load_rbench_jsonl(file);
  ASSERT_EQ(suite.items.size(), 2u);
  EXPECT_EQ(suite.items[0].solution, "1+1=2");
  EXPECT_EQ(suite.items[1].id, "b");
  EXPECT_EQ(suite.items[1].reference, "4");
  EXPECT_EQ(suite.items[1].solution, "");
  EXPECT_EQ(suite.items[1].source, file.string() + ":2");
  EXPECT_EQ(suite.version, sha256_hex(contents).substr(0, 16));
}

TEST(RbenchJsonlLoader, MalformedFilesNameFileAndLine) {
  TempDir dir;
  const std::string good = "{\"id\":\"a\",\"question\":\"q\",\"answer\":\"1\"}\n";
  EXPECT_THAT(error_of(load_rbench_jsonl, dir.write("bad.jsonl", good + "\n{\"id\": \n")),
              HasSubstr("bad.jsonl:3: bad JSON at column 8: Invalid value"));
  EXPECT_THAT(error_of(load_rbench_jsonl,
                       dir.write("missing.jsonl", good + "{\"id\":\"b\",\"question\":\"q\"}\n")),
              HasSubstr("missing.jsonl:2: $.answer: missing"));
  EXPECT_THAT(error_of(load_rbench_jsonl, dir.write("dup.jsonl", good + "\n" + good)),
              HasSubstr("dup.jsonl:3: $.id: duplicate id \"a\" first seen on line 1"));
  EXPECT_THAT(error_of(load_rbench_jsonl,
                       dir.write("num.jsonl", "{\"id\":\"a\",\"question\":\"q\",\"answer\":2}\n")),
              HasSubstr("num.jsonl:1: $.answer: expected a string, got a number"));
  EXPECT_THAT(
      error_of(load_rbench_jsonl,
               dir.write("blank.jsonl", "{\"id\":\" \",\"question\":\"q\",\"answer\":\"1\"}\n")),
      HasSubstr("blank.jsonl:1: $.id: is empty"));
  EXPECT_THAT(error_of(load_rbench_jsonl, dir.write("empty.jsonl", "")), HasSubstr("empty file"));
  EXPECT_THAT(error_of(load_rbench_jsonl, dir.path() / "absent.jsonl"), HasSubstr("cannot open"));
}

}  // namespace
}  // namespace rbench
