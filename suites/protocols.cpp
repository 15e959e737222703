#include "suites/protocols.h"

#include <fmt/format.h>

#include <algorithm>

#include "harness/core/error.h"

namespace rbench {

const std::vector<Protocol>& protocols() {
  static const std::vector<Protocol> all = {
      {.name = "deepseek-r1",
       .summary = "DeepSeek-R1's evaluation: pass@1 averaged over 64 samples per item, cons@64 "
                  "for AIME, temperature 0.6, top-p 0.95, at most 32,768 generated tokens",
       .samples = 64,
       .temperature = 0.6,
       .top_p = 0.95,
       .max_tokens = 32768,
       .source = "https://github.com/deepseek-ai/DeepSeek-R1#4-evaluation-results",
       .quote = "For all our models, the maximum generation length is set to 32,768 tokens. For "
                "benchmarks requiring sampling, we use a temperature of 0.6, a top-p value of "
                "0.95, and generate 64 responses per query to estimate pass@1."},
      // ZeroEval (the GSM8K and MATH-L5 leaderboards whose o1 answers `rbench import --format
      // zeroeval` reads): one greedy sample, as every result file records under "configs".
      {.name = "zeroeval",
       .summary =
           "ZeroEval's leaderboards: one greedy sample per item (temperature 0, top-p 1), at "
           "most 4,096 generated tokens, zero-shot with a JSON answer block",
       .samples = 1,
       .temperature = 0.0,
       .top_p = 1.0,
       .max_tokens = 4096,
       .source = "https://github.com/WildEval/ZeroEval/blob/main/result_dirs/gsm/"
                 "o1-mini-2024-09-12.json",
       .quote = "\"configs\": {\"engine\": \"openai\", \"repetition_penalty\": 1.0, "
                "\"temperature\": 0.0, \"top_p\": 1.0, \"max_tokens\": 4096}"},
  };
  return all;
}

std::vector<std::string> apply_protocol(const Protocol& protocol, ProtocolSettings& settings) {
  std::vector<std::string> filled;
  const auto fill = [&](auto& value, const auto& preset, const char* name) {
    if (value || !preset) return;
    value = preset;
    filled.emplace_back(name);
  };
  fill(settings.samples, std::optional<int>(protocol.samples), "samples");
  fill(settings.temperature, protocol.temperature, "temperature");
  fill(settings.top_p, protocol.top_p, "top_p");
  fill(settings.max_tokens, protocol.max_tokens, "max_tokens");
  return filled;
}

std::optional<Protocol> find_protocol(std::string_view name) {
  const auto& all = protocols();
  const auto it =
      std::find_if(all.begin(), all.end(), [&](const Protocol& p) { return p.name == name; });
  if (it == all.end()) return std::nullopt;
  return *it;
}

const Protocol& protocol_or_throw(std::string_view name) {
  const auto& all = protocols();
  const auto it =
      std::find_if(all.begin(), all.end(), [&](const Protocol& p) { return p.name == name; });
  if (it != all.end()) return *it;
  std::string names;
  for (const Protocol& p : all) names += (names.empty() ? "" : ", ") + p.name;
  throw UsageError(
      fmt::format("unknown protocol '{}' (known: {}; see `rbench protocols`)", name, names));
}

}  // namespace rbench
