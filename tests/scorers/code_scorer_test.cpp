// The code scorer end to end on real suites: published and bundled reference solutions, written
// as a chat model or a completion model would, pass through extraction and the sandbox; a wrong
// answer fails with the assertion; a sandbox that cannot start is an error, not a verdict.
#include "scorers/code_scorer.h"

#include <gtest/gtest.h>
#include <tbb/parallel_for.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <vector>

#include "harness/core/error.h"
#include "suites/registry.h"

namespace rbench {
namespace {

const CodeScorer& chat_scorer() {
  static const CodeScorer scorer;  // one sandbox probe and calibration for the whole binary
  return scorer;
}

const CodeScorer& completion_scorer() {
  static const CodeScorer scorer(CodeScorerOptions{.completion_style = true});
  return scorer;
}

std::string fenced(const std::string& code) {
  return "<think>I could write ```python\nraise SystemExit\n``` but no.</think>Here it is:\n\n"
         "```python\n" +
         code + "```\n";
}

// Scores every item's reference with `answer_of`; returns the ids that did not pass.
template <class AnswerOf>
std::vector<std::string> failures(const Suite& suite, const CodeScorer& scorer,
                                  AnswerOf answer_of) {
  std::mutex mutex;
  std::vector<std::string> failed;
  tbb::parallel_for(std::size_t{0}, suite.items.size(), [&](std::size_t i) {
    const Item& item = suite.items[i];
    const Score s = scorer.score(item, answer_of(item));
    if (!s.correct) {
      std::lock_guard lock(mutex);
      failed.push_back(item.id + ": " + s.outcome + " " + s.detail);
    }
  });
  return failed;
}

std::string join(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

TEST(CodeScorer, DemoCodeSolutionsPassInBothStyles) {
  const Suite suite = load_suite("demo-code", RBENCH_SHARED_DATA_DIR,
                                 std::filesystem::path(RBENCH_SOURCE_DIR) / "data");
  ASSERT_GE(suite.items.size(), 20u);
  EXPECT_EQ(
      join(failures(suite, chat_scorer(),
                    [](const Item& item) { return fenced(item.code.prompt + item.reference); })),
      "");
  EXPECT_EQ(
      join(failures(suite, completion_scorer(), [](const Item& item) { return item.reference; })),
      "");
}

TEST(CodeScorer, WrongAnswersFailWithTheAssertionAndKeepTheirProgram) {
  const Suite suite = load_suite("demo-code", RBENCH_SHARED_DATA_DIR,
                                 std::filesystem::path(RBENCH_SOURCE_DIR) / "data");
  const Item& item = suite.items.front();
  const Score s = chat_scorer().score(item, fenced(item.code.prompt + "    return None\n"));
  EXPECT_FALSE(s.correct);
  EXPECT_EQ(s.value, 0);
  EXPECT_EQ(s.outcome, "failed");
  EXPECT_NE(s.detail.find("AssertionError"), std::string::npos) << s.detail;
  EXPECT_NE(s.extracted.find("return None"), std::string::npos) << s.extracted;
  EXPECT_GE(s.duration_s, 0);
  // No code at all: still a verdict (the tests cannot find the function).
  EXPECT_EQ(chat_scorer().score(item, "I don't know.").outcome, "failed");
}

TEST(CodeScorer, MbppReferenceSolutionsPass) {
  const auto file = std::filesystem::path(RBENCH_SHARED_DATA_DIR) / "mbpp" / "mbpp.jsonl";
  if (!std::filesystem::exists(file)) GTEST_SKIP() << file << " not present";
  const Suite suite = load_suite("mbpp", RBENCH_SHARED_DATA_DIR, "");
  ASSERT_EQ(suite.items.size(), 500u);
  EXPECT_EQ(join(failures(suite, chat_scorer(),
                          [](const Item& item) { return fenced(item.reference + "\n"); })),
            "");
}

TEST(CodeScorer, ASandboxThatCannotStartIsAnErrorNotAVerdict) {
  CodeScorerOptions options;
  options.sandbox.python = "/nonexistent/python3";
  options.sandbox.speed_factor = 1;
  EXPECT_THROW(CodeScorer scorer(options), Error);
}

}  // namespace
}  // namespace rbench
