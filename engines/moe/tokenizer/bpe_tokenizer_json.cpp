#include "engines/moe/tokenizer/bpe_tokenizer_json.h"

#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include <string_view>
#include <vector>

#include "engines/moe/tokenizer/chat_template.h"
#include "engines/moe/tokenizer/tokenizer_unicode.h"

namespace rbench::moe {

namespace {

using Writer = rapidjson::PrettyWriter<rapidjson::StringBuffer>;

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

void key(Writer& w, std::string_view name) {
  w.Key(name.data(), static_cast<rapidjson::SizeType>(name.size()));
}
void string(Writer& w, std::string_view text) {
  w.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
}
void put_string(Writer& w, std::string_view name, std::string_view value) {
  key(w, name);
  string(w, value);
}
void put_bool(Writer& w, std::string_view name, bool value) {
  key(w, name);
  w.Bool(value);
}
void put_null(Writer& w, std::string_view name) {
  key(w, name);
  w.Null();
}

void write_byte_level(Writer& w, bool add_prefix_space, bool use_regex) {
  w.StartObject();
  put_string(w, "type", "ByteLevel");
  put_bool(w, "add_prefix_space", add_prefix_space);
  put_bool(w, "trim_offsets", true);
  put_bool(w, "use_regex", use_regex);
  w.EndObject();
}

void write_pre_tokenizer(Writer& w) {
  w.StartObject();
  put_string(w, "type", "Sequence");
  key(w, "pretokenizers");
  w.StartArray();
  for (const std::string& pattern : deepseek_split_patterns()) {
    w.StartObject();
    put_string(w, "type", "Split");
    key(w, "pattern");
    w.StartObject();
    put_string(w, "Regex", pattern);
    w.EndObject();
    put_string(w, "behavior", "Isolated");
    put_bool(w, "invert", false);
    w.EndObject();
  }
  write_byte_level(w, false, false);
  w.EndArray();
  w.EndObject();
}

// TemplateProcessing as DeepSeek-V3 has it: BOS before each sequence.
void write_post_processor(Writer& w, std::int32_t bos_id) {
  const auto item = [&](std::string_view kind, std::string_view id, int type_id) {
    w.StartObject();
    key(w, kind);
    w.StartObject();
    put_string(w, "id", id);
    key(w, "type_id");
    w.Int(type_id);
    w.EndObject();
    w.EndObject();
  };
  w.StartObject();
  put_string(w, "type", "TemplateProcessing");
  key(w, "single");
  w.StartArray();
  item("SpecialToken", kBosToken, 0);
  item("Sequence", "A", 0);
  w.EndArray();
  key(w, "pair");
  w.StartArray();
  item("SpecialToken", kBosToken, 0);
  item("Sequence", "A", 0);
  item("SpecialToken", kBosToken, 1);
  item("Sequence", "B", 1);
  w.EndArray();
  key(w, "special_tokens");
  w.StartObject();
  key(w, kBosToken);
  w.StartObject();
  put_string(w, "id", kBosToken);
  key(w, "ids");
  w.StartArray();
  w.Int(bos_id);
  w.EndArray();
  key(w, "tokens");
  w.StartArray();
  string(w, kBosToken);
  w.EndArray();
  w.EndObject();
  w.EndObject();
  w.EndObject();
}

void write_model(Writer& w, std::span<const std::string> tokens,
                 std::span<const std::pair<std::int32_t, std::int32_t>> merges) {
  const ByteLevelAlphabet& alphabet = ByteLevelAlphabet::get();
  w.StartObject();
  put_string(w, "type", "BPE");
  put_null(w, "dropout");
  put_null(w, "unk_token");
  put_null(w, "continuing_subword_prefix");
  put_null(w, "end_of_word_suffix");
  put_bool(w, "fuse_unk", false);
  put_bool(w, "byte_fallback", false);
  put_bool(w, "ignore_merges", false);
  key(w, "vocab");
  w.StartObject();
  for (std::size_t id = 0; id < tokens.size(); ++id) {
    key(w, alphabet.encode(tokens[id]));
    w.Int(static_cast<int>(id));
  }
  w.EndObject();
  key(w, "merges");
  w.StartArray();
  // "a b" strings, as DeepSeek-V3's file has them; byte-level tokens never contain a space.
  for (const auto& [left, right] : merges) {
    string(w, alphabet.encode(tokens[static_cast<std::size_t>(left)]) + " " +
                  alphabet.encode(tokens[static_cast<std::size_t>(right)]));
  }
  w.EndArray();
  w.EndObject();
}

}  // namespace

std::string deepseek_bpe_tokenizer_json(
    std::span<const std::string> tokens,
    std::span<const std::pair<std::int32_t, std::int32_t>> merges) {
  const auto first_special = static_cast<std::int32_t>(tokens.size());
  rapidjson::StringBuffer buffer;
  Writer w(buffer);
  w.SetIndent(' ', 2);
  w.SetFormatOptions(rapidjson::kFormatSingleLineArray);
  w.StartObject();
  put_string(w, "version", "1.0");
  put_null(w, "truncation");
  put_null(w, "padding");
  key(w, "added_tokens");
  w.StartArray();
  for (std::int32_t i = 0; const SpecialToken& special : kSpecialTokens) {
    w.StartObject();
    key(w, "id");
    w.Int(first_special + i++);
    put_string(w, "content", special.content);
    put_bool(w, "single_word", false);
    put_bool(w, "lstrip", false);
    put_bool(w, "rstrip", false);
    put_bool(w, "normalized", false);
    put_bool(w, "special", special.special);
    w.EndObject();
  }
  w.EndArray();
  put_null(w, "normalizer");
  key(w, "pre_tokenizer");
  write_pre_tokenizer(w);
  key(w, "post_processor");
  write_post_processor(w, first_special);
  key(w, "decoder");
  write_byte_level(w, true, true);
  key(w, "model");
  write_model(w, tokens, merges);
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace rbench::moe
