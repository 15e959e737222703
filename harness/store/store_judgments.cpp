// Store's pairwise judgments: one row per game, written as each judgment finishes.
#include <fmt/format.h>
#include <sqlite3.h>

#include "harness/store/sqlite_db.h"
#include "harness/store/store.h"

namespace rbench {

std::int64_t Store::put_judgment(const JudgmentRecord& r) {
  std::lock_guard lock(mutex_);
  sqlite::Statement st(db_.get(), path_, R"sql(
INSERT INTO judgments (run_id, suite, item_id, model, baseline_model, judge, game, status, label,
  label_as_judged, preference, why, raw, reasoning, attempts, error, cost_usd, created_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
  COALESCE(?18, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))
ON CONFLICT (run_id, suite, item_id, model, baseline_model, judge, game) DO UPDATE SET
  status = excluded.status, label = excluded.label, label_as_judged = excluded.label_as_judged,
  preference = excluded.preference, why = excluded.why, raw = excluded.raw,
  reasoning = excluded.reasoning, attempts = excluded.attempts, error = excluded.error,
  cost_usd = excluded.cost_usd, created_at = excluded.created_at
RETURNING id)sql");
  st.bind(1, r.run_id);
  st.bind(2, r.suite);
  st.bind(3, r.item_id);
  st.bind(4, r.model);
  st.bind(5, r.baseline_model);
  st.bind(6, r.judge);
  st.bind(7, static_cast<std::int64_t>(r.game));
  st.bind(8, r.status);
  st.bind_text_or_null(9, r.label);
  st.bind_text_or_null(10, r.label_as_judged);
  st.bind_real_or_null(11, r.preference);
  st.bind(12, r.why);
  st.bind(13, r.raw);
  st.bind(14, r.reasoning);
  st.bind(15, static_cast<std::int64_t>(r.attempts));
  st.bind_text_or_null(16, r.error);
  st.bind_real_or_null(17, r.cost_usd);
  st.bind_text_or_null(18, r.created_at);
  if (!st.step()) {
    sqlite::fail(db_.get(), path_,
                 fmt::format("storing the judgment of {} vs {} on {}/{} game {}", r.model,
                             r.baseline_model, r.suite, r.item_id, r.game));
  }
  const std::int64_t id = st.int64(0);
  st.run();
  return id;
}

std::vector<JudgmentRecord> Store::judgments(std::optional<std::int64_t> run_id) {
  std::lock_guard lock(mutex_);
  sqlite::Statement st(db_.get(), path_,
                       fmt::format(R"sql(
SELECT id, run_id, suite, item_id, model, baseline_model, judge, game, status, label,
  label_as_judged, preference, why, raw, reasoning, attempts, error, cost_usd, created_at
FROM judgments {}
ORDER BY run_id, suite, item_id, model, judge, game)sql",
                                   run_id ? "WHERE run_id = ?1" : ""));
  if (run_id) st.bind(1, *run_id);
  std::vector<JudgmentRecord> out;
  while (st.step()) {
    JudgmentRecord r;
    r.id = st.int64(0);
    r.run_id = st.int64(1);
    r.suite = st.text(2);
    r.item_id = st.text(3);
    r.model = st.text(4);
    r.baseline_model = st.text(5);
    r.judge = st.text(6);
    r.game = static_cast<int>(st.int64(7));
    r.status = st.text(8);
    r.label = st.text(9);
    r.label_as_judged = st.text(10);
    r.preference = st.real(11, -1);
    r.why = st.text(12);
    r.raw = st.text(13);
    r.reasoning = st.text(14);
    r.attempts = static_cast<int>(st.int64(15));
    r.error = st.text(16);
    r.cost_usd = st.real(17, -1);
    r.created_at = st.text(18);
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace rbench
