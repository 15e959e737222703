// Text for Markdown table cells, shared by the Markdown report's sections.
#pragma once

#include <string>
#include <string_view>

namespace rbench {

// No line breaks, no pipes, nothing GitHub would render as HTML or formatting.
inline std::string md_text(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '\n':
      case '\r':
        out += ' ';
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '|':
      case '\\':
      case '`':
      case '*':
      case '_':
      case '[':
      case ']':
        out += '\\', out += c;
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace rbench
