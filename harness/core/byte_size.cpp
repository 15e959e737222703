#include "harness/core/byte_size.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <limits>
#include <string>
#include <utility>

#include "harness/core/error.h"

namespace rbench {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

std::size_t parse_byte_size(std::string_view text, std::string_view what) {
  const auto bad = [&](std::string_view why) {
    return UsageError(
        fmt::format("{} '{}' is not a size: {} (give bytes, or a number with KiB, "
                    "MiB or GiB, e.g. 512MiB)",
                    what, text, why));
  };
  std::size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  if (digits == 0) throw bad("it does not start with a number");
  constexpr std::size_t kMax = std::numeric_limits<std::size_t>::max();
  std::size_t number = 0;
  for (std::size_t i = 0; i < digits; ++i) {
    const std::size_t d = static_cast<std::size_t>(text[i] - '0');
    if (number > (kMax - d) / 10) throw bad("too large");
    number = number * 10 + d;
  }
  static constexpr std::array<std::pair<std::string_view, int>, 14> kSuffixes{{{"", 0},
                                                                               {"b", 0},
                                                                               {"k", 1},
                                                                               {"kb", 1},
                                                                               {"kib", 1},
                                                                               {"m", 2},
                                                                               {"mb", 2},
                                                                               {"mib", 2},
                                                                               {"g", 3},
                                                                               {"gb", 3},
                                                                               {"gib", 3},
                                                                               {"t", 4},
                                                                               {"tb", 4},
                                                                               {"tib", 4}}};
  const std::string suffix = lower(text.substr(digits));
  const auto* it = std::find_if(kSuffixes.begin(), kSuffixes.end(),
                                [&](const auto& s) { return s.first == suffix; });
  if (it == kSuffixes.end()) {
    throw bad(fmt::format("unknown unit '{}'", text.substr(digits)));
  }
  for (int i = 0; i < it->second; ++i) {
    if (number > kMax / 1024) throw bad("too large");
    number *= 1024;
  }
  if (number == 0) throw bad("it must be more than zero");
  return number;
}

}  // namespace rbench
