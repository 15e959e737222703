// Prices applied by the reports: busy time (the union of in-flight intervals, over the
// invocations of a run), its hourly cost shared by tokens, and re-pricing with --prices, which
// changes the cost figures and nothing else.
#include "reports/pricing.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <fstream>
#include <set>

#include "reports/report.h"
#include "reports/report_fixture.h"

namespace rbench {
namespace {

TEST(BusyTime, UnionOfIntervals) {
  EXPECT_DOUBLE_EQ(union_seconds({}), 0);
  // Overlapping [0, 2] and [1, 3] count once; [5, 6] apart; [1.5, 2.5] nested; an empty one.
  EXPECT_DOUBLE_EQ(union_seconds({{5, 6}, {0, 2}, {1, 3}, {1.5, 2.5}, {4, 4}}), 4);
  // Touching intervals join without a gap.
  EXPECT_DOUBLE_EQ(union_seconds({{0, 1}, {1, 2}}), 2);
}

SampleRecord timed(const std::string& model, int item, const std::string& end, double e2e_s,
                   std::int64_t prompt, std::int64_t completion) {
  SampleRecord r;
  r.run_id = 1;
  r.key = {model, "demo-math", "item-" + std::to_string(item), 0};
  r.completion.usage.prompt_tokens = prompt;
  r.completion.usage.completion_tokens = completion;
  r.completion.timings.e2e_s = e2e_s;
  r.created_at = end;
  r.cost_usd = -1;  // an hourly-priced run stores no token cost
  return r;
}

TEST(BusyTime, HourlyPriceOverTwoInvocationsSharedByTokens) {
  RunInfo run;
  run.id = 1;
  run.name = "demo";
  // $3600 an hour: a dollar a busy second.
  run.config_json = R"({"models": [{"label": "local", "pricing": {"hourly_usd": 3600}}]})";
  std::vector<SampleRecord> samples = {
      // First invocation: two requests in flight together, 10:00:00-10:00:02 and :01-:03.
      timed("local", 0, "2026-01-01T10:00:02.000Z", 2.0, 50, 50),
      timed("local", 1, "2026-01-01T10:00:03.000Z", 2.0, 100, 200),
      // Resumed an hour later: one request of 1 s. The hour between is not busy.
      timed("local", 2, "2026-01-01T11:00:01.000Z", 1.0, 60, 40),
      // An errored request without timings adds no busy time (and had no tokens).
      timed("local", 3, "2026-01-01T11:00:05.000Z", -1, -1, -1),
  };
  const auto applied = apply_prices({run}, samples, {});
  ASSERT_EQ(applied.size(), 1u);
  ASSERT_TRUE(applied[0].busy_s);
  EXPECT_DOUBLE_EQ(*applied[0].busy_s, 4.0);  // 3 s + 1 s
  ASSERT_TRUE(applied[0].cost_usd);
  EXPECT_NEAR(*applied[0].cost_usd, 4.0, 1e-9);
  EXPECT_FALSE(applied[0].repriced);
  // $4 shared by tokens: 100, 300, 100 and 0 of 500.
  EXPECT_NEAR(samples[0].cost_usd, 0.8, 1e-9);
  EXPECT_NEAR(samples[1].cost_usd, 2.4, 1e-9);
  EXPECT_NEAR(samples[2].cost_usd, 0.8, 1e-9);
  EXPECT_NEAR(samples[3].cost_usd, 0.0, 1e-9);
}

TEST(BusyTime, ShardsOnSeveralHostsEachKeepTheirMachineBusy) {
  RunInfo run;
  run.id = 1;
  run.config_json = R"({"models": [{"label": "local", "pricing": {"hourly_usd": 3600}}]})";
  std::vector<SampleRecord> samples = {
      timed("local", 0, "2026-01-01T10:00:02.000Z", 2.0, 10, 10),
      timed("local", 1, "2026-01-01T10:00:02.000Z", 2.0, 10, 10),
  };
  samples[0].host = "node-1";
  samples[1].host = "node-2";
  const auto applied = apply_prices({run}, samples, {});
  ASSERT_TRUE(applied[0].busy_s);
  EXPECT_DOUBLE_EQ(*applied[0].busy_s, 4.0);  // the same 2 s on two machines
}

TEST(StoredPricing, FullPricingOrTheOlderTwoPrices) {
  const PriceHistory full = stored_pricing(
      R"({"models": [{"label": "a", "pricing": {"input_per_mtok": 1, "cached_input_per_mtok": 0.5, "output_per_mtok": 2}}]})",
      "a");
  ASSERT_EQ(full.entries.size(), 1u);
  EXPECT_EQ(*full.latest()->cached_input_per_mtok, 0.5);
  const PriceHistory old = stored_pricing(
      R"({"models": [{"label": "a", "price_input_per_mtok": 3, "price_output_per_mtok": 4, "price_as_of": "2025-01-01"}]})",
      "a");
  ASSERT_EQ(old.entries.size(), 1u);
  EXPECT_EQ(*old.latest()->output_per_mtok, 4);
  EXPECT_EQ(old.latest()->as_of, "2025-01-01");
  EXPECT_TRUE(stored_pricing(R"({"models": [{"label": "a", "price_input_per_mtok": null,
      "price_output_per_mtok": null}]})",
                             "a")
                  .empty());
  EXPECT_TRUE(stored_pricing("not json", "a").empty());
  EXPECT_TRUE(stored_pricing(R"({"models": []})", "b").empty());
}

// The JSON members re-pricing may change: the cost figures, and the note of a cost that is
// absent.
const std::set<std::string> kCostKeys = {"cost_usd",
                                         "cost_per_correct_usd",
                                         "cost_per_correct_ci_low_usd",
                                         "cost_per_correct_ci_high_usd",
                                         "cost_per_item_usd",
                                         "cost_per_correct_note"};

// Every difference between two JSON values, as JSON paths, skipping members named in kCostKeys.
void differences(const rapidjson::Value& a, const rapidjson::Value& b, const std::string& path,
                 std::vector<std::string>& out, std::set<std::string>& cost_paths) {
  if (a.IsObject() && b.IsObject()) {
    std::set<std::string> keys;
    for (const auto& m : a.GetObject()) keys.insert(m.name.GetString());
    for (const auto& m : b.GetObject()) keys.insert(m.name.GetString());
    for (const std::string& key : keys) {
      const std::string child = path + "." + key;
      const bool in_a = a.HasMember(key.c_str()), in_b = b.HasMember(key.c_str());
      if (kCostKeys.contains(key)) {
        if (in_a != in_b || (in_a && a[key.c_str()] != b[key.c_str()])) cost_paths.insert(child);
        continue;
      }
      if (in_a != in_b) {
        out.push_back(child);
        continue;
      }
      differences(a[key.c_str()], b[key.c_str()], child, out, cost_paths);
    }
    return;
  }
  if (a.IsArray() && b.IsArray() && a.Size() == b.Size()) {
    for (rapidjson::SizeType i = 0; i < a.Size(); ++i) {
      differences(a[i], b[i], path + "[" + std::to_string(i) + "]", out, cost_paths);
    }
    return;
  }
  if (a != b) out.push_back(path);
}

TEST(Repricing, ChangesCostAndNothingElse) {
  testing::TempDir dir;
  Store store(dir.path() / "results.db");
  testing::fill_fixture_store(store);
  const auto prices = dir.path() / "prices.json";
  {
    std::ofstream out(prices);
    out << R"({"model-a": {"input_per_mtok": 1.0, "output_per_mtok": 2.0, "as_of": "2026-01-01"}})";
  }
  const std::string stored = render_report(store, ReportFormat::json, {});
  ReportOptions repriced_options;
  repriced_options.prices_file = prices;
  const std::string repriced = render_report(store, ReportFormat::json, repriced_options);

  rapidjson::Document a, b;
  a.Parse(stored.c_str());
  b.Parse(repriced.c_str());
  ASSERT_FALSE(a.HasParseError());
  ASSERT_FALSE(b.HasParseError());
  // The top-level "prices" says what was applied: compared apart.
  const rapidjson::Value& prices_a = a["prices"];
  const rapidjson::Value& prices_b = b["prices"];
  EXPECT_TRUE(prices_a["note"].IsNull());
  EXPECT_NE(std::string(prices_b["note"].GetString()).find("re-priced from"), std::string::npos);
  a.RemoveMember("prices");
  b.RemoveMember("prices");

  std::vector<std::string> other;
  std::set<std::string> cost_paths;
  differences(a, b, "$", other, cost_paths);
  EXPECT_TRUE(other.empty()) << "re-pricing changed " << other.front();
  // model-a's results (gsm8k and math500) changed cost; model-b's did not.
  std::set<std::string> changed_results;
  for (const std::string& p : cost_paths) {
    ASSERT_EQ(p.rfind("$.results[", 0), 0u) << p;
    changed_results.insert(p.substr(0, p.find(']') + 1));
  }
  std::set<std::string> model_a_results;
  for (rapidjson::SizeType i = 0; i < b["results"].Size(); ++i) {
    if (std::string(b["results"][i]["model"].GetString()) == "model-a") {
      model_a_results.insert("$.results[" + std::to_string(i) + "]");
    }
  }
  EXPECT_EQ(changed_results, model_a_results);
  // gsm8k: 9 samples with usage at (100 x $1 + (200 + i) x $2) / 1M, i = 0..8; the timeout
  // has none.
  for (const auto& r : b["results"].GetArray()) {
    if (std::string(r["model"].GetString()) != "model-a" ||
        std::string(r["suite"].GetString()) != "gsm8k") {
      continue;
    }
    double expected = 0;
    for (int i = 0; i < 9; ++i) expected += (100 * 1.0 + (200 + i) * 2.0) / 1e6;
    EXPECT_NEAR(r["cost_usd"].GetDouble(), expected, 1e-12);
    EXPECT_NEAR(r["cost_per_correct_usd"].GetDouble(), expected / 7, 1e-12);
  }
}

}  // namespace
}  // namespace rbench
