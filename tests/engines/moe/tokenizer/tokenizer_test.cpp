// Tokenizer: agreement with published Hugging Face reference tokenizations, added and special
// tokens, the post-processor, and refusals of malformed tokenizer.json files.
#include "engines/moe/tokenizer/tokenizer.h"

#include <gtest/gtest.h>

#include <thread>

#include "engines/moe/tokenizer/chat_template.h"
#include "engines/tokenizer_test_util.h"

namespace rbench::moe {
namespace {

using Ids = std::vector<std::int32_t>;

// Expected ids: transformers' tests/models/gpt2/test_tokenization_gpt2.py (see data/README.md).
TEST(TokenizerReference, Gpt2LowerNewer) {
  const Tokenizer tok =
      Tokenizer::load(test::tokenizer_data_dir() / "gpt2_lower_newer.tokenizer.json");
  EXPECT_EQ(tok.encode("lower newer"), (Ids{14, 15, 10, 9, 3, 2, 15}));  // Ġlow er Ġ n e w er
}

// Expected ids: transformers' tests/models/qwen2/test_tokenization_qwen2.py (see data/README.md).
class Qwen2Reference : public ::testing::Test {
 protected:
  const Tokenizer tok =
      Tokenizer::load(test::tokenizer_data_dir() / "qwen2_fixture.tokenizer.json");
};

TEST_F(Qwen2Reference, FullTokenizer) {
  // NFC (U+03D2 U+0301 -> U+03D3), digits one by one, ";}" merged with the newline, the special
  // token.
  EXPECT_EQ(tok.encode("lower lower newer 010;}\n<|endoftext|>\u03d2\u0301"),
            (Ids{75, 78, 86, 260, 259, 260, 220, 77, 68, 86, 260, 220, 15, 16, 15, 266, 270, 267}));
}

TEST_F(Qwen2Reference, NumberSign) {
  EXPECT_EQ(tok.encode(" ###"), (Ids{268, 269}));
}

TEST_F(Qwen2Reference, DecodeKeepsSpecialTokensWithoutSpaces) {
  const Ids ids{259, 260, 270, 271, 26};
  EXPECT_EQ(tok.decode(ids), " lower<|endoftext|><|im_start|>;");
  EXPECT_EQ(tok.decode(ids, /*skip_special=*/true), " lower;");  // ours, not from the source
}

TEST_F(Qwen2Reference, NfcOnly) {
  // The three characters whose NFC, NFD, NFKC and NFKD forms all differ.
  EXPECT_EQ(tok.decode(tok.encode("\u03d2\u0301\u03d2\u0308\u017f\u0307")), "\u03d3\u03d4\u1e9b");
}

TEST_F(Qwen2Reference, ParseSpecialFalseLeavesSpecialTokensAsText) {
  const Ids ids = tok.encode("a<|endoftext|>", {.parse_special = false});
  EXPECT_EQ(std::count(ids.begin(), ids.end(), 270), 0);
  EXPECT_EQ(tok.decode(ids), "a<|endoftext|>");
}

TEST(TokenizerSpecial, DeepSeekTokensSplitOut) {
  const Tokenizer& tok = test::trained_tokenizer();
  const std::int32_t user = *tok.token_id(kUserToken);
  const std::int32_t assistant = *tok.token_id(kAssistantToken);
  const std::int32_t think = *tok.token_id("<think>");
  const Ids ids = tok.encode("<｜User｜>hi<｜Assistant｜><think>\n");
  ASSERT_GE(ids.size(), 4u);
  EXPECT_EQ(ids.front(), user);
  EXPECT_EQ(ids[ids.size() - 3], assistant);
  EXPECT_EQ(ids[ids.size() - 2], think);
  EXPECT_EQ(tok.decode(ids), "<｜User｜>hi<｜Assistant｜><think>\n");
  EXPECT_TRUE(tok.is_special(user));
  EXPECT_FALSE(tok.is_special(think));  // DeepSeek-R1 marks the think tags special=false
  EXPECT_EQ(tok.decode(ids, /*skip_special=*/true), "hi<think>\n");
}

TEST(TokenizerSpecial, ParseSpecialFalseTreatsThemAsText) {
  const Tokenizer& tok = test::trained_tokenizer();
  const std::string text = "<｜User｜>hi<｜end▁of▁sentence｜>";
  const Ids ids = tok.encode(text, {.parse_special = false});
  for (const std::int32_t id : ids) EXPECT_FALSE(tok.is_special(id)) << id;
  EXPECT_GT(ids.size(), 3u);
  EXPECT_EQ(tok.decode(ids), text);
}

TEST(TokenizerSpecial, AddSpecialTokensPrependsBos) {
  const Tokenizer& tok = test::trained_tokenizer();
  const Ids plain = tok.encode("1 + 1 = 2");
  Ids with_bos = tok.encode("1 + 1 = 2", {.add_special_tokens = true});
  ASSERT_EQ(with_bos.size(), plain.size() + 1);
  EXPECT_EQ(with_bos.front(), *tok.token_id(kBosToken));
  EXPECT_EQ(Ids(with_bos.begin() + 1, with_bos.end()), plain);
}

// lstrip/rstrip/single_word as tokenizers' AddedVocabulary applies them.
TEST(TokenizerSpecial, AddedTokenOptions) {
  std::string json =
      test::bytes_only_tokenizer_json(R"({"type": "ByteLevel", "add_prefix_space": false})");
  json.replace(json.find(R"("added_tokens": [])"), 18, R"("added_tokens": [
      {"id": 256, "content": "<mask>", "lstrip": true, "rstrip": false, "special": true},
      {"id": 257, "content": "ony", "single_word": true, "special": false, "normalized": false},
      {"id": 258, "content": "<eot>", "rstrip": true, "special": true},
      {"id": 259, "content": "<eot><x>", "special": true}])");
  const Tokenizer tok = Tokenizer::from_json(json);
  EXPECT_EQ(tok.vocab_size(), 260);
  // lstrip takes the space before the token into it; decoding gives the content only.
  const Ids masked = tok.encode("a <mask> b");
  EXPECT_EQ(masked, (Ids{'a', 256, ' ', 'b'}));  // here a byte's id is its value
  EXPECT_EQ(tok.decode(masked), "a<mask> b");
  // single_word: not inside "anthony", but on its own.
  EXPECT_EQ(tok.encode("anthony"), (Ids{'a', 'n', 't', 'h', 'o', 'n', 'y'}));
  EXPECT_EQ(tok.encode("an ony."), (Ids{'a', 'n', ' ', 257, '.'}));
  // rstrip takes the whitespace after; at one position the longest token wins.
  EXPECT_EQ(tok.encode("<eot>  z"), (Ids{258, 'z'}));
  EXPECT_EQ(tok.encode("<eot><x>"), (Ids{259}));
}

TEST(TokenizerApi, TokenBytesAndIds) {
  const Tokenizer& tok = test::gpt2_style_tokenizer();
  EXPECT_EQ(tok.vocab_size(), 256);
  EXPECT_EQ(tok.token_id("Ġ"), 32);
  EXPECT_EQ(tok.token_bytes(32), " ");
  EXPECT_EQ(tok.token_bytes(0), std::string(1, '\0'));
  EXPECT_EQ(tok.token_id("not a token"), std::nullopt);
  EXPECT_THROW(tok.token_bytes(256), std::out_of_range);
  EXPECT_THROW(tok.decode(Ids{-1}), std::out_of_range);
}

TEST(TokenizerApi, ConstMethodsFromManyThreads) {
  const Tokenizer& tok = test::trained_tokenizer();
  const std::vector<std::string> texts = builtin_bpe_corpus();
  std::vector<Ids> expected;
  for (const auto& text : texts) expected.push_back(tok.encode(text));
  std::vector<std::jthread> threads;
  std::vector<int> mismatches(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (std::size_t i = 0; i < texts.size(); ++i) {
        const std::size_t k = (i * 7 + static_cast<std::size_t>(t) * 13) % texts.size();
        if (tok.encode(texts[k]) != expected[k] || tok.decode(expected[k]) != texts[k])
          ++mismatches[t];
      }
    });
  }
  threads.clear();
  EXPECT_EQ(mismatches, std::vector<int>(4, 0));
}

// --- malformed files: a DataError naming the file, the JSON path and the component -------------

TEST(TokenizerErrors, NotJson) {
  const std::string message = test::load_error("{\"model\": ", "broken.json");
  EXPECT_NE(message.find("broken.json: bad JSON at line 1, column 11"), std::string::npos)
      << message;
}

TEST(TokenizerErrors, MissingModel) {
  const std::string message = test::load_error(R"({"version": "1.0", "pre_tokenizer": null})");
  EXPECT_NE(message.find("bad.json: $.model: missing"), std::string::npos) << message;
}

TEST(TokenizerErrors, UnknownPreTokenizer) {
  const std::string message = test::load_error(test::bytes_only_tokenizer_json(
      R"({"type": "Sequence", "pretokenizers": [{"type": "Metaspace", "replacement": "_"}]})"));
  EXPECT_NE(message.find("bad.json: $.pre_tokenizer.pretokenizers[0]: unsupported"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("\"Metaspace\""), std::string::npos) << message;
}

TEST(TokenizerErrors, UnsupportedNormalizerAndDecoder) {
  std::string json = test::bytes_only_tokenizer_json(R"({"type": "ByteLevel"})");
  std::string bad = json;
  bad.replace(bad.find(R"("normalizer": null)"), 18, R"("normalizer": {"type": "Lowercase"})");
  EXPECT_NE(test::load_error(bad).find(
                "bad.json: $.normalizer: unsupported normalizer type \"Lowercase\""),
            std::string::npos)
      << test::load_error(bad);
  bad = json;
  bad.replace(bad.find(R"("decoder": {"type": "ByteLevel"})"), 32,
              R"("decoder": {"type": "Metaspace"})");
  EXPECT_NE(
      test::load_error(bad).find("bad.json: $.decoder: unsupported decoder type \"Metaspace\""),
      std::string::npos)
      << test::load_error(bad);
}

TEST(TokenizerErrors, MergeOfUnknownToken) {
  std::string json = test::bytes_only_tokenizer_json(R"({"type": "ByteLevel"})");
  json.replace(json.find(R"("merges": [])"), 12, R"("merges": ["a b", "ab zz"])");
  const std::string message = test::load_error(json);
  EXPECT_NE(message.find("bad.json: $.model.merges[0]: merged token \"ab\" is not in the vocab"),
            std::string::npos)
      << message;
}

TEST(TokenizerErrors, BadRegexAndModelType) {
  std::string message =
      test::load_error(test::bytes_only_tokenizer_json(R"({"type": "Sequence", "pretokenizers": [
        {"type": "Split", "pattern": {"Regex": "(unclosed"}, "behavior": "Isolated"}, {"type": "ByteLevel"}]})"));
  EXPECT_NE(message.find(
                "bad.json: $.pre_tokenizer.pretokenizers[0].pattern.Regex: regex does not compile"),
            std::string::npos)
      << message;
  std::string json = test::bytes_only_tokenizer_json(R"({"type": "ByteLevel"})");
  json.replace(json.find(R"("type": "BPE")"), 13, R"("type": "WordPiece")");
  message = test::load_error(json);
  EXPECT_NE(message.find("bad.json: $.model: unsupported model type \"WordPiece\""),
            std::string::npos)
      << message;
}

}  // namespace
}  // namespace rbench::moe
