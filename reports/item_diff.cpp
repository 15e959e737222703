#include "reports/item_diff.h"

#include <fmt/format.h>

#include <map>

#include "harness/core/json_writer.h"

namespace rbench {
namespace {

struct Side {
  int scored = 0;
  int correct = 0;
  std::string extracted;
};

std::string one_line(std::string text, std::size_t width) {
  for (char& c : text) {
    if (c == '\n' || c == '\t' || c == '\r') c = ' ';
  }
  if (text.size() > width) text = text.substr(0, width - 3) + "...";
  return text.empty() ? "(none)" : text;
}

}  // namespace

std::vector<SuiteDiff> diff_models(const std::vector<SampleRecord>& samples,
                                   const std::string& model_a, const std::string& model_b,
                                   const std::string& suite, double confidence) {
  // suite -> item -> (A, B), items in first-seen order per suite.
  std::map<std::string, std::vector<std::string>> order;
  std::map<std::pair<std::string, std::string>, std::pair<Side, Side>> sides;
  std::map<std::pair<std::string, std::string>, std::string> references;
  for (const SampleRecord& r : samples) {
    if (!suite.empty() && r.key.suite != suite) continue;
    const bool is_a = r.key.model == model_a, is_b = r.key.model == model_b;
    if ((!is_a && !is_b) || !r.score || !r.completion.ok()) continue;
    const auto key = std::make_pair(r.key.suite, r.key.item_id);
    auto [it, inserted] = sides.try_emplace(key);
    if (inserted) order[r.key.suite].push_back(r.key.item_id);
    references.try_emplace(key, r.reference);
    Side& side = is_a ? it->second.first : it->second.second;
    if (side.scored == 0) side.extracted = r.score->extracted;
    ++side.scored;
    side.correct += r.score->correct ? 1 : 0;
  }
  std::vector<SuiteDiff> out;
  for (const auto& [suite_name, items] : order) {
    SuiteDiff d;
    d.suite = suite_name;
    std::vector<stats::PairedItem> paired;
    for (const std::string& id : items) {
      const auto& [a, b] = sides.at({suite_name, id});
      if (a.scored == 0 || b.scored == 0) {
        d.only_in_a += a.scored > 0;
        d.only_in_b += b.scored > 0;
        continue;
      }
      const double fa = static_cast<double>(a.correct) / a.scored;
      const double fb = static_cast<double>(b.correct) / b.scored;
      paired.push_back({fa, fb, a.scored == 1 && b.scored == 1});
      if (fa != fb) {
        d.discordant.push_back(
            {id, references.at({suite_name, id}), fa, fb, a.extracted, b.extracted});
      }
    }
    // The seed is fixed so that a report reproduces exactly.
    d.paired = stats::compare_paired(paired, confidence, 2000, 0);
    out.push_back(std::move(d));
  }
  return out;
}

std::string render_diff_text(const std::vector<SuiteDiff>& diffs, const std::string& model_a,
                             const std::string& model_b, std::size_t max_items) {
  std::string s;
  if (diffs.empty()) {
    return fmt::format("no scored samples of {} or {} in common\n", model_a, model_b);
  }
  for (const SuiteDiff& d : diffs) {
    const stats::PairedComparison& p = d.paired;
    s += fmt::format("{}: {} common items; A = {}: {:.4f}, B = {}: {:.4f}\n", d.suite, p.items,
                     model_a, p.accuracy_a, model_b, p.accuracy_b);
    s += fmt::format("  A - B = {:+.4f}, paired bootstrap 95% [{:+.4f}, {:+.4f}]", p.difference,
                     p.difference_ci.lo, p.difference_ci.hi);
    if (p.mcnemar_p) {
      s += fmt::format("; McNemar exact p = {:.4g} (A only {}, B only {}, both {}, neither {})",
                       *p.mcnemar_p, p.only_a, p.only_b, p.both_correct, p.neither);
    }
    s += "\n";
    if (d.only_in_a + d.only_in_b > 0) {
      s += fmt::format("  not compared: {} items scored for A only, {} for B only\n", d.only_in_a,
                       d.only_in_b);
    }
    std::size_t shown = 0;
    for (const DiffItem& item : d.discordant) {
      if (shown++ == max_items) {
        s += fmt::format("  ... {} more (--max-items)\n", d.discordant.size() - max_items);
        break;
      }
      s += fmt::format("  {:<12} A {:.2f}  B {:.2f}  A: {:<24} B: {:<24} reference: {}\n",
                       one_line(item.item_id, 12), item.a_correct, item.b_correct,
                       one_line(item.a_extracted, 24), one_line(item.b_extracted, 24),
                       one_line(item.reference, 40));
    }
  }
  return s;
}

std::string render_diff_json(const std::vector<SuiteDiff>& diffs, const std::string& model_a,
                             const std::string& model_b) {
  json::Writer w(json::Pretty{});
  w.object({{"model_a", model_a},
            {"model_b", model_b},
            {"suites", json::array(diffs, [](json::Writer& w, const SuiteDiff& d) {
               const stats::PairedComparison& p = d.paired;
               w.object({{"suite", d.suite},
                         {"items", p.items},
                         {"accuracy_a", p.accuracy_a},
                         {"accuracy_b", p.accuracy_b},
                         {"difference", p.difference},
                         {"difference_ci_low", p.difference_ci.lo},
                         {"difference_ci_high", p.difference_ci.hi},
                         {"mcnemar_p", json::nullable(p.mcnemar_p)},
                         {"only_a", p.only_a},
                         {"only_b", p.only_b},
                         {"both_correct", p.both_correct},
                         {"neither", p.neither},
                         {"scored_for_a_only", d.only_in_a},
                         {"scored_for_b_only", d.only_in_b},
                         {"discordant",
                          json::array(d.discordant, [](json::Writer& w, const DiffItem& i) {
                            w.object({{"item_id", i.item_id},
                                      {"reference", i.reference},
                                      {"a_correct", i.a_correct},
                                      {"b_correct", i.b_correct},
                                      {"a_extracted", i.a_extracted},
                                      {"b_extracted", i.b_extracted}});
                          })}});
             })}});
  return w.str() + "\n";
}

}  // namespace rbench
