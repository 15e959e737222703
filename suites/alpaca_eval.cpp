// AlpacaEval loaders: a model_outputs.json read as the eval set with its outputs as the baseline,
// and annotations.json (published judgements) for import.
#include <fmt/core.h>

#include <unordered_map>

#include "harness/core/error.h"
#include "harness/core/json_writer.h"
#include "harness/core/jsonl_reader.h"
#include "suites/load_common.h"
#include "suites/loaders.h"

namespace rbench {
namespace {

// Wide enough for the 805 instructions; fmt widens it for larger files.
constexpr int kIdDigits = 3;

std::optional<double> preference(const JsonRecord& record) {
  const auto it = record.object.FindMember("preference");
  if (it == record.object.MemberEnd()) {
    throw DataError(fmt::format("{}: missing field \"preference\"", record.where));
  }
  if (it->value.IsNull()) return std::nullopt;
  if (!it->value.IsNumber()) {
    throw DataError(fmt::format("{}: field \"preference\" is {}, not a number or null",
                                record.where, json_type_name(it->value)));
  }
  return it->value.GetDouble();
}

// alpaca_eval keeps the judge's raw completion as an object (an OpenAI choice) or a string.
std::string raw_completion(const JsonRecord& record) {
  const auto it = record.object.FindMember("raw_completion");
  if (it == record.object.MemberEnd() || it->value.IsNull()) return "";
  if (it->value.IsString()) return std::string(it->value.GetString(), it->value.GetStringLength());
  return json::to_string(it->value);
}

double price_per_example(const JsonRecord& record) {
  const auto it = record.object.FindMember("price_per_example");
  return it != record.object.MemberEnd() && it->value.IsNumber() ? it->value.GetDouble() : -1;
}

}  // namespace

Suite load_alpaca_eval(const std::filesystem::path& reference_outputs_json) {
  const std::string bytes = read_file_bytes(reference_outputs_json);
  Suite suite = detail::empty_suite(reference_outputs_json, bytes);
  std::unordered_map<std::string, std::size_t> first_seen;  // instruction -> element index
  for_each_json_array_record(reference_outputs_json, bytes, [&](const JsonRecord& record) {
    std::string instruction = detail::required_nonblank(record, "instruction");
    // alpaca_eval pairs outputs and annotations by instruction text, so it must be a key.
    const auto [it, inserted] = first_seen.emplace(instruction, record.index);
    if (!inserted) {
      throw DataError(fmt::format("{}: duplicate instruction, first seen at element {}",
                                  record.where, it->second));
    }
    // The output may be empty: AlpacaEval 1.0's text_davinci_003 reference has two empty
    // outputs, and alpaca_eval judges against them as they are.
    // The reference is the baseline's answer too: stored with every sample, so reports can
    // measure its length and style.
    std::string output = required_string(record, "output");
    suite.items.push_back(Item{.id = fmt::format("alpaca-eval/{:0{}}", record.index, kIdDigits),
                               .question = std::move(instruction),
                               .reference = output,
                               .source = record.where,
                               .baseline_answer = std::move(output),
                               .baseline_model = detail::required_nonblank(record, "generator"),
                               .category = optional_string(record, "dataset").value_or("")});
  });
  return suite;
}

std::vector<AlpacaAnnotation> load_alpaca_annotations(const std::filesystem::path& file) {
  const std::string bytes = read_file_bytes(file);
  std::vector<AlpacaAnnotation> annotations;
  for_each_json_array_record(file, bytes, [&](const JsonRecord& record) {
    annotations.push_back(
        AlpacaAnnotation{.instruction = required_string(record, "instruction"),
                         .output_1 = required_string(record, "output_1"),
                         .generator_1 = required_string(record, "generator_1"),
                         .output_2 = required_string(record, "output_2"),
                         .generator_2 = required_string(record, "generator_2"),
                         .preference = preference(record),
                         .annotator = optional_string(record, "annotator").value_or(""),
                         .dataset = optional_string(record, "dataset").value_or(""),
                         .raw_completion = raw_completion(record),
                         .price_per_example = price_per_example(record),
                         .source = record.where});
  });
  return annotations;
}

std::vector<AlpacaOutput> load_alpaca_outputs(const std::filesystem::path& file) {
  const std::string bytes = read_file_bytes(file);
  std::vector<AlpacaOutput> outputs;
  for_each_json_array_record(file, bytes, [&](const JsonRecord& record) {
    if (record.object.HasMember("preference")) {
      throw DataError(fmt::format(
          "{}: this is an annotation (it has \"preference\"), not a model output", record.where));
    }
    outputs.push_back(AlpacaOutput{.instruction = required_string(record, "instruction"),
                                   .output = required_string(record, "output"),
                                   .generator = detail::required_nonblank(record, "generator"),
                                   .source = record.where});
  });
  return outputs;
}

bool is_alpaca_annotation_file(const std::filesystem::path& file) {
  const std::string bytes = read_file_bytes(file);
  bool annotation = false;
  bool first = true;
  for_each_json_array_record(file, bytes, [&](const JsonRecord& record) {
    if (first) annotation = record.object.HasMember("preference");
    first = false;
  });
  return annotation;
}

}  // namespace rbench
