// Fuzz target `sse`: a server's event stream through SseParser, then each event's data through
// the client's ResponseAccumulator (with the <think> splitter). The first bytes choose the think
// mode and where to cut the stream; the rest is the stream. Properties: the stream fed in one
// piece and fed cut at the fuzzed points gives the same events and the same retry/last id; the
// same bytes as content, fed to ThinkSplitter whole or cut at those points, give the same split.
// fuzz-links: rbench_engines_openai
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engines/api/think_splitter.h"
#include "engines/openai/openai_response.h"
#include "fuzz/fuzz_target.h"
#include "harness/net/sse_parser.h"

namespace {

using rbench::fuzz::check;

// Everything a stream leaves behind, for comparing two ways of feeding it.
struct Outcome {
  std::vector<rbench::http::SseEvent> events;
  std::optional<long> retry_ms;
  std::string last_event_id;
  bool partial = false;
};

Outcome feed(std::string_view stream, const std::vector<std::size_t>& cuts) {
  Outcome o;
  rbench::http::SseParser parser;
  std::size_t at = 0;
  for (std::size_t i = 0; i <= cuts.size(); ++i) {
    const std::size_t end = i < cuts.size() ? cuts[i] : stream.size();
    for (auto& e : parser.feed(stream.substr(at, end - at))) o.events.push_back(std::move(e));
    at = end;
  }
  o.retry_ms = parser.retry_ms();
  o.last_event_id = parser.last_event_id();
  o.partial = parser.has_partial_event();
  return o;
}

bool same_events(const Outcome& a, const Outcome& b) {
  if (a.events.size() != b.events.size()) return false;
  for (std::size_t i = 0; i < a.events.size(); ++i) {
    const auto& x = a.events[i];
    const auto& y = b.events[i];
    if (x.type != y.type || x.data != y.data || x.id != y.id) return false;
  }
  return true;
}

rbench::ThinkSplitter::Split split(std::string_view text, const std::vector<std::size_t>& cuts,
                                   rbench::ThinkTags mode) {
  rbench::ThinkSplitter splitter(mode);
  rbench::ThinkSplitter::Split all;
  std::size_t at = 0;
  for (std::size_t i = 0; i <= cuts.size(); ++i) {
    const std::size_t end = i < cuts.size() ? cuts[i] : text.size();
    const auto part = splitter.feed(text.substr(at, end - at));
    all.reasoning += part.reasoning;
    all.answer += part.answer;
    at = end;
  }
  const auto rest = splitter.finish();
  return {all.reasoning + rest.reasoning, all.answer + rest.answer};
}

}  // namespace

RBENCH_FUZZ_TARGET(sse) {
  // Byte 0: think mode and API; byte 1: how many cuts (up to 15); then one byte per cut, a
  // fraction of the stream at which to cut.
  if (size < 2) return 0;
  const auto mode = static_cast<rbench::ThinkTags>(data[0] % 3);
  const auto api = (data[0] & 0x4) ? rbench::CompletionApi::text : rbench::CompletionApi::chat;
  const std::size_t n_cuts = data[1] % 16;
  if (size < 2 + n_cuts) return 0;
  const std::string_view stream = rbench::fuzz::as_text(data + 2 + n_cuts, size - 2 - n_cuts);
  std::vector<std::size_t> cuts;
  for (std::size_t i = 0; i < n_cuts; ++i) {
    const std::size_t at = stream.size() * data[2 + i] / 255;
    if (cuts.empty() || at >= cuts.back()) cuts.push_back(at);
  }

  const Outcome whole = feed(stream, {});
  const Outcome cut = feed(stream, cuts);
  check(same_events(whole, cut), "SSE events differ when the stream is cut");
  check(whole.retry_ms == cut.retry_ms, "SSE retry differs when the stream is cut");
  check(whole.last_event_id == cut.last_event_id, "SSE last event id differs when cut");
  check(whole.partial == cut.partial, "SSE partial-event flag differs when cut");

  // The events' data as the client reads it: completion chunks, errors, [DONE].
  rbench::ResponseAccumulator acc(mode, nullptr, api);
  for (const auto& e : whole.events) {
    if (acc.done() || !acc.on_stream_data(e.data, 0.0)) break;
  }
  acc.finish(0.0);

  // The splitter alone, on the raw text as content: one piece or cut at the same points.
  const auto one = split(stream, {}, mode);
  const auto pieces = split(stream, cuts, mode);
  check(one.reasoning == pieces.reasoning && one.answer == pieces.answer,
        "ThinkSplitter output differs when the content is cut");
  if (mode == rbench::ThinkTags::off) check(one.answer == stream, "off mode changed the text");
  // Nothing is invented: the split's text is never longer than the content.
  check(one.reasoning.size() + one.answer.size() <= stream.size(), "ThinkSplitter grew the text");
  return 0;
}
