// Bounds on the fields of an OpenAI request body that set how much work or memory one request
// costs, checked by both servers (`rbench serve --model` and the mock) before anything else.
// A request past one is refused with a 400 whose message names the field and the limit.
#pragma once

#include <rapidjson/document.h>

#include <cstddef>
#include <string>

namespace rbench {

struct RequestLimits {
  long long max_tokens = 131'072;  // max_tokens, max_completion_tokens and min_tokens
  long long max_n = 16;            // choices asked for (both servers answer one)
  std::size_t max_stop = 16;       // stop strings
  std::size_t max_messages = 4'096;
};

// "" when `doc` (a JSON object) is within the limits; else the 400 message, e.g.
// "'max_tokens' is 200000, over this server's limit of 131072". Fields of the wrong type are
// left to the request's own parsing.
std::string check_request_limits(const rapidjson::Value& doc, const RequestLimits& limits);

}  // namespace rbench
