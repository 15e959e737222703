// cons@k (majority vote) in the summary, on samples built in memory with hand-computed votes.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "reports/result_json.h"
#include "reports/summary.h"

namespace rbench {
namespace {

// A scored sample of item `item` whose answer extracted `extracted` (right when it is "42").
SampleRecord vote(const std::string& suite, const std::string& item, int sample_index,
                  const std::string& extracted) {
  SampleRecord r;
  r.run_id = 1;
  r.key = {"model", suite, item, sample_index};
  r.reference = "42";
  r.completion.answer = "\\boxed{" + extracted + "}";
  Score score;
  score.extracted = extracted;
  score.correct = extracted == "42";
  score.value = score.correct ? 1 : 0;
  score.method = extracted.empty() ? "none" : "boxed";
  r.score = score;
  return r;
}

std::vector<ResultSummary> summarize_samples(const std::vector<SampleRecord>& samples) {
  return summarize({RunInfo{.id = 1, .name = "run"}}, samples, SummaryOptions{});
}

TEST(Consensus, MajorityVotesOverThreeItemsOfThreeSamples) {
  // a: 42, 7, 42 -> 42 wins 2:1, right (accuracy 2/3, the vote makes it 1).
  // b: 7, 42, 7  -> 7 wins 2:1, wrong although one sample was right.
  // c: 5, 42, 9  -> three-way tie; 5 came first, so wrong.
  const std::vector<SampleRecord> samples = {
      vote("s", "a", 0, "42"), vote("s", "a", 1, "7"),  vote("s", "a", 2, "42"),
      vote("s", "b", 0, "7"),  vote("s", "b", 1, "42"), vote("s", "b", 2, "7"),
      vote("s", "c", 0, "5"),  vote("s", "c", 1, "42"), vote("s", "c", 2, "9"),
  };
  const auto results = summarize_samples(samples);
  ASSERT_EQ(results.size(), 1u);
  const ResultSummary& r = results[0];
  ASSERT_TRUE(r.consensus.has_value());
  EXPECT_EQ(r.consensus->k, 3);
  EXPECT_EQ(r.consensus->items, 3);
  EXPECT_DOUBLE_EQ(r.consensus->value, 1.0 / 3.0);
  EXPECT_LE(r.consensus->ci.lo, r.consensus->value);
  EXPECT_GE(r.consensus->ci.hi, r.consensus->value);
  EXPECT_GE(r.consensus->ci.lo, 0.0);
  EXPECT_LE(r.consensus->ci.hi, 1.0);
}

TEST(Consensus, TieGoesToTheAnswerSeenFirst) {
  // 42 and 7 tie 2:2; 42 is sample 0, so the vote is right. Swapping the first samples flips it.
  const auto right = summarize_samples({vote("s", "a", 0, "42"), vote("s", "a", 1, "7"),
                                        vote("s", "a", 2, "7"), vote("s", "a", 3, "42")});
  ASSERT_TRUE(right[0].consensus.has_value());
  EXPECT_EQ(right[0].consensus->k, 4);
  EXPECT_DOUBLE_EQ(right[0].consensus->value, 1.0);
  const auto wrong = summarize_samples({vote("s", "a", 0, "7"), vote("s", "a", 1, "42"),
                                        vote("s", "a", 2, "42"), vote("s", "a", 3, "7")});
  EXPECT_DOUBLE_EQ(wrong[0].consensus->value, 0.0);
  // The tie rule follows the sample index, not the order the samples arrive in.
  const auto shuffled = summarize_samples({vote("s", "a", 3, "7"), vote("s", "a", 1, "42"),
                                           vote("s", "a", 2, "42"), vote("s", "a", 0, "7")});
  EXPECT_DOUBLE_EQ(shuffled[0].consensus->value, 0.0);
}

TEST(Consensus, EmptyExtractionsDoNotVote) {
  // a: nothing, nothing, 42 -> 42 is the only vote: right.
  // b: nothing extracted at all -> wrong.
  const auto results =
      summarize_samples({vote("s", "a", 0, ""), vote("s", "a", 1, ""), vote("s", "a", 2, "42"),
                         vote("s", "b", 0, ""), vote("s", "b", 1, "")});
  ASSERT_TRUE(results[0].consensus.has_value());
  EXPECT_EQ(results[0].consensus->k, 3);
  EXPECT_EQ(results[0].consensus->items, 2);
  EXPECT_DOUBLE_EQ(results[0].consensus->value, 0.5);
}

TEST(Consensus, UnscoredAndErroredSamplesDoNotVote) {
  SampleRecord unscored = vote("s", "a", 1, "7");
  unscored.score.reset();
  SampleRecord errored = vote("s", "a", 2, "7");
  errored.score.reset();
  errored.completion.error_kind = ErrorKind::timeout;
  const auto results = summarize_samples({vote("s", "a", 0, "42"), unscored, errored,
                                          vote("s", "a", 3, "42"), vote("s", "b", 0, "1")});
  ASSERT_TRUE(results[0].consensus.has_value());
  EXPECT_EQ(results[0].consensus->k, 2);
  EXPECT_DOUBLE_EQ(results[0].consensus->value, 0.5);  // a right (42 twice), b wrong
}

TEST(Consensus, OneSamplePerItemHasNoConsensus) {
  const auto results = summarize_samples({vote("one", "a", 0, "42"), vote("one", "b", 0, "7"),
                                          vote("two", "a", 0, "42"), vote("two", "a", 1, "42")});
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0].suite, "one");
  EXPECT_FALSE(results[0].consensus.has_value());
  EXPECT_EQ(results[1].suite, "two");
  EXPECT_TRUE(results[1].consensus.has_value());
}

TEST(Consensus, WrittenToTheResultJson) {
  const auto results = summarize_samples({vote("one", "a", 0, "42"), vote("two", "a", 0, "42"),
                                          vote("two", "a", 1, "7"), vote("two", "b", 0, "7"),
                                          vote("two", "b", 1, "7")});
  ASSERT_EQ(results.size(), 2u);
  for (const ResultSummary& r : results) {
    json::Writer writer;
    write_result_json(writer, r);
    rapidjson::Document doc;
    doc.Parse(writer.str().c_str());
    ASSERT_FALSE(doc.HasParseError());
    ASSERT_TRUE(doc.HasMember("cons_at_k"));
    const auto& cons = doc["cons_at_k"];
    if (r.suite == "one") {
      EXPECT_TRUE(cons.IsNull());
      continue;
    }
    ASSERT_TRUE(cons.IsObject());
    EXPECT_EQ(cons["k"].GetInt(), 2);
    EXPECT_DOUBLE_EQ(cons["value"].GetDouble(), 0.5);  // a: tie 42/7, 42 first; b: 7
    EXPECT_DOUBLE_EQ(cons["ci_low"].GetDouble(), r.consensus->ci.lo);
    EXPECT_DOUBLE_EQ(cons["ci_high"].GetDouble(), r.consensus->ci.hi);
    EXPECT_EQ(cons["items"].GetInt(), 2);
  }
}

}  // namespace
}  // namespace rbench
