// GSM8K loader: the reference is the number after "####" in the published answer text.
#include <fmt/core.h>

#include <cctype>

#include "harness/core/error.h"
#include "harness/core/jsonl_reader.h"
#include "suites/load_common.h"
#include "suites/loaders.h"

namespace rbench {
namespace {

constexpr std::string_view kFinalAnswerMarker = "####";

bool is_digit(char c) {
  return std::isdigit(static_cast<unsigned char>(c)) != 0;
}

// "1,234,567" -> "1234567"; a comma not between two digits is kept (it is not a separator).
std::string remove_thousands_separators(std::string_view number) {
  std::string out;
  out.reserve(number.size());
  for (std::size_t i = 0; i < number.size(); ++i) {
    const bool separator = number[i] == ',' && i > 0 && i + 1 < number.size() &&
                           is_digit(number[i - 1]) && is_digit(number[i + 1]);
    if (!separator) out.push_back(number[i]);
  }
  return out;
}

}  // namespace

std::optional<Gsm8kAnswer> split_gsm8k_answer(std::string_view answer) {
  // The marker is the last one in the text: worked solutions never contain "####" themselves,
  // but taking the last keeps a stray one in the reasoning from cutting the solution short.
  const std::size_t marker = answer.rfind(kFinalAnswerMarker);
  if (marker == std::string_view::npos) return std::nullopt;
  const std::string_view final_text =
      detail::trim(answer.substr(marker + kFinalAnswerMarker.size()));
  if (final_text.empty()) return std::nullopt;
  return Gsm8kAnswer{std::string(detail::trim(answer.substr(0, marker))),
                     remove_thousands_separators(final_text)};
}

Suite load_gsm8k(const std::filesystem::path& file) {
  const std::string bytes = read_file_bytes(file);
  Suite suite = detail::empty_suite(file, bytes);
  for_each_jsonl_record(file, bytes, [&](const JsonRecord& record) {
    const std::string question = detail::required_nonblank(record, "question");
    const json::Value answer = record.value.member("answer");
    std::optional<Gsm8kAnswer> split = split_gsm8k_answer(answer.string_view());
    if (!split) answer.fail("has no final answer after a \"####\" marker");
    suite.items.push_back(Item{.id = fmt::format("test/{}", record.index),
                               .question = question,
                               .reference = std::move(split->reference),
                               .solution = std::move(split->solution),
                               .source = record.where});
  });
  return suite;
}

}  // namespace rbench
