// Import of other tools' published outputs and judgments into the store: arena-hard-auto's
// model_answer / model_judgment files and alpaca_eval's model_outputs.json / annotations.json.
// Imported answers become samples (scored with the "pairwise" marker) of the model the files name,
// and imported verdicts become judgments, so reports put models one cannot call today beside
// rbench's own runs, computed the same way.
//
// Other harnesses' per-item outputs (ZeroEval, LiveCodeBench, lm-eval, a generic JSONL) are
// graded by rbench's own scorers instead: see import_graded.h.
//
// Everything is read and checked before anything is written: a bad file imports nothing.
#pragma once

#include <cstddef>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "harness/run/import_records.h"
#include "harness/store/store.h"
#include "suites/suite.h"

namespace rbench {

// arena_hard and alpaca_eval: pairwise answers and judgments (import_outputs); the others:
// answers graded by rbench (import_graded_outputs).
enum class ImportFormat { arena_hard, alpaca_eval, zeroeval, livecodebench, lm_eval, jsonl };

// The scorer name stored with verdicts imported as given (LiveCodeBench's, whose hidden tests
// are not public): no scorer of rbench's made them, so rescore leaves them as they are.
inline constexpr std::string_view kImportedVerdictScorer = "imported-verdict";

struct ImportOptions {
  ImportFormat format = ImportFormat::arena_hard;
  std::vector<std::filesystem::path> files;  // answers and judgments, told apart per file
  std::string run_name;                      // "" = "import-<suite>"
  std::string model;  // rename the imported model ("" = the name the files give); one model only
  std::string judge;  // rename the judge / annotator ("" = the name the files give)
  // Graded formats: records that match no item of the suite are skipped and counted instead of
  // refused; and the generic JSONL's field names.
  bool skip_unmatched = false;
  JsonlFields fields;
};

// Graded imports: one model on one suite.
struct ImportTally {
  std::string model;
  std::string suite;
  std::size_t samples = 0;
  std::size_t correct = 0;
  std::size_t imported_verdicts = 0;  // of samples, verdicts taken as given (not graded here)
};

struct ImportSummary {
  std::string run_name;
  std::size_t answers = 0;    // samples written
  std::size_t judgments = 0;  // games written
  std::size_t unparsed = 0;   // of those, without a usable verdict (stored as "unparsed")
  std::size_t failed = 0;     // of those, a judge call that gave nothing (stored as "error")
  std::map<std::string, std::size_t> models;  // answers per imported model
  std::vector<std::string> judges;
  std::size_t skipped = 0;           // graded formats: unmatched records (--skip-unmatched)
  std::vector<ImportTally> tallies;  // graded formats: per model and suite
  // Graded formats without --suite: a file's dataset named like a suite rbench ships is stored
  // under another name, so its items never mix with that suite's ("gsm8k" -> "gsm8k-lm-eval").
  std::vector<std::string> notes;
};

// Imports `options.files` against `suite` (a pairwise suite: its items carry the baseline answers
// the judgments were made against). Throws DataError naming the file and record for: a question
// the suite does not have; a judgment against another baseline than the suite's; a judgment whose
// model answer is neither in the files nor already in the store; two answers for one question of
// one model; an AlpacaEval instruction the suite does not have.
ImportSummary import_outputs(Store& store, const Suite& suite, const ImportOptions& options);

}  // namespace rbench
