// The HTML report's samples as columns, one script element per result (html_samples.h).
#include "reports/html_samples.h"

#include <fmt/format.h>

#include <algorithm>
#include <deque>
#include <map>
#include <unordered_map>

#include "harness/core/json_writer.h"
#include "scorers/pairwise_scorer.h"

namespace rbench {
namespace {

// Prompts, references and item ids repeat across a suite's models and samples: each is stored
// once per suite.
class StringTable {
 public:
  int intern(std::string_view s) {
    const auto [it, inserted] =
        index_.try_emplace(std::string(s), static_cast<int>(strings_.size()));
    if (inserted) strings_.push_back(&it->first);
    return it->second;
  }
  void write(json::Writer& w) const {
    w.value(json::array(strings_, [](json::Writer& w, const std::string* s) { w.value(*s); }));
  }

 private:
  std::unordered_map<std::string, int> index_;
  std::vector<const std::string*> strings_;  // node-based map: pointers stay valid
};

// Unknown fields are left out: empty strings, negative counts and times.
json::OutValue count(std::int64_t value) {
  return value < 0 ? json::OutValue(std::nullopt) : value;
}
json::OutValue real(double value) {
  return value < 0 ? json::OutValue(std::nullopt) : value;
}

// One field of every sample of a result: (sample index, value) where the sample has one.
struct Column {
  std::string_view key;
  std::vector<std::pair<std::int64_t, json::OutValue>> cells;
};

class Columns {
 public:
  explicit Columns(StringTable& strings) : strings_(strings) {}

  // One sample's fields, under the short keys items.js reads.
  void add(std::int64_t row, const SampleRecord& s) {
    const Completion& c = s.completion;
    // A pairwise answer has no verdict of its own: its games are in the suite's pairwise table.
    const char* verdict = !c.ok()                       ? "error"
                          : !s.score                    ? "unscored"
                          : s.scorer == kPairwiseScorer ? "pairwise"
                          : s.score->correct            ? "correct"
                                                        : "wrong";
    set(row, "id", interned(s.key.item_id));
    set(row, "k", count(s.key.sample_index));
    set(row, "p", strings_.intern(s.prompt_json));
    set(row, "r", strings_.intern(s.reference));
    set(row, "v", interned(verdict));
    if (s.score) {
      const Score& sc = *s.score;
      set(row, "x", interned(sc.extracted));
      set(row, "m", interned(sc.method));
      set(row, "d", interned(sc.detail));
      set(row, "sc", interned(s.scorer));
      set(row, "o", interned(sc.outcome));
      set(row, "ru", interned(sc.rule));
      set(row, "fa", interned(sc.answer_form));
      set(row, "fr", interned(sc.reference_form));
      set(row, "lg", json::unless_empty(sc.log));
      set(row, "du", real(sc.duration_s));
      set(row, "val", sc.value);
    }
    set(row, "rs", json::unless_empty(c.reasoning));
    set(row, "a", json::unless_empty(c.answer));
    set(row, "f", interned(c.finish_reason));
    set(row, "tp", count(c.usage.prompt_tokens));
    set(row, "tc", count(c.usage.completion_tokens));
    set(row, "tr", count(c.usage.reasoning_tokens));
    set(row, "t1", real(c.timings.ttft_s));
    set(row, "te", real(c.timings.e2e_s));
    set(row, "ek", c.ok() ? json::OutValue(std::nullopt) : interned(to_string(c.error_kind)));
    set(row, "e", json::unless_empty(c.error));
    set(row, "c", real(s.cost_usd));
    set(row, "at", count(c.attempts));
    set(row, "hs", c.http_status > 0 ? count(c.http_status) : json::OutValue(std::nullopt));
  }

  // {KEY: COLUMN, ...}: dense where at least half the rows have a value, else sparse.
  void write(json::Writer& w, std::int64_t rows) const {
    w.object([&](json::Writer& w) {
      for (const Column& col : columns_) {
        w.field(col.key, [&](json::Writer& w) {
          if (2 * static_cast<std::int64_t>(col.cells.size()) >= rows) {
            w.array([&](json::Writer& w) {
              auto cell = col.cells.begin();
              for (std::int64_t row = 0; row < rows; ++row) {
                if (cell != col.cells.end() && cell->first == row) {
                  w.value((cell++)->second);
                } else {
                  w.value(json::null);
                }
              }
            });
          } else {
            w.object({{"i", json::array(col.cells, [](json::Writer& w,
                                                      const auto& cell) { w.value(cell.first); })},
                      {"v", json::array(col.cells, [](json::Writer& w, const auto& cell) {
                         w.value(cell.second);
                       })}});
          }
        });
      }
    });
  }

 private:
  // Short strings that repeat (verdicts, rules, extracted answers): an index into the table.
  json::OutValue interned(std::string_view s) {
    return s.empty() ? json::OutValue(std::nullopt) : json::OutValue(strings_.intern(s));
  }
  void set(std::int64_t row, std::string_view key, json::OutValue value) {
    if (value.absent()) return;
    auto [it, inserted] = index_.try_emplace(key, columns_.size());
    if (inserted) columns_.push_back({key, {}});
    columns_[it->second].cells.emplace_back(row, std::move(value));
  }

  StringTable& strings_;
  std::map<std::string_view, std::size_t> index_;
  std::vector<Column> columns_;  // in the order their keys first appear
};

}  // namespace

std::string script_safe_json(std::string_view json) {
  std::string out;
  out.reserve(json.size());
  for (char c : json) {
    switch (c) {
      case '<':
        out += "\\u003c";
        break;
      case '>':
        out += "\\u003e";
        break;
      case '&':
        out += "\\u0026";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string html_sample_scripts(const ReportData& data) {
  std::vector<std::string> suites;  // table T holds suites[T]'s strings
  std::deque<StringTable> tables;   // a deque: Columns keeps a reference into it
  std::string out;
  std::int64_t total = 0;
  for (const ResultSummary& result : data.results) total += result.n;
  const std::size_t per_result =
      static_cast<std::size_t>(total) <= kEmbeddedSamples
          ? static_cast<std::size_t>(total)
          : std::max<std::size_t>(1, kEmbeddedSamples / data.results.size());
  for (std::size_t r = 0; r < data.results.size(); ++r) {
    const ResultSummary& result = data.results[r];
    std::size_t t = 0;
    while (t < suites.size() && suites[t] != result.suite) ++t;
    if (t == suites.size()) {
      suites.push_back(result.suite);
      tables.emplace_back();
    }
    Columns columns(tables[t]);
    std::int64_t rows = 0;
    // Read result by result: only one result's samples are held at a time. The columns refer to
    // their texts, so they live until the element is written.
    std::vector<SampleRecord> fetched;
    if (data.result_samples) {
      fetched = data.result_samples(result, per_result);
      for (const SampleRecord& s : fetched) columns.add(rows++, s);
    } else {
      for (const std::size_t i : result.samples) {
        if (static_cast<std::size_t>(rows) == per_result) break;
        columns.add(rows++, data.samples[i]);
      }
    }
    json::Writer w;
    w.object({{"t", static_cast<std::int64_t>(t)},
              {"n", rows},
              {"of", rows < result.n ? json::OutValue(result.n) : std::nullopt},
              {"cols", [&](json::Writer& w) { columns.write(w, rows); }}});
    out += fmt::format("<script type=\"application/json\" id=\"rbench-samples-{}\">{}</script>\n",
                       r, script_safe_json(w.str()));
  }
  for (std::size_t t = 0; t < tables.size(); ++t) {
    json::Writer w;
    tables[t].write(w);
    out += fmt::format("<script type=\"application/json\" id=\"rbench-strings-{}\">{}</script>\n",
                       t, script_safe_json(w.str()));
  }
  return out;
}

}  // namespace rbench
