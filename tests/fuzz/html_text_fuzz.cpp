// Fuzz target `html_text`: the HTML report (reports/html_report.cpp, html_samples.cpp) rendering
// model-written text. The input, split at NUL bytes, fills the texts of one sample and one
// pairwise judgment (answer, reasoning, extracted answer, scorer detail, log, error, reference,
// prompt, item id, model, suite, run name, judge name, the judge's text); the report is rendered
// twice, once with those texts and once with neutral ones of the same lengths ('a' repeated).
// Property: both pages hold the same number of '<' and '>' characters. The template writes every
// tag; a '<' or '>' that a fuzzed text brought into the page unescaped (in HTML or inside a
// <script type="application/json"> element, where "</script" would end it) changes the count.
// And no fuzzed text can open a comment or a script: "<!--" and "</script" appear as often.
// fuzz-links: rbench_reports
#include <algorithm>
#include <string>
#include <vector>

#include "fuzz/fuzz_target.h"
#include "reports/pairwise_summary.h"
#include "reports/reporters.h"
#include "reports/summary.h"

namespace {

using namespace rbench;

// Model answers run to tens of kB; 16 KiB of text reach every escaping path.
constexpr std::size_t kMaxInput = 16 * 1024;

enum Field {
  kAnswer,
  kReasoning,
  kExtracted,
  kDetail,
  kLog,
  kError,
  kReference,
  kPrompt,
  kItem,
  kModel,
  kSuite,
  kRun,
  kJudge,
  kJudgeText,
  kFields
};

std::vector<std::string> split_fields(std::string_view text) {
  std::vector<std::string> fields(kFields);
  for (std::size_t f = 0; f < kFields && !text.empty(); ++f) {
    const std::size_t nul = std::min(text.find('\0'), text.size());
    fields[f] = text.substr(0, nul);
    text.remove_prefix(std::min(nul + 1, text.size()));
  }
  return fields;
}

std::string render(const std::vector<std::string>& t) {
  ReportData data;
  data.db_path = "results.db";
  data.rbench_version = "fuzz";
  RunInfo run;
  run.id = 1;
  run.name = t[kRun];
  run.config_json = "{}";
  run.started_at = "2026-01-01T00:00:00Z";
  data.runs = {run};

  SampleRecord s;
  s.run_id = 1;
  s.key = {t[kModel], t[kSuite], t[kItem], 0};
  s.prompt_json = t[kPrompt];
  s.reference = t[kReference];
  s.completion.answer = t[kAnswer];
  s.completion.reasoning = t[kReasoning];
  s.completion.finish_reason = "stop";
  if (!t[kError].empty()) {
    s.completion.error_kind = ErrorKind::protocol;
    s.completion.error = t[kError];
  } else {
    Score score;
    score.value = 1;
    score.correct = true;
    score.extracted = t[kExtracted];
    score.method = "boxed";
    score.detail = t[kDetail];
    score.log = t[kLog];
    s.score = score;
    s.scorer = "math";
  }
  data.samples = {s};
  data.results = summarize(data.runs, data.samples, SummaryOptions{.bootstrap_rounds = 10});

  JudgmentRecord j;
  j.run_id = 1;
  j.suite = t[kSuite];
  j.item_id = t[kItem];
  j.model = t[kModel];
  j.baseline_model =
      "\x01"
      "baseline";  // no fuzzed model name is this one by chance
  j.judge = t[kJudge];
  j.label = "A>B";
  j.label_as_judged = "A>B";
  j.raw = t[kJudgeText];
  j.why = t[kJudgeText];
  data.pairwise = summarize_pairwise({j}, data.samples, PairwiseOptions{.bootstrap_rounds = 10});
  return render_html_report(data);
}

std::size_t count(std::string_view page, std::string_view what) {
  std::size_t n = 0;
  for (auto at = page.find(what); at != std::string_view::npos; at = page.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

RBENCH_FUZZ_TARGET(html_text) {
  if (size > kMaxInput) return 0;
  const std::vector<std::string> texts = split_fields(rbench::fuzz::as_text(data, size));
  std::vector<std::string> neutral;
  for (const std::string& t : texts) neutral.emplace_back(t.size(), 'a');
  const std::string page = render(texts);
  const std::string reference = render(neutral);
  for (std::string_view what : {"<", ">", "<!--", "</script", "<script"}) {
    if (count(page, what) != count(reference, what)) {
      std::fprintf(
          stderr, "'%.*s' appears %zu times with the fuzzed texts, %zu with neutral ones\n",
          static_cast<int>(what.size()), what.data(), count(page, what), count(reference, what));
    }
    rbench::fuzz::check(count(page, what) == count(reference, what),
                        "model-written text adds no markup to the HTML report");
  }
  return 0;
}
