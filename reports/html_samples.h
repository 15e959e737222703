// The HTML report's samples, embedded so that a page of 100,000 items opens quickly: one
// <script type="application/json"> per result, parsed by the page only when that result's items
// are first shown (samplesOf() in reports/web/items.js), and one table of strings per suite
// (prompts, references, item ids and other repeating values, each stored once).
#pragma once

#include <string>
#include <string_view>

#include "reports/reporters.h"

namespace rbench {

// JSON inside <script type="application/json">: "</script>" or "<!--" in a string must not end
// or change the script element, so every '<' (and '>', '&' for good measure) becomes \uXXXX.
std::string script_safe_json(std::string_view json);

// The script elements, in this order: "rbench-samples-R" for each result R (index into
// data.results), then "rbench-strings-T" for each table T the results name.
//
// A result's element holds {"t": T, "n": N, "cols": {KEY: COLUMN, ...}}: KEY is a sample field
// under its short name (items.js lists them), COLUMN either dense, an array of N values (null
// where a sample has none) when at least half the samples have one, else sparse, {"i": [sample
// indices], "v": [their values]}. Interned fields hold indices into table T.
//
// A page embeds at most kEmbeddedSamples samples in all: a store with more gives each result its
// first kEmbeddedSamples / results samples in store order (items in id order, each item's
// samples in order), and its element says how many the result has, {"of": TOTAL}, so that the
// page shows the items it has and says how many it leaves out. The figures are always over all.
inline constexpr std::size_t kEmbeddedSamples = 200'000;
std::string html_sample_scripts(const ReportData& data);

}  // namespace rbench
