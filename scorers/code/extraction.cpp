// Program extraction for code items; the rules are documented in extraction.h.
#include "scorers/code/extraction.h"

#include <fmt/core.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <optional>
#include <vector>

#include "scorers/math/answer_extraction.h"
#include "suites/prompts.h"

namespace rbench::code {
namespace {

constexpr std::size_t npos = std::string_view::npos;

std::string normalize_line_ends(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') continue;
    out.push_back(text[i]);
  }
  return out;
}

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

bool is_blank(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; });
}

std::string_view trim(std::string_view text) {
  const std::size_t first = text.find_first_not_of(" \t\n");
  if (first == npos) return {};
  return text.substr(first, text.find_last_not_of(" \t\n") - first + 1);
}

std::size_t leading_spaces(std::string_view line) {
  const std::size_t n = line.find_first_not_of(' ');
  return n == npos ? line.size() : n;
}

std::size_t run_length(std::string_view text, char c) {
  const std::size_t n = text.find_first_not_of(c);
  return n == npos ? text.size() : n;
}

// --- Fenced blocks

struct Fence {
  char character = '`';
  std::size_t length = 0;
  std::size_t indent = 0;
};

// CommonMark's fences, with any indentation allowed (models often put them inside list items):
// three or more backticks or tildes; a backtick fence's info string may not contain backticks,
// which keeps "```x```" inline code from opening a block.
std::optional<Fence> opening_fence(std::string_view line, std::string* language) {
  const std::size_t indent = leading_spaces(line);
  const std::string_view rest = line.substr(indent);
  if (rest.empty() || (rest[0] != '`' && rest[0] != '~')) return std::nullopt;
  const std::size_t length = run_length(rest, rest[0]);
  if (length < 3) return std::nullopt;
  const std::string_view info = trim(rest.substr(length));
  if (rest[0] == '`' && info.find('`') != npos) return std::nullopt;
  const std::string_view word = info.substr(0, std::min(info.find_first_of(" \t{"), info.size()));
  language->assign(word);
  std::transform(language->begin(), language->end(), language->begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return Fence{rest[0], length, indent};
}

// A closing fence: the same character, at least as many, nothing but spaces after.
bool closes(std::string_view line, const Fence& fence) {
  const std::string_view rest = line.substr(leading_spaces(line));
  const std::size_t length = run_length(rest, fence.character);
  return length >= fence.length && is_blank(rest.substr(length));
}

struct Block {
  std::string language;
  std::string content;
  bool complete = false;
};

std::vector<Block> fenced_blocks(std::string_view text) {
  std::vector<Block> blocks;
  std::optional<Fence> open;
  std::vector<std::string_view> lines = split_lines(text);
  if (lines.back().empty()) lines.pop_back();  // what follows a final newline is no line
  for (const std::string_view line : lines) {
    if (!open) {
      std::string language;
      open = opening_fence(line, &language);
      if (open) blocks.push_back(Block{std::move(language), "", false});
      continue;
    }
    if (closes(line, *open)) {
      blocks.back().complete = true;
      open.reset();
      continue;
    }
    // Content loses up to the opening fence's indentation, as in CommonMark.
    const std::size_t strip = std::min(leading_spaces(line), open->indent);
    blocks.back().content.append(line.substr(strip));
    blocks.back().content.push_back('\n');
  }
  return blocks;
}

bool is_python_label(std::string_view language) {
  constexpr std::array<std::string_view, 4> kLabels = {"python", "py", "python3", "py3"};
  return std::find(kLabels.begin(), kLabels.end(), language) != kLabels.end();
}

// --- Python structure, by lines

// The name a top-level `def NAME(` / `async def NAME(` line defines, or "".
std::string_view top_level_def(std::string_view line) {
  if (line.starts_with("async "))
    line = line.substr(std::min(line.find_first_not_of(' ', 6), line.size()));
  if (!line.starts_with("def ")) return {};
  line = line.substr(4);
  line = line.substr(std::min(line.find_first_not_of(' '), line.size()));
  const std::size_t end = line.find_first_of(" (:");
  return end == npos ? std::string_view() : line.substr(0, end);
}

std::vector<std::string> top_level_defs(std::string_view code) {
  std::vector<std::string> names;
  for (const std::string_view line : split_lines(code)) {
    if (const std::string_view name = top_level_def(line); !name.empty()) {
      names.emplace_back(name);
    }
  }
  return names;
}

bool defines(const std::vector<std::string>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

bool has_top_level_definition(std::string_view code) {
  for (const std::string_view line : split_lines(code)) {
    if (!top_level_def(line).empty() || line.starts_with("class ")) return true;
  }
  return false;
}

// The function the tests exercise: the entry point, or for a header without one the header's
// last function (helpers come before it).
std::string entry_name(const CodeTask& code) {
  if (!code.entry_point.empty()) return code.entry_point;
  const std::vector<std::string> defs = top_level_defs(code.prompt);
  return defs.empty() ? std::string() : defs.back();
}

// --- Choosing the block

struct Choice {
  std::string code;
  std::string method;
  std::string detail;
};

Choice choose_block(std::string_view visible, const std::string& entry) {
  const std::vector<Block> blocks = fenced_blocks(visible);
  if (blocks.empty()) return {std::string(visible), "no fence", "the whole answer"};

  // Rank: defines the entry point, defines something, labelled python; the last of the best.
  const auto rank = [&](const Block& block) {
    const std::vector<std::string> defs = top_level_defs(block.content);
    return std::array<bool, 3>{!entry.empty() && defines(defs, entry),
                               has_top_level_definition(block.content),
                               is_python_label(block.language)};
  };
  const auto eligible = [](const Block& block) {
    return block.language.empty() || is_python_label(block.language);
  };
  std::optional<std::size_t> best;
  std::array<bool, 3> best_rank{};
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    if (!blocks[i].complete || !eligible(blocks[i])) continue;
    const std::array<bool, 3> r = rank(blocks[i]);
    if (!best || r >= best_rank) {
      best = i;
      best_rank = r;
    }
  }
  const auto describe = [&](std::size_t i) {
    return fmt::format("block {} of {} ({})", i + 1, blocks.size(),
                       blocks[i].language.empty() ? "unlabeled" : blocks[i].language);
  };
  if (best) return {blocks[*best].content, "fenced block", describe(*best)};
  // Only an open fence can be unterminated, and only the last block can be open.
  if (!blocks.back().complete && eligible(blocks.back())) {
    return {blocks.back().content, "unterminated fence", describe(blocks.size() - 1)};
  }
  return {std::string(visible), "no python fence",
          fmt::format("the whole answer: none of its {} fenced blocks is Python", blocks.size())};
}

// --- Stitching onto the header

std::string with_newline(std::string text) {
  if (!text.empty() && text.back() != '\n') text.push_back('\n');
  return text;
}

// A body written at column 0 is indented to sit under the header's def.
std::string indent_body_if_needed(const std::string& body, std::string* detail) {
  const std::vector<std::string_view> lines = split_lines(body);
  const auto first = std::find_if(lines.begin(), lines.end(),
                                  [](std::string_view line) { return !is_blank(line); });
  if (first == lines.end() || first->front() == ' ' || first->front() == '\t') return body;
  std::string out;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (!is_blank(lines[i])) out += "    ";
    out += lines[i];
    if (i + 1 < lines.size()) out += '\n';
  }
  *detail += "; body indented by 4 spaces";
  return out;
}

Extracted stitch(const CodeTask& code, const std::string& entry, Choice choice) {
  if (code.prompt.empty()) return {std::move(choice.code), choice.method, choice.detail};
  std::string detail = std::move(choice.detail);
  const std::vector<std::string> block_defs = top_level_defs(choice.code);
  if (entry.empty() || !defines(block_defs, entry)) {
    detail += "; taken as the body and appended to the header";
    const std::string body = indent_body_if_needed(choice.code, &detail);
    return {with_newline(code.prompt) + body, choice.method, detail};
  }
  // A whole function: it still needs what the header defines above it.
  const std::vector<std::string_view> prompt_lines = split_lines(code.prompt);
  const std::vector<std::string> prompt_defs = top_level_defs(code.prompt);
  const bool lacks_helper = std::any_of(prompt_defs.begin(), prompt_defs.end(), [&](auto& name) {
    return name != entry && !defines(block_defs, name);
  });
  std::string prefix;
  if (lacks_helper) {
    for (const std::string_view line : prompt_lines) {
      if (top_level_def(line) == entry) break;
      prefix.append(line).push_back('\n');
    }
    detail += fmt::format("; defines {}, the header's code before it prepended", entry);
  } else {
    for (const std::string_view line : prompt_lines) {
      if (line.starts_with("import ") || line.starts_with("from ")) {
        prefix.append(line).push_back('\n');
      }
    }
    detail += fmt::format("; defines {}", entry);
    if (!prefix.empty()) detail += ", the header's imports prepended";
  }
  if (!prefix.empty()) prefix.push_back('\n');
  return {prefix + choice.code, choice.method, detail};
}

std::string cut_at_first_stop(std::string_view completion, const std::vector<std::string>& stops,
                              std::string* detail) {
  std::size_t cut = completion.size();
  std::string_view which;
  for (const std::string& stop : stops) {
    const std::size_t at = completion.find(stop);
    if (at < cut) {
      cut = at;
      which = stop;
    }
  }
  if (!which.empty()) {
    std::string shown(which);
    std::size_t newline;
    while ((newline = shown.find('\n')) != std::string::npos) shown.replace(newline, 1, "\\n");
    *detail = fmt::format("cut at stop \"{}\"", shown);
  }
  return std::string(completion.substr(0, cut));
}

}  // namespace

Extracted extract_program(const Item& item, std::string_view answer, bool completion_style) {
  const std::string visible = math::strip_think(normalize_line_ends(answer));
  if (completion_style) {
    std::string detail = "no stop string in the completion";
    std::string completion = cut_at_first_stop(visible, code_completion_stops(item), &detail);
    return {item.code.prompt + completion, "prompt + completion", std::move(detail)};
  }
  if (is_blank(visible)) return {"", "empty", "nothing but whitespace after reasoning removed"};
  const std::string entry = entry_name(item.code);
  return stitch(item.code, entry, choose_block(visible, entry));
}

}  // namespace rbench::code
