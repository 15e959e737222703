// Prices: reading them, choosing the one in force, and the cost of a call; see pricing.h.
//
// A pricing object (a profile's `pricing`, an entry of its history, a --prices file's value):
//   input_per_mtok, cached_input_per_mtok, output_per_mtok (USD per million tokens, >= 0, or null)
//   off_peak: {input_per_mtok, cached_input_per_mtok, output_per_mtok, hours_utc ("HH:MM-HH:MM")}
//   hourly_usd (USD per busy hour, >= 0, or null)
//   from ("YYYY-MM-DD" or "YYYY-MM-DDTHH:MM:SSZ": when it took effect)
//   as_of ("YYYY-MM-DD"), source (URL), note (string)
#include "engines/api/pricing.h"

#include <fmt/format.h>

#include <algorithm>
#include <regex>

#include "harness/core/error.h"

namespace rbench {
namespace {

void read_rate(json::StrictObject& o, std::string_view key, std::optional<double>& out) {
  if (const auto v = o.find(key)) out = v->number(0);
}

// "HH:MM" as minutes after midnight, or -1.
int minutes_of(std::string_view hh_mm) {
  static const std::regex pattern(R"(([01]\d|2[0-3]):([0-5]\d))");
  std::match_results<std::string_view::const_iterator> m;
  if (!std::regex_match(hh_mm.begin(), hh_mm.end(), m, pattern)) return -1;
  return std::stoi(m[1].str()) * 60 + std::stoi(m[2].str());
}

OffPeakRates read_off_peak(const json::Value& value) {
  json::StrictObject o(value);
  OffPeakRates r;
  read_rate(o, "input_per_mtok", r.input_per_mtok);
  read_rate(o, "cached_input_per_mtok", r.cached_input_per_mtok);
  read_rate(o, "output_per_mtok", r.output_per_mtok);
  const json::Value hours = o.member("hours_utc");
  r.hours_utc = hours.string();
  const auto dash = r.hours_utc.find('-');
  const int start = dash == std::string::npos ? -1 : minutes_of(r.hours_utc.substr(0, dash));
  const int end = dash == std::string::npos ? -1 : minutes_of(r.hours_utc.substr(dash + 1));
  if (start < 0 || end < 0 || start == end) {
    hours.fail("expected a window of UTC hours as \"HH:MM-HH:MM\" (e.g. \"16:30-00:30\")");
  }
  r.start_minute = start;
  r.end_minute = end;
  o.reject_unknown();
  return r;
}

// "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM:SSZ" as the 19-character prefix samples' times compare with.
std::string normalised_from(const json::Value& value) {
  const std::string text = value.string();
  static const std::regex date(R"(\d{4}-\d{2}-\d{2})");
  static const std::regex date_time(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z)");
  if (std::regex_match(text, date)) return text + "T00:00:00";
  if (std::regex_match(text, date_time)) return text.substr(0, 19);
  value.fail("expected a UTC date \"YYYY-MM-DD\" or time \"YYYY-MM-DDTHH:MM:SSZ\"");
}

Pricing read_one(const json::Value& value) {
  json::StrictObject o(value);
  Pricing p;
  read_rate(o, "input_per_mtok", p.input_per_mtok);
  read_rate(o, "cached_input_per_mtok", p.cached_input_per_mtok);
  read_rate(o, "output_per_mtok", p.output_per_mtok);
  if (const auto v = o.find("off_peak")) p.off_peak = read_off_peak(*v);
  read_rate(o, "hourly_usd", p.hourly_usd);
  if (const auto v = o.find("from")) p.from = normalised_from(*v);
  if (const auto v = o.find("as_of")) {
    p.as_of = v->string();
    if (!p.as_of.empty() && !std::regex_match(p.as_of, std::regex(R"(\d{4}-\d{2}-\d{2})"))) {
      v->fail("expected a date as YYYY-MM-DD");
    }
  }
  if (const auto v = o.find("source")) p.source = v->string();
  if (const auto v = o.find("note")) p.note = v->string();
  o.reject_unknown();
  return p;
}

}  // namespace

bool OffPeakRates::contains(int minute_of_day) const {
  if (start_minute < end_minute) {
    return minute_of_day >= start_minute && minute_of_day < end_minute;
  }
  return minute_of_day >= start_minute || minute_of_day < end_minute;  // wraps past midnight
}

const Pricing* PriceHistory::at(std::string_view utc) const {
  if (entries.empty()) return nullptr;
  if (utc.empty()) return &entries.back();
  const std::string_view when = utc.substr(0, 19);
  const Pricing* in_force = &entries.front();
  for (const Pricing& p : entries) {
    if (p.from.empty() || p.from <= when) in_force = &p;
  }
  return in_force;
}

std::optional<double> token_cost_usd(const Pricing& pricing, const Usage& usage,
                                     std::string_view utc) {
  if (!pricing.known() || usage.prompt_tokens < 0 || usage.completion_tokens < 0) {
    return std::nullopt;
  }
  double input = *pricing.input_per_mtok;
  double cached = pricing.cached_input_per_mtok.value_or(input);
  double output = *pricing.output_per_mtok;
  if (pricing.off_peak && utc.size() >= 16) {
    const int minute = minutes_of(utc.substr(11, 5));
    const OffPeakRates& off = *pricing.off_peak;
    if (minute >= 0 && off.contains(minute)) {
      input = off.input_per_mtok.value_or(input);
      cached = off.cached_input_per_mtok.value_or(cached);
      output = off.output_per_mtok.value_or(output);
    }
  }
  const std::int64_t cached_tokens =
      std::clamp<std::int64_t>(usage.cached_prompt_tokens, 0, usage.prompt_tokens);
  return (double(usage.prompt_tokens - cached_tokens) * input + double(cached_tokens) * cached +
          double(usage.completion_tokens) * output) /
         1e6;
}

PriceHistory read_price_history(const json::Value& value) {
  PriceHistory history;
  if (!value.is_array()) {
    history.entries.push_back(read_one(value));
    return history;
  }
  for (const json::Value& element : value.elements()) {
    Pricing p = read_one(element);
    if (!history.entries.empty() && value.size() > 1 && p.from.empty()) {
      element.fail_at("from", "missing: every entry of a price history after the first is dated");
    }
    if (!history.entries.empty() && p.from <= history.entries.back().from) {
      element.fail_at("from", "must be after the previous entry's (entries in date order)");
    }
    history.entries.push_back(std::move(p));
  }
  if (history.entries.empty()) value.fail("expected at least one pricing entry");
  return history;
}

std::map<std::string, PriceHistory> load_price_file(const std::filesystem::path& file) {
  const json::Document document = json::Document::read_file(file);
  const json::Value root = document.root();
  if (!root.is_object()) {
    root.fail("expected an object {\"profile name\": {pricing}, ...}");
  }
  std::map<std::string, PriceHistory> prices;
  for (const auto& [name, value] : root.members()) {
    prices.emplace(std::string(name), read_price_history(value));
  }
  return prices;
}

json::OutValue pricing_json(const Pricing& p) {
  std::vector<json::Field> fields = {
      {"input_per_mtok", p.input_per_mtok},
      {"cached_input_per_mtok", p.cached_input_per_mtok},
      {"output_per_mtok", p.output_per_mtok},
  };
  if (p.off_peak) {
    fields.push_back({"off_peak", json::object({
                                      {"input_per_mtok", p.off_peak->input_per_mtok},
                                      {"cached_input_per_mtok", p.off_peak->cached_input_per_mtok},
                                      {"output_per_mtok", p.off_peak->output_per_mtok},
                                      {"hours_utc", std::string(p.off_peak->hours_utc)},
                                  })});
  }
  fields.push_back({"hourly_usd", p.hourly_usd});
  // Back as written: a date stays a date.
  std::string from = p.from.ends_with("T00:00:00") ? p.from.substr(0, 10)
                     : p.from.empty()              ? std::string()
                                                   : p.from + "Z";
  fields.push_back(
      {"from", from.empty() ? json::OutValue(std::nullopt) : json::OutValue(std::move(from))});
  fields.push_back({"as_of", p.as_of.empty() ? json::OutValue(std::nullopt)
                                             : json::OutValue(std::string(p.as_of))});
  fields.push_back({"source", p.source.empty() ? json::OutValue(std::nullopt)
                                               : json::OutValue(std::string(p.source))});
  fields.push_back({"note", p.note.empty() ? json::OutValue(std::nullopt)
                                           : json::OutValue(std::string(p.note))});
  return json::object(std::move(fields));
}

json::OutValue price_history_json(const PriceHistory& history) {
  if (history.entries.size() == 1) return pricing_json(history.entries.front());
  std::vector<json::OutValue> entries;
  for (const Pricing& p : history.entries) entries.push_back(pricing_json(p));
  return [entries = std::move(entries)](json::Writer& w) {
    w.array([&](json::Writer& w) {
      for (const auto& e : entries) w.value(e);
    });
  };
}

}  // namespace rbench
