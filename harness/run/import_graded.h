// Import of other harnesses' answers graded by rbench: ZeroEval, LiveCodeBench, lm-eval and a
// generic JSONL (import_records.h reads them). Answers become samples of a run, graded by the
// suite's scorer exactly as if rbench had asked the model, so reports, `rbench diff` and rescore
// treat them like rbench's own. LiveCodeBench's verdicts are the exception: its hidden tests are
// not public, so they are imported as given, under the scorer kImportedVerdictScorer, with a
// detail that says so.
//
// Everything is read, matched and graded before anything is written: a bad file imports nothing.
#pragma once

#include <optional>

#include "harness/run/importer.h"
#include "harness/store/store.h"
#include "suites/suite.h"

namespace rbench {

// With `suite`, every record is matched to an item of it, by id, else by its question text
// (whitespace normalised), and graded against the item's reference. Without, each file's own
// problems and references become a custom suite named after the file's dataset (see
// ImportedFile::dataset), scored with "math" ("aime" for a dataset named so); its items are
// stored with the samples (prompt and reference) and rescore rebuilds the suite from them.
//
// The run's config_json records each file's path, sha256, size and format ("imported_from").
// Throws DataError naming the file and record for a malformed record, a record no item matches
// (unless options.skip_unmatched), a record of a custom suite without a reference, two answers
// of one model to one item, and two records of one custom item that disagree; UsageError for a
// file that names no model without --model, and for --model over files of several models.
ImportSummary import_graded_outputs(Store& store, const std::optional<Suite>& suite,
                                    const ImportOptions& options);

// Reads one file of a graded format (zeroeval, livecodebench, lm_eval, jsonl with `fields`).
// Throws UsageError for arena-hard and alpaca-eval, which import_outputs reads.
ImportedFile read_graded_file(ImportFormat format, const std::filesystem::path& file,
                              const JsonlFields& fields);

// The graded formats' names as the command line writes them, and the reverse.
std::string_view format_name(ImportFormat format);

}  // namespace rbench
