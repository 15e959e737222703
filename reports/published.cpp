// Loading data/published/*.json, checked: every error names the file and the JSON path.
#include "reports/published.h"

#include <fmt/format.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <regex>

#include "harness/core/error.h"
#include "harness/core/json_reader.h"
#include "suites/protocols.h"

namespace rbench {
namespace {

std::string nonempty_string(json::StrictObject& o, std::string_view key) {
  const json::Value v = o.member(key);
  std::string s = v.string();
  if (s.empty()) v.fail("must not be empty");
  return s;
}

PublishedSource read_source(const json::Value& value) {
  json::StrictObject o(value);
  PublishedSource s;
  s.url = nonempty_string(o, "url");
  if (!s.url.starts_with("https://") && !s.url.starts_with("http://")) {
    o.member("url").fail("must be an http(s) URL");
  }
  s.quote = nonempty_string(o, "quote");
  s.date = nonempty_string(o, "date");
  static const std::regex kDate(R"(\d{4}-\d{2}-\d{2})");
  if (!std::regex_match(s.date, kDate)) o.member("date").fail("must be a date, YYYY-MM-DD");
  o.reject_unknown();
  return s;
}

PublishedFigure read_figure(const json::Value& value) {
  json::StrictObject o(value);
  PublishedFigure f;
  const json::Value benchmark = o.member("benchmark");
  f.benchmark = benchmark.string();
  const auto& known = published_benchmarks();
  if (std::find(known.begin(), known.end(), f.benchmark) == known.end()) {
    std::string names;
    for (std::string_view b : known) names += fmt::format("{}\"{}\"", names.empty() ? "" : ", ", b);
    benchmark.fail(fmt::format("\"{}\" is not one of: {}", f.benchmark, names));
  }
  const json::Value v = o.member("value");
  f.value = v.number(0);
  if (f.value > 100) v.fail(fmt::format("a percentage must be at most 100, got {}", f.value));
  f.metric = nonempty_string(o, "metric");
  if (auto protocol = o.find("protocol")) {
    f.protocol = protocol->string();
    if (!find_protocol(f.protocol)) {
      protocol->fail(
          fmt::format("\"{}\" is not a shipped protocol (see `rbench protocols`)", f.protocol));
    }
  }
  f.source = read_source(o.member("source"));
  o.reject_unknown();
  return f;
}

}  // namespace

const std::vector<std::string_view>& published_benchmarks() {
  static const std::vector<std::string_view> names = {
      "AIME 2024", "MATH-500", "GPQA Diamond", "LiveCodeBench", "Arena-Hard", "AlpacaEval 2.0 LC"};
  return names;
}

std::optional<std::string_view> published_benchmark_of_suite(std::string_view suite) {
  if (suite == "aime2024" || suite == "aime") return "AIME 2024";
  if (suite == "math500") return "MATH-500";
  if (suite == "livecodebench") return "LiveCodeBench";
  if (suite == "arena-hard") return "Arena-Hard";
  if (suite == "alpaca-eval") return "AlpacaEval 2.0 LC";
  return std::nullopt;
}

std::vector<PublishedRow> load_published_file(const std::filesystem::path& file) {
  const json::Document doc = json::Document::read_file(file);
  json::StrictObject root(doc.root());
  const std::string family = nonempty_string(root, "family");
  std::string note;
  if (auto n = root.find("note")) note = n->string();
  std::vector<PublishedRow> rows;
  for (const json::Value& element : root.member("rows").elements()) {
    json::StrictObject o(element);
    PublishedRow row;
    row.family = family;
    row.note = note;
    row.file = file.filename().string();
    row.model = nonempty_string(o, "model");
    row.snapshot = nonempty_string(o, "snapshot");
    for (const json::Value& figure : o.member("figures").elements()) {
      row.figures.push_back(read_figure(figure));
    }
    o.reject_unknown();
    rows.push_back(std::move(row));
  }
  root.reject_unknown();
  if (rows.empty()) root.member("rows").fail("must hold at least one row");
  return rows;
}

std::vector<PublishedRow> load_published(const std::filesystem::path& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    throw DataError(fmt::format(
        "{}: no such directory of published rows (--published DIR, or --published none)",
        dir.string()));
  }
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.is_regular_file() && entry.path().extension() == ".json") {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  std::vector<PublishedRow> rows;
  for (const auto& file : files) {
    for (PublishedRow& row : load_published_file(file)) rows.push_back(std::move(row));
  }
  return rows;
}

std::vector<std::string> measured_suites(const std::vector<ResultSummary>& results,
                                         const std::vector<PairwiseSummary>& pairwise) {
  std::vector<std::string> out;
  for (const ResultSummary& r : results) out.push_back(r.suite);
  for (const PairwiseSummary& p : pairwise) out.push_back(p.suite);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::vector<RunProtocol> run_protocols(const std::vector<RunInfo>& runs) {
  std::vector<RunProtocol> out;
  for (const RunInfo& run : runs) {
    rapidjson::Document config;
    config.Parse(run.config_json.c_str(), run.config_json.size());
    if (config.HasParseError() || !config.IsObject()) continue;
    const auto it = config.FindMember("protocol");
    if (it == config.MemberEnd() || !it->value.IsString()) continue;
    out.push_back({run.name, it->value.GetString()});
  }
  return out;
}

}  // namespace rbench
