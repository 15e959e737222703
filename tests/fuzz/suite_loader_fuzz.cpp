// Fuzz target `suite_loader`: every suite loader (suites/loaders.h, and load_suite for custom and
// demo files) on a file holding the input after its first byte, which picks the loader. Arena-Hard
// reads two files: the questions before the first NUL byte, the baseline answers after it.
// Property: a loader either loads or throws an rbench error naming the file and the line (or the
// array element) that is wrong (load_errors.h); any other exception, or a message that does not
// say where, is a finding. A suite that loads has an id and a source for every item.
// fuzz-links: rbench_suites
#include <string>

#include "fuzz/fuzz_target.h"
#include "fuzz/load_errors.h"
#include "suites/loaders.h"
#include "suites/registry.h"

namespace {

namespace fs = std::filesystem;
using namespace rbench;

// Suite files are read whole; 64 KiB hold hundreds of records, enough for every check a loader
// makes across records (duplicate ids, categories, the evaluation split).
constexpr std::size_t kMaxInput = 64 * 1024;

void check_suite(const Suite& suite) {
  fuzz::check(!suite.version.empty(), "a loaded suite has a version");
  for (const Item& item : suite.items) {
    fuzz::check(!item.source.empty(), "every item says where it came from");
  }
}

}  // namespace

RBENCH_FUZZ_TARGET(suite_loader) {
  if (size < 1 || size > kMaxInput) return 0;
  const std::string_view contents = fuzz::as_text(data + 1, size - 1);
  const fuzz::TempFolder dir;
  const auto one_file = [&](const char* name) { return dir.write(name, contents); };

  switch (data[0] % 15) {
    case 0: {
      const fs::path f = one_file("test.jsonl");
      fuzz::loads_or_says_where({f}, [&] { check_suite(load_gsm8k(f)); });
      break;
    }
    case 1: {
      const fs::path f = one_file("test.jsonl");
      fuzz::loads_or_says_where({f}, [&] { check_suite(load_math500(f)); });
      break;
    }
    case 2: {
      const fs::path f = one_file("test.jsonl");
      fuzz::loads_or_says_where({f}, [&] { check_suite(load_aime(f)); });
      break;
    }
    case 3: {
      const fs::path f = one_file("mine.jsonl");
      fuzz::loads_or_says_where({f}, [&] { check_suite(load_rbench_jsonl(f)); });
      break;
    }
    case 4: {
      const fs::path f = one_file("HumanEval.jsonl.gz");
      fuzz::loads_or_says_where({f}, [&] { check_suite(load_humaneval(f)); });
      break;
    }
    case 5: {
      const fs::path f = one_file("mbpp.jsonl");
      fuzz::loads_or_says_where({f}, [&] { check_suite(load_mbpp(f)); });
      break;
    }
    case 6: {
      const fs::path f = one_file("code.jsonl");
      fuzz::loads_or_says_where({f}, [&] { check_suite(load_rbench_code_jsonl(f)); });
      break;
    }
    case 7: {
      const std::size_t nul = std::min(contents.find('\0'), contents.size());
      const fs::path questions = dir.write("question.jsonl", contents.substr(0, nul));
      const fs::path answers =
          dir.write("model_answer/o3-mini.jsonl", contents.substr(std::min(nul + 1, size - 1)));
      fuzz::loads_or_says_where({questions, answers}, [&] {
        check_suite(load_arena_hard(questions, {ArenaHardBaseline{answers, "hard_prompt"}}));
      });
      break;
    }
    case 8: {
      const fs::path f = one_file("model_answer.jsonl");
      fuzz::loads_or_says_where({f}, [&] { load_arena_hard_answers(f); });
      break;
    }
    case 9: {
      const fs::path f = one_file("judgment.jsonl");
      fuzz::loads_or_says_where({f}, [&] {
        (void)is_arena_hard_judgment_file(f);
        load_arena_hard_judgments(f);
      });
      break;
    }
    case 10: {
      const fs::path f = one_file("model_outputs.json");
      fuzz::loads_or_says_where({f}, [&] { check_suite(load_alpaca_eval(f)); });
      break;
    }
    case 11: {
      const fs::path f = one_file("annotations.json");
      fuzz::loads_or_says_where({f}, [&] {
        (void)is_alpaca_annotation_file(f);
        load_alpaca_annotations(f);
      });
      break;
    }
    case 12: {
      const fs::path f = one_file("outputs.json");
      fuzz::loads_or_says_where({f}, [&] { load_alpaca_outputs(f); });
      break;
    }
    case 13: {
      const fs::path f = one_file("sanitized-mbpp.json");
      fuzz::loads_or_says_where({f}, [&] { check_suite(load_mbpp(f)); });
      break;
    }
    default: {
      // A custom or demo file by path: the kind is decided by its first record.
      const fs::path f = one_file("custom.jsonl");
      fuzz::loads_or_says_where({f}, [&] {
        (void)rbench_jsonl_kind(f);
        check_suite(load_suite(f.string(), dir.path(), dir.path()));
      });
    }
  }
  return 0;
}
