// JSONL and JSON-array record readers; see jsonl_reader.h for the error contract.
#include "harness/core/jsonl_reader.h"

#include <fmt/format.h>
#include <rapidjson/error/en.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "harness/core/error.h"

namespace rbench {
namespace {

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

std::string_view strip_bom(std::string_view contents) {
  if (contents.starts_with(kUtf8Bom)) contents.remove_prefix(kUtf8Bom.size());
  return contents;
}

bool is_blank(std::string_view line) {
  return std::all_of(line.begin(), line.end(),
                     [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; });
}

std::string where(const std::filesystem::path& file, std::size_t line) {
  return fmt::format("{}:{}", file.string(), line);
}

}  // namespace

std::string read_file_bytes(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw DataError(fmt::format("{}: cannot open file", file.string()));
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (in.bad()) throw DataError(fmt::format("{}: error while reading the file", file.string()));
  return std::move(bytes).str();
}

void for_each_jsonl_record(const std::filesystem::path& file, std::string_view contents,
                           const std::function<void(const JsonRecord&)>& on_record) {
  contents = strip_bom(contents);
  std::size_t line_number = 0;
  std::size_t index = 0;
  std::size_t start = 0;
  while (start < contents.size()) {
    std::size_t end = contents.find('\n', start);
    if (end == std::string_view::npos) end = contents.size();
    const std::string_view line = contents.substr(start, end - start);
    start = end + 1;
    ++line_number;
    if (is_blank(line)) continue;

    rapidjson::Document document;
    document.Parse(line.data(), line.size());
    if (document.HasParseError()) {
      throw DataError(fmt::format("{}: bad JSON at column {}: {}", where(file, line_number),
                                  document.GetErrorOffset() + 1,
                                  rapidjson::GetParseError_En(document.GetParseError())));
    }
    const std::string source = where(file, line_number);
    const json::Value value(document, source);
    if (!value.is_object())
      value.fail(fmt::format("expected an object, got {}", json::type_name(document)));
    on_record(JsonRecord{value, file, line_number, index++, source, false});
  }
  if (index == 0) {
    throw DataError(fmt::format("{}: empty file: no JSON records found", file.string()));
  }
}

void for_each_json_array_record(const std::filesystem::path& file, std::string_view contents,
                                const std::function<void(const JsonRecord&)>& on_record) {
  contents = strip_bom(contents);
  if (is_blank(contents)) {
    throw DataError(fmt::format("{}: empty file: expected a JSON array", file.string()));
  }
  const json::Document document = json::Document::parse(contents, file.string());
  const json::Value root = document.root();
  if (!root.is_array()) {
    root.fail(fmt::format("expected an array of records, got {}", json::type_name(root.raw())));
  }
  if (root.size() == 0) {
    throw DataError(fmt::format("{}: empty file: the JSON array has no records", file.string()));
  }
  // The DOM keeps no source positions, so array elements are located by index.
  for (std::size_t index = 0; index < root.size(); ++index) {
    const json::Value element = root.at(index);
    if (!element.is_object()) {
      element.fail(fmt::format("expected an object, got {}", json::type_name(element.raw())));
    }
    on_record(JsonRecord{element, file, 1, index,
                         fmt::format("{}: element {}", file.string(), index), true});
  }
}

void UniqueIds::insert(const std::string& id, const JsonRecord& record, std::string_view field) {
  // JSONL records are located by line, array elements by index.
  std::string first_seen = record.in_array ? fmt::format("at element {}", record.index)
                                           : fmt::format("on line {}", record.line);
  const auto [it, inserted] = first_seen_.emplace(id, std::move(first_seen));
  if (inserted) return;
  record.value.fail_at(field, fmt::format("duplicate id \"{}\" first seen {}", id, it->second));
}

}  // namespace rbench
