#include "harness/serve/request_limits.h"

#include <fmt/format.h>

#include <string>

namespace rbench {

std::string check_request_limits(const rapidjson::Value& doc, const RequestLimits& limits) {
  for (const char* field : {"max_tokens", "max_completion_tokens", "min_tokens"}) {
    if (!doc.HasMember(field) || !doc[field].IsNumber()) continue;
    const rapidjson::Value& v = doc[field];
    // Integers exactly; a huge or fractional number by its double (its type is the request
    // parser's to judge).
    const bool over = v.IsInt64() ? v.GetInt64() > limits.max_tokens
                                  : v.GetDouble() > static_cast<double>(limits.max_tokens);
    if (over) {
      return fmt::format(
          "'{}' is {}, over this server's limit of {}", field,
          v.IsInt64() ? fmt::format("{}", v.GetInt64()) : fmt::format("{}", v.GetDouble()),
          limits.max_tokens);
    }
  }
  if (doc.HasMember("n") && !doc["n"].IsNull()) {
    const rapidjson::Value& n = doc["n"];
    if (!n.IsInt64() || n.GetInt64() < 1 || n.GetInt64() > limits.max_n) {
      return fmt::format("'n' must be an integer from 1 to this server's limit of {}",
                         limits.max_n);
    }
  }
  if (doc.HasMember("stop") && doc["stop"].IsArray() && doc["stop"].Size() > limits.max_stop) {
    return fmt::format("'stop' has {} entries, over this server's limit of {}", doc["stop"].Size(),
                       limits.max_stop);
  }
  if (doc.HasMember("messages") && doc["messages"].IsArray() &&
      doc["messages"].Size() > limits.max_messages) {
    return fmt::format("'messages' has {} entries, over this server's limit of {}",
                       doc["messages"].Size(), limits.max_messages);
  }
  return "";
}

}  // namespace rbench
