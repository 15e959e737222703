// The scoring pool of a run (see scoring_pool.h).
#include "harness/run/scoring_pool.h"

#include <fmt/format.h>

#include <utility>

namespace rbench {

void ScoringPool::score_later(PendingScore pending) {
  arena_.execute([&] { pending_.run([this, p = std::move(pending)] { score(p); }); });
}

void ScoringPool::wait() {
  arena_.execute([&] { pending_.wait(); });
}

void ScoringPool::rethrow_failure() const {
  if (failure_) std::rethrow_exception(failure_);
}

void ScoringPool::score(const PendingScore& p) {
  if (control_.cancel.stop_requested()) return;  // left unscored: scored on resume
  try {
    const Score score = p.scorer->score(*p.item, p.answer);
    store_.put_score(p.sample_id, p.scorer->name(), score);
    ++counters_.finished;
    progress_.sample_finished(false, score.correct, p.truncated, p.output_tokens, p.cost);
  } catch (const std::exception& e) {
    // Not the answer's fault (the sandbox could not run it): stays unscored, so a rerun scores
    // it; the run goes on.
    ++counters_.errors;
    progress_.message(
        fmt::format("scoring failed for {} (left unscored; rerun to score "
                    "it): {}",
                    p.item->id, e.what()));
  } catch (...) {
    std::lock_guard lock(failure_mutex_);
    if (!failure_) failure_ = std::current_exception();
  }
}

}  // namespace rbench
