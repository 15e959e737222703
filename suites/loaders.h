// Loaders for the suite file formats rbench reads as published. Each returns a Suite with path,
// version (first 16 hex digits of the file's sha256) and items filled in; the registry adds the
// name, prompt template and scorer. Errors are DataError "FILE:LINE: what".
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "suites/suite.h"

namespace rbench {

// GSM8K (openai/grade-school-math `test.jsonl`): {"question", "answer"}, where answer is the worked
// solution followed by "#### <final number>". GSM8K has no ids, so item ids are "test/<N>" with N
// the 0-based index of the record in the file (blank lines not counted): stable as long as the
// file is, and the file's hash is the suite version.
Suite load_gsm8k(const std::filesystem::path& file);

// MATH-500 (openai/prm800k `math_splits/test.jsonl`): {"problem", "solution", "answer", "subject",
// "level", "unique_id"}; the item id is unique_id ("test/precalculus/807.json").
Suite load_math500(const std::filesystem::path& file);

// AIME (QwenLM/Qwen2.5-Math `aime24/test.jsonl` and `aime25/test.jsonl`, and rbench's own
// AIME-style files): {"id" (integer or string), "problem" (or "question"), "answer", "solution"
// (optional), "url" (optional), "answer_type" (optional; "integer" when given)}. Item id = the id
// as a string; reference = the answer, which must be an integer 0..999 given as a JSON integer or a
// string of digits, written in decimal without leading zeros ("025" -> "25").
Suite load_aime(const std::filesystem::path& file);

// rbench's own JSONL: {"id", "question", "answer", "solution" (optional)}; ids required and unique.
Suite load_rbench_jsonl(const std::filesystem::path& file);

// HumanEval (openai/human-eval `HumanEval.jsonl.gz` as published, or the decompressed
// `HumanEval.jsonl`; gzip is recognised by its magic bytes): {"task_id", "prompt",
// "canonical_solution", "test", "entry_point"}. Item id = task_id ("HumanEval/0"), question =
// prompt, reference = canonical_solution (the body that completes the prompt), code = {prompt,
// entry_point, test, no setup}. The version hashes the file's bytes as read (compressed for .gz).
Suite load_humaneval(const std::filesystem::path& file);

// MBPP, either google-research's `mbpp.jsonl` ({"text", "code", "task_id", "test_setup_code",
// "test_list", "challenge_test_list"}) or `sanitized-mbpp.json` (a JSON array of {"source_file",
// "task_id", "prompt", "code", "test_imports", "test_list"}), told apart by content. Only the
// evaluation split, task_ids 11-510, is kept: 500 tasks in the original, 257 in the sanitized file.
// Item id "mbpp/<task_id>"; question = the task text followed by " Your code should pass these
// tests:\n\n" and the asserts; reference = the published code; code.tests = test_list joined by
// newlines (challenge tests left out), preceded in the original file by test_setup_code, which
// uses the solution's classes and so must run after it; code.setup = the sanitized file's
// test_imports joined by newlines; code.prompt and code.entry_point empty (the tests call the
// function by name).
Suite load_mbpp(const std::filesystem::path& file);

// rbench's own code JSONL, one task per line: {"id", "prompt" (function header and docstring),
// "entry_point", "tests" (code defining check(candidate), or plain asserts), "setup" (optional),
// "solution" (optional: the canonical body completing the prompt; becomes the reference),
// "question" (optional: what chat models are shown; default = prompt)}. "prompt" may be left out
// when "question" states the task (MBPP-style). entry_point is required exactly when the tests
// define check(candidate).
Suite load_rbench_code_jsonl(const std::filesystem::path& file);

// One baseline answer file of an Arena-Hard-Auto suite and the question category it is the
// baseline for. Arena-Hard v2.0 judges its "hard_prompt" questions against o3-mini and its
// "creative_writing" ones against gemini-2.0-flash, and each model's file answers all 750
// questions, so a file must be limited to its category. Empty category = every question.
struct ArenaHardBaseline {
  std::filesystem::path answer_file;
  std::string category;
};

// Arena-Hard-Auto (lmarena/arena-hard-auto `data/<bench>/question.jsonl` and
// `data/<bench>/model_answer/<model>.jsonl`), in either layout, told apart per record:
// - current: questions {"uid", "category", "subcategory" (optional), "cluster" (optional),
//   "prompt"}; answers {"uid", "ans_id", "model", "messages": [{"role", "content"}, ...]}, the
//   answer being the one assistant message, whose content is a string or {"answer": string, ...}.
// - original v0.1: questions {"question_id", "category", "cluster", "turns": [{"content"}]};
//   answers {"question_id", "answer_id", "model_id", "choices": [{"index", "turns": [{"content",
//   "token_len"}]}], "tstamp"}, the answer being the first choice's turn.
// Item id = uid / question_id; question = the prompt verbatim; category = "category" or
// "category/subcategory"; baseline_answer / baseline_model = the answer and model from the file
// whose category the question's "category" is (see ArenaHardBaseline). Arena-Hard is single-turn:
// a question or answer with more than one turn is an error. A question no file answers keeps
// empty baseline fields (callers count those with Item::has_baseline: they are not judged). An
// answer for a known question outside its file's category is skipped. Errors: duplicate question
// ids, two answers for one question in a file or from two files, an answer whose id is not a
// question (a baseline for another question set: silently dropping it would hide a wrong pairing
// of files), a blank prompt, a missing model name. An empty answer string is kept as published.
// The version hashes the question file and then each answer file, in order: a different baseline
// changes the scores.
Suite load_arena_hard(const std::filesystem::path& question_file,
                      const std::vector<ArenaHardBaseline>& baselines);
// The same with every file the baseline for every question.
Suite load_arena_hard(const std::filesystem::path& question_file,
                      const std::vector<std::filesystem::path>& baseline_answer_files);

// One model's answers in an Arena-Hard-Auto `model_answer/<model>.jsonl` (either layout, as
// above), for importing other tools' outputs. `reasoning` is the current layout's
// content.reasoning when present (kept apart from the answer, as rbench's own runs keep it).
struct ArenaHardAnswer {
  std::string id;  // uid / question_id
  std::string model;
  std::string answer;
  std::string reasoning;
  std::string source;  // "FILE:LINE"
};
// Errors: as load_arena_hard's for answers, plus two answers for one id in the file.
std::vector<ArenaHardAnswer> load_arena_hard_answers(const std::filesystem::path& file);

// One line of an Arena-Hard-Auto judgment file (`model_judgment/<judge>/<model>.jsonl`):
// {"uid" | "question_id", "model", "judge", "baseline" (current layout only), "category"
// (optional), "games": [game, game]}. In both layouts game 1 shows the baseline as A and the
// model as B, game 2 the reverse. A game is {"score": label or null, "judgment": text (v0.1) or
// {"answer": text, ...} (current), ...}, or null when the judge call failed.
struct ArenaHardGame {
  bool present = false;    // false: the game is null (the judge call gave nothing)
  std::string score;       // as written: "A>>B", "A>B", "A=B", "B>A", "B>>A", or other text
  bool has_score = false;  // false: "score" is null (arena-hard-auto found no label)
  std::string judgment;    // the judge's text
  std::string reasoning;   // a reasoning judge's reasoning, when given apart
};
struct ArenaHardJudgment {
  std::string id;
  std::string model;
  std::string judge;
  std::string baseline;  // "" when the file does not say (v0.1)
  std::vector<ArenaHardGame> games;
  std::string source;  // "FILE:LINE"
};
// Errors name the line: a missing id, model or judge, "games" not an array of one or two games.
// A judgment file holds no answers: load_arena_hard_judgments on an answer file is an error
// that says so, and the reverse.
std::vector<ArenaHardJudgment> load_arena_hard_judgments(const std::filesystem::path& file);

// Whether an Arena-Hard-Auto .jsonl holds judgments (its first record has "games") rather than
// answers.
bool is_arena_hard_judgment_file(const std::filesystem::path& file);

// AlpacaEval (tatsu-lab/alpaca_eval `results/<model>/model_outputs.json`): a JSON array of
// {"instruction", "output", "generator", "dataset", ...}, read as the eval set with that model's
// outputs as the baseline (gpt4_1106_preview, alias "gpt4_turbo", for AlpacaEval 2.0). AlpacaEval
// has no ids, so item id = "alpaca-eval/NNN" with NNN the 0-based array index, zero-padded to 3
// digits: every published model_outputs.json lists the 805 instructions in the same order.
// question = instruction, baseline_answer = output, baseline_model = generator, category =
// dataset ("" when absent). Duplicate instructions are an error (alpaca_eval joins outputs and
// annotations by instruction text), and so is a blank instruction or generator. An empty output
// is kept: text_davinci_003's (AlpacaEval 1.0) has two, which alpaca_eval judges as they are.
Suite load_alpaca_eval(const std::filesystem::path& reference_outputs_json);

// One judged pair of alpaca_eval's `annotations.json` (a JSON array), kept for importing
// published judgements. In alpaca_eval's files output_1 is the baseline and output_2 the model.
struct AlpacaAnnotation {
  std::string instruction;
  std::string output_1;
  std::string generator_1;
  std::string output_2;
  std::string generator_2;
  // 1 = output_1 preferred, 2 = output_2 preferred, in between for weighted judges (1.5 = a
  // draw); nullopt when the annotator gave none (null).
  std::optional<double> preference;
  std::string annotator;          // "" when absent
  std::string dataset;            // "" when absent
  std::string raw_completion;     // the judge's raw completion as JSON text (or string); "" if none
  double price_per_example = -1;  // USD; -1 when absent
  std::string source;             // "FILE: element N"
};

// Reads an alpaca_eval annotations.json. Errors name the element index: not an array, a missing
// or non-string instruction / output_1 / generator_1 / output_2 / generator_2, a preference that
// is neither a number nor null.
std::vector<AlpacaAnnotation> load_alpaca_annotations(const std::filesystem::path& file);

// One output of a model's alpaca_eval `model_outputs.json` ({"instruction", "output",
// "generator", ...}), for import.
struct AlpacaOutput {
  std::string instruction;
  std::string output;
  std::string generator;
  std::string source;  // "FILE: element N"
};
// Errors name the element: a missing or non-string instruction, output or generator.
std::vector<AlpacaOutput> load_alpaca_outputs(const std::filesystem::path& file);

// Whether an alpaca_eval .json holds annotations (its first element has "preference") rather
// than model outputs.
bool is_alpaca_annotation_file(const std::filesystem::path& file);

// What a custom .jsonl file holds, decided by its first record: code tasks when it has a "tests"
// field, AIME-style integer answers (load_aime, the "aime" scorer) when its "answer_type" is
// "integer", else math answers. `math` for a file whose first line is not a JSON object (the math
// loader then reports it).
enum class RbenchJsonlKind { math, integer_answers, code };
RbenchJsonlKind rbench_jsonl_kind(const std::filesystem::path& file);

// The suite version of a file's bytes: the first 16 hex digits of their sha256.
std::string suite_version(std::string_view bytes);

// A GSM8K answer split at its "####" marker: the worked text (trimmed) and the final number with
// thousands separators removed ("1,000" -> "1000"). nullopt when there is no marker or no number.
struct Gsm8kAnswer {
  std::string solution;
  std::string reference;
};
std::optional<Gsm8kAnswer> split_gsm8k_answer(std::string_view answer);

}  // namespace rbench
