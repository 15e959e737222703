// Probes in `rbench report`: a store with a latency probe measured for real against the mock
// server (one request fails), a second latency probe summarised from requests we write (known
// numbers, a hostile model name), a DeepSeek-V3 memory probe, a ceiling probe and a killed one.
// JSON embeds every document, Markdown prints the steps and figures, the HTML draws one curve per
// probe and one CDF line per step, and a store holding only probes still makes a report.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>

#include "engines/openai/model_profile.h"
#include "engines/openai/openai_client.h"
#include "harness/probe/latency_probe.h"
#include "harness/probe/memory_probe.h"
#include "harness/probe/probe_json.h"
#include "harness/serve/mock_openai_server.h"
#include "reports/report.h"
#include "reports/report_fixture.h"

namespace rbench {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;
constexpr const char* kChromium = "/usr/bin/chromium";
constexpr const char* kHostileModel = "<b>bold</b> model";

std::size_t count(const std::string& haystack, const std::string& needle) {
  std::size_t n = 0;
  for (auto pos = haystack.find(needle); pos != std::string::npos;
       pos = haystack.find(needle, pos + 1)) {
    ++n;
  }
  return n;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::int64_t stored_probe(Store& store, const std::string& run, const std::string& kind,
                          const std::string& model, const std::string& document) {
  const RunInfo info = store.open_run(run, "{}", "0.1.0", "abc");
  const std::int64_t id =
      store.put_probe({.run_id = info.id, .kind = kind, .model = model, .config_json = "{}"});
  store.finish_probe(id, document);
  return id;
}

// Concurrency 1 and 2, 4 requests each, against the mock; its first request gets a 500.
void real_latency_probe(Store& store) {
  MockServerOptions mock;
  mock.token_delay_ms = 1;
  mock.faults = parse_fault_spec("500");
  MockOpenAIServer server(mock);
  server.start();
  ModelProfile profile;
  profile.name = "mock";
  profile.base_url = server.base_url();
  profile.api_model = "mock";
  profile.max_attempts = 1;
  OpenAIClient engine(profile);
  probe::LatencyProbeOptions o;
  o.steps = probe::parse_steps("concurrency", "1,2");
  o.requests_per_step = 4;
  o.warmup_requests = 0;
  o.workload.input = {32, 0};
  o.workload.output = {8, 0};
  o.ignore_eos = true;
  const RunInfo run = store.open_run("probe-latency-mock", "{}", "0.1.0", "abc");
  const std::int64_t id =
      store.put_probe({.run_id = run.id, .kind = "latency", .model = "mock", .config_json = "{}"});
  const auto steps =
      probe::run_latency_probe(engine, o, nullptr, &store, id, [](const std::string&) {}, {});
  const probe::ProbeHeader header{.kind = "latency", .model = "mock", .engine = engine.describe()};
  store.finish_probe(id, probe::latency_probe_json(header, {}, steps));
}

// Two steps of requests with known times: concurrency 1 (TTFT 10..40 ms, E2E 100..400 ms) and
// concurrency 4 (each twice as slow), 20 output tokens each; SLO TTFT <= 50 ms.
std::string synthetic_latency_document() {
  std::vector<probe::StepSummary> steps;
  const probe::Slo slo{.ttft_ms = 50};
  for (int step = 0; step < 2; ++step) {
    std::vector<ProbeRequestRecord> requests;
    for (int i = 0; i < 4; ++i) {
      ProbeRequestRecord r{.step = step, .load = "concurrency", .load_value = step ? 4.0 : 1.0};
      r.index = i;
      r.start_s = 0.4 * i;
      r.ok = true;
      r.input_tokens = 10;
      r.output_tokens = 20;
      r.ttft_s = 0.01 * (i + 1) * (step + 1);
      r.e2e_s = 0.1 * (i + 1) * (step + 1);
      requests.push_back(r);
    }
    steps.push_back(probe::summarize_step(requests, slo));
    steps.back().step = step;
  }
  return probe::latency_probe_json(
      {.kind = "latency", .model = kHostileModel, .engine = "synthetic"}, slo, steps);
}

std::string memory_document() {
  probe::MemoryProbeOptions o;
  o.config_path = fs::path(RBENCH_SOURCE_DIR) / "tests/engines/data/deepseek-v3-config.json";
  o.context = 4096;
  o.memory_budget_gib = 1128;
  return probe::memory_probe_json({.kind = "memory", .model = "deepseek-v3", .engine = "analytic"},
                                  probe::probe_memory(o));
}

constexpr const char* kCeilingDocument = R"({"rbench_probe":1,"kind":"ceiling","model":"",
"engine":"mock","config":{},"figures":{"duration_s":1,"connections":2,"ours":{"requests_per_s":
2488.6,"ok":2490,"failed":0,"first_error":"","latency_median_ms":0.71,"latency_p99_ms":1.8},
"wrk":{"threads":2,"requests_per_s":2812.9,"requests":3094,"non_2xx":0,"socket_errors":0,
"latency_avg_ms":0.66},"wrk_found":true,"wrk_error":"","ratio_ours_to_wrk":0.8847},
"assumptions":["client, server and wrk share this machine's cores"]})";

// A latency probe killed after three requests (one failed): no document.
void unfinished_probe(Store& store) {
  const RunInfo run = store.open_run("killed", "{}", "0.1.0", "abc");
  const std::int64_t id =
      store.put_probe({.run_id = run.id, .kind = "latency", .model = "slow", .config_json = "{}"});
  for (int i = 0; i < 3; ++i) {
    store.put_probe_request({.probe_id = id,
                             .step = 0,
                             .load = "concurrency",
                             .load_value = 1,
                             .index = i,
                             .ok = i != 2,
                             .error_kind = i == 2 ? "timeout" : ""});
  }
}

class ProbesReportTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    Store store(db());
    real_latency_probe(store);
    stored_probe(store, "synthetic", "latency", kHostileModel, synthetic_latency_document());
    stored_probe(store, "probe-memory-v3", "memory", "deepseek-v3", memory_document());
    stored_probe(store, "probe-ceiling", "ceiling", "", kCeilingDocument);
    unfinished_probe(store);
  }
  static void TearDownTestSuite() { delete dir_; }
  static fs::path db() { return dir_->path() / "probes.db"; }
  static std::string render(ReportFormat format, const ReportOptions& options = {}) {
    Store store(db());
    return render_report(store, format, options);
  }
  static TempDir* dir_;
};
TempDir* ProbesReportTest::dir_ = nullptr;

TEST_F(ProbesReportTest, JsonEmbedsEveryProbeDocumentAndListsTheUnfinished) {
  rapidjson::Document doc;
  const std::string json = render(ReportFormat::json);
  doc.Parse(json.c_str());
  ASSERT_FALSE(doc.HasParseError());
  const auto& probes = doc["probes"];
  ASSERT_EQ(probes.Size(), 5u);
  EXPECT_STREQ(probes[0]["run"].GetString(), "probe-latency-mock");
  EXPECT_STREQ(probes[0]["status"].GetString(), "finished");
  const auto& steps = probes[0]["document"]["steps"];
  ASSERT_EQ(steps.Size(), 2u);
  EXPECT_EQ(steps[0]["failed"].GetInt(), 1) << "the mock's 500 is counted";
  EXPECT_EQ(steps[0]["ok"].GetInt(), 3);
  EXPECT_TRUE(steps[0]["samples"].HasMember("itl_ms")) << "the JSON report keeps every sample";
  EXPECT_STREQ(probes[2]["document"]["kind"].GetString(), "memory");
  EXPECT_STREQ(probes[3]["document"]["kind"].GetString(), "ceiling");
  EXPECT_STREQ(probes[4]["status"].GetString(), "unfinished");
  EXPECT_TRUE(probes[4]["document"].IsNull());
  EXPECT_EQ(probes[4]["requests_stored"].GetInt(), 3);
  EXPECT_EQ(probes[4]["requests_failed"].GetInt(), 1);
}

TEST_F(ProbesReportTest, MarkdownPrintsStepsFiguresAndTheUnfinished) {
  const std::string md = render(ReportFormat::md);
  EXPECT_EQ(md.find("No samples in the store yet"), std::string::npos);
  EXPECT_NE(md.find("\n## Probes\n"), std::string::npos);
  EXPECT_NE(md.find("| Load | OK / sent | Failed | Req/s | Output tok/s | TTFT p50 | TTFT p99 |"),
            std::string::npos);
  // The synthetic probe: TTFT 10, 20, 30, 40 ms -> p50 25, p99 39.7; E2E p50 250 ms; all four
  // meet TTFT <= 50 ms at concurrency 1, two of four (20, 40, 60, 80 ms) at concurrency 4.
  EXPECT_NE(md.find("&lt;b&gt;bold&lt;/b&gt; model"), std::string::npos);
  EXPECT_NE(md.find("| concurrency 1 | 4/4 | 0 |"), std::string::npos) << md;
  EXPECT_NE(md.find("| 25.0 | 39.7 |"), std::string::npos);
  EXPECT_NE(md.find("| 250 | 397 |"), std::string::npos);
  EXPECT_NE(md.find("(2 good) |"), std::string::npos);
  EXPECT_NE(md.find("goodput SLOs: TTFT ≤ 50.0 ms"), std::string::npos);
  // The real probe: its failed request is shown, with its kind.
  EXPECT_TRUE(std::regex_search(md, std::regex(R"(\| concurrency 1 \| 3/4 \| 1 \(1 \w+\) \|)")))
      << md;
  // DeepSeek-V3's memory figures (README, "Latency and memory probes").
  EXPECT_NE(md.find("70,272 B / 4,997,120 B: 98.6% less"), std::string::npos);
  EXPECT_NE(md.find("Claim: MLA cuts the KV cache by 93.3%"), std::string::npos);
  EXPECT_NE(md.find("Assumptions:"), std::string::npos);
  EXPECT_NE(md.find("| Ours / wrk | 0.88 |"), std::string::npos);
  EXPECT_NE(md.find("2,813 requests/s"), std::string::npos);
  EXPECT_NE(md.find("### Unfinished probes"), std::string::npos);
  EXPECT_NE(md.find("| latency | slow | killed |"), std::string::npos);
  EXPECT_NE(md.find("| 3 (1 failed) |"), std::string::npos);
}

TEST_F(ProbesReportTest, TheRunFilterAppliesToProbes) {
  ReportOptions options;
  options.run = "probe-ceiling";
  rapidjson::Document doc;
  const std::string json = render(ReportFormat::json, options);
  doc.Parse(json.c_str());
  ASSERT_EQ(doc["probes"].Size(), 1u);
  EXPECT_STREQ(doc["probes"][0]["kind"].GetString(), "ceiling");
  const std::string md = render(ReportFormat::md, options);
  EXPECT_EQ(md.find("Unfinished"), std::string::npos);
  EXPECT_EQ(md.find("| Load |"), std::string::npos);
}

// Renders `html` in headless Chromium and returns the DOM after its scripts ran. An error handler
// put first in a copy of the page records any uncaught script error on the <html> element.
std::string dump_dom(const fs::path& html, const fs::path& scratch) {
  std::string page = read_file(html);
  const auto head = page.find("<head>");
  EXPECT_NE(head, std::string::npos);
  page.insert(head + 6,
              "<script>window.addEventListener('error', e => document.documentElement"
              ".setAttribute('data-js-error', e.message));</script>");
  const fs::path copy = scratch / "with-error-hook.html";
  std::ofstream(copy) << page;
  const fs::path out = scratch / "dom.html";
  const std::string command = fmt::format(
      "timeout 60 {} --headless --no-sandbox --disable-gpu --no-first-run "
      "--disable-background-networking --disable-component-update --disable-sync "
      "--user-data-dir='{}' --dump-dom 'file://{}' > '{}' 2> '{}'",
      kChromium, (scratch / "chromium-profile").string(), copy.string(), out.string(),
      (scratch / "stderr").string());
  const int status = std::system(command.c_str());
  if (status != 0) {
    ADD_FAILURE() << "chromium exited with " << status << ": " << read_file(scratch / "stderr");
  }
  return read_file(out);
}

// The message dump_dom's error handler recorded, or "".
std::string js_error(const std::string& dom) {
  std::smatch m;
  return std::regex_search(dom, m, std::regex("data-js-error=\"([^\"]*)\"")) ? m[1].str() : "";
}

TEST_F(ProbesReportTest, HeadlessChromiumDrawsCurvesCdfsAndTables) {
  if (!fs::exists(kChromium)) GTEST_SKIP() << kChromium << " is not installed";
  TempDir scratch;
  {
    Store store(db());
    write_report(store, scratch.path() / "report.html", ReportFormat::html, {});
  }
  const std::string html = read_file(scratch.path() / "report.html");
  EXPECT_EQ(html.find("\"itl_ms\":["), std::string::npos) << "ITL samples are not embedded";
  const std::string dom = dump_dom(scratch.path() / "report.html", scratch.path());
  ASSERT_FALSE(dom.empty());
  EXPECT_EQ(js_error(dom), "") << "a script error";
  EXPECT_EQ(dom.find("<b>bold</b>"), std::string::npos) << "a model name became markup";
  EXPECT_NE(dom.find("href=\"#probes\""), std::string::npos) << "the table of contents";
  EXPECT_NE(dom.find("id=\"probes\""), std::string::npos);
  EXPECT_EQ(dom.find("<p class=\"notice\">The store has no samples yet"), std::string::npos);
  // One curve per latency probe and series (both probes are concurrency sweeps).
  EXPECT_EQ(count(dom, "data-series=\"e2e-p50\""), 2u);
  EXPECT_EQ(count(dom, "data-series=\"ttft-p50\""), 2u);
  EXPECT_EQ(count(dom, "data-series=\"ttft-p99\""), 2u);
  EXPECT_EQ(count(dom, "data-series=\"tpot-p50\""), 2u);
  EXPECT_NE(dom.find("mock \u00b7 probe-latency-mock (probe 1)"), std::string::npos) << "legend";
  // The CDFs of the first probe: one line per step, TTFT and E2E.
  EXPECT_EQ(count(dom, "class=\"cdf\" data-metric=\"ttft_ms\""), 2u);
  EXPECT_EQ(count(dom, "class=\"cdf\" data-metric=\"e2e_ms\""), 2u);
  // Tables: 2 + 2 steps, the failed request shown, memory and ceiling figures, the killed probe.
  EXPECT_EQ(count(dom, "class=\"step-row\""), 4u);
  EXPECT_NE(dom.find("<span class=\"pill bad has-tip\""), std::string::npos);
  EXPECT_NE(dom.find("70,272 B / 4,997,120 B: 98.6% less"), std::string::npos);
  EXPECT_NE(dom.find("<td>0.88</td>"), std::string::npos);
  EXPECT_EQ(count(dom, "class=\"unfinished-row\""), 1u);
}

// A store with probes and no samples at all: every format renders, none says it is empty.
TEST(ProbesOnlyReport, RendersWithoutSamples) {
  TempDir dir;
  Store store(dir.path() / "only.db");
  stored_probe(store, "synthetic", "latency", "m", synthetic_latency_document());
  const std::string md = render_report(store, ReportFormat::md, {});
  EXPECT_EQ(md.find("No samples in the store yet"), std::string::npos);
  EXPECT_NE(md.find("| concurrency 4 | 4/4 | 0 |"), std::string::npos);
  EXPECT_NE(render_report(store, ReportFormat::json, {}).find("\"probes\": ["), std::string::npos);
  write_report(store, dir.path() / "only.html", ReportFormat::html, {});
  if (!fs::exists(kChromium)) GTEST_SKIP() << kChromium << " is not installed";
  const std::string dom = dump_dom(dir.path() / "only.html", dir.path());
  EXPECT_EQ(js_error(dom), "") << "a script error";
  EXPECT_EQ(dom.find("<p class=\"notice\">The store has no samples yet"), std::string::npos);
  EXPECT_EQ(count(dom, "data-series=\"e2e-p50\""), 1u);
  EXPECT_EQ(count(dom, "class=\"cdf\" data-metric=\"e2e_ms\""), 2u);
}

}  // namespace
}  // namespace rbench
