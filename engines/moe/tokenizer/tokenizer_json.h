// Reading tokenizer.json through the checked reader (harness/core/json_reader.h), so every error
// names the file and the JSON path ("tokenizer.json: $.model.merges[7]: ..."); the helpers here
// are the conventions of Hugging Face's tokenizer components.
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "harness/core/json_reader.h"

namespace rbench::moe {

// Far above any real vocabulary (DeepSeek-V3 has 129280 ids); bounds the id table that a bad file
// could make us allocate.
inline constexpr std::int64_t kMaxTokenId = (1 << 24) - 1;

inline std::int32_t token_id(const json::Value& value) {
  const std::int64_t id = value.integer();
  if (id < 0 || id > kMaxTokenId) {
    value.fail(fmt::format("token id {} is outside 0..{}", id, kMaxTokenId));
  }
  return static_cast<std::int32_t>(id);
}

// A member that may be absent or null.
inline bool boolean_or(const json::Value& object, std::string_view key, bool fallback) {
  const auto found = object.find(key);
  return found ? found->boolean() : fallback;
}

// A component's "type" member, for dispatch and for naming it in errors.
inline std::string component_type(const json::Value& component) {
  return component.member("type").string();
}

}  // namespace rbench::moe
