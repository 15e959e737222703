// Reading tokenizer.json: a JSON value together with the file and the JSON path it came from, so
// every error names both ("tokenizer.json: model.merges[7]: ...").
#pragma once

#include <fmt/format.h>
#include <rapidjson/document.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "harness/core/error.h"

namespace rbench::moe {

// Far above any real vocabulary (DeepSeek-V3 has 129280 ids); bounds the id table that a bad file
// could make us allocate.
inline constexpr std::int64_t kMaxTokenId = (1 << 24) - 1;

class JsonAt {
 public:
  JsonAt(const rapidjson::Value& value, std::string_view file, std::string path)
      : value_(&value), file_(file), path_(std::move(path)) {}

  const rapidjson::Value& value() const { return *value_; }
  const std::string& path() const { return path_; }
  std::string_view file() const { return file_; }

  [[noreturn]] void fail(std::string_view what) const {
    throw DataError(fmt::format("{}: {}: {}", file_, path_.empty() ? "(top level)" : path_, what));
  }

  bool is_null() const { return value_->IsNull(); }

  // A member that may be absent or null.
  std::optional<JsonAt> find(std::string_view name) const {
    if (!value_->IsObject()) fail("expected an object");
    const auto it = value_->FindMember(
        rapidjson::Value(name.data(), static_cast<rapidjson::SizeType>(name.size())));
    if (it == value_->MemberEnd() || it->value.IsNull()) return std::nullopt;
    return JsonAt(it->value, file_, child_path(name));
  }
  JsonAt member(std::string_view name) const {
    auto found = find(name);
    if (!found) fail(fmt::format("missing \"{}\"", name));
    return *found;
  }
  JsonAt at(rapidjson::SizeType i) const {
    return JsonAt((*value_)[i], file_, fmt::format("{}[{}]", path_, i));
  }
  rapidjson::SizeType size() const {
    if (!value_->IsArray()) fail("expected an array");
    return value_->Size();
  }

  std::string_view string() const {
    if (!value_->IsString()) fail("expected a string");
    return {value_->GetString(), value_->GetStringLength()};
  }
  bool boolean() const {
    if (!value_->IsBool()) fail("expected true or false");
    return value_->GetBool();
  }
  std::int64_t integer() const {
    if (!value_->IsInt64()) fail("expected an integer");
    return value_->GetInt64();
  }
  std::int32_t token_id() const {
    const std::int64_t id = integer();
    if (id < 0 || id > kMaxTokenId) {
      fail(fmt::format("token id {} is outside 0..{}", id, kMaxTokenId));
    }
    return static_cast<std::int32_t>(id);
  }

  bool boolean_or(std::string_view name, bool fallback) const {
    const auto found = find(name);
    return found ? found->boolean() : fallback;
  }
  // The component's "type" member, for dispatch and for naming it in errors.
  std::string type() const { return std::string(member("type").string()); }

 private:
  std::string child_path(std::string_view name) const {
    return path_.empty() ? std::string(name) : fmt::format("{}.{}", path_, name);
  }

  const rapidjson::Value* value_;
  std::string_view file_;
  std::string path_;
};

}  // namespace rbench::moe
