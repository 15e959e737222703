// The mock server's fault script and reasoning-style names.
#include <fmt/format.h>

#include <charconv>

#include "harness/core/error.h"
#include "harness/serve/mock_openai_server.h"

namespace rbench {
namespace {

constexpr std::string_view kFaultHelp =
    "expected ok, 429, 429:SECONDS, 500, 400, 401, 403, 404, stall:MS, cut, badjson or nodone";

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::optional<int> parse_int(std::string_view s) {
  int value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size() || value < 0) return std::nullopt;
  return value;
}

Fault parse_item(std::string_view item, std::size_t index, std::string_view spec) {
  const auto fail = [&](std::string_view why) -> Fault {
    throw UsageError(
        fmt::format("fault spec \"{}\": item {} \"{}\": {}", spec, index + 1, item, why));
  };
  const auto colon = item.find(':');
  const std::string_view name = item.substr(0, colon);
  const std::optional<std::string_view> arg =
      colon == std::string_view::npos ? std::nullopt : std::optional(item.substr(colon + 1));
  const auto number = [&]() -> int {
    const auto n = parse_int(*arg);
    if (!n) fail("the value after ':' must be a whole number >= 0");
    return *n;
  };
  if (name == "429") return {FaultKind::rate_limit, arg ? number() : 0};
  if (name == "stall") {
    if (!arg) fail("stall needs a duration: stall:MS");
    return {FaultKind::stall, number()};
  }
  if (arg) fail(fmt::format("\"{}\" takes no value; {}", name, kFaultHelp));
  if (name == "ok") return {FaultKind::ok, 0};
  if (name == "500") return {FaultKind::server_error, 0};
  if (name == "400") return {FaultKind::bad_request, 0};
  if (name == "401") return {FaultKind::unauthorized, 0};
  if (name == "403") return {FaultKind::forbidden, 0};
  if (name == "404") return {FaultKind::not_found, 0};
  if (name == "cut") return {FaultKind::cut, 0};
  if (name == "badjson") return {FaultKind::bad_json, 0};
  if (name == "nodone") return {FaultKind::no_done, 0};
  return fail(kFaultHelp);
}

}  // namespace

std::vector<Fault> parse_fault_spec(std::string_view spec) {
  std::vector<Fault> faults;
  if (trim(spec).empty()) return faults;
  std::size_t start = 0;
  for (std::size_t index = 0;; ++index) {
    const auto comma = spec.find(',', start);
    const auto item = trim(spec.substr(start, comma - start));
    if (item.empty()) {
      throw UsageError(fmt::format("fault spec \"{}\": item {} is empty", spec, index + 1));
    }
    faults.push_back(parse_item(item, index, spec));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return faults;
}

std::string to_string(const Fault& fault) {
  switch (fault.kind) {
    case FaultKind::ok:
      return "ok";
    case FaultKind::rate_limit:
      return fault.value ? fmt::format("429:{}", fault.value) : "429";
    case FaultKind::server_error:
      return "500";
    case FaultKind::bad_request:
      return "400";
    case FaultKind::unauthorized:
      return "401";
    case FaultKind::forbidden:
      return "403";
    case FaultKind::not_found:
      return "404";
    case FaultKind::stall:
      return fmt::format("stall:{}", fault.value);
    case FaultKind::cut:
      return "cut";
    case FaultKind::bad_json:
      return "badjson";
    case FaultKind::no_done:
      return "nodone";
  }
  return "unknown";
}

MockReasoningStyle parse_reasoning_style(std::string_view name) {
  for (const auto style : {MockReasoningStyle::reasoning_content, MockReasoningStyle::reasoning,
                           MockReasoningStyle::think_tags, MockReasoningStyle::none}) {
    if (to_string(style) == name) return style;
  }
  throw UsageError(fmt::format(
      "unknown reasoning style \"{}\": expected reasoning_content, reasoning, think_tags or none",
      name));
}

std::string_view to_string(MockReasoningStyle style) {
  switch (style) {
    case MockReasoningStyle::reasoning_content:
      return "reasoning_content";
    case MockReasoningStyle::reasoning:
      return "reasoning";
    case MockReasoningStyle::think_tags:
      return "think_tags";
    case MockReasoningStyle::none:
      return "none";
  }
  return "unknown";
}

}  // namespace rbench
