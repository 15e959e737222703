// Tokenizer: added tokens split out, then normalizer, pre-tokenizer and BPE for the rest; the
// post-processor's template when asked; the ByteLevel decoder on the way back. The pieces live in
// tokenizer_{added,pretokenizer,bpe,unicode}.cpp.
#include "engines/moe/tokenizer/tokenizer.h"

#include <fmt/format.h>
#include <stdexcept>
#include <unordered_map>

#include "engines/moe/tokenizer/tokenizer_added.h"
#include "engines/moe/tokenizer/tokenizer_bpe.h"
#include "engines/moe/tokenizer/tokenizer_json.h"
#include "engines/moe/tokenizer/tokenizer_pretokenizer.h"
#include "engines/moe/tokenizer/tokenizer_unicode.h"
#include "harness/core/jsonl_reader.h"

namespace rbench::moe {

namespace {

struct TokenInfo {
  std::string bytes;  // what the token decodes to
  bool known = false;
  bool special = false;
};

// The single-sequence template of TemplateProcessing: the input ($A) between special tokens.
struct Template {
  std::vector<std::int32_t> before;
  std::vector<std::int32_t> after;
};

std::vector<std::int32_t> special_token_ids(const json::Value& processor, std::string_view name) {
  const json::Value entry = processor.member("special_tokens").member(name);
  const json::Value ids = entry.member("ids");
  std::vector<std::int32_t> out;
  for (rapidjson::SizeType i = 0; i < ids.size(); ++i) out.push_back(token_id(ids.at(i)));
  return out;
}

void parse_template(const json::Value& processor, Template& out) {
  const json::Value single = processor.member("single");
  bool seen_sequence = false;
  for (rapidjson::SizeType i = 0; i < single.size(); ++i) {
    const json::Value item = single.at(i);
    if (const auto special = item.find("SpecialToken")) {
      auto ids = special_token_ids(processor, special->member("id").string());
      auto& side = seen_sequence ? out.after : out.before;
      side.insert(side.end(), ids.begin(), ids.end());
    } else if (const auto sequence = item.find("Sequence")) {
      if (sequence->member("id").string() != "A" || seen_sequence) {
        sequence->fail("the single template takes the sequence $A once");
      }
      seen_sequence = true;
    } else {
      item.fail("expected {\"SpecialToken\": ...} or {\"Sequence\": ...}");
    }
  }
  if (!seen_sequence) single.fail("the single template has no $A");
}

void parse_post_processor(const json::Value& processor, Template& out) {
  const std::string type = component_type(processor);
  if (type == "TemplateProcessing") {
    parse_template(processor, out);
  } else if (type == "Sequence") {
    const json::Value list = processor.member("processors");
    for (rapidjson::SizeType i = 0; i < list.size(); ++i) parse_post_processor(list.at(i), out);
  } else if (type != "ByteLevel") {  // ByteLevel only trims offsets, which we do not report
    processor.fail(
        fmt::format("unsupported post-processor type \"{}\" (supported: TemplateProcessing, "
                    "ByteLevel, Sequence)",
                    type));
  }
}

void check_decoder(const json::Value& root) {
  const auto decoder = root.find("decoder");
  if (!decoder) root.fail("decoder is null: a byte-level BPE needs the ByteLevel decoder");
  if (const std::string type = component_type(*decoder); type != "ByteLevel") {
    decoder->fail(fmt::format("unsupported decoder type \"{}\" (supported: ByteLevel)", type));
  }
}

}  // namespace

struct Tokenizer::Impl {
  Impl(Normalizer n, PreTokenizer p, BpeModel m, AddedVocabulary a)
      : normalizer(std::move(n)),
        pre_tokenizer(std::move(p)),
        model(std::move(m)),
        added(std::move(a)) {}

  Normalizer normalizer;
  PreTokenizer pre_tokenizer;
  BpeModel model;
  AddedVocabulary added;
  Template post;
  std::vector<TokenInfo> tokens;  // by id
  std::unordered_map<std::string, std::int32_t> added_by_content;

  const TokenInfo& info(std::int32_t id) const {
    if (id < 0 || static_cast<std::size_t>(id) >= tokens.size() ||
        !tokens[static_cast<std::size_t>(id)].known) {
      throw std::out_of_range(
          fmt::format("token id {} is not in the vocabulary (size {})", id, tokens.size()));
    }
    return tokens[static_cast<std::size_t>(id)];
  }
};

Tokenizer::Tokenizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Tokenizer::Tokenizer(Tokenizer&&) noexcept = default;
Tokenizer& Tokenizer::operator=(Tokenizer&&) noexcept = default;
Tokenizer::~Tokenizer() = default;

Tokenizer Tokenizer::load(const std::filesystem::path& tokenizer_json) {
  return from_json(read_file_bytes(tokenizer_json), tokenizer_json.string());
}

Tokenizer Tokenizer::from_json(std::string_view text, std::string_view where) {
  const json::Document document = json::Document::parse(text, std::string(where));
  const json::Value root = document.root();
  if (!root.is_object()) root.fail("a tokenizer.json is a JSON object");

  // The model is checked first: a file without one is not a tokenizer at all.
  BpeModel model = BpeModel::parse(root);
  Normalizer normalizer = Normalizer::parse(root);
  PreTokenizer pre_tokenizer = PreTokenizer::parse(root);
  AddedVocabulary added = AddedVocabulary::parse(root, normalizer);
  check_decoder(root);
  auto impl = std::make_unique<Impl>(std::move(normalizer), std::move(pre_tokenizer),
                                     std::move(model), std::move(added));
  if (const auto processor = root.find("post_processor"))
    parse_post_processor(*processor, impl->post);

  const ByteLevelAlphabet& alphabet = ByteLevelAlphabet::get();
  const auto slot = [&](std::int32_t id) -> TokenInfo& {
    if (static_cast<std::size_t>(id) >= impl->tokens.size())
      impl->tokens.resize(static_cast<std::size_t>(id) + 1);
    return impl->tokens[static_cast<std::size_t>(id)];
  };
  for (const auto& [token, id] : impl->model.vocab()) {
    // The ByteLevel decoder keeps a token whose characters are not all in the alphabet as text.
    slot(id) = {alphabet.decode(token).value_or(token), true, false};
  }
  for (const AddedToken& token : impl->added.tokens()) {
    slot(token.id) = {token.content, true, token.special};
    impl->added_by_content[token.content] = token.id;
  }
  for (const auto ids : {&impl->post.before, &impl->post.after}) {
    for (const std::int32_t id : *ids) {
      if (static_cast<std::size_t>(id) >= impl->tokens.size() ||
          !impl->tokens[static_cast<std::size_t>(id)].known) {
        root.member("post_processor")
            .fail(fmt::format("special token id {} is not in the vocabulary", id));
      }
    }
  }
  return Tokenizer(std::move(impl));
}

std::vector<std::string> Tokenizer::pre_tokenize(std::string_view text,
                                                 EncodeOptions options) const {
  std::vector<std::string> pieces;
  for (const Segment& segment :
       impl_->added.split(text, impl_->normalizer, options.parse_special)) {
    if (segment.token >= 0) continue;
    for (auto& piece : impl_->pre_tokenizer.apply(segment.text)) pieces.push_back(std::move(piece));
  }
  return pieces;
}

std::vector<std::int32_t> Tokenizer::encode(std::string_view text, EncodeOptions options) const {
  std::vector<std::int32_t> ids;
  if (options.add_special_tokens) ids = impl_->post.before;
  for (const Segment& segment :
       impl_->added.split(text, impl_->normalizer, options.parse_special)) {
    if (segment.token >= 0) {
      ids.push_back(segment.token);
      continue;
    }
    for (const std::string& piece : impl_->pre_tokenizer.apply(segment.text))
      impl_->model.encode(piece, ids);
  }
  if (options.add_special_tokens)
    ids.insert(ids.end(), impl_->post.after.begin(), impl_->post.after.end());
  return ids;
}

std::string Tokenizer::decode(std::span<const std::int32_t> ids, bool skip_special) const {
  std::string text;
  for (const std::int32_t id : ids) {
    const TokenInfo& token = impl_->info(id);
    if (skip_special && token.special) continue;
    text += token.bytes;
  }
  return text;
}

std::string Tokenizer::token_bytes(std::int32_t id) const {
  return impl_->info(id).bytes;
}

std::optional<std::int32_t> Tokenizer::token_id(std::string_view token) const {
  const std::string key(token);
  if (const auto it = impl_->added_by_content.find(key); it != impl_->added_by_content.end())
    return it->second;
  if (const auto it = impl_->model.vocab().find(key); it != impl_->model.vocab().end())
    return it->second;
  return std::nullopt;
}

bool Tokenizer::is_special(std::int32_t id) const {
  return id >= 0 && static_cast<std::size_t>(id) < impl_->tokens.size() &&
         impl_->tokens[static_cast<std::size_t>(id)].special;
}

std::int32_t Tokenizer::vocab_size() const {
  return static_cast<std::int32_t>(impl_->tokens.size());
}

void Tokenizer::add_placeholders(std::int32_t vocab_size) {
  if (vocab_size > this->vocab_size()) impl_->tokens.resize(static_cast<std::size_t>(vocab_size));
  for (std::size_t id = 0; id < impl_->tokens.size(); ++id) {
    TokenInfo& token = impl_->tokens[id];
    if (!token.known) token = {fmt::format("<tok_{}>", id), true, false};
  }
}

}  // namespace rbench::moe
