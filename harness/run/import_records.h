// Other harnesses' per-item outputs (ZeroEval, LiveCodeBench, lm-evaluation-harness, a generic
// JSONL), read into one shape before they are matched to a suite and graded (import_graded.h).
// One reader per format, each in its own file; they only read and check, never write.
//
// Every error is a DataError naming the file and the record ("FILE: $[12].output: ..." for an
// element of a JSON array, "FILE:13: $.resps: ..." for a JSONL line) and what was wrong.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace rbench {

// One answer of a record: its text, and the verdict the source harness gave where rbench takes
// it as given (LiveCodeBench, whose hidden tests are not public).
struct ImportedAnswer {
  std::string answer;
  std::string reasoning;
  std::optional<bool> verdict;  // set only for verdicts imported as given
  std::string code;             // the program the harness extracted and ran (LiveCodeBench)
};

struct ImportedRecord {
  std::string where;      // "FILE: element N" or "FILE:LINE", for errors and the store
  std::size_t index = 0;  // 0-based record number in the file
  std::string id;         // the record's id as the file gives it ("" when none)
  std::string question;   // the problem text ("" when the file carries none)
  std::string reference;  // the reference answer ("" when the file carries none)
  std::string model;      // the model that answered, as the file names it ("" when not)
  std::vector<ImportedAnswer> answers;  // one per sample, in order
};

struct ImportedFile {
  std::filesystem::path path;
  std::string format;  // "zeroeval", "livecodebench", "lm-eval", "jsonl"
  std::string sha256;
  std::uintmax_t bytes = 0;
  // The suite the file names for itself: ZeroEval's "dataset" field (else its folder, as in
  // result_dirs/gsm/), lm-eval's task (samples_<task>_<date>.jsonl), "livecodebench", or the
  // generic file's stem.
  std::string dataset;
  std::string model;  // the model the whole file belongs to, when only its path says ("" if not)
  // How the source harness says it sampled, as it wrote it (ZeroEval's "configs" of its first
  // record: "{'engine': 'openai', 'temperature': 0.0, ...}"); "" when it does not say.
  std::string settings;
  std::vector<ImportedRecord> records;
};

// The fields of a generic JSONL record (rbench import --format jsonl --id-field ...).
struct JsonlFields {
  std::string id = "id";
  std::string response = "response";  // a string, or a list of strings (one per sample)
  std::string reference = "reference";
  std::string question = "question";
  std::string model = "model";  // optional per record; --model otherwise
};

// ZeroEval (WildEval/ZeroEval result_dirs/<dataset>/<model>.json): a JSON array of records with
// "output" (a list; its first entry is the reply, a ```json {"reasoning", "answer"} block),
// "answer", "problem" or "question", "generator" and "session_id" or "id".
ImportedFile read_zeroeval(const std::filesystem::path& file);

// LiveCodeBench (LiveCodeBench/submissions <model>/Scenario.codegeneration_*_eval_all.json): a
// JSON array of problems, one sample per entry of "output_list", graded by "graded_list".
ImportedFile read_livecodebench(const std::filesystem::path& file);

// lm-evaluation-harness's --log_samples output (samples_<task>_<date>.jsonl): one line per
// document and filter, {"doc_id", "doc", "target", "arguments", "resps", "filtered_resps",
// "filter", "metrics", ...}. The raw generations (resps) are graded, not the harness's filtered
// extraction; the lines of one document under several filters must agree on them.
ImportedFile read_lm_eval(const std::filesystem::path& file);

ImportedFile read_generic_jsonl(const std::filesystem::path& file, const JsonlFields& fields);

// The model name a file's folder gives (LiveCodeBench's "O1-Mini-2024-09-12_N1" or "... (N=1)"
// -> "o1-mini-2024-09-12"; lm-eval's "org__name" -> "name"), and a generator's last path part
// ("openai/o1-mini-2024-09-12" -> "o1-mini-2024-09-12").
std::string model_from_folder(const std::filesystem::path& file);
std::string model_from_generator(const std::string& generator);

}  // namespace rbench
