// The report read in one streamed pass over the store (load_report_data: one (run, model) of
// samples at a time, the texts left out, the HTML's samples read again per result) must render
// the same bytes as the reports computed from every sample held in memory, as before.
#include <gtest/gtest.h>

#include <filesystem>

#include "reports/report.h"
#include "reports/report_fixture.h"
#include "reports/reporters.h"

namespace rbench {
namespace {

// The report data the way it was computed before streaming: every sample in memory.
ReportData whole_store(Store& store, const ReportData& streamed) {
  ReportData data;
  data.db_path = streamed.db_path;
  data.rbench_version = streamed.rbench_version;
  data.confidence = streamed.confidence;
  data.runs = store.runs();
  data.samples = store.samples();
  data.prices = apply_prices(data.runs, data.samples, {});
  data.results = summarize(data.runs, data.samples, {});
  data.pairwise = summarize_pairwise(store.judgments(), data.samples, {.seed = 0});
  data.paired = paired_matrices(data.results, data.runs.size() > 1, {});
  data.probes = streamed.probes;
  data.published = streamed.published;
  return data;
}

void expect_same_reports(Store& store) {
  const ReportData streamed = load_report_data(store, {});
  const ReportData whole = whole_store(store, streamed);
  EXPECT_EQ(render_json_report(streamed), render_json_report(whole));
  EXPECT_EQ(render_markdown_report(streamed), render_markdown_report(whole));
  EXPECT_EQ(render_csv_report(streamed), render_csv_report(whole));
  EXPECT_EQ(render_html_report(streamed), render_html_report(whole));
}

TEST(StreamedReport, SameBytesAsTheWholeStoreOnTheFixture) {
  testing::TempDir dir;
  Store store(dir.path() / "fixture.db");
  testing::fill_fixture_store(store);
  testing::fill_variants_store(store);
  expect_same_reports(store);
}

// The golden demo store: several models and suites, code and math, judged pairwise suites.
TEST(StreamedReport, SameBytesAsTheWholeStoreOnTheDemoStore) {
  testing::TempDir dir;
  const std::filesystem::path copy = dir.path() / "demo.db";
  std::filesystem::copy_file(std::filesystem::path(RBENCH_SOURCE_DIR) / "tests/golden/demo.db",
                             copy);
  Store store(copy);
  expect_same_reports(store);
}

}  // namespace
}  // namespace rbench
