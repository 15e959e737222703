#include "engines/moe/tokenizer/tokenizer_pretokenizer.h"

#include <algorithm>
#include <stdexcept>

namespace rbench::moe {

namespace {

// GPT-2's pattern, which ByteLevel applies when use_regex is true.
constexpr std::string_view kGpt2Pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

// A part of a piece and whether the pattern matched it; together the spans cover the piece.
struct Span {
  std::size_t begin = 0;
  std::size_t end = 0;
  bool match = false;
};

// Matches and the gaps between them, as tokenizers' Pattern::find_matches reports them.
std::vector<Span> spans_from_matches(
    std::size_t size, const std::vector<std::pair<std::size_t, std::size_t>>& matches) {
  if (size == 0) return {{0, 0, false}};
  std::vector<Span> spans;
  std::size_t previous = 0;
  for (const auto& [begin, end] : matches) {
    if (previous != begin) spans.push_back({previous, begin, false});
    spans.push_back({begin, end, true});
    previous = end;
  }
  if (previous != size) spans.push_back({previous, size, false});
  return spans;
}

std::vector<std::pair<std::size_t, std::size_t>> find_literal(std::string_view text,
                                                              std::string_view literal) {
  std::vector<std::pair<std::size_t, std::size_t>> matches;
  if (literal.empty()) return matches;
  for (std::size_t at = text.find(literal); at != std::string_view::npos;
       at = text.find(literal, at + literal.size())) {
    matches.emplace_back(at, at + literal.size());
  }
  return matches;
}

// Each numeric character is a match of its own; the others group into gaps.
std::vector<Span> numeric_spans(std::string_view text) {
  std::vector<Span> spans;
  std::size_t gap_begin = 0;
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t n = utf8_sequence_length(text, i);
    if (is_numeric(utf8_decode(text, i, n))) {
      if (gap_begin < i) spans.push_back({gap_begin, i, false});
      spans.push_back({i, i + n, true});
      gap_begin = i + n;
    }
    i += n;
  }
  if (gap_begin < text.size()) spans.push_back({gap_begin, text.size(), false});
  return spans;
}

// tokenizers' NormalizedString::split: which spans become pieces, merged how.
void cut(std::string_view piece, std::vector<Span> spans, SplitBehavior behavior, bool invert,
         std::vector<std::string>& out) {
  if (invert) {
    for (auto& span : spans) span.match = !span.match;
  }
  std::vector<Span> pieces;
  bool previous_match = false;
  switch (behavior) {
    case SplitBehavior::removed:
      std::copy_if(spans.begin(), spans.end(), std::back_inserter(pieces),
                   [](const Span& s) { return !s.match; });
      break;
    case SplitBehavior::isolated:
      pieces = std::move(spans);
      break;
    case SplitBehavior::contiguous:
      for (const Span& s : spans) {
        if (!pieces.empty() && s.match == previous_match) {
          pieces.back().end = s.end;
        } else {
          pieces.push_back(s);
        }
        previous_match = s.match;
      }
      break;
    case SplitBehavior::merged_with_previous:
      for (const Span& s : spans) {
        if (!pieces.empty() && s.match && !previous_match) {
          pieces.back().end = s.end;
        } else {
          pieces.push_back(s);
        }
        previous_match = s.match;
      }
      break;
    case SplitBehavior::merged_with_next:
      for (auto it = spans.rbegin(); it != spans.rend(); ++it) {
        if (!pieces.empty() && it->match && !previous_match) {
          pieces.back().begin = it->begin;
        } else {
          pieces.push_back(*it);
        }
        previous_match = it->match;
      }
      std::reverse(pieces.begin(), pieces.end());
      break;
  }
  for (const Span& s : pieces) {
    if (s.end > s.begin) out.emplace_back(piece.substr(s.begin, s.end - s.begin));
  }
}

SplitBehavior parse_behavior(const json::Value& node) {
  const std::string_view name = node.string_view();
  if (name == "Removed") return SplitBehavior::removed;
  if (name == "Isolated") return SplitBehavior::isolated;
  if (name == "MergedWithPrevious") return SplitBehavior::merged_with_previous;
  if (name == "MergedWithNext") return SplitBehavior::merged_with_next;
  if (name == "Contiguous") return SplitBehavior::contiguous;
  node.fail(fmt::format("unknown split behavior \"{}\"", name));
}

Regex compile(const json::Value& node, std::string_view pattern) {
  try {
    return Regex(pattern);
  } catch (const std::invalid_argument& e) {
    node.fail(e.what());
  }
}

}  // namespace

Normalizer Normalizer::parse(const json::Value& root) {
  Normalizer normalizer;
  if (const auto node = root.find("normalizer")) collect(*node, normalizer.nfc_);
  return normalizer;
}

void Normalizer::collect(const json::Value& node, bool& nfc) {
  const std::string type = component_type(node);
  if (type == "NFC") {
    nfc = true;
  } else if (type == "Sequence") {
    const json::Value list = node.member("normalizers");
    for (rapidjson::SizeType i = 0; i < list.size(); ++i) collect(list.at(i), nfc);
  } else {
    node.fail(fmt::format("unsupported normalizer type \"{}\" (supported: NFC, Sequence)", type));
  }
}

std::string Normalizer::apply(std::string_view text) const {
  if (!nfc_) return std::string(text);
  std::string out;
  out.reserve(text.size());
  for (const Utf8Run& run : utf8_runs(text)) {
    const std::string_view part = text.substr(run.begin, run.end - run.begin);
    if (run.valid) {
      out += nfc(part);
    } else {
      out += part;
    }
  }
  return out;
}

PreTokenizer PreTokenizer::parse(const json::Value& root) {
  PreTokenizer pre_tokenizer;
  const auto node = root.find("pre_tokenizer");
  if (!node) root.fail("pre_tokenizer is null: a byte-level BPE needs a ByteLevel pre-tokenizer");
  collect(*node, pre_tokenizer.steps_);
  if (pre_tokenizer.steps_.empty() ||
      !std::holds_alternative<ByteLevel>(pre_tokenizer.steps_.back())) {
    node->fail("a byte-level BPE needs ByteLevel as the last pre-tokenizer");
  }
  for (std::size_t i = 0; i + 1 < pre_tokenizer.steps_.size(); ++i) {
    if (std::holds_alternative<ByteLevel>(pre_tokenizer.steps_[i])) {
      node->fail("ByteLevel must be the last pre-tokenizer (later steps would see mapped bytes)");
    }
  }
  return pre_tokenizer;
}

void PreTokenizer::collect(const json::Value& node, std::vector<Step>& steps) {
  const std::string type = component_type(node);
  if (type == "Sequence") {
    const json::Value list = node.member("pretokenizers");
    for (rapidjson::SizeType i = 0; i < list.size(); ++i) collect(list.at(i), steps);
  } else if (type == "Split") {
    Split split;
    const json::Value pattern = node.member("pattern");
    if (const auto regex = pattern.find("Regex")) {
      split.regex = compile(*regex, regex->string());
    } else if (const auto literal = pattern.find("String")) {
      split.literal = std::string(literal->string());
    } else {
      pattern.fail("expected {\"Regex\": ...} or {\"String\": ...}");
    }
    split.behavior = parse_behavior(node.member("behavior"));
    split.invert = boolean_or(node, "invert", false);
    steps.emplace_back(std::move(split));
  } else if (type == "Digits") {
    steps.emplace_back(Digits{boolean_or(node, "individual_digits", false)});
  } else if (type == "ByteLevel") {
    ByteLevel byte_level;
    byte_level.add_prefix_space = boolean_or(node, "add_prefix_space", true);
    if (boolean_or(node, "use_regex", true)) byte_level.gpt2_regex = compile(node, kGpt2Pattern);
    steps.emplace_back(std::move(byte_level));
  } else {
    node.fail(fmt::format(
        "unsupported pre-tokenizer type \"{}\" (supported: Sequence, Split, Digits, ByteLevel)",
        type));
  }
}

void PreTokenizer::apply_step(const Step& step, std::string_view piece,
                              std::vector<std::string>& out) {
  if (const auto* split = std::get_if<Split>(&step)) {
    const auto matches =
        split->regex ? split->regex->find_all(piece) : find_literal(piece, split->literal);
    cut(piece, spans_from_matches(piece.size(), matches), split->behavior, split->invert, out);
  } else if (const auto* digits = std::get_if<Digits>(&step)) {
    cut(piece, numeric_spans(piece),
        digits->individual_digits ? SplitBehavior::isolated : SplitBehavior::contiguous, false,
        out);
  } else {
    const auto& byte_level = std::get<ByteLevel>(step);
    std::string prefixed;
    if (byte_level.add_prefix_space && !piece.starts_with(' ')) {
      prefixed = " " + std::string(piece);
      piece = prefixed;
    }
    if (!byte_level.gpt2_regex) {
      out.emplace_back(piece);
      return;
    }
    cut(piece, spans_from_matches(piece.size(), byte_level.gpt2_regex->find_all(piece)),
        SplitBehavior::isolated, false, out);
  }
}

std::vector<std::string> PreTokenizer::apply(std::string_view text) const {
  std::vector<std::string> pieces;
  for (const Utf8Run& run : utf8_runs(text)) {
    const std::string_view part = text.substr(run.begin, run.end - run.begin);
    if (!run.valid) {
      pieces.emplace_back(part);
      continue;
    }
    std::vector<std::string> current{std::string(part)};
    for (const Step& step : steps_) {
      std::vector<std::string> next;
      next.reserve(current.size());
      for (const std::string& piece : current) apply_step(step, piece, next);
      current = std::move(next);
    }
    for (auto& piece : current) pieces.push_back(std::move(piece));
  }
  return pieces;
}

}  // namespace rbench::moe
