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

std::string row_name(const ResultSummary& r, bool several_runs) {
  return md_text(r.model) + (several_runs ? fmt::format(" ({})", md_text(r.run)) : "");
}

// ⁴ The drafts behind each rate and the tokens per step they imply.
std::string mtp_note(const std::vector<const ResultSummary*>& ranked, bool several_runs) {
  std::string rows;
  for (const ResultSummary* r : ranked) {
    if (!r->tokens_per_step) continue;
    rows += fmt::format("{}{} {} of {} drafts, {:.2f} tokens per step", rows.empty() ? "" : "; ",
                        row_name(*r, several_runs), r->accepted_draft_tokens, r->draft_tokens,
                        *r->tokens_per_step);
  }
  std::string out =
      "⁴ Self-speculative decoding (the MTP module drafts a token, the next step verifies it): "
      "accepted drafts over drafted, summed over the samples";
  return out + (rows.empty() ? "." : fmt::format(": {}.", rows));
}

// Where each engine ran, with the KV cache it held at most (of its capacity, when bounded).
std::string device_note(const std::vector<const ResultSummary*>& ranked, bool several_runs) {
  std::string rows;
  for (const ResultSummary* r : ranked) {
    const EngineFacts& f = r->facts;
    if (!f.device) continue;
    std::string row = fmt::format("{} on {}", row_name(*r, several_runs), md_text(*f.device));
    if (f.device_name && *f.device_name != *f.device) {
      row += fmt::format(" ({})", md_text(*f.device_name));
    }
    if (f.device_memory_bytes) {
      row += fmt::format(", {} memory", human_bytes(*f.device_memory_bytes));
    }
    if (f.cache_bytes_peak) {
      row += fmt::format(", KV cache peak {}", human_bytes(*f.cache_bytes_peak));
      if (f.cache_bytes_capacity) {
        row += fmt::format(" of {}", human_bytes(*f.cache_bytes_capacity));
      }
    }
    rows += (rows.empty() ? "" : "; ") + row;
  }
  return fmt::format("Devices: {}.", rows);
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
    c.mtp = c.mtp || r->draft_samples > 0;
    c.device = c.device || r->facts.device.has_value();
  }
  return c;
}

std::string speed_header(const SpeedColumns& c) {
  std::string out;
  if (c.decode) out += " tok/s |";
  if (c.weights) out += " Weights |";
  if (c.kv) out += " KV/token³ |";
  if (c.mtp) out += " MTP accept⁴ |";
  return out;
}

std::string speed_rule(const SpeedColumns& c) {
  const int n = int(c.decode) + int(c.weights) + int(c.kv) + int(c.mtp);
  std::string out;
  for (int i = 0; i < n; ++i) out += "--:|";
  return out;
}

std::string speed_cells(const SpeedColumns& c, const ResultSummary& r) {
  std::string out;
  if (c.decode) out += fmt::format(" {} |", rate(r.decode_tokens_per_s));
  if (c.weights) out += fmt::format(" {} |", bytes_or_none(r.facts.weight_bytes));
  if (c.kv) out += fmt::format(" {} |", bytes_or_none(r.facts.kv_bytes_per_token));
  if (c.mtp) {
    out += r.draft_acceptance ? fmt::format(" {:.1f}% |", 100 * *r.draft_acceptance)
                              : fmt::format(" {} |", kNone);
  }
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
  if (c.mtp) out += " " + mtp_note(ranked, several_runs);
  if (c.device) out += " " + device_note(ranked, several_runs);
  while (out.ends_with(' ')) out.pop_back();
  return out + "\n";
}

}  // namespace rbench
