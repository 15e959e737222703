// The bounds on a request's costly fields: within them "", past them a message naming the field
// and the limit.
#include "harness/serve/request_limits.h"

#include <gtest/gtest.h>

#include <string>

namespace rbench {
namespace {

std::string check(const char* json, const RequestLimits& limits = {}) {
  rapidjson::Document doc;
  doc.Parse(json);
  EXPECT_FALSE(doc.HasParseError()) << json;
  return check_request_limits(doc, limits);
}

void expect_refused(const std::string& message, const char* field, const char* limit) {
  EXPECT_NE(message.find(field), std::string::npos) << message;
  EXPECT_NE(message.find(limit), std::string::npos) << message;
}

TEST(RequestLimits, WithinTheLimitsPasses) {
  EXPECT_EQ(check(R"({"max_tokens": 131072, "n": 16, "stop": ["a","b"], "messages": []})"), "");
  EXPECT_EQ(check(R"({"max_tokens": null, "n": null, "stop": "x"})"), "");
  // Wrong types are the request parser's to report, with its own message.
  EXPECT_EQ(check(R"({"max_tokens": "many", "stop": 3, "messages": {}})"), "");
}

TEST(RequestLimits, EachBoundNamesItsFieldAndLimit) {
  expect_refused(check(R"({"max_tokens": 131073})"), "'max_tokens'", "131072");
  expect_refused(check(R"({"max_completion_tokens": 1e12})"), "'max_completion_tokens'", "131072");
  expect_refused(check(R"({"min_tokens": 18446744073709551615})"), "'min_tokens'", "131072");
  expect_refused(check(R"({"n": 17})"), "'n'", "16");
  expect_refused(check(R"({"n": 0})"), "'n'", "16");
  expect_refused(check(R"({"n": 2.5})"), "'n'", "16");
  expect_refused(check(R"({"stop": ["1","2","3"]})", {.max_stop = 2}), "'stop'", "2");
  expect_refused(check(R"({"messages": [{}, {}, {}]})", {.max_messages = 2}), "'messages'", "2");
}

}  // namespace
}  // namespace rbench
