#include "engines/moe/tokenizer/tokenizer_added.h"

#include <algorithm>

namespace rbench::moe {

namespace {

// The code point ending just before byte `end`, if the bytes there are valid UTF-8.
std::optional<char32_t> char_before(std::string_view text, std::size_t end, std::size_t& begin) {
  for (std::size_t length = 1; length <= 4 && length <= end; ++length) {
    if (utf8_sequence_length(text, end - length) == length) {
      begin = end - length;
      return utf8_decode(text, begin, length);
    }
  }
  return std::nullopt;
}

std::optional<char32_t> char_at(std::string_view text, std::size_t at, std::size_t& length) {
  if (at >= text.size()) return std::nullopt;
  length = utf8_sequence_length(text, at);
  if (length == 0) return std::nullopt;
  return utf8_decode(text, at, length);
}

bool ends_with_word(std::string_view text, std::size_t end) {
  std::size_t begin = 0;
  const auto c = char_before(text, end, begin);
  return c && is_word_char(*c);
}

bool starts_with_word(std::string_view text, std::size_t at) {
  std::size_t length = 0;
  const auto c = char_at(text, at, length);
  return c && is_word_char(*c);
}

// Where the whitespace that ends text[0, end) begins.
std::size_t whitespace_start_before(std::string_view text, std::size_t end) {
  std::size_t begin = end;
  for (auto c = char_before(text, end, begin); c && is_whitespace(*c);
       c = char_before(text, end, begin)) {
    end = begin;
  }
  return end;
}

// Where the whitespace that starts text[at, ...) ends.
std::size_t whitespace_end_after(std::string_view text, std::size_t at) {
  std::size_t length = 0;
  for (auto c = char_at(text, at, length); c && is_whitespace(*c); c = char_at(text, at, length)) {
    at += length;
  }
  return at;
}

}  // namespace

AddedVocabulary AddedVocabulary::parse(const json::Value& root, const Normalizer& normalizer) {
  AddedVocabulary vocabulary;
  if (const auto list = root.find("added_tokens")) {
    for (rapidjson::SizeType i = 0; i < list->size(); ++i) {
      const json::Value entry = list->at(i);
      AddedToken token;
      token.id = token_id(entry.member("id"));
      token.content = std::string(entry.member("content").string());
      if (token.content.empty()) entry.fail("an added token must not be empty");
      token.special = boolean_or(entry, "special", false);
      token.lstrip = boolean_or(entry, "lstrip", false);
      token.rstrip = boolean_or(entry, "rstrip", false);
      token.normalized = boolean_or(entry, "normalized", !token.special);
      token.single_word = boolean_or(entry, "single_word", false);
      vocabulary.tokens_.push_back(std::move(token));
    }
  }
  vocabulary.build(vocabulary.raw_, false, normalizer);
  vocabulary.build(vocabulary.normalized_, true, normalizer);
  return vocabulary;
}

void AddedVocabulary::build(Matcher& matcher, bool normalized, const Normalizer& normalizer) const {
  matcher.patterns.resize(tokens_.size());
  for (std::size_t i = 0; i < tokens_.size(); ++i) {
    if (tokens_[i].normalized != normalized) continue;
    std::string pattern = normalized ? normalizer.apply(tokens_[i].content) : tokens_[i].content;
    if (pattern.empty()) continue;
    matcher.by_first_byte[static_cast<unsigned char>(pattern[0])].push_back(i);
    matcher.patterns[i] = std::move(pattern);
    matcher.empty = false;
  }
  for (auto& candidates : matcher.by_first_byte) {
    std::stable_sort(candidates.begin(), candidates.end(), [&](std::size_t a, std::size_t b) {
      return matcher.patterns[a].size() > matcher.patterns[b].size();
    });
  }
}

// tokenizers' AddedVocabulary::find_matches: leftmost-longest matches, scanning on after each
// one even when its options make us drop it.
void AddedVocabulary::find(std::string_view text, const Matcher& matcher, bool parse_special,
                           std::vector<Segment>& out) const {
  std::size_t emitted = 0;  // text before this is already in `out`
  std::size_t scan = 0;
  while (scan < text.size()) {
    std::size_t match_at = text.size();
    std::size_t token_index = 0;
    for (std::size_t at = scan; at < text.size() && match_at == text.size(); ++at) {
      for (const std::size_t i : matcher.by_first_byte[static_cast<unsigned char>(text[at])]) {
        if (text.substr(at).starts_with(matcher.patterns[i])) {
          match_at = at;
          token_index = i;
          break;
        }
      }
    }
    if (match_at == text.size()) break;
    const AddedToken& token = tokens_[token_index];
    std::size_t start = match_at;
    std::size_t stop = match_at + matcher.patterns[token_index].size();
    scan = stop;
    if (token.special && !parse_special) continue;
    if (token.single_word && (ends_with_word(text, start) || starts_with_word(text, stop)))
      continue;
    if (token.lstrip) start = std::max(whitespace_start_before(text, start), emitted);
    if (token.rstrip) stop = whitespace_end_after(text, stop);
    if (emitted < start) out.push_back({std::string(text.substr(emitted, start - emitted))});
    out.push_back({std::string(), token.id});
    emitted = stop;
    scan = std::max(scan, stop);
  }
  if (emitted < text.size()) out.push_back({std::string(text.substr(emitted))});
}

std::vector<Segment> AddedVocabulary::split(std::string_view text, const Normalizer& normalizer,
                                            bool parse_special) const {
  std::vector<Segment> raw;
  if (raw_.empty) {
    raw.push_back({std::string(text)});
  } else {
    find(text, raw_, parse_special, raw);
  }
  std::vector<Segment> out;
  for (Segment& segment : raw) {
    if (segment.token >= 0) {
      out.push_back(std::move(segment));
      continue;
    }
    const std::string normalized = normalizer.apply(segment.text);
    if (normalized_.empty) {
      if (!normalized.empty()) out.push_back({normalized});
    } else {
      find(normalized, normalized_, parse_special, out);
    }
  }
  return out;
}

}  // namespace rbench::moe
