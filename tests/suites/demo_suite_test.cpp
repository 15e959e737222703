// The bundled demo suites: demo-math loads, has enough unique items, and its answers agree with
// the table of arithmetic expressions in data/suites/check_demo.py; demo-code loads and every
// solution passes its tests (data/suites/check_demo_code.py).
#include <gtest/gtest.h>

#include <cstdlib>
#include <set>

#include "common/temp_dir.h"
#include "suites/loaders.h"

namespace rbench {
namespace {

const std::filesystem::path kDemoFile = testing::bundled_data_dir() / "suites" / "demo-math.jsonl";

TEST(DemoSuite, LoadsWithAtLeastSixtyUniqueItems) {
  const Suite suite = load_rbench_jsonl(kDemoFile);
  EXPECT_GE(suite.items.size(), 60u);
  std::set<std::string> ids;
  for (const Item& item : suite.items) {
    EXPECT_TRUE(ids.insert(item.id).second) << item.id;
    EXPECT_FALSE(item.question.empty()) << item.id;
    EXPECT_FALSE(item.reference.empty()) << item.id;
    EXPECT_FALSE(item.solution.empty()) << item.id;
  }
}

TEST(DemoSuite, AnswersMatchTheirExpressions) {
  if (std::system("python3 --version > /dev/null 2>&1") != 0) GTEST_SKIP() << "no python3";
  const std::string command = "python3 " +
                              (testing::bundled_data_dir() / "suites" / "check_demo.py").string() +
                              " > /dev/null";
  EXPECT_EQ(std::system(command.c_str()), 0) << "run: " << command;
}

const std::filesystem::path kDemoCodeFile =
    testing::bundled_data_dir() / "suites" / "demo-code.jsonl";

TEST(DemoCodeSuite, LoadsTwentyOrMoreCodeItems) {
  const Suite suite = load_rbench_code_jsonl(kDemoCodeFile);
  EXPECT_GE(suite.items.size(), 20u);
  std::size_t with_header = 0;
  for (const Item& item : suite.items) {
    EXPECT_TRUE(item.is_code()) << item.id;
    EXPECT_FALSE(item.reference.empty()) << item.id;
    if (!item.code.prompt.empty()) {
      ++with_header;
      EXPECT_FALSE(item.code.entry_point.empty()) << item.id;
      EXPECT_NE(item.code.prompt.find("def " + item.code.entry_point + "("), std::string::npos)
          << item.id;
    }
  }
  EXPECT_GE(with_header, 20u);
}

TEST(DemoCodeSuite, SolutionsPassAndStubsFail) {
  if (std::system("python3 --version > /dev/null 2>&1") != 0) GTEST_SKIP() << "no python3";
  const std::string command =
      "python3 " + (testing::bundled_data_dir() / "suites" / "check_demo_code.py").string() +
      " > /dev/null";
  EXPECT_EQ(std::system(command.c_str()), 0) << "run: " << command;
}

}  // namespace
}  // namespace rbench
