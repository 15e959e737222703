// Incremental Server-Sent Events parser (WHATWG HTML "event stream interpretation"): bytes go in
// in chunks of any size, split anywhere (inside a field, inside a CRLF), complete events come out
// at each blank line. Used by the streaming OpenAI client; knows nothing about JSON.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rbench::http {

struct SseEvent {
  std::string type = "message";  // the `event:` field, "message" when absent
  std::string data;              // `data:` lines joined by "\n"
  std::string id;                // the last event ID as of this event
};

class SseParser {
 public:
  // Parses `bytes` and returns the events completed by them, in order. Partial lines and
  // partial events are kept for the next call.
  std::vector<SseEvent> feed(std::string_view bytes);

  // The `retry:` reconnection time the server asked for, if any.
  std::optional<long> retry_ms() const { return retry_ms_; }
  const std::string& last_event_id() const { return last_event_id_; }
  // True when bytes of an unfinished line or event are buffered: at end of stream the WHATWG
  // rules discard them, and a caller can tell a stream cut mid-event from a clean end.
  bool has_partial_event() const { return !line_.empty() || has_data_ || !event_type_.empty(); }

 private:
  void process_line(std::vector<SseEvent>& out);
  void process_field(std::string_view name, std::string_view value);
  void dispatch(std::vector<SseEvent>& out);

  std::string line_;        // the current line, without its terminator
  bool skip_lf_ = false;    // the last byte was CR: a following LF belongs to the same terminator
  bool at_start_ = true;    // still deciding whether the stream starts with a UTF-8 BOM
  std::string bom_prefix_;  // bytes held while deciding (at most 2)
  std::string data_;
  bool has_data_ = false;
  std::string event_type_;
  std::string id_buffer_;
  std::string last_event_id_;
  std::optional<long> retry_ms_;
};

}  // namespace rbench::http
