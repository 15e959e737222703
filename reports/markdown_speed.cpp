// The Markdown leaderboard's speed and memory columns; see markdown_speed.h.
#include "reports/markdown_speed.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "reports/markdown_text.h"

namespace rbench {
namespace {

constexpr const char* kNone = "—";

std::string rate(const std::optional<double>& v) {
  if (!v) return kNone;
  return *v < 100 ? fmt::format("{:.1f}", *v) : fmt::format("{:.0f}", *v);
}

std::string bytes_or_none(const std::optional<std::int64_t>& v) {
  return v ? human_bytes(*v) : kNone;
}

}  // namespace

std::string human_bytes(std::int64_t bytes) {
  constexpr std::array<const char*, 5> kUnits = {"B", "kB", "MB", "GB", "TB"};
  if (bytes < 1000) return fmt::format("{} B", bytes);
  double v = static_cast<double>(bytes);
  std::size_t unit = 0;
  while (v >= 1000 && unit + 1 < kUnits.size()) {
    v /= 1000;
    ++unit;
  }
  return v < 100 ? fmt::format("{:.1f} {}", v, kUnits[unit])
                 : fmt::format("{:.0f} {}", v, kUnits[unit]);
}

SpeedColumns speed_columns(const std::vector<const ResultSummary*>& ranked) {
  SpeedColumns c;
  for (const ResultSummary* r : ranked) {
    c.decode = c.decode || r->decode_tokens_per_s.has_value();
    c.weights = c.weights || r->facts.weight_bytes.has_value();
    c.kv = c.kv || r->facts.kv_bytes_per_token.has_value();
  }
  return c;
}

std::string speed_header(const SpeedColumns& c) {
  std::string out;
  if (c.decode) out += " tok/s |";
  if (c.weights) out += " Weights |";
  if (c.kv) out += " KV/token³ |";
  return out;
}

std::string speed_rule(const SpeedColumns& c) {
  const int n = int(c.decode) + int(c.weights) + int(c.kv);
  std::string out;
  for (int i = 0; i < n; ++i) out += "--:|";
  return out;
}

std::string speed_cells(const SpeedColumns& c, const ResultSummary& r) {
  std::string out;
  if (c.decode) out += fmt::format(" {} |", rate(r.decode_tokens_per_s));
  if (c.weights) out += fmt::format(" {} |", bytes_or_none(r.facts.weight_bytes));
  if (c.kv) out += fmt::format(" {} |", bytes_or_none(r.facts.kv_bytes_per_token));
  return out;
}

std::string speed_notes(const SpeedColumns& c, const std::vector<const ResultSummary*>& ranked,
                        bool several_runs) {
  if (!c.any()) return "";
  std::string out = "\n";
  if (c.decode) {
    out +=
        "tok/s: decode speed per request, the output tokens after each request's first over the "
        "seconds after its first token, summed over the samples. ";
  }
  if (c.weights) out += "Weights: as the engine holds them in memory. ";
  if (c.kv) {
    std::string mha;
    for (const ResultSummary* r : ranked) {
      const EngineFacts& f = r->facts;
      if (!f.kv_bytes_per_token_mha) continue;
      mha += fmt::format("{}{}{} {}", mha.empty() ? "" : ", ", md_text(r->model),
                         several_runs ? fmt::format(" ({})", md_text(r->run)) : "",
                         human_bytes(*f.kv_bytes_per_token_mha));
      if (f.kv_bytes_per_token && *f.kv_bytes_per_token > 0) {
        mha += fmt::format(" ({:.1f}x)",
                           double(*f.kv_bytes_per_token_mha) / double(*f.kv_bytes_per_token));
      }
    }
    out += "³ KV cache per token as the engine stores it";
    out += mha.empty() ? "." : fmt::format("; the equivalent multi-head cache: {}.", mha);
  }
  while (out.ends_with(' ')) out.pop_back();
  return out + "\n";
}

}  // namespace rbench
