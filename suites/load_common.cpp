// Helpers shared by the suite loaders, and the suite version (a prefix of the data's sha256).
#include "suites/load_common.h"

#include <fmt/core.h>

#include "harness/core/error.h"
#include "harness/core/sha256.h"
#include "suites/loaders.h"

namespace rbench {

namespace detail {

std::string_view trim(std::string_view text) {
  constexpr std::string_view kSpace = " \t\r\n";
  const std::size_t first = text.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  const std::size_t last = text.find_last_not_of(kSpace);
  return text.substr(first, last - first + 1);
}

std::string required_nonblank(const JsonRecord& record, std::string_view field) {
  const json::Value value = record.value.member(field);
  std::string text = value.string();
  if (trim(text).empty()) value.fail("is empty");
  return text;
}

std::optional<std::string> optional_string_or_integer(const JsonRecord& record,
                                                      std::string_view field) {
  const auto value = record.value.find(field);
  if (value && value->raw().IsInt64()) return std::to_string(value->integer());
  return record.value.optional_string(field);
}

bool defines_check_function(std::string_view tests) {
  constexpr std::string_view kDefCheck = "def check(";
  for (std::size_t at = tests.find(kDefCheck); at != std::string_view::npos;
       at = tests.find(kDefCheck, at + 1)) {
    if (at == 0 || tests[at - 1] == '\n') return true;
  }
  return false;
}

Suite empty_suite(const std::filesystem::path& file, std::string_view bytes) {
  Suite suite;
  suite.path = file.string();
  suite.version = suite_version(bytes);
  return suite;
}

}  // namespace detail

std::string suite_version(std::string_view bytes) {
  constexpr std::size_t kVersionHexDigits = 16;
  return sha256_hex(bytes).substr(0, kVersionHexDigits);
}

}  // namespace rbench
