// The checked JSON reader; see json_reader.h for the error format.
#include "harness/core/json_reader.h"

#include <fmt/format.h>
#include <rapidjson/error/en.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

#include "harness/core/error.h"

namespace rbench::json {
namespace {

// Keys that read well after a dot; anything else is quoted: $.model.vocab["Ġthe"].
bool is_plain_key(std::string_view key) {
  if (key.empty() || std::isdigit(static_cast<unsigned char>(key.front())) != 0) return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
  });
}

rapidjson::Value::ConstMemberIterator find_member(const rapidjson::Value& object,
                                                  std::string_view key) {
  return object.FindMember(rapidjson::Value(
      rapidjson::StringRef(key.data(), static_cast<rapidjson::SizeType>(key.size()))));
}

}  // namespace

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

std::string Value::where() const {
  return fmt::format("{}: {}", source_, path_);
}

void Value::fail(std::string_view what) const {
  throw DataError(fmt::format("{}: {}: {}", source_, path_, what));
}

void Value::fail_at(std::string_view key, std::string_view what) const {
  throw DataError(fmt::format("{}: {}: {}", source_, child_path(key), what));
}

const rapidjson::Value& Value::expect(bool ok, const char* expected) const {
  if (!ok) fail(fmt::format("expected {}, got {}", expected, type_name(*value_)));
  return *value_;
}

std::string_view Value::string_view() const {
  const auto& v = expect(value_->IsString(), "a string");
  return {v.GetString(), v.GetStringLength()};
}

bool Value::boolean() const {
  return expect(value_->IsBool(), "true or false").GetBool();
}

double Value::number() const {
  return expect(value_->IsNumber(), "a number").GetDouble();
}

std::int64_t Value::integer() const {
  if (value_->IsNumber() && !value_->IsInt64()) {
    fail(fmt::format("expected an integer, got {}", value_->GetDouble()));
  }
  return expect(value_->IsInt64(), "an integer").GetInt64();
}

std::int64_t Value::integer(std::int64_t min, std::int64_t max) const {
  const std::int64_t n = integer();
  if (n < min) fail(fmt::format("must be >= {}, got {}", min, n));
  if (n > max) fail(fmt::format("must be <= {}, got {}", max, n));
  return n;
}

int Value::int32(int min, int max) const {
  if (value_->IsInt64() && !value_->IsInt()) {
    fail(fmt::format("{} is out of range for a 32-bit integer", value_->GetInt64()));
  }
  if (value_->IsNumber() && !value_->IsInt()) {
    fail(fmt::format("expected an integer, got {}", value_->GetDouble()));
  }
  const int n = expect(value_->IsInt(), "an integer").GetInt();
  if (n < min) fail(fmt::format("must be >= {}, got {}", min, n));
  if (n > max) fail(fmt::format("must be <= {}, got {}", max, n));
  return n;
}

double Value::number(double min, bool exclusive) const {
  const double d = number();
  if (!(d > min || (!exclusive && d == min))) {
    fail(fmt::format("must be {} {}, got {}", exclusive ? ">" : ">=", min, d));
  }
  return d;
}

std::string Value::one_of(std::initializer_list<std::string_view> allowed) const {
  std::string s = string();
  if (std::find(allowed.begin(), allowed.end(), s) == allowed.end()) {
    fail(fmt::format("\"{}\" is not one of: {}", s, fmt::join(allowed, ", ")));
  }
  return s;
}

std::string Value::child_path(std::string_view key) const {
  if (is_plain_key(key)) return fmt::format("{}.{}", path_, key);
  std::string quoted;
  for (const char c : key) {
    if (c == '"' || c == '\\') quoted.push_back('\\');
    quoted.push_back(c);
  }
  return fmt::format("{}[\"{}\"]", path_, quoted);
}

std::string Value::child_path(std::size_t index) const {
  return fmt::format("{}[{}]", path_, index);
}

Value Value::member(std::string_view key) const {
  const auto& object = expect(value_->IsObject(), "an object");
  const auto it = find_member(object, key);
  if (it == object.MemberEnd())
    throw DataError(fmt::format("{}: {}: missing", source_, child_path(key)));
  return Value(it->value, source_, child_path(key));
}

std::optional<Value> Value::find(std::string_view key) const {
  const auto& object = expect(value_->IsObject(), "an object");
  const auto it = find_member(object, key);
  if (it == object.MemberEnd() || it->value.IsNull()) return std::nullopt;
  return Value(it->value, source_, child_path(key));
}

bool Value::has(std::string_view key) const {
  const auto& object = expect(value_->IsObject(), "an object");
  return find_member(object, key) != object.MemberEnd();
}

std::size_t Value::member_count() const {
  return expect(value_->IsObject(), "an object").MemberCount();
}

std::optional<std::string> Value::optional_string(std::string_view key) const {
  const auto found = find(key);
  if (!found) return std::nullopt;
  return found->string();
}

std::string Value::string_or(std::string_view key, std::string_view fallback) const {
  return optional_string(key).value_or(std::string(fallback));
}

Value Value::at(std::size_t index) const {
  const auto& array = expect(value_->IsArray(), "an array");
  if (index >= array.Size()) {
    fail(fmt::format("index {} is out of range (the array has {} elements)", index, array.Size()));
  }
  return Value(array[static_cast<rapidjson::SizeType>(index)], source_, child_path(index));
}

std::size_t Value::size() const {
  return expect(value_->IsArray(), "an array").Size();
}

Value::Elements Value::elements() const {
  expect(value_->IsArray(), "an array");
  return Elements(*this);
}

Value::Members Value::members() const {
  expect(value_->IsObject(), "an object");
  return Members(*this);
}

std::pair<std::string_view, Value> Value::Members::iterator::operator*() const {
  const std::string_view key(it_->name.GetString(), it_->name.GetStringLength());
  return {key, Value(it_->value, object_->source(), object_->child_path(key))};
}

StrictObject::StrictObject(Value object) : object_(std::move(object)) {
  object_.member_count();  // checks the type
}

Value StrictObject::member(std::string_view key) {
  read_.emplace(key);
  return object_.member(key);
}

std::optional<Value> StrictObject::find(std::string_view key) {
  read_.emplace(key);
  return object_.find(key);
}

void StrictObject::reject_unknown() const {
  for (const auto& [key, value] : object_.members()) {
    if (!read_.contains(key)) value.fail("unknown key (a typo?)");
  }
}

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

Document Document::parse(std::string_view text, std::string source, ParseOptions options) {
  Document document;
  document.source_ = std::make_unique<std::string>(std::move(source));
  document.document_ = std::make_unique<rapidjson::Document>();
  if (options.full_precision) {
    document.document_->Parse<rapidjson::kParseFullPrecisionFlag>(text.data(), text.size());
  } else {
    document.document_->Parse(text.data(), text.size());
  }
  if (document.document_->HasParseError()) {
    const auto [line, column] = line_and_column(text, document.document_->GetErrorOffset());
    throw DataError(fmt::format("{}: bad JSON at line {}, column {}: {}", *document.source_, line,
                                column,
                                rapidjson::GetParseError_En(document.document_->GetParseError())));
  }
  return document;
}

Document Document::read_file(const std::filesystem::path& file, ParseOptions options) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw DataError(fmt::format("{}: cannot open file", file.string()));
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (in.bad()) throw DataError(fmt::format("{}: error while reading the file", file.string()));
  return parse(bytes.str(), file.string(), options);
}

}  // namespace rbench::json
