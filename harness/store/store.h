// The result store: one SQLite file in WAL mode. Every finished sample is committed on its own,
// so a killed run loses only what was in flight, and a rerun skips what is already there.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <tuple>
#include <vector>

#include "engines/api/engine.h"
#include "scorers/scorer.h"

struct sqlite3;

namespace rbench {
namespace sqlite {
class Statement;
}

struct RunInfo {
  std::int64_t id = 0;
  std::string name;  // unique; the same name resumes the same run
  std::string config_json;
  std::string rbench_version;
  std::string git_sha;
  std::string started_at;   // ISO 8601 UTC
  std::string finished_at;  // "" while running or after a crash
};

// The identity of a sample: what resume skips on.
struct SampleKey {
  std::string model;
  std::string suite;
  std::string item_id;
  int sample_index = 0;
  auto operator<=>(const SampleKey&) const = default;
};

struct SampleRecord {
  std::int64_t id = 0;
  std::int64_t run_id = 0;
  SampleKey key;
  std::string suite_version;
  std::string prompt_json;  // the messages sent, as JSON
  std::string reference;
  Completion completion;
  // From usage and the profile's prices. Negative (-1) means "no price known" and is stored as
  // NULL; reports also treat a total of 0 as "no price known" (the runner's convention).
  double cost_usd = 0;
  // ISO 8601 UTC; put_sample stamps "now" when empty. The runner stamps the moment the response
  // ended, so [created_at - e2e_s, created_at] is the time the request was in flight (busy time,
  // reports/pricing.h).
  std::string created_at;
  std::optional<Score> score;  // absent for errored samples (put_sample drops one if given)
  std::string scorer;          // scorer name when scored
  std::string host;            // the machine it ran on (schema v7); "" when unknown
};

// One item of a run's plan, in suite order (after --limit): the full list, in every shard.
struct RunItem {
  std::string suite;
  std::string item_id;
};

// One game of a pairwise judgment (see the judgments table in store_schema.cpp).
struct JudgmentRecord {
  std::int64_t id = 0;
  std::int64_t run_id = 0;
  std::string suite;
  std::string item_id;
  std::string model;            // whose answer is judged
  std::string baseline_model;   // what it is compared with
  std::string judge;            // the judge's profile or model, or an imported annotator's name
  int game = 1;                 // 1: the model's answer shown as A; 2: positions swapped
  std::string status = "ok";    // ok, unparsed, error, no_baseline, no_answer
  std::string label;            // on the model's side: "A>>B" = the model much better; "" if none
  std::string label_as_judged;  // as written by the judge for the order it saw
  double preference = -1;       // imported AlpacaEval preference in [1, 2]; -1 = none
  std::string why;              // how the verdict was read, or why there is none
  std::string raw;              // the judge's visible text (last attempt)
  std::string reasoning;        // a reasoning judge's reasoning, kept apart from the parse
  int attempts = 0;
  std::string error;
  double cost_usd = -1;
  std::string created_at;  // put_judgment stamps "now" when empty
};

// One probe (harness/probe): a latency sweep, a memory measurement or the harness ceiling. Its
// summary is the probe JSON document (harness/probe/probe_json.h), written when it finishes.
struct ProbeRecord {
  std::int64_t id = 0;
  std::int64_t run_id = 0;
  std::string kind;         // "latency", "memory", "ceiling"
  std::string model;        // the model or engine probed ("" for the ceiling)
  std::string config_json;  // what was asked (flags), as JSON
  std::string result_json;  // the probe JSON document; "" while running or after a crash
  std::string created_at;   // put_probe stamps "now" when empty
  std::string finished_at;  // "" while running
};

// One request of a latency probe, stored as it finishes, so a killed probe keeps what it measured.
// Times in seconds from the start of its step; -1 = unknown.
struct ProbeRequestRecord {
  std::int64_t probe_id = 0;
  int step = 0;             // index of the load step in the sweep
  std::string load;         // "concurrency" or "rate"
  double load_value = 0;    // requests in flight, or requests per second (inf: all at once)
  int index = 0;            // request number within the step
  double scheduled_s = -1;  // when the arrival process wanted it sent (rate steps)
  double start_s = -1;      // when it was sent
  bool ok = false;
  std::string error_kind;  // "" when ok
  std::string error;
  std::int64_t input_tokens = -1;
  std::int64_t output_tokens = -1;
  bool tokens_from_usage = false;  // false: counted with the tokenizer (or unknown)
  double ttft_s = -1;
  double e2e_s = -1;
  std::vector<double> itl_s;  // inter-token (inter-chunk) latencies
};

// Which columns a read of samples fills. `figures`: what the reports' numbers need, without
// the texts people read one sample at a time (prompt, reference, reasoning, answer, chunk times,
// the scorer's detail and log), which are most of a large store's bytes. Judged samples (index
// 0 of a suite that has judgments) keep their answer and reference: the pairwise summary reads
// them.
// `items`: everything but the chunk times (what the HTML's items view shows).
enum class SampleFields { all, items, figures };

// A read of samples in store order (run, model, suite, item, sample index).
struct SampleQuery {
  std::optional<std::int64_t> run_id;  // all runs when absent
  std::optional<std::string> model;    // with run_id: only this model's
  std::optional<std::string> suite;    // with model: only this suite's
  std::optional<std::int64_t> limit;   // at most this many
  SampleFields fields = SampleFields::all;
};

class Store {
 public:
  static constexpr int kSchemaVersion = 9;

  // Opens or creates the file, enables WAL, creates or migrates the schema.
  // Throws rbench::Error naming the file on failure or on a newer schema than this build knows,
  // and DataError for a file shorter than its header says, or one left by a process that did
  // not close it that PRAGMA quick_check finds damaged (harness/store/store_check.h).
  explicit Store(const std::filesystem::path& path);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Returns the run with this name, creating it if new. An existing run keeps its id and
  // start time; its config and versions are updated and finished_at cleared.
  RunInfo open_run(const std::string& name, const std::string& config_json,
                   const std::string& rbench_version, const std::string& git_sha);
  void finish_run(std::int64_t run_id);

  // Samples of the run that finished without error: resume skips these.
  std::set<SampleKey> completed(std::int64_t run_id);

  // Inserts or replaces the sample (and its score) for its key, in one transaction.
  // Thread-safe. Returns the sample's row id.
  std::int64_t put_sample(const SampleRecord& record);
  // put_sample for many samples in one transaction: for tools that write a store in bulk (the
  // synthesiser of large stores, `rbench store synth`). Thread-safe.
  void put_samples(std::span<const SampleRecord> records);

  // Scores (or re-scores) a stored sample: for scorers that finish after the sample was stored
  // (code execution). Thread-safe.
  void put_score(std::int64_t sample_id, const std::string& scorer, const Score& score);

  // Samples of the run that finished without error but have no score yet (their scoring was
  // interrupted or could not run): resume scores these without calling the model again.
  std::vector<SampleRecord> unscored(std::int64_t run_id);

  // The run's full item list (schema v7), replaced as a whole; items() in suite, position order.
  void put_run_items(std::int64_t run_id, const std::vector<RunItem>& items);
  std::vector<RunItem> run_items(std::int64_t run_id);

  std::vector<RunInfo> runs();
  // All samples, or those of one run, ordered by run, model, suite, item, sample index.
  std::vector<SampleRecord> samples(std::optional<std::int64_t> run_id = std::nullopt);
  // The samples the query selects, one at a time, without holding them all (reports of large
  // stores). `visit` runs with the store locked: it must not call the store.
  void for_each_sample(const SampleQuery& query, const std::function<void(SampleRecord&&)>& visit);

  // Inserts or replaces the judgment for its key (run, suite, item, model, baseline, judge,
  // game). Thread-safe. Returns its row id.
  std::int64_t put_judgment(const JudgmentRecord& record);
  // All judgments, or those of one run, ordered by run, suite, item, model, judge, game.
  std::vector<JudgmentRecord> judgments(std::optional<std::int64_t> run_id = std::nullopt);

  // Probes (schema v5). put_probe inserts (id == 0) or updates the row with that id, and returns
  // the id. Thread-safe.
  std::int64_t put_probe(const ProbeRecord& record);
  void finish_probe(std::int64_t probe_id, const std::string& result_json);
  std::vector<ProbeRecord> probes(std::optional<std::int64_t> run_id = std::nullopt);
  // Inserts or replaces the request (probe_id, step, index). Thread-safe.
  void put_probe_request(const ProbeRequestRecord& record);
  std::vector<ProbeRequestRecord> probe_requests(std::int64_t probe_id);

  const std::filesystem::path& path() const { return path_; }

 private:
  // Inside a transaction, with mutex_ held.
  struct SampleStatements;
  std::int64_t upsert_sample(SampleStatements& statements, const SampleRecord& record);
  void insert_score(sqlite::Statement& put, std::int64_t sample_id, const std::string& scorer,
                    const Score& score);

  std::filesystem::path path_;
  struct Closer {
    void operator()(sqlite3* db) const;
  };
  std::mutex mutex_;  // one connection, writes serialised; SQLite serialises them anyway
  std::unique_ptr<sqlite3, Closer> db_;
};

}  // namespace rbench
