// JSONL and JSON-array readers; see jsonl_reader.h for the error contract.
#include "harness/core/jsonl_reader.h"

#include <fmt/core.h>
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

// 1-based line and column of a byte offset, for parse errors in a whole-file document.
std::pair<std::size_t, std::size_t> line_and_column(std::string_view text, std::size_t offset) {
  offset = std::min(offset, text.size());
  const std::string_view before = text.substr(0, offset);
  const std::size_t line =
      1 + static_cast<std::size_t>(std::count(before.begin(), before.end(), '\n'));
  const std::size_t last_newline = before.rfind('\n');
  const std::size_t column =
      last_newline == std::string_view::npos ? offset + 1 : offset - last_newline;
  return {line, column};
}

const char* type_name(const rapidjson::Value& value) {
  switch (value.GetType()) {
    case rapidjson::kNullType:
      return "null";
    case rapidjson::kFalseType:
    case rapidjson::kTrueType:
      return "a boolean";
    case rapidjson::kObjectType:
      return "an object";
    case rapidjson::kArrayType:
      return "an array";
    case rapidjson::kStringType:
      return "a string";
    case rapidjson::kNumberType:
      return "a number";
  }
  return "unknown";
}

const rapidjson::Value* find_member(const JsonRecord& record, std::string_view field) {
  const auto it =
      record.object.FindMember(rapidjson::Value(rapidjson::StringRef(field.data(), field.size())));
  return it == record.object.MemberEnd() ? nullptr : &it->value;
}

[[noreturn]] void throw_not_string(const JsonRecord& record, std::string_view field,
                                   const rapidjson::Value& value) {
  throw DataError(
      fmt::format("{}: field \"{}\" is {}, not a string", record.where, field, type_name(value)));
}

}  // namespace

const char* json_type_name(const rapidjson::Value& value) {
  return type_name(value);
}

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
    if (!document.IsObject()) {
      throw DataError(fmt::format("{}: expected a JSON object, found {}", where(file, line_number),
                                  type_name(document)));
    }
    on_record(JsonRecord{document, file, line_number, index++, where(file, line_number), false});
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
  rapidjson::Document document;
  document.Parse(contents.data(), contents.size());
  if (document.HasParseError()) {
    const auto [line, column] = line_and_column(contents, document.GetErrorOffset());
    throw DataError(fmt::format("{}: bad JSON at column {}: {}", where(file, line), column,
                                rapidjson::GetParseError_En(document.GetParseError())));
  }
  if (!document.IsArray()) {
    throw DataError(fmt::format("{}:1: expected a JSON array at the top level, found {}",
                                file.string(), type_name(document)));
  }
  if (document.Empty()) {
    throw DataError(fmt::format("{}: empty file: the JSON array has no records", file.string()));
  }
  // The DOM keeps no source positions, so array elements are located by index.
  std::size_t index = 0;
  for (const rapidjson::Value& element : document.GetArray()) {
    const std::string label = fmt::format("{}: element {}", file.string(), index);
    if (!element.IsObject()) {
      throw DataError(
          fmt::format("{}: expected a JSON object, found {}", label, type_name(element)));
    }
    on_record(JsonRecord{element, file, 1, index, label, true});
    ++index;
  }
}

std::string required_string(const JsonRecord& record, std::string_view field) {
  const rapidjson::Value* value = find_member(record, field);
  if (value == nullptr) {
    throw DataError(fmt::format("{}: missing field \"{}\"", record.where, field));
  }
  if (!value->IsString()) throw_not_string(record, field, *value);
  return std::string(value->GetString(), value->GetStringLength());
}

std::optional<std::string> optional_string(const JsonRecord& record, std::string_view field) {
  const rapidjson::Value* value = find_member(record, field);
  if (value == nullptr || value->IsNull()) return std::nullopt;
  if (!value->IsString()) throw_not_string(record, field, *value);
  return std::string(value->GetString(), value->GetStringLength());
}

std::optional<std::string> optional_string_or_integer(const JsonRecord& record,
                                                      std::string_view field) {
  const rapidjson::Value* value = find_member(record, field);
  if (value != nullptr && value->IsInt64()) return std::to_string(value->GetInt64());
  return optional_string(record, field);
}

void UniqueIds::insert(const std::string& id, const JsonRecord& record) {
  // JSONL records are located by line, array elements by index.
  std::string first_seen = record.in_array ? fmt::format("at element {}", record.index)
                                           : fmt::format("on line {}", record.line);
  const auto [it, inserted] = first_seen_.emplace(id, std::move(first_seen));
  if (inserted) return;
  throw DataError(
      fmt::format("{}: duplicate id \"{}\" first seen {}", record.where, id, it->second));
}

}  // namespace rbench
