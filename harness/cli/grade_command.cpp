// `rbench grade`: one response graded against one reference by a suite scorer, the way a run
// grades it, with everything the verdict rests on (the extracted answer and its rule, the
// canonical forms, the deciding equivalence rule and why), for checking a verdict by hand.
#include <fmt/format.h>

#include <memory>

#include "harness/cli/commands.h"
#include "harness/core/error.h"
#include "harness/core/json_writer.h"
#include "harness/core/jsonl_reader.h"
#include "scorers/registry.h"

namespace rbench::cli {
namespace {

struct GradeOptions {
  std::string response;
  std::string response_file;
  std::string reference;
  std::string scorer = "math";
  bool json = false;
};

int grade(const GradeOptions& o) {
  if (o.scorer == "code") {
    throw UsageError("rbench grade: code answers are run with `rbench sandbox run`");
  }
  if (o.response.empty() == o.response_file.empty()) {
    throw UsageError("rbench grade: give the response as --response TEXT or --response-file F");
  }
  const std::string response =
      o.response_file.empty() ? o.response : read_file_bytes(o.response_file);
  const auto scorer = make_scorer(o.scorer);
  Item item;
  item.id = "grade";
  item.reference = o.reference;
  const Score s = scorer->score(item, response);
  if (o.json) {
    json::Writer w;
    w.object({{"correct", s.correct},
              {"scorer", scorer->name()},
              {"extracted", s.extracted},
              {"method", s.method},
              {"rule", s.rule},
              {"answer_form", s.answer_form},
              {"reference_form", s.reference_form},
              {"detail", s.detail}});
    fmt::print("{}\n", w.str());
  } else {
    fmt::print("verdict:   {}\n", s.correct ? "correct" : "wrong");
    fmt::print("extracted: {} (by {})\n", s.extracted.empty() ? "-" : s.extracted, s.method);
    if (!s.rule.empty()) fmt::print("rule:      {}\n", s.rule);
    if (!s.answer_form.empty() || !s.reference_form.empty()) {
      fmt::print("compared:  {} vs {}\n", s.answer_form.empty() ? "-" : s.answer_form,
                 s.reference_form.empty() ? "-" : s.reference_form);
    }
    fmt::print("why:       {}\n", s.detail);
  }
  return s.correct ? kExitOk : kExitError;
}

}  // namespace

void add_grade_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<GradeOptions>();
  CLI::App* cmd = app.add_subcommand(
      "grade", "Grade one response against one reference as a run would; exit 0 only if correct");
  cmd->add_option("--response", o->response, "The model's response text (reasoning may be inline)");
  cmd->add_option("--response-file", o->response_file, "Read the response from this file");
  cmd->add_option("--reference", o->reference, "The reference answer")->required();
  cmd->add_option("--scorer", o->scorer, "math or aime")->capture_default_str();
  cmd->add_flag("--json", o->json, "Print the verdict as one JSON object");
  cmd->callback([o, &exit_code] { exit_code = grade(*o); });
}

}  // namespace rbench::cli
