// Timings by host: a result whose samples ran on several hosts keeps its pooled latency and speed
// and gains each host's (JSON results[].hosts, a Markdown table, an HTML section); samples stored
// without a host are one unknown host; a result from one host reads exactly as before.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "reports/report.h"
#include "reports/report_fixture.h"

namespace rbench {
namespace {

SampleRecord timed_sample(std::int64_t run_id, const std::string& model, int item,
                          const std::string& host, std::int64_t tokens, double ttft_s,
                          double e2e_s) {
  SampleRecord r = testing::variant_sample(run_id, model, item, true, tokens, ttft_s, e2e_s);
  r.host = host;
  return r;
}

// "sharded" ran on node-a (3 samples: 1, 2, 3 s; ttft 0.5 s; 11 tokens), node-b (2 samples: 10
// and 20 s; ttft 1 s; 21 tokens, one more an error) and one sample stored without a host (5 s).
// "single" ran on node-a alone.
class HostsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = std::make_unique<Store>(dir_.path() / "hosts.db");
    const RunInfo run = store_->open_run("r", R"({"fingerprint": {}})", "0.1.0", "abc");
    int item = 0;
    for (double e2e : {1.0, 2.0, 3.0}) {
      store_->put_sample(timed_sample(run.id, "sharded", item++, "node-a", 11, 0.5, e2e));
    }
    for (double e2e : {10.0, 20.0}) {
      store_->put_sample(timed_sample(run.id, "sharded", item++, "node-b", 21, 1.0, e2e));
    }
    SampleRecord failed = timed_sample(run.id, "sharded", item++, "node-b", -1, -1, -1);
    failed.completion.error_kind = ErrorKind::timeout;
    failed.completion.error = "timed out";
    failed.score.reset();
    failed.scorer.clear();
    store_->put_sample(failed);
    store_->put_sample(timed_sample(run.id, "sharded", item++, "", 11, 0.5, 5.0));
    for (int i = 0; i < 3; ++i) {
      store_->put_sample(timed_sample(run.id, "single", i, "node-a", 11, 0.5, 1.0 + i));
    }
    store_->finish_run(run.id);
  }
  std::string render(ReportFormat f) { return render_report(*store_, f, {}); }
  testing::TempDir dir_;
  std::unique_ptr<Store> store_;
};

const rapidjson::Value& result_of(const rapidjson::Document& doc, const char* model) {
  for (const auto& r : doc["results"].GetArray()) {
    if (std::string(r["model"].GetString()) == model) return r;
  }
  ADD_FAILURE() << "no result for " << model;
  return doc["results"][0];
}

TEST_F(HostsTest, JsonKeepsThePooledFiguresAndAddsEachHosts) {
  rapidjson::Document doc;
  doc.Parse(render(ReportFormat::json).c_str());
  ASSERT_FALSE(doc.HasParseError());
  const auto& sharded = result_of(doc, "sharded");
  // Pooled over the six timed samples of all hosts: (1 + 2 + 3 + 10 + 20 + 5) / 6.
  EXPECT_DOUBLE_EQ(sharded["latency"]["e2e_mean_s"].GetDouble(), 41.0 / 6);
  ASSERT_TRUE(sharded.HasMember("hosts"));
  const auto& hosts = sharded["hosts"];
  ASSERT_EQ(hosts.Size(), 3u);
  // Named hosts in name order, the unknown one last.
  EXPECT_STREQ(hosts[0]["host"].GetString(), "node-a");
  EXPECT_STREQ(hosts[1]["host"].GetString(), "node-b");
  EXPECT_TRUE(hosts[2]["host"].IsNull());
  EXPECT_EQ(hosts[0]["n"].GetInt(), 3);
  EXPECT_EQ(hosts[0]["errors"].GetInt(), 0);
  EXPECT_DOUBLE_EQ(hosts[0]["latency"]["e2e_mean_s"].GetDouble(), 2.0);
  EXPECT_DOUBLE_EQ(hosts[0]["latency"]["e2e_p50_s"].GetDouble(), 2.0);
  EXPECT_DOUBLE_EQ(hosts[0]["latency"]["ttft_mean_s"].GetDouble(), 0.5);
  // 10 tokens after the first, in 0.5 + 1.5 + 2.5 s.
  EXPECT_EQ(hosts[0]["speed"]["decode_tokens"].GetInt(), 30);
  EXPECT_DOUBLE_EQ(hosts[0]["speed"]["decode_seconds"].GetDouble(), 4.5);
  EXPECT_DOUBLE_EQ(hosts[0]["speed"]["decode_tokens_per_s"].GetDouble(), 30 / 4.5);
  EXPECT_EQ(hosts[1]["n"].GetInt(), 3);
  EXPECT_EQ(hosts[1]["errors"].GetInt(), 1);
  EXPECT_DOUBLE_EQ(hosts[1]["latency"]["e2e_mean_s"].GetDouble(), 15.0);
  EXPECT_DOUBLE_EQ(hosts[1]["speed"]["decode_tokens_per_s"].GetDouble(), 40 / 28.0);
  EXPECT_EQ(hosts[2]["n"].GetInt(), 1);
  EXPECT_DOUBLE_EQ(hosts[2]["latency"]["e2e_mean_s"].GetDouble(), 5.0);
  // The hosts' decode sums add up to the pooled ones.
  EXPECT_EQ(sharded["speed"]["decode_tokens"].GetInt(), 30 + 40 + 10);
  // One host: no breakdown.
  EXPECT_FALSE(result_of(doc, "single").HasMember("hosts"));
}

TEST_F(HostsTest, MarkdownAddsATableOfHostsBelowTheLeaderboard) {
  const std::string md = render(ReportFormat::md);
  const std::string table =
      "\nTimings by host (the samples ran on several machines; the table above pools them):\n\n"
      "| Model | Host | n | Errors | Latency p50 | Latency mean | TTFT mean | tok/s |\n"
      "|---|---|--:|--:|--:|--:|--:|--:|\n"
      "| sharded | node-a | 3 | 0 | 2.00 s | 2.00 s | 500 ms | 6.7 |\n"
      "| sharded | node-b | 3 | 1 | 15.00 s | 15.00 s | 1.00 s | 1.4 |\n"
      "| sharded | unknown | 1 | 0 | 5.00 s | 5.00 s | 500 ms | 2.2 |\n";
  EXPECT_NE(md.find(table), std::string::npos) << md;
  EXPECT_EQ(md.find("| single | node-a"), std::string::npos) << md;
}

TEST_F(HostsTest, HtmlHasASectionOfHosts) {
  const std::string html = render(ReportFormat::html);
  EXPECT_NE(html.find("<h2>Timings by host</h2>"), std::string::npos);
  EXPECT_NE(html.find("<td>demo-math</td><td class=\"strong\">sharded</td><td>node-b</td>"
                      "<td class=\"num\">3</td><td class=\"num\">1</td>"),
            std::string::npos);
  EXPECT_NE(html.find("<span class=\"muted\">unknown</span>"), std::string::npos);
}

// A store whose results each ran on one host (or none): no breakdown anywhere.
TEST(Hosts, OneHostReadsAsBefore) {
  testing::TempDir dir;
  Store store(dir.path() / "one.db");
  const RunInfo run = store.open_run("r", R"({"fingerprint": {}})", "0.1.0", "abc");
  for (int i = 0; i < 3; ++i) {
    store.put_sample(timed_sample(run.id, "m", i, "node-a", 11, 0.5, 1.0 + i));
  }
  store.put_sample(timed_sample(run.id, "old", 0, "", 11, 0.5, 1.0));
  store.finish_run(run.id);
  EXPECT_EQ(render_report(store, ReportFormat::json, {}).find("\"hosts\""), std::string::npos);
  EXPECT_EQ(render_report(store, ReportFormat::md, {}).find("Timings by host"), std::string::npos);
  EXPECT_EQ(render_report(store, ReportFormat::html, {}).find("Timings by host"),
            std::string::npos);
}

}  // namespace
}  // namespace rbench
