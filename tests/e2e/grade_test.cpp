// End to end: `rbench grade` gives one verdict with what it rests on, and its exit status.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "e2e/subprocess.h"

namespace rbench::test {
namespace {

TEST(Grade, ExplainsAVerdictAndExitsZeroOnlyWhenCorrect) {
  std::string output;
  ASSERT_EQ(run_rbench({"grade", "--response",
                        "<think>maybe \\boxed{3}</think>So $\\boxed{\\frac{\\sqrt{12}}{4}}$.",
                        "--reference", "\\frac{\\sqrt3}{2}", "--json"},
                       output),
            0)
      << output;
  rapidjson::Document doc;
  doc.Parse(output.c_str());
  ASSERT_FALSE(doc.HasParseError()) << output;
  EXPECT_TRUE(doc["correct"].GetBool());
  EXPECT_STREQ(doc["extracted"].GetString(), "\\frac{\\sqrt{12}}{4}");
  EXPECT_STREQ(doc["method"].GetString(), "boxed");
  EXPECT_STREQ(doc["rule"].GetString(), "symbolic");
  EXPECT_STREQ(doc["reference_form"].GetString(), "\\frac{\\sqrt{3}}{2}");

  EXPECT_EQ(
      run_rbench({"grade", "--response", "The answer is 0.3.", "--reference", "1/3", "--json"},
                 output),
      1)
      << output;
  doc.Parse(output.c_str());
  ASSERT_FALSE(doc.HasParseError()) << output;
  EXPECT_FALSE(doc["correct"].GetBool());
  EXPECT_STREQ(doc["rule"].GetString(), "rational");
  // The same verdict as text, for people.
  EXPECT_EQ(run_rbench({"grade", "--response", "The answer is 0.3.", "--reference", "1/3"}, output),
            1)
      << output;

  EXPECT_EQ(
      run_rbench({"grade", "--scorer", "aime", "--response", "\\boxed{070}", "--reference", "70"},
                 output),
      0)
      << output;
  EXPECT_EQ(run_rbench({"grade", "--reference", "1"}, output), 2) << output;
  EXPECT_NE(output.find("--response"), std::string::npos) << output;
  EXPECT_EQ(
      run_rbench({"grade", "--scorer", "nope", "--response", "1", "--reference", "1"}, output), 2)
      << output;
}

}  // namespace
}  // namespace rbench::test
