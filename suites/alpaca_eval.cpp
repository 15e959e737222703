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
  const json::Value value = record.value.member("preference");
  if (value.is_null()) return std::nullopt;
  if (!value.is_number()) {
    value.fail(fmt::format("expected a number or null, got {}", json::type_name(value.raw())));
  }
  return value.number();
}

// alpaca_eval keeps the judge's raw completion as an object (an OpenAI choice) or a string.
std::string raw_completion(const JsonRecord& record) {
  const auto value = record.value.find("raw_completion");
  if (!value) return "";
  if (value->is_string()) return value->string();
  return json::to_string(value->raw());
}

// Optional and informative only: anything but a number reads as unknown (-1).
double price_per_example(const JsonRecord& record) {
  const auto value = record.value.find("price_per_example");
  return value && value->is_number() ? value->number() : -1;
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
      record.value.fail_at(
          "instruction",
          fmt::format("duplicate instruction, first seen at element {}", it->second));
    }
    // The output may be empty: AlpacaEval 1.0's text_davinci_003 reference has two empty
    // outputs, and alpaca_eval judges against them as they are.
    // The reference is the baseline's answer too: stored with every sample, so reports can
    // measure its length and style.
    std::string output = record.value.member("output").string();
    suite.items.push_back(Item{.id = fmt::format("alpaca-eval/{:0{}}", record.index, kIdDigits),
                               .question = std::move(instruction),
                               .reference = output,
                               .source = record.where,
                               .baseline_answer = std::move(output),
                               .baseline_model = detail::required_nonblank(record, "generator"),
                               .category = record.value.optional_string("dataset").value_or("")});
  });
  return suite;
}

std::vector<AlpacaAnnotation> load_alpaca_annotations(const std::filesystem::path& file) {
  const std::string bytes = read_file_bytes(file);
  std::vector<AlpacaAnnotation> annotations;
  for_each_json_array_record(file, bytes, [&](const JsonRecord& record) {
    annotations.push_back(
        AlpacaAnnotation{.instruction = record.value.member("instruction").string(),
                         .output_1 = record.value.member("output_1").string(),
                         .generator_1 = record.value.member("generator_1").string(),
                         .output_2 = record.value.member("output_2").string(),
                         .generator_2 = record.value.member("generator_2").string(),
                         .preference = preference(record),
                         .annotator = record.value.optional_string("annotator").value_or(""),
                         .dataset = record.value.optional_string("dataset").value_or(""),
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
    if (record.value.has("preference")) {
      record.value.fail("this is an annotation (it has \"preference\"), not a model output");
    }
    outputs.push_back(AlpacaOutput{.instruction = record.value.member("instruction").string(),
                                   .output = record.value.member("output").string(),
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
    if (first) annotation = record.value.has("preference");
    first = false;
  });
  return annotation;
}

}  // namespace rbench
