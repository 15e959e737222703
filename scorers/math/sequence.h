// Splitting a normalised answer into the parts of a tuple, interval, set, comma list or matrix,
// so that each part can be compared on its own.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rbench::math {

struct Sequence {
  // "(" ")" for a tuple, "(" "]" for a half-open interval, "\{" "\}" for a set, "" "" for a
  // bare comma list, "pmatrix" "pmatrix" (the environment name) for a matrix.
  std::string open;
  std::string close;
  std::vector<std::string_view> items;   // views into the string given to split_sequence
  std::vector<std::size_t> row_lengths;  // matrices: the number of entries in each row
  bool unordered = false;                // sets compare as multisets
};

// The parts of `normalised`, or nullopt when it is a single value ("(5)", "\frac{1}{2}").
// A sequence has at least two items, except a matrix, which may have one.
std::optional<Sequence> split_sequence(std::string_view normalised);

}  // namespace rbench::math
