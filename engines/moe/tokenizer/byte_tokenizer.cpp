// The byte-level tokenizer of dummy models (byte_tokenizer.h), written as a tokenizer.json and
// read by the ordinary reader, so that it encodes, decodes and post-processes as any other.
#include "engines/moe/tokenizer/byte_tokenizer.h"

#include <fmt/format.h>

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "engines/moe/tokenizer/chat_template.h"
#include "engines/moe/tokenizer/tokenizer_unicode.h"
#include "harness/core/json_writer.h"

namespace rbench::moe {
namespace {

struct Special {
  std::string_view content;
  bool special;  // DeepSeek-R1 marks its think tags special=false: they survive skip_special
};

constexpr Special kOthers[] = {
    {kUserToken, true}, {kAssistantToken, true}, {"<think>", false}, {"</think>", false}};

json::OutValue byte_level() {
  return json::object({{"type", "ByteLevel"},
                       {"add_prefix_space", false},
                       {"trim_offsets", true},
                       {"use_regex", false}});
}

// BOS before each sequence, as DeepSeek's post-processor has it.
json::OutValue post_processor(std::int32_t bos) {
  const auto item = [](std::string_view kind, std::string_view id) {
    return json::object({{kind, json::object({{"id", id}, {"type_id", 0}})}});
  };
  return json::object(
      {{"type", "TemplateProcessing"},
       {"single", json::array({item("SpecialToken", kBosToken), item("Sequence", "A")})},
       {"special_tokens",
        json::object({{kBosToken, json::object({{"id", kBosToken},
                                                {"ids", json::array({bos})},
                                                {"tokens", json::array({kBosToken})}})}})}});
}

}  // namespace

Tokenizer byte_tokenizer(const ByteTokenizerIds& in) {
  std::vector<bool> taken(static_cast<std::size_t>(std::max(in.vocab_size, 0)), false);
  const auto take = [&](std::int32_t id) {
    if (id < 0 || id >= in.vocab_size || taken[static_cast<std::size_t>(id)]) {
      throw std::invalid_argument(fmt::format(
          "byte tokenizer: id {} is taken or outside the vocabulary of {}", id, in.vocab_size));
    }
    taken[static_cast<std::size_t>(id)] = true;
    return id;
  };
  std::int32_t next = 0;
  const auto next_free = [&] {
    while (next < in.vocab_size && taken[static_cast<std::size_t>(next)]) ++next;
    return take(next);
  };
  // The fixed ids first, so that the bytes and the other tokens go around them.
  std::int32_t bos = in.bos >= 0 ? take(in.bos) : -1;
  std::int32_t eos = in.eos >= 0 ? take(in.eos) : -1;
  std::vector<std::int32_t> byte_ids(256);
  for (std::int32_t& id : byte_ids) id = next_free();
  if (bos < 0) bos = next_free();
  if (eos < 0) eos = next_free();
  std::vector<std::int32_t> other_ids;
  for (std::size_t i = 0; i < std::size(kOthers); ++i) other_ids.push_back(next_free());

  const ByteLevelAlphabet& alphabet = ByteLevelAlphabet::get();
  const auto added = [&](json::Writer& w) {
    w.array([&](json::Writer& w) {
      const auto token = [&](std::int32_t id, std::string_view content, bool special) {
        w.object({{"id", id},
                  {"content", content},
                  {"single_word", false},
                  {"lstrip", false},
                  {"rstrip", false},
                  {"normalized", false},
                  {"special", special}});
      };
      token(bos, kBosToken, true);
      token(eos, kEosToken, true);
      for (std::size_t i = 0; i < std::size(kOthers); ++i) {
        token(other_ids[i], kOthers[i].content, kOthers[i].special);
      }
    });
  };
  const auto model = [&](json::Writer& w) {
    w.object({{"type", "BPE"},
              {"dropout", json::null},
              {"unk_token", json::null},
              {"fuse_unk", false},
              {"byte_fallback", false},
              {"ignore_merges", false},
              {"vocab",
               [&](json::Writer& w) {
                 w.object([&](json::Writer& w) {
                   for (int b = 0; b < 256; ++b) {
                     w.field(alphabet.char_of(static_cast<unsigned char>(b)), byte_ids[b]);
                   }
                 });
               }},
              {"merges", [](json::Writer& w) { w.array([](json::Writer&) {}); }}});
  };
  json::Writer w;
  w.object({{"version", "1.0"},
            {"added_tokens", added},
            {"normalizer", json::null},
            {"pre_tokenizer", byte_level()},
            {"post_processor", post_processor(bos)},
            {"decoder", byte_level()},
            {"model", model}});
  Tokenizer tokenizer = Tokenizer::from_json(w.str(), "<byte tokenizer>");
  tokenizer.add_placeholders(in.vocab_size);
  return tokenizer;
}

}  // namespace rbench::moe
