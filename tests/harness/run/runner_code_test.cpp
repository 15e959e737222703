// The runner on a code suite: answers are stored first, executed in their own pool, scored with
// outcomes and pass@k, and a run killed between storing and scoring is scored on resume without
// calling the model again.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <cstdio>
#include <map>
#include <memory>

#include "common/temp_dir.h"
#include "harness/run/runner.h"
#include "harness/store/store.h"
#include "reports/summary.h"

namespace rbench {
namespace {

// Answers by item id, counting the calls; the sample index picks among several answers.
class ScriptedEngine final : public Engine {
 public:
  explicit ScriptedEngine(std::map<std::string, std::vector<std::string>> answers)
      : answers_(std::move(answers)) {
    for (const auto& [name, list] : answers_) seen_[name];  // no insertions once threads run
  }
  Completion complete(const ChatRequest& request, TokenSink*, std::stop_token) override {
    ++calls;
    Completion c;
    c.finish_reason = "stop";
    c.usage = {10, 20, 0};
    // The item is recognised by its function name in the prompt.
    for (const auto& [name, list] : answers_) {
      const std::string& text =
          request.prompt.empty() ? request.messages.back().content : request.prompt;
      if (text.find(name) != std::string::npos) {
        c.answer = list[static_cast<std::size_t>(seen_.at(name)++ % list.size())];
        return c;
      }
    }
    c.answer = "no idea";
    return c;
  }
  std::string describe() const override { return "scripted"; }
  std::atomic<int> calls{0};

 private:
  std::map<std::string, std::vector<std::string>> answers_;
  std::map<std::string, std::atomic<int>> seen_;
};

Item code_item(const std::string& name, const std::string& tests) {
  Item item;
  item.id = "demo/" + name;
  item.question = "Write " + name;
  item.code.prompt = "def " + name + "(x):\n    \"\"\"Doc.\"\"\"\n";
  item.code.entry_point = name;
  item.code.tests = tests;
  item.reference = "    return x\n";
  return item;
}

Suite code_suite() {
  Suite s;
  s.name = "tiny-code";
  s.version = "v1";
  s.prompt_template = "code-chat-v1";
  s.scorer = "code";
  s.items = {code_item("ident", "def check(f):\n    assert f(3) == 3\n    assert f('a') == 'a'\n"),
             code_item("double", "def check(f):\n    assert f(2) == 4\n"),
             code_item("spin", "def check(f):\n    assert f(1) == 1\n")};
  return s;
}

std::string fenced(const std::string& body) {
  return "Here:\n```python\n" + body + "```\n";
}

RunSpec spec_with(std::unique_ptr<Engine> engine) {
  RunSpec spec;
  spec.run_name = "code-run";
  ModelEntry m;
  m.label = "scripted";
  m.profile.name = "scripted";
  m.profile.api_model = "scripted";
  m.engine = std::move(engine);
  m.concurrency = 2;
  spec.models.push_back(std::move(m));
  spec.suites.push_back(code_suite());
  spec.samples = 2;
  spec.code_timeout_s = 1;
  return spec;
}

std::unique_ptr<ScriptedEngine> scripted() {
  return std::make_unique<ScriptedEngine>(std::map<std::string, std::vector<std::string>>{
      {"ident", {fenced("def ident(x):\n    return x\n")}},
      // one right, one wrong sample: pass@1 0.5, pass@2 1
      {"double",
       {fenced("def double(x):\n    return 2 * x\n"),
        fenced("def double(x):\n    return x + 1\n")}},
      {"spin", {fenced("def spin(x):\n    while True:\n        pass\n")}},
  });
}

TEST(RunnerCode, ExecutesScoresAndStoresOutcomes) {
  testing::TempDir dir;
  Store store(dir.path() / "r.db");
  std::FILE* sink = std::tmpfile();
  Progress progress(sink, false);
  auto engine = scripted();
  ScriptedEngine* calls = engine.get();
  RunSpec spec = spec_with(std::move(engine));
  const RunSummary summary = Runner(store, progress).run(spec, {});
  std::fclose(sink);
  EXPECT_EQ(summary.planned, 6u);
  EXPECT_EQ(summary.finished, 6u);
  EXPECT_EQ(calls->calls.load(), 6);

  std::map<std::string, int> outcomes;
  for (const SampleRecord& s : store.samples()) {
    ASSERT_TRUE(s.score.has_value()) << s.key.item_id;
    EXPECT_EQ(s.scorer, "code");
    ++outcomes[s.score->outcome];
    if (s.key.item_id == "demo/spin") {
      EXPECT_EQ(s.score->outcome, "timeout");
    }
    if (s.key.item_id == "demo/ident") {
      EXPECT_TRUE(s.score->correct);
    }
    EXPECT_GE(s.score->duration_s, 0);
  }
  EXPECT_EQ(outcomes["passed"], 3);
  EXPECT_EQ(outcomes["failed"], 1);
  EXPECT_EQ(outcomes["timeout"], 2);

  const auto results = summarize(store.runs(), store.samples(), {});
  ASSERT_EQ(results.size(), 1u);
  const ResultSummary& r = results[0];
  ASSERT_EQ(r.pass_at.size(), 2u);  // k = 1, 2
  EXPECT_EQ(r.pass_at[0].k, 1);
  EXPECT_NEAR(r.pass_at[0].value, (1.0 + 0.5 + 0.0) / 3, 1e-12);
  EXPECT_EQ(r.pass_at[1].k, 2);
  EXPECT_NEAR(r.pass_at[1].value, (1.0 + 1.0 + 0.0) / 3, 1e-12);
  EXPECT_EQ(r.outcomes.at("timeout"), 2);
}

TEST(RunnerCode, AnswersStoredButNotYetScoredAreScoredOnResumeWithoutTheModel) {
  testing::TempDir dir;
  const auto db = dir.path() / "r.db";
  {
    Store store(db);
    std::FILE* sink = std::tmpfile();
    Progress progress(sink, false);
    RunSpec spec = spec_with(scripted());
    Runner(store, progress).run(spec, {});
    std::fclose(sink);
  }
  // As if the run had been killed after storing the answers, before their executions ended.
  {
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(db.c_str(), &raw), SQLITE_OK);
    std::unique_ptr<sqlite3, decltype(&sqlite3_close)> conn(raw, &sqlite3_close);
    ASSERT_EQ(sqlite3_exec(raw, "DELETE FROM scores", nullptr, nullptr, nullptr), SQLITE_OK);
  }
  Store store(db);
  ASSERT_EQ(store.unscored(store.runs().at(0).id).size(), 6u);
  std::FILE* sink = std::tmpfile();
  Progress progress(sink, false);
  auto engine = scripted();
  ScriptedEngine* calls = engine.get();
  RunSpec spec = spec_with(std::move(engine));
  const RunSummary summary = Runner(store, progress).run(spec, {});
  std::fclose(sink);
  EXPECT_EQ(calls->calls.load(), 0);  // nothing asked of the model again
  EXPECT_EQ(summary.skipped, 6u);
  EXPECT_TRUE(store.unscored(summary.run_id).empty());
  int passed = 0;
  for (const SampleRecord& s : store.samples()) passed += s.score && s.score->correct ? 1 : 0;
  EXPECT_EQ(passed, 3);
}

}  // namespace
}  // namespace rbench
