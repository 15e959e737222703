// The dummy models' byte tokenizer: any text round-trips byte for byte, the chat template's
// special tokens are single ids where the config puts BOS and EOS, and every other id of the
// model's vocabulary decodes to a placeholder instead of failing.
#include "engines/moe/tokenizer/byte_tokenizer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engines/moe/tokenizer/chat_template.h"

namespace rbench::moe {
namespace {

TEST(ByteTokenizer, TextRoundTripsByteForByte) {
  const Tokenizer t = byte_tokenizer({.vocab_size = 102400, .bos = 100000, .eos = 100001});
  std::string all_bytes;
  for (int b = 0; b < 256; ++b) all_bytes.push_back(static_cast<char>(b));
  for (const std::string& text :
       {std::string("hi"), std::string("Hello, world!\n  12 + 30 = 42"),
        std::string("héllo ∑ 日本語 🙂"), all_bytes, std::string()}) {
    const std::vector<std::int32_t> ids = t.encode(text);
    EXPECT_EQ(ids.size(), text.size()) << "one token per byte";
    EXPECT_EQ(t.decode(ids), text);
  }
}

TEST(ByteTokenizer, SpecialTokensSitAtTheConfigsIds) {
  // DeepSeek-V3's layout: BOS 0 and EOS 1, so the bytes go around them.
  const Tokenizer v3 = byte_tokenizer({.vocab_size = 129280, .bos = 0, .eos = 1});
  EXPECT_EQ(v3.token_id(kBosToken), 0);
  EXPECT_EQ(v3.token_id(kEosToken), 1);
  EXPECT_EQ(v3.encode("A"), std::vector<std::int32_t>{2 + 'A'});
  EXPECT_EQ(v3.vocab_size(), 129280);
  const Tokenizer lite = byte_tokenizer({.vocab_size = 102400, .bos = 100000, .eos = 100001});
  EXPECT_EQ(lite.token_id(kBosToken), 100000);
  EXPECT_EQ(lite.encode("A"), std::vector<std::int32_t>{'A'});
  // The post-processor prepends BOS, as DeepSeek's does.
  EXPECT_EQ(lite.encode("A", {.add_special_tokens = true}),
            (std::vector<std::int32_t>{100000, 'A'}));
}

TEST(ByteTokenizer, ChatPromptsEncodeWithTheirSpecialTokens) {
  const Tokenizer t = byte_tokenizer({.vocab_size = 102400, .bos = 100000, .eos = 100001});
  const std::vector<ChatMessage> messages = {{"user", "hi"}};
  const std::string prompt = apply_chat_template(messages);
  const std::vector<std::int32_t> ids = t.encode(prompt);
  ASSERT_FALSE(ids.empty());
  EXPECT_EQ(ids.front(), 100000);
  for (std::string_view special : {kUserToken, kAssistantToken, std::string_view("<think>")}) {
    const auto id = t.token_id(special);
    ASSERT_TRUE(id.has_value()) << special;
    EXPECT_NE(std::find(ids.begin(), ids.end(), *id), ids.end()) << special;
  }
  EXPECT_EQ(t.decode(ids), prompt);
  EXPECT_EQ(t.decode(ids, /*skip_special=*/true).find("<｜User｜>"), std::string::npos);
}

TEST(ByteTokenizer, UnknownIdsDecodeToPlaceholders) {
  const Tokenizer t = byte_tokenizer({.vocab_size = 102400, .bos = 100000, .eos = 100001});
  EXPECT_EQ(t.decode(std::vector<std::int32_t>{5000, 'a', 102399}), "<tok_5000>a<tok_102399>");
  EXPECT_EQ(t.token_bytes(70000), "<tok_70000>");
  EXPECT_FALSE(t.is_special(70000));
  // Outside the model's vocabulary is still an error.
  EXPECT_THROW(t.decode(std::vector<std::int32_t>{102400}), std::out_of_range);
}

TEST(ByteTokenizer, RefusesIdsThatDoNotFit) {
  EXPECT_THROW(byte_tokenizer({.vocab_size = 300, .bos = 5, .eos = 5}), std::invalid_argument);
  EXPECT_THROW(byte_tokenizer({.vocab_size = 100, .bos = 0, .eos = 1}), std::invalid_argument);
}

}  // namespace
}  // namespace rbench::moe
