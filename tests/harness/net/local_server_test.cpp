// The loopback servers' shared pieces: the bearer-key check and OpenAI's error body.
#include "harness/net/local_server.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

namespace rbench::http {
namespace {

TEST(BearerKey, OnlyTheExactKeyAfterBearerMatches) {
  EXPECT_TRUE(bearer_key_matches("Bearer s3cret-key", "s3cret-key"));
  for (const char* wrong : {"", "Bearer", "Bearer ", "bearer s3cret-key", "Basic s3cret-key",
                            "Bearer s3cret-ke", "Bearer s3cret-keyy", "Bearer S3cret-key",
                            "Bearer  s3cret-key", "s3cret-key", "Bearer s3cret-kez"}) {
    EXPECT_FALSE(bearer_key_matches(wrong, "s3cret-key")) << "'" << wrong << "'";
  }
  // No key configured never matches (the server then does not check at all).
  EXPECT_FALSE(bearer_key_matches("Bearer ", ""));
  // A NUL inside the header does not end the comparison early.
  EXPECT_FALSE(bearer_key_matches(std::string_view("Bearer ab\0d", 11), "ab\0c"));
  EXPECT_TRUE(
      bearer_key_matches(std::string_view("Bearer ab\0c", 11), std::string_view("ab\0c", 4)));
}

TEST(OpenAIErrorJson, HasMessageTypeAndCode) {
  rapidjson::Document doc;
  doc.Parse(openai_error_json("'n' must be \"small\"", "invalid_request_error", 400).c_str());
  ASSERT_FALSE(doc.HasParseError());
  EXPECT_STREQ(doc["error"]["message"].GetString(), "'n' must be \"small\"");
  EXPECT_STREQ(doc["error"]["type"].GetString(), "invalid_request_error");
  EXPECT_EQ(doc["error"]["code"].GetInt(), 400);
}

}  // namespace
}  // namespace rbench::http
