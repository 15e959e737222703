// The one checked JSON reader: every JSON file or body rbench reads (profiles, config.json,
// tokenizer.json, suites, perf files) goes through json::Value, so every error has one shape:
//
//   SOURCE: PATH: WHAT      data/models/o1.json: $.pricing.as_of: expected a string, got a number
//                           suite.jsonl:12: $.question: missing
//
// SOURCE is the file (or FILE:LINE for a JSONL record), PATH the JSON path from the document's
// root. Errors are rbench::DataError. Hot paths (per-SSE-chunk parsing) may keep raw RapidJSON.
#pragma once

#include <rapidjson/document.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <limits>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>

namespace rbench::json {

// "a string", "an object", "null", ... for error messages.
const char* type_name(const rapidjson::Value& value);

// A checked view of one JSON value, with where it came from. It borrows the document's value and
// its source text: it must not outlive the Document (or whatever owns them).
class Value {
 public:
  // `source` names the file ("FILE" or "FILE:LINE") and must outlive the Value; `path` is the
  // JSON path of `value` ("$" for a root).
  Value(const rapidjson::Value& value, std::string_view source, std::string path = "$")
      : value_(&value), source_(source), path_(std::move(path)) {}

  const rapidjson::Value& raw() const { return *value_; }  // escape hatch: no checks from here
  std::string_view source() const { return source_; }
  const std::string& path() const { return path_; }
  // "SOURCE: PATH", the prefix of every error about this value.
  std::string where() const;
  // Throws DataError "SOURCE: PATH: what".
  [[noreturn]] void fail(std::string_view what) const;
  // Throws DataError "SOURCE: PATH.key: what", for a member that is absent or wrong as a whole.
  [[noreturn]] void fail_at(std::string_view key, std::string_view what) const;

  bool is_null() const { return value_->IsNull(); }
  bool is_object() const { return value_->IsObject(); }
  bool is_array() const { return value_->IsArray(); }
  bool is_string() const { return value_->IsString(); }
  bool is_number() const { return value_->IsNumber(); }

  // Scalars; a wrong type fails with "expected a string, got a number".
  std::string string() const { return std::string(string_view()); }
  std::string_view string_view() const;
  bool boolean() const;
  double number() const;
  std::int64_t integer() const;
  // Bounded: "must be >= 1, got 0".
  std::int64_t integer(std::int64_t min,
                       std::int64_t max = std::numeric_limits<std::int64_t>::max()) const;
  // A 32-bit integer (what an `int` field can hold), bounded.
  int int32(int min = std::numeric_limits<int>::min(),
            int max = std::numeric_limits<int>::max()) const;
  // A number at least `min` (or, with exclusive, greater than `min`).
  double number(double min, bool exclusive = false) const;
  // A string that must be one of `allowed`: "\"x\" is not one of: a, b".
  std::string one_of(std::initializer_list<std::string_view> allowed) const;

  // Objects. member(): required (absent: "PATH.key: missing"); null is returned as it is, so
  // the accessor then says "got null". find(): absent or null gives nullopt. Both fail when this
  // is not an object.
  Value member(std::string_view key) const;
  std::optional<Value> find(std::string_view key) const;
  bool has(std::string_view key) const;  // present, even as null
  std::size_t member_count() const;
  // Absent or null: nullopt; present but not a string: an error.
  std::optional<std::string> optional_string(std::string_view key) const;
  std::string string_or(std::string_view key, std::string_view fallback) const;

  // Arrays; at() is bounds-checked.
  Value at(std::size_t index) const;
  std::size_t size() const;

  // Iteration: `for (const json::Value& element : value.elements())` and
  // `for (const auto& [key, value] : value.members())`; both check the type first.
  class Elements;
  class Members;
  Elements elements() const;
  Members members() const;

  // The path of a child, for a Value built by hand over a raw member.
  std::string child_path(std::string_view key) const;
  std::string child_path(std::size_t index) const;

 private:
  const rapidjson::Value& expect(bool ok, const char* expected) const;

  const rapidjson::Value* value_;
  std::string_view source_;
  std::string path_;
};

class Value::Elements {
 public:
  class iterator {
   public:
    iterator(const Value* array, std::size_t index) : array_(array), index_(index) {}
    Value operator*() const { return array_->at(index_); }
    iterator& operator++() {
      ++index_;
      return *this;
    }
    bool operator==(const iterator& other) const { return index_ == other.index_; }

   private:
    const Value* array_;
    std::size_t index_;
  };
  explicit Elements(Value array) : array_(std::move(array)) {}
  iterator begin() const { return {&array_, 0}; }
  iterator end() const { return {&array_, array_.size()}; }

 private:
  Value array_;  // a copy: `for (... : v.member("x").elements())` outlives the temporary
};

class Value::Members {
 public:
  class iterator {
   public:
    iterator(const Value* object, rapidjson::Value::ConstMemberIterator it)
        : object_(object), it_(it) {}
    std::pair<std::string_view, Value> operator*() const;
    iterator& operator++() {
      ++it_;
      return *this;
    }
    bool operator==(const iterator& other) const { return it_ == other.it_; }

   private:
    const Value* object_;
    rapidjson::Value::ConstMemberIterator it_;
  };
  explicit Members(Value object) : object_(std::move(object)) {}
  iterator begin() const { return {&object_, object_.raw().MemberBegin()}; }
  iterator end() const { return {&object_, object_.raw().MemberEnd()}; }

 private:
  Value object_;
};

// An object whose every key must be read: member() and find() remember the keys asked for, and
// reject_unknown() (called last) fails on the first key never asked for ("unknown key (a typo?)").
// For files we write ourselves (model profiles), where a typo must not fall back to a default.
class StrictObject {
 public:
  explicit StrictObject(Value object);  // fails unless `object` is an object

  const Value& value() const { return object_; }
  Value member(std::string_view key);
  std::optional<Value> find(std::string_view key);
  void reject_unknown() const;

 private:
  Value object_;
  std::set<std::string, std::less<>> read_;
};

struct ParseOptions {
  // RapidJSON's exact decimal-to-double conversion (config.json); the default is its fast one.
  bool full_precision = false;
};

// A parsed JSON text and its source name. Movable; Values from root() borrow from it.
class Document {
 public:
  // Throws DataError "SOURCE: bad JSON at line L, column C: <RapidJSON's message>".
  static Document parse(std::string_view text, std::string source, ParseOptions options = {});
  // The file's bytes parsed with the file's path as the source; "FILE: cannot open file" when
  // unreadable.
  static Document read_file(const std::filesystem::path& file, ParseOptions options = {});

  Value root() const { return Value(*document_, *source_); }
  const std::string& source() const { return *source_; }

 private:
  Document() = default;
  // Behind pointers so that moving the Document leaves Values' views valid.
  std::unique_ptr<std::string> source_;
  std::unique_ptr<rapidjson::Document> document_;
};

// 1-based line and column of a byte offset in `text`, for parse errors.
std::pair<std::size_t, std::size_t> line_and_column(std::string_view text, std::size_t offset);

}  // namespace rbench::json
