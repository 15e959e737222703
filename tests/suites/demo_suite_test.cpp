// The bundled demo suite: loads, has enough unique items, and its answers agree with the table
// of arithmetic expressions in data/suites/check_demo.py.
#include <gtest/gtest.h>

#include <cstdlib>
#include <set>

#include "suites/loaders.h"
#include "common/temp_dir.h"

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

}  // namespace
}  // namespace rbench
