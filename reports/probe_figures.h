// Reading a probe JSON document (harness/probe/probe_json.h) for the reports: fields by JSON
// pointer (a field an older probe lacks is a dash, not an error), number formats, and the key
// figures of memory, ceiling and decode probes as (name, value) rows, which the Markdown report
// prints and the HTML report embeds, so both show the same rows.
#pragma once

#include <rapidjson/document.h>

#include <optional>
#include <string>
#include <vector>

namespace rbench::probe_figures {

struct Figure {
  std::string name;
  std::string value;
};

// The number or string at `pointer` ("/figures/parameters/total"); nullopt / "" when absent.
std::optional<double> num(const rapidjson::Value& doc, const std::string& pointer);
std::string text(const rapidjson::Value& doc, const std::string& pointer);

std::string grouped(std::optional<double> v);  // 1,234,567 (rounded)
std::string bytes(std::optional<double> v);    // 70,272 B, 640 KiB, 1.25 GiB, 1,250 GiB
std::string share(std::optional<double> v);    // 0.986 -> 98.6%

// A latency step's load: "concurrency 4", "rate 20/s", "rate ∞ (all at once)".
std::string load_label(const rapidjson::Value& step);

std::vector<Figure> memory_figures(const rapidjson::Value& doc);
std::vector<Figure> ceiling_figures(const rapidjson::Value& doc);
// `probe decode`: the device, the copy, each batch size's tokens/s and roofline share, MTP.
std::vector<Figure> decode_figures(const rapidjson::Value& doc);

}  // namespace rbench::probe_figures
