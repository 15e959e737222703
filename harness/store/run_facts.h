// Engine facts in a run's stored configuration: run_config_json writes each model's known facts
// as "facts" beside its label (never in the fingerprint, so they do not decide whether a run
// resumes), and the reports read them back for the model they summarise.
#pragma once

#include <string_view>

#include <rapidjson/document.h>

#include "engines/api/engine.h"
#include "harness/core/json_writer.h"

namespace rbench {

// {"weight_bytes": N, "kv_bytes_per_token": N, "kv_bytes_per_token_mha": N,
//  "parameters_total": N, "parameters_active": N}, the unknown ones left out.
void write_engine_facts(json::Writer& w, const EngineFacts& facts);

// The facts stored for the model labelled `label` in a run's config JSON (models[].facts).
// Empty when the config does not parse, has no such model, or predates the facts.
EngineFacts stored_engine_facts(std::string_view config_json, std::string_view label);

// The entry of a run config's "models" array whose "label" is `label`, or nullptr where `config`
// has none (or is not the shape rbench writes). For best-effort readers of stored configs: runs
// stored before a field existed lack it.
const rapidjson::Value* stored_model_entry(const rapidjson::Document& config,
                                           std::string_view label);

}  // namespace rbench
