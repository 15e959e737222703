// SSE parsing per
// https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
#include "harness/net/sse_parser.h"

#include <algorithm>
#include <cctype>

namespace rbench::http {
namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

}  // namespace

std::vector<SseEvent> SseParser::feed(std::string_view bytes) {
  std::vector<SseEvent> out;
  if (at_start_) {
    // The BOM may itself arrive split over calls; hold its prefix until it is decided.
    bom_prefix_.append(bytes);
    const std::size_t n = std::min(bom_prefix_.size(), kBom.size());
    if (bom_prefix_.compare(0, n, kBom.substr(0, n)) == 0 && n < kBom.size()) return out;
    at_start_ = false;
    std::string held = std::move(bom_prefix_);
    bom_prefix_.clear();
    std::string_view rest = held;
    if (rest.starts_with(kBom)) rest.remove_prefix(kBom.size());
    auto events = feed(rest);
    return events;
  }
  for (const char c : bytes) {
    if (skip_lf_) {
      skip_lf_ = false;
      if (c == '\n') continue;
    }
    if (c == '\r' || c == '\n') {
      skip_lf_ = c == '\r';
      process_line(out);
      line_.clear();
    } else {
      line_.push_back(c);
    }
  }
  return out;
}

void SseParser::process_line(std::vector<SseEvent>& out) {
  if (line_.empty()) {
    dispatch(out);
    return;
  }
  if (line_.front() == ':') return;  // a comment, e.g. ": keep-alive"
  const std::string_view line = line_;
  const auto colon = line.find(':');
  if (colon == std::string_view::npos) {
    process_field(line, {});
    return;
  }
  std::string_view value = line.substr(colon + 1);
  if (value.starts_with(' ')) value.remove_prefix(1);
  process_field(line.substr(0, colon), value);
}

void SseParser::process_field(std::string_view name, std::string_view value) {
  if (name == "event") {
    event_type_ = value;
  } else if (name == "data") {
    data_.append(value);
    data_.push_back('\n');
    has_data_ = true;
  } else if (name == "id") {
    if (value.find('\0') == std::string_view::npos) id_buffer_ = value;
  } else if (name == "retry") {
    if (!value.empty() && value.size() < 18 &&
        std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      retry_ms_ = std::stol(std::string(value));
    }
  }
  // Any other field name is ignored, as the spec says.
}

void SseParser::dispatch(std::vector<SseEvent>& out) {
  last_event_id_ = id_buffer_;
  if (!has_data_) {
    event_type_.clear();
    return;
  }
  SseEvent event;
  data_.pop_back();  // the trailing "\n" of the last data line
  event.data = std::move(data_);
  if (!event_type_.empty()) event.type = std::move(event_type_);
  event.id = last_event_id_;
  out.push_back(std::move(event));
  data_.clear();
  has_data_ = false;
  event_type_.clear();
}

}  // namespace rbench::http
