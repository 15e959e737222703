// Model profiles: the bundled files load and say what the brief says; bad files fail loudly
// with the file and field named.
#include "engines/openai/model_profile.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "harness/core/error.h"

namespace rbench {
namespace {

using ::testing::HasSubstr;

const std::filesystem::path kModels = std::filesystem::path(RBENCH_SOURCE_DIR) / "data" / "models";

class TempProfile {
 public:
  explicit TempProfile(const std::string& json, const std::string& name = "p.json") {
    dir_ = std::filesystem::temp_directory_path() /
           ("rbench-profile-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    std::filesystem::create_directories(dir_);
    path_ = dir_ / name;
    std::ofstream(path_) << json;
  }
  ~TempProfile() { std::filesystem::remove_all(dir_); }
  const std::filesystem::path& path() const { return path_; }

 private:
  static inline int counter_ = 0;
  std::filesystem::path dir_, path_;
};

std::string load_error(const std::string& json) {
  TempProfile f(json);
  try {
    load_profile_file(f.path());
  } catch (const DataError& e) {
    return e.what();
  }
  return "";
}

TEST(ModelProfile, BundledProfilesAllLoad) {
  const auto profiles = list_profiles(kModels);
  std::vector<std::string> names;
  for (const auto& p : profiles) names.push_back(p.name);
  EXPECT_EQ(names,
            (std::vector<std::string>{"deepseek-r1", "gemini-2.0-flash", "granite-3.2-8b-ollama",
                                      "granite-3.2-8b-vllm", "local", "mock", "openai-o1"}));
  for (const auto& p : profiles) {
    EXPECT_EQ(p.file.stem().string(), p.name);
    // A price is either known with its date and source, or unknown with a note saying why.
    if (p.pricing.known()) {
      EXPECT_TRUE(!p.pricing.source.empty() || p.name == "mock") << p.name;
    } else {
      EXPECT_FALSE(p.pricing.note.empty()) << p.name;
    }
  }
}

TEST(ModelProfile, BundledProfilesSayWhatTheProviderNeeds) {
  const auto r1 = resolve_profile("deepseek-r1", kModels);
  EXPECT_EQ(r1.api_model, "deepseek-reasoner");
  EXPECT_EQ(r1.api_key_envs, std::vector<std::string>{"DEEPSEEK_API_KEY"});
  EXPECT_FALSE(r1.supports_temperature);
  // DeepSeek's dated prices: R1 at launch, the off-peak discount, V3.1's one price, V3.2's cut.
  ASSERT_EQ(r1.price_history.entries.size(), 4u);
  for (const Pricing& p : r1.price_history.entries) {
    EXPECT_FALSE(p.source.empty());
    EXPECT_FALSE(p.as_of.empty());
    EXPECT_TRUE(p.cached_input_per_mtok);
  }
  const Pricing& launch = r1.pricing_at("2025-02-01T12:00:00.000Z");
  EXPECT_DOUBLE_EQ(*launch.input_per_mtok, 0.55);
  EXPECT_DOUBLE_EQ(*launch.output_per_mtok, 2.19);
  EXPECT_TRUE(r1.pricing_at("2025-06-01T12:00:00.000Z").off_peak);
  EXPECT_DOUBLE_EQ(*r1.pricing_at("2025-09-10T12:00:00.000Z").output_per_mtok, 1.68);
  EXPECT_DOUBLE_EQ(*r1.pricing.input_per_mtok, 0.28);  // in force now: the latest
  EXPECT_DOUBLE_EQ(*r1.pricing.cached_input_per_mtok, 0.028);

  const auto o1 = resolve_profile("openai-o1", kModels);
  EXPECT_EQ(o1.max_tokens_field, "max_completion_tokens");
  EXPECT_EQ(o1.reasoning_effort, "medium");
  EXPECT_FALSE(o1.supports_temperature);

  const auto granite = resolve_profile("granite-3.2-8b-vllm", kModels);
  EXPECT_EQ(granite.extra_body_json, R"({"chat_template_kwargs":{"thinking":true}})");
  EXPECT_TRUE(granite.api_key_envs.empty());
  EXPECT_FALSE(granite.pricing.known());

  EXPECT_EQ(resolve_profile("mock", kModels).base_url, "http://127.0.0.1:8088/v1");
  EXPECT_EQ(resolve_profile("gemini-2.0-flash", kModels).api_key_envs,
            std::vector<std::string>{"GEMINI_API_KEY"});
}

TEST(ModelProfile, MinimalFileGetsDefaults) {
  TempProfile f(R"({"base_url": "http://127.0.0.1:1/v1/", "api_model": "m"})", "mine.json");
  const auto p = load_profile_file(f.path());
  EXPECT_EQ(p.name, "mine");
  EXPECT_EQ(p.base_url, "http://127.0.0.1:1/v1");  // trailing slash dropped
  EXPECT_EQ(p.max_tokens_field, "max_tokens");
  EXPECT_EQ(p.think_tags, ThinkTags::leading);
  EXPECT_EQ(p.max_attempts, 5);
  EXPECT_TRUE(p.stream);
}

TEST(ModelProfile, ApiKeyEnvIsOneNameOrSeveral) {
  const std::string base = R"("base_url": "http://x/v1", "api_model": "m")";
  const auto keys_of = [&](const std::string& field) {
    TempProfile f("{" + base + ", " + field + "}");
    return load_profile_file(f.path()).api_key_envs;
  };
  using Names = std::vector<std::string>;
  EXPECT_EQ(keys_of(R"("api_key_env": "KEY_A")"), Names{"KEY_A"});
  EXPECT_EQ(keys_of(R"("api_key_env": "")"), Names{});
  EXPECT_EQ(keys_of(R"("api_key_env": [])"), Names{});
  EXPECT_EQ(keys_of(R"("api_key_env": ["KEY_A", "KEY_B", "KEY_C"])"),
            (Names{"KEY_A", "KEY_B", "KEY_C"}));
  EXPECT_THAT(load_error("{" + base + R"(, "api_key_env": 3})"),
              HasSubstr("p.json: $.api_key_env: expected a string or an array of strings"));
  EXPECT_THAT(load_error("{" + base + R"(, "api_key_env": ["KEY_A", 3]})"),
              HasSubstr("p.json: $.api_key_env[1]: expected a string, got a number"));
  EXPECT_THAT(load_error("{" + base + R"(, "api_key_env": ["KEY_A", ""]})"),
              HasSubstr("p.json: $.api_key_env[1]: expected an environment variable name"));
  EXPECT_THAT(load_error("{" + base + R"(, "api_key_env": ["KEY_A", "KEY_A"]})"),
              HasSubstr("p.json: $.api_key_env[1]: KEY_A is named twice"));
}

TEST(ModelProfile, RateLimitsArePositiveNumbers) {
  const std::string base = R"("base_url": "http://x/v1", "api_model": "m")";
  TempProfile f("{" + base + R"(, "rpm": 500, "tpm": 30000.5})");
  const auto p = load_profile_file(f.path());
  EXPECT_EQ(p.rpm, 500.0);
  EXPECT_EQ(p.tpm, 30000.5);
  TempProfile none("{" + base + R"(, "rpm": null})");
  EXPECT_FALSE(load_profile_file(none.path()).rpm.has_value());
  EXPECT_FALSE(load_profile_file(none.path()).tpm.has_value());
  EXPECT_THAT(load_error("{" + base + R"(, "rpm": 0})"), HasSubstr("p.json: $.rpm: must be > 0"));
  EXPECT_THAT(load_error("{" + base + R"(, "tpm": -3})"), HasSubstr("p.json: $.tpm: must be > 0"));
  EXPECT_THAT(load_error("{" + base + R"(, "tpm": "many"})"),
              HasSubstr("p.json: $.tpm: expected a number"));
}

TEST(ModelProfile, UnknownFieldNamesFileAndField) {
  const auto error =
      load_error(R"({"base_url": "http://x/v1", "api_model": "m", "temprature": 1})");
  EXPECT_NE(error.find("p.json: $.temprature: unknown key"), std::string::npos) << error;
  const auto nested =
      load_error(R"({"base_url": "http://x/v1", "api_model": "m", "pricing": {"input": 1}})");
  EXPECT_NE(nested.find("p.json: $.pricing.input: unknown key"), std::string::npos) << nested;
}

TEST(ModelProfile, WrongTypesAndValuesAreErrors) {
  const std::string base = R"("base_url": "http://x/v1", "api_model": "m", )";
  const auto error_for = [&](const std::string& field) {
    return load_error("{" + base + field + "}");
  };
  EXPECT_THAT(error_for(R"("stream": "yes")"),
              HasSubstr("p.json: $.stream: expected true or false, got a string"));
  EXPECT_THAT(error_for(R"("concurrency": 0)"), HasSubstr("p.json: $.concurrency: must be >= 1"));
  EXPECT_THAT(error_for(R"("max_tokens_field": "max_tok")"),
              HasSubstr("p.json: $.max_tokens_field: \"max_tok\" is not one of"));
  EXPECT_THAT(error_for(R"("think_tags": "auto")"),
              HasSubstr("p.json: $.think_tags: \"auto\" is not one of"));
  EXPECT_THAT(error_for(R"("extra_body": [1])"),
              HasSubstr("p.json: $.extra_body: expected an object, got an array"));
  EXPECT_THAT(error_for(R"("pricing": {"as_of": "March 2025"})"),
              HasSubstr("p.json: $.pricing.as_of: expected a date as YYYY-MM-DD"));
  EXPECT_THAT(error_for(R"("pricing": {"as_of": 2025})"),
              HasSubstr("p.json: $.pricing.as_of: expected a string, got a number"));
  EXPECT_THAT(load_error(R"({"api_model": "m"})"), HasSubstr("p.json: $.base_url: missing"));
  EXPECT_THAT(load_error(R"({"base_url": "ftp://x", "api_model": "m"})"),
              HasSubstr("p.json: $.base_url: \"ftp://x\" must start with http://"));
}

TEST(ModelProfile, InvalidJsonGivesLineAndColumn) {
  const auto error = load_error("{\n  \"base_url\": \"http://x/v1\",\n  \"api_model\": m\n}");
  EXPECT_THAT(error, HasSubstr("p.json: bad JSON at line 3, column 16: Invalid value"));
}

TEST(ModelProfile, ResolveByPathAndUnknownName) {
  TempProfile f(R"({"name": "custom", "base_url": "http://x/v1", "api_model": "m"})");
  EXPECT_EQ(resolve_profile(f.path().string(), kModels).name, "custom");
  try {
    resolve_profile("no-such-model", kModels);
    FAIL() << "expected UsageError";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("deepseek-r1"), std::string::npos) << e.what();
  }
  EXPECT_THROW(resolve_profile("/nonexistent/x.json", kModels), UsageError);
}

TEST(ModelProfile, CostFromUsage) {
  ModelProfile p;
  Usage u;
  u.prompt_tokens = 1'000'000;
  u.completion_tokens = 2'000'000;
  EXPECT_FALSE(token_cost_usd(p.pricing_at(""), u, ""));  // no price known
  p.pricing.input_per_mtok = 0.55;
  p.pricing.output_per_mtok = 2.19;
  EXPECT_NEAR(*token_cost_usd(p.pricing_at(""), u, ""), 0.55 + 4.38, 1e-12);
  u.prompt_tokens = -1;
  EXPECT_FALSE(token_cost_usd(p.pricing_at(""), u, ""));  // usage not reported
}

}  // namespace
}  // namespace rbench
