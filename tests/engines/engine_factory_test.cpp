// The engine factory: the refusals every command shares, an endpoint's profile with the command
// line's overrides, and the profile it makes for a checkpoint on the built-in engine.
#include "engines/engine_factory.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "harness/core/error.h"

namespace rbench {
namespace {

using testing::HasSubstr;

const std::filesystem::path kProfiles = std::filesystem::path(RBENCH_SOURCE_DIR) / "data/models";
const std::string kModel = std::string(RBENCH_SOURCE_DIR) + "/data/checkpoints/tiny-r1-arith";

std::string refusal(const EngineOptions& o) {
  try {
    check_engine_options(o, "cmd");
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

TEST(EngineFactory, RefusesOptionsThatDoNotApplyToTheEngine) {
  EXPECT_EQ(refusal({.engine = "openai", .model = "x"}), "");
  EXPECT_THAT(refusal({.engine = "nope", .model = "x"}), HasSubstr("'nope'"));
  EXPECT_THAT(refusal({.engine = "openai", .model = "x", .mtp = true}),
              HasSubstr("cmd: --mtp applies to --engine builtin"));
  EXPECT_THAT(refusal({.engine = "builtin", .model = kModel, .base_url = "http://127.0.0.1:1/v1"}),
              HasSubstr("apply to endpoints"));
  EXPECT_THAT(refusal({.engine = "builtin", .model = kModel, .max_batch = 0}),
              HasSubstr("--max-batch must be >= 1"));
}

TEST(EngineFactory, EndpointProfileTakesTheOverrides) {
  const MadeEngine made = make_engine({.engine = "openai",
                                       .model = "mock",
                                       .base_url = "http://127.0.0.1:9/v1",
                                       .api_model = "my-model",
                                       .max_attempts = 1},
                                      kProfiles, "cmd");
  ASSERT_NE(made.engine, nullptr);
  EXPECT_FALSE(made.builtin);
  EXPECT_EQ(made.profile.name, "mock");
  EXPECT_EQ(made.profile.base_url, "http://127.0.0.1:9/v1");
  EXPECT_EQ(made.profile.api_model, "my-model");
  EXPECT_EQ(made.profile.max_attempts, 1);
  EXPECT_EQ(made.model_name, "my-model");
  EXPECT_TRUE(made.profile.pricing.known()) << "the profile's price is kept";
}

TEST(EngineFactory, CheckpointGetsAProfileOfItsOwn) {
  const MadeEngine plain =
      make_engine({.engine = "builtin", .model = kModel, .max_batch = 3}, kProfiles, "cmd");
  const MadeEngine mtp = make_engine(
      {.engine = "builtin", .model = kModel, .mtp = true, .max_batch = 3}, kProfiles, "cmd");
  ASSERT_NE(plain.engine, nullptr);
  EXPECT_TRUE(plain.builtin);
  EXPECT_EQ(plain.profile.name, "builtin:tiny-r1-arith");
  EXPECT_EQ(mtp.profile.name, "builtin:tiny-r1-arith+mtp");
  EXPECT_EQ(plain.profile.concurrency, 3);
  EXPECT_FALSE(plain.profile.pricing.known());
  // The weights' digest in api_model: other weights are another run; MTP is another run too.
  EXPECT_THAT(plain.profile.api_model, HasSubstr("tiny-r1-arith@"));
  EXPECT_EQ(mtp.profile.api_model, plain.profile.api_model + "+mtp");
  EXPECT_EQ(plain.tokenizer, std::filesystem::path(kModel) / "tokenizer.json");
}

TEST(EngineFactory, MissingProfileOrCheckpointOrKeyIsAClearError) {
  unsetenv("DEEPSEEK_API_KEY");  // a developer's own key must not make the test pass
  try {
    make_engine({.engine = "openai", .model = "deepseek-r1"}, kProfiles, "cmd");
    ADD_FAILURE() << "no error without DEEPSEEK_API_KEY";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("DEEPSEEK_API_KEY"));
  }
  EXPECT_THROW(make_engine({.engine = "openai", .model = "no-such-profile"}, kProfiles, "cmd"),
               Error);
  EXPECT_THROW(make_engine({.engine = "builtin", .model = "/nonexistent"}, kProfiles, "cmd"),
               Error);
}

}  // namespace
}  // namespace rbench

namespace rbench {
namespace {

ModelProfile limited(const std::string& name, std::vector<std::string> keys,
                     std::optional<double> rpm, std::optional<double> tpm) {
  ModelProfile p;
  p.name = name;
  p.file = "/profiles/" + name + ".json";
  p.api_key_envs = std::move(keys);
  p.rpm = rpm;
  p.tpm = tpm;
  return p;
}

TEST(SharedRateLimiters, OnePerKeyOrPerProfileWithoutAKey) {
  SharedRateLimiters limiters;
  EXPECT_EQ(limiters.for_profile(limited("free", {}, std::nullopt, std::nullopt)), nullptr);
  const auto a = limiters.for_profile(limited("a", {"KEY_1"}, 500, 90'000));
  const auto b = limiters.for_profile(limited("b", {"KEY_1"}, 500, 90'000));
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a, b) << "two models on one key share its limit";
  EXPECT_EQ(a->requests_per_minute(), 500.0);
  EXPECT_EQ(a->tokens_per_minute(), 90'000.0);
  EXPECT_NE(limiters.for_profile(limited("c", {"KEY_2"}, 500, std::nullopt)), a);
  // Without a key, the profile file is the unit.
  const auto local = limiters.for_profile(limited("local", {}, 60, std::nullopt));
  EXPECT_EQ(limiters.for_profile(limited("local", {}, 60, std::nullopt)), local);
  EXPECT_NE(limiters.for_profile(limited("other", {}, 60, std::nullopt)), local);
}

TEST(SharedRateLimiters, ModelsOnOneKeyMustAgree) {
  SharedRateLimiters limiters;
  limiters.for_profile(limited("a", {"KEY_1"}, 500, std::nullopt));
  try {
    limiters.for_profile(limited("b", {"KEY_1"}, 100, std::nullopt));
    ADD_FAILURE() << "accepted different limits on one key";
  } catch (const UsageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("models a and b share the API key KEY_1"));
    EXPECT_THAT(e.what(), HasSubstr("rpm 500, tpm none"));
  }
}

TEST(EngineFactory, RateLimitsApplyToEndpointsAndOverrideTheProfile) {
  EXPECT_THAT(refusal({.engine = "builtin", .model = kModel, .rpm = 10}),
              HasSubstr("cmd: --rpm and --tpm apply to endpoints"));
  const MadeEngine made = make_engine(
      {.engine = "openai", .model = "mock", .base_url = "http://127.0.0.1:9/v1", .tpm = 1000},
      kProfiles, "cmd");
  EXPECT_EQ(made.profile.tpm, 1000.0);
  EXPECT_FALSE(made.profile.rpm.has_value());
}

}  // namespace
}  // namespace rbench
