// The "Published, not measured here" band in each report format. Published figures are listed by
// benchmark, never ranked, and never mixed into the measured leaderboards.
#include <fmt/format.h>

#include <algorithm>

#include "reports/markdown_text.h"
#include "reports/published.h"
#include "reports/text_escape.h"

namespace rbench {
namespace {

constexpr const char* kBandTitle = "Published, not measured here";
constexpr const char* kBandIntro =
    "Figures other people published, each with its source: rbench did not measure them, and they "
    "are not ranked with the measured rows. Their settings (samples, judge, prompts) are theirs; "
    "compare with a measured row only where the metric says the same thing.";

struct Entry {
  const PublishedRow* row;
  const PublishedFigure* figure;
};

// Per benchmark, in published_benchmarks() order: the figures naming it, rows in file order.
std::vector<std::pair<std::string_view, std::vector<Entry>>> by_benchmark(
    const std::vector<PublishedRow>& rows) {
  std::vector<std::pair<std::string_view, std::vector<Entry>>> out;
  for (std::string_view benchmark : published_benchmarks()) {
    std::vector<Entry> entries;
    for (const PublishedRow& row : rows) {
      for (const PublishedFigure& f : row.figures) {
        if (f.benchmark == benchmark) entries.push_back({&row, &f});
      }
    }
    if (!entries.empty()) out.emplace_back(benchmark, std::move(entries));
  }
  return out;
}

// The measured suites of one benchmark, comma-separated ("" when none).
std::string measured_as(std::string_view benchmark, const std::vector<std::string>& suites) {
  std::string out;
  for (const std::string& suite : suites) {
    if (published_benchmark_of_suite(suite) == benchmark) out += (out.empty() ? "" : ", ") + suite;
  }
  return out;
}

// The reported runs made under `protocol`, comma-separated.
std::string runs_under(const std::string& protocol, const std::vector<RunProtocol>& protocols) {
  std::string out;
  for (const RunProtocol& p : protocols) {
    if (p.protocol == protocol) out += (out.empty() ? "" : ", ") + p.run;
  }
  return out;
}

// Families whose files carry a note, once each, in row order.
std::vector<const PublishedRow*> noted_families(const std::vector<PublishedRow>& rows) {
  std::vector<const PublishedRow*> out;
  for (const PublishedRow& row : rows) {
    if (row.note.empty()) continue;
    const bool seen = std::any_of(out.begin(), out.end(),
                                  [&](const PublishedRow* r) { return r->file == row.file; });
    if (!seen) out.push_back(&row);
  }
  return out;
}

}  // namespace

void write_published_json(json::Writer& w, const PublishedRow& row) {
  w.object({{"family", row.family},
            {"model", row.model},
            {"snapshot", row.snapshot},
            {"file", row.file},
            {"note", json::unless_empty(row.note)},
            {"figures", json::array(row.figures, [](json::Writer& w, const PublishedFigure& f) {
               w.object({{"benchmark", f.benchmark},
                         {"value", f.value},
                         {"metric", f.metric},
                         {"protocol", json::unless_empty(f.protocol)},
                         {"source", json::object({{"url", f.source.url},
                                                  {"quote", f.source.quote},
                                                  {"date", f.source.date}})}});
             })}});
}

std::string published_markdown(const std::vector<PublishedRow>& rows,
                               const std::vector<std::string>& measured_suites,
                               const std::vector<RunProtocol>& protocols) {
  if (rows.empty()) return "";
  std::string out = fmt::format("\n## {}\n\n{}\n", kBandTitle, kBandIntro);
  for (const auto& [benchmark, entries] : by_benchmark(rows)) {
    out += fmt::format("\n### {} (published)\n\n", md_text(benchmark));
    if (const std::string suites = measured_as(benchmark, measured_suites); !suites.empty()) {
      out +=
          fmt::format("Measured here as suite {}: see its leaderboard above.\n\n", md_text(suites));
    }
    out +=
        "| Model | Snapshot | Published % | Metric | Protocol | Source |\n"
        "|---|---|--:|---|---|---|\n";
    for (const Entry& e : entries) {
      std::string protocol = e.figure->protocol.empty() ? "—" : md_text(e.figure->protocol);
      if (const std::string runs = runs_under(e.figure->protocol, protocols);
          !e.figure->protocol.empty() && !runs.empty()) {
        protocol += fmt::format(" (run here under it: {})", md_text(runs));
      }
      out += fmt::format("| {} | {} | {:.1f} | {} | {} | <{}> ({}): \"{}\" |\n",
                         md_text(e.row->model), md_text(e.row->snapshot), e.figure->value,
                         md_text(e.figure->metric), protocol, e.figure->source.url,
                         md_text(e.figure->source.date), md_text(e.figure->source.quote));
    }
  }
  std::string without;
  for (const PublishedRow& row : rows) {
    if (row.figures.empty()) without += (without.empty() ? "" : ", ") + md_text(row.model);
  }
  if (!without.empty()) out += fmt::format("\nNo sourced figure found for: {}.\n", without);
  const auto noted = noted_families(rows);
  if (!noted.empty()) out += "\nNotes:\n\n";
  for (const PublishedRow* row : noted) {
    out += fmt::format("- {} ({}): {}\n", md_text(row->family), md_text(row->file),
                       md_text(row->note));
  }
  return out;
}

std::string published_beside_markdown(const std::vector<PublishedRow>& rows,
                                      std::string_view suite) {
  const auto benchmark = published_benchmark_of_suite(suite);
  if (!benchmark) return "";
  std::string figures;
  for (const PublishedRow& row : rows) {
    for (const PublishedFigure& f : row.figures) {
      if (f.benchmark != *benchmark) continue;
      figures += fmt::format("{}{} {:.1f} ({})", figures.empty() ? "" : "; ", md_text(row.model),
                             f.value, md_text(f.metric));
    }
  }
  if (figures.empty()) return "";
  return fmt::format("\n> {}, {}: {}. Sources in \"{}\" below; not ranked with the rows above.\n",
                     kBandTitle, md_text(*benchmark), figures, kBandTitle);
}

std::string published_csv(const std::vector<PublishedRow>& rows) {
  if (rows.empty()) return "";
  std::string out =
      "\r\nsource,family,model,snapshot,benchmark,value_percent,metric,protocol,date,url,quote"
      "\r\n";
  for (const PublishedRow& row : rows) {
    for (const PublishedFigure& f : row.figures) {
      out +=
          fmt::format("published,{},{},{},{},{},{},{},{},{},{}\r\n", csv_field(row.family),
                      csv_field(row.model), csv_field(row.snapshot), csv_field(f.benchmark),
                      f.value, csv_field(f.metric), csv_field(f.protocol), csv_field(f.source.date),
                      csv_field(f.source.url), csv_field(f.source.quote));
    }
  }
  return out;
}

std::string published_html(const std::vector<PublishedRow>& rows,
                           const std::vector<std::string>& measured_suites,
                           const std::vector<RunProtocol>& protocols) {
  if (rows.empty()) return "";
  std::string out = fmt::format(
      "<section id=\"published\" class=\"published-band\"><h2>{}</h2>\n<p class=\"muted\">{}</p>\n",
      kBandTitle, html_escape(kBandIntro));
  for (const auto& [benchmark, entries] : by_benchmark(rows)) {
    out += fmt::format("<h3>{} <span class=\"published-tag\">published</span></h3>\n",
                       html_escape(benchmark));
    if (const std::string suites = measured_as(benchmark, measured_suites); !suites.empty()) {
      out += fmt::format("<p class=\"muted\">Measured here as suite {}: see its section.</p>\n",
                         html_escape(suites));
    }
    out +=
        "<div class=\"table-wrap\"><table class=\"published-table\"><thead><tr><th>Model</th>"
        "<th>Snapshot</th><th class=\"num\">Published %</th><th>Metric</th><th>Protocol</th>"
        "<th>Source</th></tr></thead><tbody>\n";
    for (const Entry& e : entries) {
      std::string protocol =
          e.figure->protocol.empty() ? "—" : "<code>" + html_escape(e.figure->protocol) + "</code>";
      if (const std::string runs = runs_under(e.figure->protocol, protocols);
          !e.figure->protocol.empty() && !runs.empty()) {
        protocol += fmt::format(" <span class=\"protocol-match\">run here under it: {}</span>",
                                html_escape(runs));
      }
      out += fmt::format(
          "<tr><td class=\"strong\">{}</td><td>{}</td><td class=\"num\">{:.1f}</td><td>{}</td>"
          "<td>{}</td><td><a href=\"{}\" rel=\"noopener noreferrer\">{}</a> "
          "<q>{}</q></td></tr>\n",
          html_escape(e.row->model), html_escape(e.row->snapshot), e.figure->value,
          html_escape(e.figure->metric), protocol, html_escape(e.figure->source.url),
          html_escape(e.figure->source.date), html_escape(e.figure->source.quote));
    }
    out += "</tbody></table></div>\n";
  }
  std::string without;
  for (const PublishedRow& row : rows) {
    if (row.figures.empty()) without += (without.empty() ? "" : ", ") + html_escape(row.model);
  }
  if (!without.empty()) {
    out += fmt::format("<p class=\"muted\">No sourced figure found for: {}.</p>\n", without);
  }
  const auto noted = noted_families(rows);
  if (!noted.empty()) out += "<details><summary>Notes on the sources</summary><ul>\n";
  for (const PublishedRow* row : noted) {
    out += fmt::format("<li><strong>{}</strong> (<code>{}</code>): {}</li>\n",
                       html_escape(row->family), html_escape(row->file), html_escape(row->note));
  }
  if (!noted.empty()) out += "</ul></details>\n";
  out += "</section>\n";
  return out;
}

}  // namespace rbench
