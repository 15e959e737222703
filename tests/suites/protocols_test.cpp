// Published protocols: the presets are written down with their sources, unknown names are usage
// errors naming the known ones, and explicit flags override a preset's values.
#include "suites/protocols.h"

#include <gtest/gtest.h>

#include "harness/core/error.h"

namespace rbench {
namespace {

TEST(Protocols, DeepSeekR1IsDeepSeeksPublishedSetting) {
  const Protocol& p = protocol_or_throw("deepseek-r1");
  EXPECT_EQ(p.samples, 64);
  EXPECT_EQ(p.temperature, 0.6);
  EXPECT_EQ(p.top_p, 0.95);
  EXPECT_EQ(p.max_tokens, 32768);
  EXPECT_NE(p.source.find("github.com/deepseek-ai/DeepSeek-R1"), std::string::npos);
  EXPECT_NE(p.quote.find("32,768"), std::string::npos);
}

// The settings ZeroEval records in every result file it publishes (the o1 answers rbench imports).
TEST(Protocols, ZeroEvalIsOneGreedySampleOf4096Tokens) {
  const Protocol& p = protocol_or_throw("zeroeval");
  EXPECT_EQ(p.samples, 1);
  EXPECT_EQ(p.temperature, 0.0);
  EXPECT_EQ(p.top_p, 1.0);
  EXPECT_EQ(p.max_tokens, 4096);
  EXPECT_NE(p.source.find("github.com/WildEval/ZeroEval"), std::string::npos);
}

TEST(Protocols, EveryProtocolHasASourceAndAQuote) {
  ASSERT_FALSE(protocols().empty());
  for (const Protocol& p : protocols()) {
    EXPECT_TRUE(p.source.starts_with("https://")) << p.name;
    EXPECT_FALSE(p.quote.empty()) << p.name;
    EXPECT_FALSE(p.summary.empty()) << p.name;
    EXPECT_GE(p.samples, 1) << p.name;
  }
}

TEST(Protocols, UnknownNamesAreUsageErrorsNamingTheKnownOnes) {
  EXPECT_FALSE(find_protocol("deepseek-r2"));
  try {
    protocol_or_throw("deepseek-r2");
    FAIL() << "no error";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("unknown protocol 'deepseek-r2' (known: deepseek-r1"),
              std::string::npos)
        << e.what();
  }
}

TEST(Protocols, ThePresetFillsOnlyWhatTheCommandLineLeftUnset) {
  const Protocol& p = protocol_or_throw("deepseek-r1");
  ProtocolSettings none;
  EXPECT_EQ(apply_protocol(p, none),
            (std::vector<std::string>{"samples", "temperature", "top_p", "max_tokens"}));
  EXPECT_EQ(none.samples, 64);
  EXPECT_EQ(none.temperature, 0.6);
  EXPECT_EQ(none.top_p, 0.95);
  EXPECT_EQ(none.max_tokens, 32768);

  ProtocolSettings explicit_flags{.samples = 4, .temperature = 0.0, .max_tokens = 1024};
  EXPECT_EQ(apply_protocol(p, explicit_flags), (std::vector<std::string>{"top_p"}));
  EXPECT_EQ(explicit_flags.samples, 4);
  EXPECT_EQ(explicit_flags.temperature, 0.0);  // an explicit 0 is a value, not "unset"
  EXPECT_EQ(explicit_flags.top_p, 0.95);
  EXPECT_EQ(explicit_flags.max_tokens, 1024);
}

}  // namespace
}  // namespace rbench
