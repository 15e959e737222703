// judge_run against scripted in-process judges: two games per answer with the model's answer
// first as A then as B, verdicts turned to the model's side, bounded retries, judge failures
// stored and redone on the next call, and items without a baseline or an answer counted apart.
#include "harness/run/judging.h"

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <map>
#include <string>

#include "common/temp_dir.h"

namespace rbench {
namespace {

// A judge whose reply is computed from the request (the conversation so far).
class ScriptedJudge final : public Engine {
 public:
  using Script = std::function<Completion(const ChatRequest&)>;
  explicit ScriptedJudge(Script script) : script_(std::move(script)) {}
  Completion complete(const ChatRequest& request, TokenSink*, std::stop_token) override {
    ++calls;
    return script_(request);
  }
  std::string describe() const override { return "scripted judge"; }
  std::atomic<int> calls{0};

 private:
  Script script_;
};

Completion reply(std::string text) {
  Completion c;
  c.answer = std::move(text);
  c.finish_reason = "stop";
  c.usage = {1000, 100, -1};
  return c;
}

// Which answer the judge saw first: the model's answers say "MODEL", baselines "BASE".
bool model_shown_first(const ChatRequest& request) {
  const std::string& user = request.messages.at(1).content;
  return user.find("MODEL") < user.find("BASE");
}

struct Fixture {
  testing::TempDir dir;
  Store store{dir.path() / "j.db"};
  RunInfo run = store.open_run("r", "{}", "v", "g");
  Suite suite;

  Fixture() {
    suite.name = "arena-hard";
    for (int i = 0; i < 4; ++i) {
      Item item;
      item.id = "q" + std::to_string(i);
      item.question = "Question " + std::to_string(i);
      item.baseline_model = "base-model";
      item.baseline_answer = i == 3 ? "" : "BASE answer";  // q3: no baseline in the data
      suite.items.push_back(item);
    }
    for (const char* model : {"m1", "m2"}) {
      for (int i = 0; i < 4; ++i) {
        SampleRecord s;
        s.run_id = run.id;
        s.key = {model, "arena-hard", "q" + std::to_string(i), 0};
        s.completion.answer = "MODEL answer";
        s.completion.finish_reason = "stop";
        if (std::string(model) == "m2" && i == 2) {  // m2 failed on q2
          s.completion.answer.clear();
          s.completion.error_kind = ErrorKind::http;
          s.completion.error = "HTTP 500";
        }
        store.put_sample(s);
      }
    }
  }

  std::map<std::string, JudgmentRecord> by_key() {
    std::map<std::string, JudgmentRecord> out;
    for (const auto& j : store.judgments(run.id)) {
      out[j.model + "/" + j.item_id + "/" + std::to_string(j.game)] = j;
    }
    return out;
  }
};

TEST(Judging, TwoGamesPerAnswerWithVerdictsOnTheModelsSide) {
  Fixture f;
  // The judge always prefers the answer shown first: a pure position bias, which the two games
  // cancel out (A>B in game 1, B<A i.e. the model loses in game 2).
  ScriptedJudge judge([](const ChatRequest&) { return reply("My answer ... so: [[A>B]]"); });
  JudgeSpec spec{
      .name = "judge-x", .engine = &judge, .input_price_per_mtok = 1, .output_price_per_mtok = 10};
  const JudgingSummary s = judge_run(f.store, f.run.id, {f.suite}, spec, {});
  EXPECT_EQ(s.planned, 16u);
  EXPECT_EQ(s.ok, 10u);  // m1: q0-q2, m2: q0-q1, two games each
  EXPECT_EQ(s.no_baseline, 4u);
  EXPECT_EQ(s.no_answer, 2u);
  EXPECT_EQ(judge.calls, 10);
  auto j = f.by_key();
  EXPECT_EQ(j["m1/q0/1"].label, "A>B");
  EXPECT_EQ(j["m1/q0/1"].label_as_judged, "A>B");
  EXPECT_EQ(j["m1/q0/2"].label, "B>A");  // the judge preferred A = the baseline
  EXPECT_EQ(j["m1/q0/2"].label_as_judged, "A>B");
  EXPECT_EQ(j["m1/q0/1"].baseline_model, "base-model");
  EXPECT_NEAR(j["m1/q0/1"].cost_usd, 0.002, 1e-12);
  EXPECT_EQ(j["m1/q3/1"].status, "no_baseline");
  EXPECT_EQ(j["m2/q2/2"].status, "no_answer");

  // A second call has nothing left to do.
  const JudgingSummary again = judge_run(f.store, f.run.id, {f.suite}, spec, {});
  EXPECT_EQ(again.skipped, 16u);
  EXPECT_EQ(judge.calls, 10);
}

TEST(Judging, UnusableVerdictsAreAskedAgainThenRecordedUnparsed) {
  Fixture f;
  // q0: garbage once, then a label; q1: conflicting labels every time; q2: refusal every time.
  ScriptedJudge judge([](const ChatRequest& r) {
    const std::string& q = r.messages.at(1).content;
    if (q.find("Question 0") != std::string::npos) {
      return reply(r.messages.size() > 2 ? "[[B>>A]]" : "I think both are fine.");
    }
    if (q.find("Question 1") != std::string::npos) return reply("Either [[A>B]] or [[B>A]].");
    return reply("I cannot help with that.");
  });
  JudgeSpec spec{.name = "judge-x", .engine = &judge};
  const JudgingSummary s = judge_run(f.store, f.run.id, {f.suite}, spec, {});
  EXPECT_EQ(s.ok, 4u);        // q0, both models, two games
  EXPECT_EQ(s.unparsed, 6u);  // q1 (both models), q2 (m1 only)
  auto j = f.by_key();
  EXPECT_EQ(j["m1/q0/1"].attempts, 2);
  EXPECT_EQ(j["m1/q0/1"].label, "B>>A");
  EXPECT_EQ(j["m1/q0/2"].label, "A>>B");
  EXPECT_EQ(j["m1/q1/1"].status, "unparsed");
  EXPECT_EQ(j["m1/q1/1"].attempts, 3);
  EXPECT_EQ(j["m1/q1/1"].label, "");  // never guessed
  EXPECT_NE(j["m1/q1/1"].why.find("no usable label after 3 attempts"), std::string::npos)
      << j["m1/q1/1"].why;
  EXPECT_EQ(j["m1/q2/1"].raw, "I cannot help with that.");
}

TEST(Judging, JudgeFailuresAreStoredAndRedone) {
  Fixture f;
  std::atomic<bool> down{true};
  ScriptedJudge judge([&](const ChatRequest& r) {
    if (down) {
      Completion c;
      c.error_kind = ErrorKind::timeout;
      c.error = "no response in 60 s";
      return c;
    }
    return reply(model_shown_first(r) ? "[[A=B]]" : "[[B=A]]");
  });
  JudgeSpec spec{.name = "judge-x", .engine = &judge};
  JudgingSummary s = judge_run(f.store, f.run.id, {f.suite}, spec, {});
  EXPECT_EQ(s.errors, 10u);
  EXPECT_EQ(f.by_key()["m1/q0/1"].status, "error");
  EXPECT_NE(f.by_key()["m1/q0/1"].error.find("timeout"), std::string::npos);
  down = false;
  s = judge_run(f.store, f.run.id, {f.suite}, spec, {});
  EXPECT_EQ(s.ok, 10u);
  EXPECT_EQ(s.skipped, 6u);  // the no_baseline and no_answer games stay decided
  EXPECT_EQ(f.by_key()["m1/q0/2"].label, "A=B");
}

TEST(Judging, ADeadJudgeStopsAfterTheBreakersWindowAndTheNextCallResumes) {
  Fixture f;
  std::atomic<bool> down{true};
  ScriptedJudge judge([&](const ChatRequest& r) {
    if (down) {
      Completion c;
      c.error_kind = ErrorKind::http;
      c.http_status = 401;
      c.error = "HTTP 401: invalid key";
      return c;
    }
    return reply(model_shown_first(r) ? "[[A=B]]" : "[[B=A]]");
  });
  JudgeSpec spec{.name = "judge-x",
                 .engine = &judge,
                 .concurrency = 1,
                 .endpoint = "http://127.0.0.1:9/v1",
                 .breaker_window = 3};
  JudgingSummary s = judge_run(f.store, f.run.id, {f.suite}, spec, {});
  EXPECT_EQ(judge.calls, 3);  // of 10 games to judge
  EXPECT_EQ(s.breaker_trip,
            "the last 3 requests to http://127.0.0.1:9/v1 failed (HTTP 401: invalid key)");
  EXPECT_FALSE(s.interrupted);
  EXPECT_EQ(s.ok, 0u);
  down = false;
  s = judge_run(f.store, f.run.id, {f.suite}, spec, {});
  EXPECT_EQ(s.breaker_trip, "");
  EXPECT_EQ(s.ok, 10u);
  // A judge that fails with a timeout never trips it: every game is tried and stored.
  Fixture g;
  ScriptedJudge slow([](const ChatRequest&) {
    Completion c;
    c.error_kind = ErrorKind::timeout;
    c.error = "no response";
    return c;
  });
  spec.engine = &slow;
  s = judge_run(g.store, g.run.id, {g.suite}, spec, {});
  EXPECT_EQ(s.breaker_trip, "");
  EXPECT_EQ(s.errors, 10u);
}

}  // namespace
}  // namespace rbench
