// The synthetic store of the report tests; see report_fixture.h.
#include "reports/report_fixture.h"

#include <stdlib.h>

#include <fmt/format.h>

#include <stdexcept>

namespace rbench::testing {

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "rbench-report-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed for " + tmpl);
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

namespace {

enum class Outcome { correct, wrong, error, unscored };

struct Spec {
  const char* model;
  const char* suite;
  int item;
  Outcome outcome;
  double cost;
  bool truncated = false;
  int sample_index = 0;
  const char* answer = nullptr;
};

SampleRecord make(std::int64_t run_id, const Spec& s) {
  SampleRecord r;
  r.run_id = run_id;
  r.key = {s.model, s.suite, fmt::format("item-{}", s.item), s.sample_index};
  r.suite_version = std::string(s.suite) == "gsm8k" ? "gsm8k-v1" : "math-v1";
  r.prompt_json =
      fmt::format(R"([{{"role":"user","content":"Question {} of {}: what is {} + 1?"}}])", s.item,
                  s.suite, s.item);
  r.reference = std::to_string(s.item + 1);
  Completion& c = r.completion;
  c.attempts = 1;
  if (s.outcome == Outcome::error) {
    const bool gsm_b = std::string(s.model) == "model-b";
    c.error_kind = gsm_b ? ErrorKind::http : ErrorKind::timeout;
    c.error = gsm_b ? "HTTP 429 Too Many Requests after 5 attempts" : "no data for 120 s";
    c.http_status = gsm_b ? 429 : 0;
    c.attempts = gsm_b ? 5 : 1;
    r.cost_usd = -1;
    return r;
  }
  const bool right = s.outcome == Outcome::correct || s.outcome == Outcome::unscored;
  const std::string value = right ? r.reference : std::to_string(s.item + 2);
  c.reasoning =
      fmt::format("Adding one to {} gives {}. </script><!-- not a comment", s.item, value);
  c.answer = s.answer ? s.answer : fmt::format("The answer is \\boxed{{{}}}.", value);
  c.finish_reason = s.truncated ? "length" : "stop";
  c.http_status = 200;
  c.usage = {100, 200 + s.item, 150};
  c.timings.ttft_s = 0.5;
  c.timings.e2e_s = 1.0 + s.item;
  c.timings.chunk_times_s = {0.5, 1.0 + s.item};
  r.cost_usd = s.cost;
  r.created_at = "2026-01-01T00:00:00.000Z";
  if (s.outcome != Outcome::unscored) {
    r.scorer = "math";
    r.score = Score{right ? 1.0 : 0.0, right, value, "boxed",
                    fmt::format("'{}' vs '{}'", value, r.reference)};
    // MATH-500 verdicts name their rule; the wrong ones are those no rule could decide.
    if (std::string_view(s.suite) == "math500") {
      r.score->rule = right ? "rational" : "unknown";
      r.score->answer_form = value;
      r.score->reference_form = r.reference;
    }
  }
  return r;
}

}  // namespace

void fill_fixture_store(Store& store) {
  const RunInfo run = store.open_run(
      "run-1",
      R"({"models":["model-a","model-b"],"note":"</script><script>document.title='pwned2'</script>"})",
      "0.1.0", "abcdef123456");
  using O = Outcome;
  for (int i = 0; i < 10; ++i) {
    Spec s{"model-a", "gsm8k", i, i < 7 ? O::correct : i < 9 ? O::wrong : O::error, 0.01};
    s.truncated = i == 6 || i == 8;
    if (i == 7) s.answer = kHostileAnswer;
    store.put_sample(make(run.id, s));
  }
  for (int i = 0; i < 10; ++i) {
    const O o = i < 5 ? O::correct : i < 8 ? O::wrong : O::error;
    store.put_sample(make(run.id, Spec{"model-b", "gsm8k", i, o, 0.0}));
  }
  for (int i = 0; i < 4; ++i) {
    store.put_sample(
        make(run.id, Spec{"model-a", "math500", i, i < 3 ? O::correct : O::unscored, 0.02}));
  }
  store.put_sample(make(run.id, Spec{"model-a", "math500", 0, O::correct, 0.02, false, 1}));
  for (int i = 0; i < 4; ++i) {
    store.put_sample(make(run.id, Spec{"model-b", "math500", i, O::wrong, 0.005}));
  }
  store.finish_run(run.id);
}

SampleRecord variant_sample(std::int64_t run_id, const std::string& model, int item, bool correct,
                            std::int64_t tokens, double ttft_s, double e2e_s) {
  SampleRecord r;
  r.run_id = run_id;
  r.key = {model, "demo-math", fmt::format("item-{}", item), 0};
  r.suite_version = "demo-v1";
  r.prompt_json = fmt::format(R"([{{"role":"user","content":"What is {} + 1?"}}])", item);
  r.reference = std::to_string(item + 1);
  Completion& c = r.completion;
  c.answer = correct ? r.reference : "0";
  c.finish_reason = "stop";
  c.usage = {20, tokens, 0};
  c.timings.ttft_s = ttft_s;
  c.timings.e2e_s = e2e_s;
  c.attempts = 1;
  r.cost_usd = -1;
  r.created_at = "2026-01-01T00:00:00.000Z";
  r.scorer = "math";
  r.score = Score{correct ? 1.0 : 0.0, correct, c.answer, "last number", ""};
  return r;
}

namespace {}  // namespace

void fill_variants_store(Store& store) {
  const RunInfo run = store.open_run("variants", R"({
  "fingerprint": {"models": [{"label": "tiny-f32"}, {"label": "tiny-fp8"}, {"label": "endpoint"}]},
  "models": [
    {"label": "tiny-f32", "facts": {"weight_bytes": 2097152, "kv_bytes_per_token": 480,
      "kv_bytes_per_token_mha": 3072, "parameters_total": 524288, "parameters_active": 262144}},
    {"label": "tiny-fp8", "facts": {"weight_bytes": 786432, "kv_bytes_per_token": 480,
      "kv_bytes_per_token_mha": 3072, "parameters_total": 524288, "parameters_active": 262144}},
    {"label": "endpoint", "base_url": "http://127.0.0.1:8000/v1"}
  ]})",
                                     "0.1.0", "abcdef123456");
  store.put_sample(variant_sample(run.id, "tiny-f32", 0, true, 11, 0.1, 1.1));
  store.put_sample(variant_sample(run.id, "tiny-f32", 1, false, 21, 0.2, 2.2));
  store.put_sample(variant_sample(run.id, "tiny-fp8", 0, true, 41, 0.1, 1.1));
  store.put_sample(variant_sample(run.id, "tiny-fp8", 1, true, 1, 0.1, 0.1));
  SampleRecord failed = variant_sample(run.id, "tiny-fp8", 2, false, -1, -1, -1);
  failed.completion.error_kind = ErrorKind::engine;
  failed.completion.error = "the model failed";
  failed.score.reset();
  failed.scorer.clear();
  store.put_sample(failed);
  store.put_sample(variant_sample(run.id, "endpoint", 0, false, 30, -1, -1));
  store.finish_run(run.id);
}

}  // namespace rbench::testing
