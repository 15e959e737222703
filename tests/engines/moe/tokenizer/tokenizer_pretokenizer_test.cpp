// Pre-tokenizer components against the expectations published in the Hugging Face tokenizers
// library (huggingface/tokenizers): the SplitDelimiterBehavior table in
// tokenizers/src/tokenizer/normalizer.rs (commit dd399d2ad036f59154028f935891e188df59ab6a), the
// tests of tokenizers/src/pre_tokenizers/split.rs (commit 104fe0cb2b9711176fea888b46017697d0ed32cd)
// and of tokenizers/src/pre_tokenizers/digits.rs (commit 0a930ef1d870af4654c267ce2da4a9923ef747dd).
#include <gtest/gtest.h>

#include "engines/moe/tokenizer/tokenizer.h"
#include "engines/tokenizer_test_util.h"

namespace rbench::moe {
namespace {

using Pieces = std::vector<std::string>;

// Pieces from `step` alone: it runs before a ByteLevel that neither splits nor adds a space.
Pieces pieces(std::string_view step, std::string_view text) {
  const std::string json = test::bytes_only_tokenizer_json(fmt::format(
      R"({{"type": "Sequence", "pretokenizers": [{}, {{"type": "ByteLevel", "add_prefix_space": false,
          "trim_offsets": true, "use_regex": false}}]}})",
      step));
  return Tokenizer::from_json(json).pre_tokenize(text);
}

std::string split(std::string_view pattern_kind, std::string_view pattern,
                  std::string_view behavior, bool invert) {
  return fmt::format(
      R"({{"type": "Split", "pattern": {{"{}": "{}"}}, "behavior": "{}", "invert": {}}})",
      pattern_kind, pattern, behavior, invert);
}

TEST(SplitPreTokenizer, BehaviorTableOnTheFinalCountdown) {
  const std::string text = "the-final--countdown";
  EXPECT_EQ(pieces(split("String", "-", "Removed", false), text),
            (Pieces{"the", "final", "countdown"}));
  EXPECT_EQ(pieces(split("String", "-", "Isolated", false), text),
            (Pieces{"the", "-", "final", "-", "-", "countdown"}));
  EXPECT_EQ(pieces(split("String", "-", "MergedWithPrevious", false), text),
            (Pieces{"the-", "final-", "-", "countdown"}));
  EXPECT_EQ(pieces(split("String", "-", "MergedWithNext", false), text),
            (Pieces{"the", "-final", "-", "-countdown"}));
  EXPECT_EQ(pieces(split("String", "-", "Contiguous", false), text),
            (Pieces{"the", "-", "final", "--", "countdown"}));
}

TEST(SplitPreTokenizer, InvertedRegexEveryBehavior) {
  const std::string text = "How are you doing?";
  const auto inverted = [&](std::string_view behavior) {
    return pieces(split("Regex", R"(\\w+|[^\\w\\s]+)", behavior, true), text);
  };
  EXPECT_EQ(inverted("Removed"), (Pieces{"How", "are", "you", "doing", "?"}));
  EXPECT_EQ(inverted("Isolated"), (Pieces{"How", " ", "are", " ", "you", " ", "doing", "?"}));
  EXPECT_EQ(inverted("MergedWithPrevious"), (Pieces{"How ", "are ", "you ", "doing", "?"}));
  EXPECT_EQ(inverted("MergedWithNext"), (Pieces{"How", " are", " you", " doing", "?"}));
  EXPECT_EQ(inverted("Contiguous"), (Pieces{"How", " ", "are", " ", "you", " ", "doing?"}));
}

TEST(SplitPreTokenizer, InvertedStringEqualsSplittingOnTheRest) {
  const std::string text = "Hello Hello Hello";
  EXPECT_EQ(pieces(split("String", "Hello", "Removed", true), text),
            pieces(split("String", " ", "Removed", false), text));
  EXPECT_EQ(pieces(split("Regex", R"(\\s+)", "Removed", false), "Hey, man!"),
            pieces(split("String", " ", "Removed", false), "Hey, man!"));
}

TEST(DigitsPreTokenizer, GroupedAndIndividual) {
  EXPECT_EQ(pieces(R"({"type": "Digits", "individual_digits": false})", "Hey 123 friend!"),
            (Pieces{"Hey ", "123", " friend!"}));
  EXPECT_EQ(pieces(R"({"type": "Digits", "individual_digits": true})", "Hey 123 friend!"),
            (Pieces{"Hey ", "1", "2", "3", " friend!"}));
}

// ignore_merges (Llama 3 style): a pre-token that is itself in the vocab is emitted whole, even
// when no merge builds it.
TEST(BpeModel, IgnoreMerges) {
  for (const bool ignore : {false, true}) {
    std::string json =
        test::bytes_only_tokenizer_json(R"({"type": "ByteLevel", "add_prefix_space": false})");
    json.replace(json.find(R"("vocab": {)"), 10, R"("vocab": {"hello": 256, )");
    json.replace(json.find(R"("merges": [])"), 12,
                 fmt::format(R"("merges": [], "ignore_merges": {})", ignore));
    const Tokenizer tok = Tokenizer::from_json(json);
    const auto ids = tok.encode("hello");
    EXPECT_EQ(ids.size(), ignore ? 1u : 5u) << "ignore_merges " << ignore;
    EXPECT_EQ(tok.decode(ids), "hello");
  }
}

}  // namespace
}  // namespace rbench::moe
