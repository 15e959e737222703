// A decode probe (`rbench probe decode`) in the reports: a real document measured on the bundled
// model, stored, then its figures in the Markdown report and the rows the HTML report embeds.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "common/temp_dir.h"
#include "engines/moe/model/model.h"
#include "harness/probe/decode_probe.h"
#include "harness/probe/probe_header.h"
#include "harness/store/store.h"
#include "reports/probe_figures.h"
#include "reports/report.h"

namespace rbench {
namespace {

std::string decode_document() {
  const auto model = moe::Model::load(testing::bundled_data_dir() / "checkpoints/tiny-r1-arith");
  probe::DecodeProbeOptions o;
  o.batches = {1, 2};
  o.context = 16;
  o.steps = 2;
  o.warmup = 1;
  o.copy_bytes = std::size_t{2} << 20;
  o.copy_repeats = 1;
  return probe::decode_probe_json({.kind = "decode",
                                   .model = "tiny",
                                   .engine = "builtin",
                                   .started_at = "a",
                                   .finished_at = "b",
                                   .config_json = probe::decode_probe_config_json(o)},
                                  probe::probe_decode(*model, o));
}

TEST(DecodeProbeReport, FiguresInMarkdownAndJson) {
  const std::string document = decode_document();
  rapidjson::Document doc;
  doc.Parse(document.c_str());
  ASSERT_FALSE(doc.HasParseError());
  const auto rows = probe_figures::decode_figures(doc);
  ASSERT_GE(rows.size(), 8u);  // device, copy, context, 2 batches, 3 MTP rows
  EXPECT_EQ(rows[0].name, "Device");
  EXPECT_EQ(rows[3].name, "Batch 1");
  EXPECT_NE(rows[3].value.find("tokens/s"), std::string::npos) << rows[3].value;
  EXPECT_NE(rows[3].value.find("of the roofline"), std::string::npos) << rows[3].value;
  EXPECT_EQ(rows[4].name, "Batch 2");
  EXPECT_EQ(rows.back().name,
            "MTP implied speedup by acceptance, (1 + acceptance) / (verify_ratio + draft_ratio)");

  testing::TempDir dir;
  const auto db = dir.path() / "decode.db";
  {
    Store store(db);
    const RunInfo run = store.open_run("probe-decode-tiny", "{}", "0.1.0", "abc");
    const std::int64_t id =
        store.put_probe({.run_id = run.id, .kind = "decode", .model = "tiny", .config_json = "{}"});
    store.finish_probe(id, document);
  }
  Store store(db);
  const std::string md = render_report(store, ReportFormat::md, {});
  EXPECT_NE(md.find("| Batch 2 |"), std::string::npos) << md;
  EXPECT_NE(md.find("| MTP at batch 1: verification step (2 tokens) / plain step |"),
            std::string::npos)
      << md;
  EXPECT_EQ(md.find("A probe kind this report does not know"), std::string::npos) << md;
  // The HTML report embeds the same rows for its figures table.
  const std::string html = render_report(store, ReportFormat::html, {});
  EXPECT_NE(html.find("\"Batch 1\""), std::string::npos);
}

}  // namespace
}  // namespace rbench
