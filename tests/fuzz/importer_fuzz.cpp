// Fuzz target `importer`: the readers of other harnesses' outputs (harness/run/import_records.h:
// ZeroEval, LiveCodeBench, lm-evaluation-harness, the generic JSONL) on a file holding the input
// after its first byte, which picks the format (bits 0-1) and whether the records then go through
// the whole graded import into a store in the temporary folder (bit 2: matched to a custom suite,
// graded by the math scorer, written; no code is run, LiveCodeBench's verdicts are taken as
// given). The arena-hard-auto and alpaca_eval files imported by `rbench import` are read by the
// suite loaders' functions, which the `suite_loader` target fuzzes.
// Property: a reader (and the import) either succeeds or throws an rbench error naming the file
// and the record (line or array element) that is wrong; what it reads has a location for every
// record.
// fuzz-links: rbench_harness_run
#include <string>

#include "fuzz/fuzz_target.h"
#include "fuzz/load_errors.h"
#include "harness/run/import_graded.h"
#include "harness/run/import_records.h"
#include "harness/store/store.h"

namespace {

namespace fs = std::filesystem;
using namespace rbench;

// Harness outputs are read whole; 64 KiB hold dozens of records, enough for the cross-record
// checks (duplicate ids, lines of one document under several filters).
constexpr std::size_t kMaxInput = 64 * 1024;

struct Format {
  ImportFormat format;
  const char* path;  // where the file is written: readers take the dataset and model from it
};

constexpr Format kFormats[] = {
    {ImportFormat::zeroeval, "result_dirs/gsm/o1-mini.json"},
    {ImportFormat::livecodebench, "Tiny-Coder_N2/Scenario.codegeneration_2_0.2_eval_all.json"},
    {ImportFormat::lm_eval, "acme__tiny-lm/samples_gsm8k_2026-01-01T00-00-00.000000.jsonl"},
    {ImportFormat::jsonl, "answers.jsonl"},
};

}  // namespace

RBENCH_FUZZ_TARGET(importer) {
  if (size < 1 || size > kMaxInput) return 0;
  const Format& format = kFormats[data[0] & 3];
  const bool graded = (data[0] & 4) != 0;
  const fuzz::TempFolder dir;
  const fs::path file = dir.write(format.path, fuzz::as_text(data + 1, size - 1));

  fuzz::loads_or_says_where({file}, [&] {
    const ImportedFile read_file = read_graded_file(format.format, file, JsonlFields{});
    for (const ImportedRecord& record : read_file.records) {
      fuzz::check(!record.where.empty(), "every record says where it came from");
    }
    if (!graded) return;
    Store store(dir.path() / "results.db");
    ImportOptions options;
    options.format = format.format;
    options.files = {file};
    options.model = "fuzzed-model";  // so that a file naming no model is not refused for it
    options.skip_unmatched = true;
    try {
      import_graded_outputs(store, std::nullopt, options);
    } catch (const UsageError&) {
      // --model over a file of several models: the command line's mistake, documented as a
      // UsageError (import_graded.h), not the file's.
    }
  });
  return 0;
}
