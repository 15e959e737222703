// The suite table and load_suite(). Adding a suite = one row here plus its loader.
#include "suites/registry.h"

#include <fmt/core.h>

#include <array>
#include <cstdlib>

#include "harness/core/error.h"
#include "suites/loaders.h"
#include "suites/prompts.h"

namespace rbench {
namespace {

constexpr std::string_view kMathScorer = "math";
constexpr std::string_view kAimeScorer = "aime";
constexpr std::string_view kCodeScorer = "code";
// A judge comparing the answer with the item's baseline answer. Only `rbench run` creates the
// scorer, so the suites load (and list) whether or not it exists yet.
constexpr std::string_view kPairwiseScorer = "pairwise";
constexpr std::string_view kJsonlExtension = ".jsonl";

std::vector<SuiteInfo> make_table() {
  const std::string math(kMathScorer);
  const std::string math_prompt(kMathCotBoxedV1);
  const std::string aime(kAimeScorer);
  const std::string code(kCodeScorer);
  // Code suites default to the chat prompt; `--prompt-style completion` switches base models to
  // the raw-text one (code_prompt_template).
  const std::string code_prompt(kCodeChatV1);
  const std::string pairwise(kPairwiseScorer);
  const std::string pairwise_prompt(kPairwisePlainV1);
  return {
      {"gsm8k", "GSM8K test split: 1319 grade-school math word problems (openai/grade-school-math)",
       "gsm8k/test.jsonl", DataLocation::data_dir, SuiteFormat::gsm8k, math, math_prompt, "gsm8k"},
      {"math500",
       "MATH-500: 500 competition problems, the PRM800K test split of MATH (openai/prm800k)",
       "math500/test.jsonl", DataLocation::data_dir, SuiteFormat::math500, math, math_prompt,
       "math500"},
      {"aime2024", "AIME 2024 I and II: 30 problems with integer answers 0-999 (Qwen2.5-Math)",
       "aime2024/test.jsonl", DataLocation::data_dir, SuiteFormat::aime, aime, math_prompt,
       "aime2024"},
      {"aime2025", "AIME 2025 I and II: 30 problems with integer answers 0-999 (Qwen2.5-Math)",
       "aime2025/test.jsonl", DataLocation::data_dir, SuiteFormat::aime, aime, math_prompt,
       "aime2025"},
      {"demo-math", "rbench's own 60+ short arithmetic word problems, bundled (a quick smoke test)",
       "suites/demo-math.jsonl", DataLocation::bundled, SuiteFormat::rbench_jsonl, math,
       math_prompt, ""},
      {"demo-aime",
       "rbench's own 20 AIME-style problems with integer answers 0-999, bundled (cons@k demo)",
       "suites/demo-aime.jsonl", DataLocation::bundled, SuiteFormat::aime, aime, math_prompt, ""},
      {"arith-easy",
       "Held-out arithmetic word problems, 2-3 steps, values under 100, as the bundled model's "
       "training distribution (engines/moe/train/arith_problems.py, seed 1)",
       "suites/arith-easy.jsonl", DataLocation::bundled, SuiteFormat::rbench_jsonl, math,
       math_prompt, ""},
      {"arith-hard",
       "Harder arithmetic word problems, 4-5 steps, values up to 150: longer and larger than the "
       "bundled model's training (1-3 steps, under 100), to show where it breaks (seed 2)",
       "suites/arith-hard.jsonl", DataLocation::bundled, SuiteFormat::rbench_jsonl, math,
       math_prompt, ""},
      {"humaneval",
       "HumanEval: 164 Python functions to complete, run against unit tests (openai/human-eval)",
       "humaneval/HumanEval.jsonl.gz", DataLocation::data_dir, SuiteFormat::humaneval, code,
       code_prompt, "humaneval"},
      {"mbpp", "MBPP test split: 500 basic Python tasks (task_ids 11-510), run against 3 asserts",
       "mbpp/mbpp.jsonl", DataLocation::data_dir, SuiteFormat::mbpp, code, code_prompt, "mbpp"},
      {"mbpp-sanitized",
       "MBPP sanitized test split: the 257 hand-checked tasks with 11 <= task_id <= 510",
       "mbpp/sanitized-mbpp.json", DataLocation::data_dir, SuiteFormat::mbpp, code, code_prompt,
       "mbpp"},
      {"demo-code",
       "rbench's own 23 small Python tasks with unit tests, bundled (a quick smoke test)",
       "suites/demo-code.jsonl", DataLocation::bundled, SuiteFormat::rbench_code_jsonl, code,
       code_prompt, ""},
      {"arena-hard",
       "Arena-Hard-Auto v0.1: 500 hard chat prompts, judged against gpt-4-0314's answers",
       "arena-hard/arena-hard-v0.1/question.jsonl",
       DataLocation::data_dir,
       SuiteFormat::arena_hard,
       pairwise,
       pairwise_prompt,
       "arena-hard",
       {{"arena-hard/arena-hard-v0.1/model_answer/gpt-4-0314.jsonl", ""}}},
      // v2.0 judges creative writing against gemini-2.0-flash-001, whose answer file is not in
      // the catalogue: those 250 questions load without a baseline.
      {"arena-hard-v2",
       "Arena-Hard-Auto v2.0: 500 hard prompts judged against o3-mini (and 250 creative-writing "
       "prompts without their gemini-2.0-flash baseline)",
       "arena-hard/arena-hard-v2.0/question.jsonl",
       DataLocation::data_dir,
       SuiteFormat::arena_hard,
       pairwise,
       pairwise_prompt,
       "arena-hard",
       {{"arena-hard/arena-hard-v2.0/model_answer/o3-mini-2025-01-31.jsonl", "hard_prompt"}}},
      {"alpaca-eval",
       "AlpacaEval 2.0: 805 instructions, judged against gpt4_1106_preview's outputs",
       "alpaca-eval/gpt4_1106_preview/model_outputs.json", DataLocation::data_dir,
       SuiteFormat::alpaca_eval, pairwise, pairwise_prompt, "alpaca-eval"},
  };
}

// `files` as suite_files() gives them: the suite's file, then its baseline files.
Suite load_file(const SuiteInfo& info, const std::vector<std::filesystem::path>& files) {
  const std::filesystem::path& file = files.front();
  switch (info.format) {
    case SuiteFormat::gsm8k:
      return load_gsm8k(file);
    case SuiteFormat::math500:
      return load_math500(file);
    case SuiteFormat::aime:
      return load_aime(file);
    case SuiteFormat::rbench_jsonl:
      return load_rbench_jsonl(file);
    case SuiteFormat::humaneval:
      return load_humaneval(file);
    case SuiteFormat::mbpp:
      return load_mbpp(file);
    case SuiteFormat::rbench_code_jsonl:
      return load_rbench_code_jsonl(file);
    case SuiteFormat::arena_hard: {
      std::vector<ArenaHardBaseline> baselines;
      for (std::size_t i = 0; i < info.baseline_files.size(); ++i) {
        baselines.push_back(ArenaHardBaseline{.answer_file = files.at(i + 1),
                                              .category = info.baseline_files[i].category});
      }
      return load_arena_hard(file, baselines);
    }
    case SuiteFormat::alpaca_eval:
      return load_alpaca_eval(file);
  }
  throw Error("internal: unknown SuiteFormat");
}

std::string known_names() {
  std::string names;
  for (const SuiteInfo& info : list_suites()) {
    if (!names.empty()) names += ", ";
    names += info.name;
  }
  return names;
}

bool looks_like_path(std::string_view text) {
  return text.ends_with(kJsonlExtension) || text.find('/') != std::string_view::npos;
}

Suite load_custom_jsonl(const std::filesystem::path& file) {
  if (file.extension() != kJsonlExtension) {
    throw UsageError(
        fmt::format("suite file {}: custom suites must be rbench JSONL files ending "
                    "in .jsonl",
                    file.string()));
  }
  if (!std::filesystem::is_regular_file(file)) {
    throw DataError(fmt::format("suite file {} not found", file.string()));
  }
  const std::string name = file.stem().string();
  // A custom file named like a built-in suite would share its results in the store.
  if (find_suite(name)) {
    throw UsageError(
        fmt::format("suite file {}: its name \"{}\" is a built-in suite's; rename "
                    "the file",
                    file.string(), name));
  }
  const RbenchJsonlKind kind = rbench_jsonl_kind(file);
  if (kind == RbenchJsonlKind::code) {
    Suite suite = load_rbench_code_jsonl(file);
    suite.name = name;
    suite.scorer = kCodeScorer;
    suite.prompt_template = kCodeChatV1;
    return suite;
  }
  if (kind == RbenchJsonlKind::integer_answers) {
    Suite suite = load_aime(file);
    suite.name = name;
    suite.scorer = kAimeScorer;
    suite.prompt_template = kMathCotBoxedV1;
    return suite;
  }
  Suite suite = load_rbench_jsonl(file);
  suite.name = name;
  suite.scorer = kMathScorer;
  suite.prompt_template = kMathCotBoxedV1;
  return suite;
}

}  // namespace

std::vector<SuiteInfo> list_suites() {
  return make_table();
}

std::optional<SuiteInfo> find_suite(std::string_view name) {
  for (SuiteInfo& info : make_table()) {
    if (info.name == name) return std::move(info);
  }
  return std::nullopt;
}

std::filesystem::path suite_file(const SuiteInfo& info, const std::filesystem::path& data_dir,
                                 const std::filesystem::path& bundled_data_dir) {
  const std::filesystem::path& root =
      info.location == DataLocation::bundled ? bundled_data_dir : data_dir;
  return root / info.relative_path;
}

std::vector<std::filesystem::path> suite_files(const SuiteInfo& info,
                                               const std::filesystem::path& data_dir,
                                               const std::filesystem::path& bundled_data_dir) {
  std::vector<std::filesystem::path> files{suite_file(info, data_dir, bundled_data_dir)};
  const std::filesystem::path& root =
      info.location == DataLocation::bundled ? bundled_data_dir : data_dir;
  for (const BaselineFileInfo& baseline : info.baseline_files) {
    files.push_back(root / baseline.relative_path);
  }
  return files;
}

Suite load_suite(const std::string& name_or_path, const std::filesystem::path& data_dir,
                 const std::filesystem::path& bundled_data_dir) {
  const std::optional<SuiteInfo> info = find_suite(name_or_path);
  if (!info) {
    if (looks_like_path(name_or_path)) return load_custom_jsonl(name_or_path);
    throw UsageError(
        fmt::format("unknown suite \"{}\"; known suites: {} (or pass a path to an "
                    "rbench .jsonl file)",
                    name_or_path, known_names()));
  }
  const std::vector<std::filesystem::path> files = suite_files(*info, data_dir, bundled_data_dir);
  for (const std::filesystem::path& file : files) {
    if (std::filesystem::is_regular_file(file)) continue;
    if (info->location == DataLocation::bundled) {
      throw DataError(
          fmt::format("suite {}: bundled data file {} not found; is rbench installed "
                      "completely (set RBENCH_DATA to its data/ folder)?",
                      info->name, file.string()));
    }
    throw DataError(
        fmt::format("suite {}: data file {} not found; run `rbench data fetch {}` or "
                    "pass --data-dir DIR",
                    info->name, file.string(), info->dataset));
  }
  Suite suite = load_file(*info, files);
  suite.name = info->name;
  suite.scorer = info->scorer;
  suite.prompt_template = info->prompt_template;
  return suite;
}

std::filesystem::path default_data_dir_from(const char* rbench_data_dir, const char* xdg_cache_home,
                                            const char* home) {
  const auto set = [](const char* value) { return value != nullptr && *value != '\0'; };
  if (set(rbench_data_dir)) return rbench_data_dir;
  if (set(xdg_cache_home)) return std::filesystem::path(xdg_cache_home) / "rbench" / "data";
  if (set(home)) return std::filesystem::path(home) / ".cache" / "rbench" / "data";
  throw UsageError(
      "cannot choose a data directory: none of RBENCH_DATA_DIR, XDG_CACHE_HOME or "
      "HOME is set; pass --data-dir DIR");
}

std::filesystem::path default_data_dir() {
  return default_data_dir_from(std::getenv("RBENCH_DATA_DIR"), std::getenv("XDG_CACHE_HOME"),
                               std::getenv("HOME"));
}

}  // namespace rbench
