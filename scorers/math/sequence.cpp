// Sequence splitting by bracket depth; linear in the answer length.
#include "scorers/math/sequence.h"

#include "scorers/math/text_util.h"

namespace rbench::math {
namespace {

int depth_change(char c) {
  if (c == '(' || c == '[' || c == '{') return 1;
  if (c == ')' || c == ']' || c == '}') return -1;
  return 0;
}

// Parts of `s` between top-level occurrences of `separator`.
std::vector<std::string_view> split_top_level(std::string_view s, std::string_view separator) {
  std::vector<std::string_view> parts;
  int depth = 0;
  std::size_t start = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (depth == 0 && s.compare(i, separator.size(), separator) == 0) {
      parts.push_back(s.substr(start, i - start));
      i += separator.size() - 1;
      start = i + 1;
      continue;
    }
    depth += depth_change(s[i]);
  }
  parts.push_back(s.substr(start));
  return parts;
}

// True when the bracket opening at `first` closes exactly at `last` (and not before).
bool encloses(std::string_view s, std::size_t first, std::size_t last) {
  int depth = 0;
  for (std::size_t i = first; i <= last; ++i) {
    depth += depth_change(s[i]);
    if (depth <= 0) return i == last;
  }
  return false;
}

std::optional<Sequence> split_matrix(std::string_view s) {
  constexpr std::string_view kBegin = "\\begin{";
  if (!s.starts_with(kBegin)) return std::nullopt;
  const std::size_t name_end = s.find('}', kBegin.size());
  if (name_end == std::string_view::npos) return std::nullopt;
  const std::string_view name = s.substr(kBegin.size(), name_end - kBegin.size());
  const std::string end_tag = "\\end{" + std::string(name) + "}";
  if (!name.ends_with("matrix") || !s.ends_with(end_tag)) return std::nullopt;
  const std::size_t body_start = name_end + 1;
  if (body_start > s.size() - end_tag.size()) return std::nullopt;
  std::string_view body = s.substr(body_start, s.size() - end_tag.size() - body_start);
  Sequence seq;
  seq.open = seq.close = std::string(name);
  auto rows = split_top_level(body, "\\\\");
  if (rows.size() > 1 && trim(rows.back()).empty()) rows.pop_back();  // a trailing "\\"
  for (std::string_view row : rows) {
    const auto entries = split_top_level(row, "&");
    seq.row_lengths.push_back(entries.size());
    seq.items.insert(seq.items.end(), entries.begin(), entries.end());
  }
  return seq;
}

}  // namespace

std::optional<Sequence> split_sequence(std::string_view s) {
  if (s.empty()) return std::nullopt;
  if (auto matrix = split_matrix(s)) return matrix;
  if (s.size() >= 4 && s.starts_with("\\{") && s.ends_with("\\}") && encloses(s, 1, s.size() - 1)) {
    Sequence set;
    set.open = "\\{";
    set.close = "\\}";
    set.unordered = true;
    set.items = split_top_level(s.substr(2, s.size() - 4), ",");
    return set;
  }
  const char first = s.front();
  const char last = s.back();
  if ((first == '(' || first == '[') && (last == ')' || last == ']') &&
      encloses(s, 0, s.size() - 1)) {
    auto items = split_top_level(s.substr(1, s.size() - 2), ",");
    if (items.size() >= 2) {
      Sequence tuple;
      tuple.open = std::string(1, first);
      tuple.close = std::string(1, last);
      tuple.items = std::move(items);
      return tuple;
    }
    return std::nullopt;
  }
  auto items = split_top_level(s, ",");
  if (items.size() < 2) return std::nullopt;
  Sequence list;
  list.items = std::move(items);
  return list;
}

}  // namespace rbench::math
