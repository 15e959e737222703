#include "suites/official_defaults.h"

#include <rapidjson/document.h>

#include "harness/core/json_writer.h"

namespace rbench {

std::optional<SuiteDefaults> official_defaults(std::string_view suite) {
  // openai/human-eval: evaluate_functional_correctness(..., timeout: float = 3.0). MBPP as the
  // bigcode-evaluation-harness runs it: Hugging Face's code_eval, whose timeout defaults to 3.0.
  constexpr double kHumanEvalTimeoutS = 3.0;
  constexpr double kCodeEvalTimeoutS = 3.0;
  if (suite == "humaneval") return SuiteDefaults{kHumanEvalTimeoutS};
  if (suite == "mbpp" || suite == "mbpp-sanitized") return SuiteDefaults{kCodeEvalTimeoutS};
  return std::nullopt;
}

std::string defaults_json(const DefaultsBySuite& defaults) {
  json::Writer w;
  w.object([&](json::Writer& w) {
    for (const auto& [suite, d] : defaults) {
      w.field(suite, json::object({{"timeout_s", d.timeout_s}}));
    }
  });
  return w.str();
}

std::optional<DefaultsBySuite> stored_defaults(std::string_view config_json) {
  rapidjson::Document doc;
  doc.Parse(config_json.data(), config_json.size());
  if (doc.HasParseError() || !doc.IsObject()) return std::nullopt;
  const auto it = doc.FindMember("defaults");
  if (it == doc.MemberEnd() || !it->value.IsObject()) return std::nullopt;
  DefaultsBySuite out;
  for (const auto& [name, value] : it->value.GetObject()) {
    SuiteDefaults d;
    if (value.IsObject() && value.HasMember("timeout_s") && value["timeout_s"].IsNumber()) {
      d.timeout_s = value["timeout_s"].GetDouble();
    }
    out.emplace(name.GetString(), d);
  }
  return out;
}

}  // namespace rbench
