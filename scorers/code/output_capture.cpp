// What the sandbox keeps of a run's output (see output_capture.h).
#include "scorers/code/output_capture.h"

#include <rapidjson/document.h>

#include <cctype>
#include <utility>

namespace rbench::sandbox::detail {

std::string valid_utf8(std::string_view s, bool cut_front, bool cut_back) {
  if (cut_front) {
    for (int i = 0; i < 3 && !s.empty() && (static_cast<unsigned char>(s.front()) & 0xC0) == 0x80;
         ++i) {
      s.remove_prefix(1);
    }
  }
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      out += static_cast<char>(c);
      ++i;
      continue;
    }
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if (c >= 0xC2 && c <= 0xDF) {
      n = 1, cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 2, cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 3, cp = c & 0x07;
    }
    bool ok = false;
    if (n > 0) {
      std::size_t have = 0;
      while (have < n && i + 1 + have < s.size() &&
             (static_cast<unsigned char>(s[i + 1 + have]) & 0xC0) == 0x80) {
        cp = (cp << 6) | (static_cast<unsigned char>(s[i + 1 + have]) & 0x3F);
        ++have;
      }
      if (have < n && i + 1 + have == s.size() && cut_back) break;  // cut by truncation
      ok = have == n && !(n == 2 && cp < 0x800) && !(n == 3 && cp < 0x10000) && cp <= 0x10FFFF &&
           !(cp >= 0xD800 && cp <= 0xDFFF);
    }
    if (ok) {
      out.append(s.substr(i, n + 1));
      i += n + 1;
    } else {
      out += "\xEF\xBF\xBD";
      i += 1;
    }
  }
  return out;
}

std::string last_line(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
    text.remove_suffix(1);
  const auto newline = text.rfind('\n');
  std::string_view line = newline == std::string_view::npos ? text : text.substr(newline + 1);
  if (line.size() > 200) line = line.substr(0, 200);
  return std::string(line);
}

void RecordReader::add(std::string_view data) {
  while (!data.empty()) {
    const auto newline = data.find('\n');
    const std::string_view piece = data.substr(0, newline);
    if (!skipping_) {
      if (partial_.size() + piece.size() > kMaxLine) {
        skipping_ = true;  // no record is this long: drop the line without keeping it
        partial_.clear();
      } else {
        partial_.append(piece);
      }
    }
    if (newline == std::string_view::npos) return;
    if (!skipping_) line(partial_);
    partial_.clear();
    skipping_ = false;
    data.remove_prefix(newline + 1);
  }
}

void RecordReader::finish() {
  if (!skipping_ && !partial_.empty()) line(partial_);
  partial_.clear();
}

void RecordReader::line(std::string_view text) {
  if (text.find('{') == std::string_view::npos) return;
  rapidjson::Document doc;
  doc.Parse(text.data(), text.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    ++forged;
    return;
  }
  const auto nonce = doc.FindMember("nonce");
  const auto status = doc.FindMember("status");
  const auto message = doc.FindMember("message");
  const bool ours =
      nonce != doc.MemberEnd() && nonce->value.IsString() &&
      std::string_view(nonce->value.GetString(), nonce->value.GetStringLength()) == nonce_ &&
      status != doc.MemberEnd() && status->value.IsString();
  if (!ours) {
    ++forged;
    return;
  }
  if (valid++ == 0) {
    this->status = status->value.GetString();
    if (message != doc.MemberEnd() && message->value.IsString()) {
      this->message.assign(message->value.GetString(), message->value.GetStringLength());
    }
  }
}

}  // namespace rbench::sandbox::detail
