// The Markdown leaderboard's speed and memory columns: decode tokens/s (ResultSummary's
// decode_tokens_per_s), the engine's weights and its KV cache per token, with a footnote that
// gives each row's multi-head equivalent. A column appears only when some row of the table has
// its value, so tables of endpoints that report none of them look as they did before.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "reports/summary.h"

namespace rbench {

struct SpeedColumns {
  bool decode = false;   // "tok/s"
  bool weights = false;  // "Weights"
  bool kv = false;       // "KV/token³"
  bool mtp = false;     // "MTP accept⁴": accepted drafts over drafted (self-speculative decoding)
  bool device = false;  // no column: a note naming each row's device and its cache peak
  bool any() const { return decode || weights || kv || mtp || device; }
};

SpeedColumns speed_columns(const std::vector<const ResultSummary*>& ranked);
// " tok/s | Weights | KV/token³ |" for the columns shown, and their alignment row cells.
std::string speed_header(const SpeedColumns& columns);
std::string speed_rule(const SpeedColumns& columns);
// The row's cells, " 41.2 | 2.1 MB | 480 B |"; "—" where the row has no value.
std::string speed_cells(const SpeedColumns& columns, const ResultSummary& r);
// What the columns mean, below the table, with the multi-head cache of each row that has one.
std::string speed_notes(const SpeedColumns& columns,
                        const std::vector<const ResultSummary*>& ranked, bool several_runs);

// Bytes in SI units: "480 B", "2.1 MB", "671 GB".
std::string human_bytes(std::int64_t bytes);

}  // namespace rbench
