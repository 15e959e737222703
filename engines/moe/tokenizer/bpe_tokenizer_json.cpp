#include "engines/moe/tokenizer/bpe_tokenizer_json.h"

#include <string_view>
#include <vector>

#include "engines/moe/tokenizer/chat_template.h"
#include "engines/moe/tokenizer/tokenizer_unicode.h"
#include "harness/core/json_writer.h"

namespace rbench::moe {

namespace {

// DeepSeek-V3's pre-tokenizer Splits, as its published tokenizer.json has them (CR and LF stand
// in the file as the characters themselves, not as \r and \n regex escapes).
const std::vector<std::string>& deepseek_split_patterns() {
  static const std::vector<std::string> patterns = {
      R"(\p{N}{1,3})",
      "[\u4e00-\u9fa5\u3040-\u309f\u30a0-\u30ff]+",
      std::string(R"([!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~][A-Za-z]+|[^)") + "\r\n" +
          R"(\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+| ?[\p{P}\p{S}]+[)" + "\r\n" + R"(]*|\s*[)" + "\r\n" +
          R"(]+|\s+(?!\S)|\s+)",
  };
  return patterns;
}

struct SpecialToken {
  std::string_view content;
  bool special;
};

// Appended after the learnt vocabulary. DeepSeek-R1 marks its think tags special=false, so they
// survive skip_special decoding.
constexpr SpecialToken kSpecialTokens[] = {
    {kBosToken, true},  {kEosToken, true},   {kUserToken, true},    {kAssistantToken, true},
    {"<think>", false}, {"</think>", false}, {"<｜▁pad▁｜>", true},
};

json::OutValue byte_level(bool add_prefix_space, bool use_regex) {
  return json::object({{"type", "ByteLevel"},
                       {"add_prefix_space", add_prefix_space},
                       {"trim_offsets", true},
                       {"use_regex", use_regex}});
}

void write_split(json::Writer& w, const std::string& pattern) {
  w.object({{"type", "Split"},
            {"pattern", json::object({{"Regex", pattern}})},
            {"behavior", "Isolated"},
            {"invert", false}});
}

json::OutValue pre_tokenizer() {
  return json::object({{"type", "Sequence"}, {"pretokenizers", [](json::Writer& w) {
                                                w.array([](json::Writer& w) {
                                                  for (const std::string& p :
                                                       deepseek_split_patterns())
                                                    write_split(w, p);
                                                  w.value(byte_level(false, false));
                                                });
                                              }}});
}

// TemplateProcessing as DeepSeek-V3 has it: BOS before each sequence.
json::OutValue post_processor(std::int32_t bos_id) {
  const auto item = [](std::string_view kind, std::string_view id, int type_id) {
    return json::object({{kind, json::object({{"id", id}, {"type_id", type_id}})}});
  };
  return json::object(
      {{"type", "TemplateProcessing"},
       {"single", json::array({item("SpecialToken", kBosToken, 0), item("Sequence", "A", 0)})},
       {"pair", json::array({item("SpecialToken", kBosToken, 0), item("Sequence", "A", 0),
                             item("SpecialToken", kBosToken, 1), item("Sequence", "B", 1)})},
       {"special_tokens",
        json::object({{kBosToken, json::object({{"id", kBosToken},
                                                {"ids", json::array({bos_id})},
                                                {"tokens", json::array({kBosToken})}})}})}});
}

void write_model(json::Writer& w, std::span<const std::string> tokens,
                 std::span<const std::pair<std::int32_t, std::int32_t>> merges) {
  const ByteLevelAlphabet& alphabet = ByteLevelAlphabet::get();
  w.object(
      {{"type", "BPE"},
       {"dropout", json::null},
       {"unk_token", json::null},
       {"continuing_subword_prefix", json::null},
       {"end_of_word_suffix", json::null},
       {"fuse_unk", false},
       {"byte_fallback", false},
       {"ignore_merges", false},
       {"vocab",
        [&](json::Writer& w) {
          w.object([&](json::Writer& w) {
            for (std::size_t id = 0; id < tokens.size(); ++id) {
              w.field(alphabet.encode(tokens[id]), static_cast<int>(id));
            }
          });
        }},
       // "a b" strings, as DeepSeek-V3's file has them; byte-level tokens never contain a space.
       {"merges", json::array(merges, [&](json::Writer& w, const auto& merge) {
          w.value(alphabet.encode(tokens[static_cast<std::size_t>(merge.first)]) + " " +
                  alphabet.encode(tokens[static_cast<std::size_t>(merge.second)]));
        })}});
}

void write_added_tokens(json::Writer& w, std::int32_t first_special) {
  w.array([&](json::Writer& w) {
    for (std::int32_t i = 0; const SpecialToken& special : kSpecialTokens) {
      w.object({{"id", first_special + i++},
                {"content", special.content},
                {"single_word", false},
                {"lstrip", false},
                {"rstrip", false},
                {"normalized", false},
                {"special", special.special}});
    }
  });
}

}  // namespace

std::string deepseek_bpe_tokenizer_json(
    std::span<const std::string> tokens,
    std::span<const std::pair<std::int32_t, std::int32_t>> merges) {
  const auto first_special = static_cast<std::int32_t>(tokens.size());
  json::Writer w(json::Pretty{.single_line_arrays = true});
  w.object({{"version", "1.0"},
            {"truncation", json::null},
            {"padding", json::null},
            {"added_tokens", [&](json::Writer& w) { write_added_tokens(w, first_special); }},
            {"normalizer", json::null},
            {"pre_tokenizer", pre_tokenizer()},
            {"post_processor", post_processor(first_special)},
            {"decoder", byte_level(true, true)},
            {"model", [&](json::Writer& w) { write_model(w, tokens, merges); }}});
  return w.str();
}

}  // namespace rbench::moe
