// The SSE parser against the WHATWG event-stream rules, fed whole, in random pieces and one
// byte at a time.
#include "harness/net/sse_parser.h"

#include <gtest/gtest.h>

#include <random>

namespace rbench::http {
namespace {

std::vector<SseEvent> feed_all(std::string_view stream) {
  SseParser parser;
  return parser.feed(stream);
}

std::vector<SseEvent> feed_bytewise(std::string_view stream) {
  SseParser parser;
  std::vector<SseEvent> events;
  for (const char c : stream) {
    for (auto& e : parser.feed(std::string_view(&c, 1))) events.push_back(std::move(e));
  }
  return events;
}

std::vector<std::string> datas(const std::vector<SseEvent>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(e.data);
  return out;
}

using Strings = std::vector<std::string>;

TEST(SseParser, DispatchesAtBlankLine) {
  SseParser parser;
  EXPECT_TRUE(parser.feed("data: hello\n").empty());
  EXPECT_TRUE(parser.has_partial_event());
  const auto events = parser.feed("\n");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].data, "hello");
  EXPECT_EQ(events[0].type, "message");
  EXPECT_FALSE(parser.has_partial_event());
}

TEST(SseParser, LfCrAndCrlfLineEndings) {
  EXPECT_EQ(datas(feed_all("data: a\n\ndata: b\r\rdata: c\r\n\r\n")), (Strings{"a", "b", "c"}));
  EXPECT_EQ(datas(feed_all("data: a\r\ndata: b\n\r\n")), (Strings{"a\nb"}));
}

TEST(SseParser, CrlfSplitAcrossChunksIsOneLineEnd) {
  SseParser parser;
  EXPECT_TRUE(parser.feed("data: a\r").empty());
  // Were the LF taken as a second line end, "a" would be dispatched alone here.
  EXPECT_TRUE(parser.feed("\ndata: b\r").empty());
  const auto events = parser.feed("\n\r\n");
  EXPECT_EQ(datas(events), (Strings{"a\nb"}));
}

TEST(SseParser, MultiLineDataJoinedWithNewline) {
  EXPECT_EQ(datas(feed_all("data: one\ndata: two\ndata: three\n\n")), (Strings{"one\ntwo\nthree"}));
}

TEST(SseParser, OnlyOneSpaceAfterColonIsRemoved) {
  EXPECT_EQ(datas(feed_all("data:x\n\ndata:  y\n\ndata: \n\n")), (Strings{"x", " y", ""}));
}

TEST(SseParser, FieldWithoutColonHasEmptyValue) {
  EXPECT_EQ(datas(feed_all("data\n\n")), (Strings{""}));
  EXPECT_EQ(datas(feed_all("data\ndata\n\n")), (Strings{"\n"}));
}

TEST(SseParser, CommentsAreIgnored) {
  EXPECT_TRUE(feed_all(": keep-alive\n\n").empty());
  EXPECT_EQ(datas(feed_all(": c1\ndata: a\n: c2\ndata: b\n\n: tail\n\n")), (Strings{"a\nb"}));
}

TEST(SseParser, EventAndIdFields) {
  const auto events = feed_all("event: ping\nid: 7\ndata: x\n\ndata: y\n\nid\ndata: z\n\n");
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].type, "ping");
  EXPECT_EQ(events[0].id, "7");
  EXPECT_EQ(events[1].type, "message");  // the type is reset after each dispatch
  EXPECT_EQ(events[1].id, "7");          // the last event ID persists
  EXPECT_EQ(events[2].id, "");           // an empty id field resets it
}

TEST(SseParser, BlankLineWithoutDataDispatchesNothingAndResetsType) {
  const auto events = feed_all("event: a\n\ndata: x\n\n");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].type, "message");
}

TEST(SseParser, UnknownFieldsIgnoredAndRetryRead) {
  SseParser parser;
  const auto events = parser.feed("foo: bar\nretry: 1500\nretry: x1\ndata: d\n\n");
  EXPECT_EQ(datas(events), (Strings{"d"}));
  EXPECT_EQ(parser.retry_ms(), 1500);
}

TEST(SseParser, LeadingBomIsStrippedEvenWhenSplit) {
  EXPECT_EQ(datas(feed_all("\xEF\xBB\xBF"
                           "data: a\n\n")),
            (Strings{"a"}));
  SseParser parser;
  EXPECT_TRUE(parser.feed("\xEF").empty());
  EXPECT_TRUE(parser.feed("\xBB").empty());
  EXPECT_EQ(datas(parser.feed("\xBF"
                              "data: b\n\n")),
            (Strings{"b"}));
  // A BOM later in the stream is data, not skipped.
  EXPECT_EQ(datas(feed_all("data: \xEF\xBB\xBFx\n\n")), (Strings{"\xEF\xBB\xBFx"}));
}

TEST(SseParser, NonBomStartIsKept) {
  SseParser parser;
  EXPECT_TRUE(parser.feed("\xEF").empty());
  // "\xEF" followed by something else is not a BOM: it is the start of a field name.
  EXPECT_EQ(datas(parser.feed("x\ndata: q\n\n")), (Strings{"q"}));
}

TEST(SseParser, UnterminatedEventAtEndIsNotDispatched) {
  SseParser parser;
  EXPECT_TRUE(parser.feed("data: partial\n").empty());
  EXPECT_TRUE(parser.has_partial_event());
}

// An OpenAI-like stream with every feature at once, checked whole, byte by byte and in random
// pieces.
constexpr std::string_view kStream =
    "\xEF\xBB\xBF: keep-alive\r\n\r\n"
    "data: {\"choices\":[{\"delta\":{\"content\":\"Hel\"}}]}\r\n\r\n"
    "event: delta\rid: 42\rdata: line1\rdata:line2\r\r"
    "data: {\"x\": \"a\\nb\"}\n\n"
    ": comment\n"
    "data: [DONE]\n\n";

const Strings kExpected{"{\"choices\":[{\"delta\":{\"content\":\"Hel\"}}]}", "line1\nline2",
                        "{\"x\": \"a\\nb\"}", "[DONE]"};

TEST(SseParser, WholeStream) {
  const auto events = feed_all(kStream);
  EXPECT_EQ(datas(events), kExpected);
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[1].type, "delta");
  EXPECT_EQ(events[1].id, "42");
}

TEST(SseParser, OneByteAtATime) {
  const auto events = feed_bytewise(kStream);
  EXPECT_EQ(datas(events), kExpected);
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[1].type, "delta");
}

TEST(SseParser, RandomChunkingGivesTheSameEvents) {
  std::mt19937 rng(1234);
  for (int round = 0; round < 200; ++round) {
    SseParser parser;
    std::vector<SseEvent> events;
    std::size_t pos = 0;
    while (pos < kStream.size()) {
      const std::size_t n = std::uniform_int_distribution<std::size_t>(0, 9)(rng);
      for (auto& e : parser.feed(kStream.substr(pos, n))) events.push_back(std::move(e));
      pos += n;
    }
    ASSERT_EQ(datas(events), kExpected) << "round " << round;
  }
}

}  // namespace
}  // namespace rbench::http
