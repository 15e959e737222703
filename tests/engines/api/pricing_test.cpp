// Prices: reading them (bad files name the file and the field), the entry in force at a time,
// and the cost of a call with cached tokens and off-peak rates.
#include "engines/api/pricing.h"

#include <gtest/gtest.h>

#include <fstream>

#include "harness/core/error.h"

namespace rbench {
namespace {

PriceHistory parse(const std::string& text) {
  const json::Document doc = json::Document::parse(text, "prices.json");
  return read_price_history(doc.root());
}

std::string error_of(const std::string& text) {
  try {
    parse(text);
  } catch (const DataError& e) {
    return e.what();
  }
  return "";
}

Usage usage(std::int64_t prompt, std::int64_t cached, std::int64_t completion) {
  Usage u;
  u.prompt_tokens = prompt;
  u.cached_prompt_tokens = cached;
  u.completion_tokens = completion;
  return u;
}

TEST(Pricing, CachedTokensAtTheCachedRate) {
  const PriceHistory h =
      parse(R"({"input_per_mtok": 1.0, "cached_input_per_mtok": 0.1, "output_per_mtok": 4.0})");
  // 600k uncached at $1, 400k cached at $0.1, 1M output at $4.
  EXPECT_NEAR(*token_cost_usd(*h.latest(), usage(1'000'000, 400'000, 1'000'000), ""), 4.64, 1e-12);
  // Unknown cached count (-1): all at the input rate.
  EXPECT_NEAR(*token_cost_usd(*h.latest(), usage(1'000'000, -1, 0), ""), 1.0, 1e-12);
  // No cached rate: cached tokens at the input rate.
  const PriceHistory plain = parse(R"({"input_per_mtok": 1.0, "output_per_mtok": 4.0})");
  EXPECT_NEAR(*token_cost_usd(*plain.latest(), usage(1'000'000, 400'000, 0), ""), 1.0, 1e-12);
  // Unknown usage or prices: no cost.
  EXPECT_FALSE(token_cost_usd(*h.latest(), usage(-1, -1, 10), ""));
  EXPECT_FALSE(token_cost_usd(*parse(R"({"hourly_usd": 2})").latest(), usage(1, 0, 1), ""));
}

TEST(Pricing, OffPeakWindowWrapsPastMidnight) {
  const PriceHistory h = parse(R"({"input_per_mtok": 0.55, "cached_input_per_mtok": 0.14,
      "output_per_mtok": 2.19, "off_peak": {"input_per_mtok": 0.135,
      "cached_input_per_mtok": 0.035, "output_per_mtok": 0.55, "hours_utc": "16:30-00:30"}})");
  const Usage u = usage(1'000'000, 0, 1'000'000);
  EXPECT_NEAR(*token_cost_usd(*h.latest(), u, "2025-03-01T12:00:00.000Z"), 2.74, 1e-12);
  EXPECT_NEAR(*token_cost_usd(*h.latest(), u, "2025-03-01T16:30:00.000Z"), 0.685, 1e-12);
  EXPECT_NEAR(*token_cost_usd(*h.latest(), u, "2025-03-01T00:29:59.999Z"), 0.685, 1e-12);
  EXPECT_NEAR(*token_cost_usd(*h.latest(), u, "2025-03-01T00:30:00.000Z"), 2.74, 1e-12);
}

TEST(Pricing, HistoryPicksTheEntryInForce) {
  const PriceHistory h = parse(R"([
      {"from": "2025-01-20", "input_per_mtok": 0.55, "output_per_mtok": 2.19},
      {"from": "2025-09-05T16:00:00Z", "input_per_mtok": 0.56, "output_per_mtok": 1.68},
      {"from": "2025-09-29", "input_per_mtok": 0.28, "output_per_mtok": 0.42}])");
  ASSERT_EQ(h.entries.size(), 3u);
  EXPECT_EQ(*h.at("2025-09-05T15:59:59.999Z")->input_per_mtok, 0.55);
  EXPECT_EQ(*h.at("2025-09-05T16:00:00.000Z")->input_per_mtok, 0.56);
  EXPECT_EQ(*h.at("2025-09-29T00:00:00.000Z")->input_per_mtok, 0.28);
  EXPECT_EQ(*h.at("2024-01-01T00:00:00.000Z")->input_per_mtok, 0.55);  // before all: the first
  EXPECT_EQ(*h.at("")->input_per_mtok, 0.28);                          // unknown: the latest
}

TEST(Pricing, BadPricesNameTheSourceAndField) {
  EXPECT_EQ(error_of(R"({"input_per_mtok": -1})"),
            "prices.json: $.input_per_mtok: must be >= 0, got -1");
  EXPECT_NE(error_of(R"({"input_per_mtk": 1})").find("prices.json: $.input_per_mtk: unknown key"),
            std::string::npos)
      << error_of(R"({"input_per_mtk": 1})");
  EXPECT_NE(error_of(R"({"off_peak": {"hours_utc": "25:00-01:00"}})")
                .find("prices.json: $.off_peak.hours_utc: expected a window"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"hourly_usd": "2"})").find("prices.json: $.hourly_usd: expected a number"),
            std::string::npos)
      << error_of(R"({"hourly_usd": "2"})");
  EXPECT_NE(error_of(R"([{"from": "2025-02-01", "hourly_usd": 1}, {"from": "2025-01-01",
      "hourly_usd": 2}])")
                .find("prices.json: $[1].from: must be after"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"from": "Sept 5"})").find("prices.json: $.from: expected a UTC date"),
            std::string::npos);
}

TEST(Pricing, PriceFileMapsProfilesToPrices) {
  const auto file = std::filesystem::temp_directory_path() / "rbench_pricing_test_prices.json";
  {
    std::ofstream out(file);
    out << R"({"openai-o1": {"input_per_mtok": 15, "output_per_mtok": 60}, "local": {"hourly_usd": 2.5}})";
  }
  const auto prices = load_price_file(file);
  ASSERT_EQ(prices.size(), 2u);
  EXPECT_EQ(*prices.at("local").latest()->hourly_usd, 2.5);
  {
    std::ofstream out(file);
    out << R"({"local": {"hourly": 2.5}})";
  }
  try {
    load_price_file(file);
    FAIL() << "expected an error";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find(file.string() + ": $.local.hourly: unknown key"),
              std::string::npos)
        << e.what();
  }
  std::filesystem::remove(file);
}

}  // namespace
}  // namespace rbench
