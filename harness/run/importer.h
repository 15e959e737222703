// Import of other tools' published outputs and judgments into the store: arena-hard-auto's
// model_answer / model_judgment files and alpaca_eval's model_outputs.json / annotations.json.
// Imported answers become samples (scored with the "pairwise" marker) of the model the files name,
// and imported verdicts become judgments, so reports put models one cannot call today beside
// rbench's own runs, computed the same way.
//
// Everything is read and checked before anything is written: a bad file imports nothing.
#pragma once

#include <cstddef>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "harness/store/store.h"
#include "suites/suite.h"

namespace rbench {

enum class ImportFormat { arena_hard, alpaca_eval };

struct ImportOptions {
  ImportFormat format = ImportFormat::arena_hard;
  std::vector<std::filesystem::path> files;  // answers and judgments, told apart per file
  std::string run_name;                      // "" = "import-<suite>"
  std::string model;  // rename the imported model ("" = the name the files give); one model only
  std::string judge;  // rename the judge / annotator ("" = the name the files give)
};

struct ImportSummary {
  std::string run_name;
  std::size_t answers = 0;    // samples written
  std::size_t judgments = 0;  // games written
  std::size_t unparsed = 0;   // of those, without a usable verdict (stored as "unparsed")
  std::size_t failed = 0;     // of those, a judge call that gave nothing (stored as "error")
  std::map<std::string, std::size_t> models;  // answers per imported model
  std::vector<std::string> judges;
};

// Imports `options.files` against `suite` (a pairwise suite: its items carry the baseline answers
// the judgments were made against). Throws DataError naming the file and record for: a question
// the suite does not have; a judgment against another baseline than the suite's; a judgment whose
// model answer is neither in the files nor already in the store; two answers for one question of
// one model; an AlpacaEval instruction the suite does not have.
ImportSummary import_outputs(Store& store, const Suite& suite, const ImportOptions& options);

}  // namespace rbench
