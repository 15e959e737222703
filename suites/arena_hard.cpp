// Arena-Hard-Auto loader: questions and baseline answers in the original v0.1 layout
// (question_id / turns / choices) and the current one (uid / prompt / messages), told apart per
// record.
#include <fmt/core.h>

#include <optional>
#include <unordered_map>

#include "harness/core/error.h"
#include "harness/core/jsonl_reader.h"
#include "suites/load_common.h"
#include "suites/loaders.h"

namespace rbench {
namespace {

[[noreturn]] void fail_type(const json::Value& value, std::string_view expected) {
  value.fail(fmt::format("expected {}, got {}", expected, json::type_name(value.raw())));
}

// The current layout calls the id "uid", the original one "question_id" (in questions and
// answers alike).
std::string_view id_field(const JsonRecord& record) {
  if (record.value.has("uid")) return "uid";
  if (!record.value.has("question_id")) record.value.fail_at("uid", "missing (or \"question_id\")");
  return "question_id";
}

std::string record_id(const JsonRecord& record) {
  const std::string_view field = id_field(record);
  const std::optional<std::string> id = detail::optional_string_or_integer(record, field);
  if (!id || detail::trim(*id).empty()) record.value.fail_at(field, "is empty");
  return *id;
}

// The one element of a single-turn array ("turns" of a question or of an answer's choice).
json::Value single_turn(const json::Value& turns) {
  if (!turns.is_array()) fail_type(turns, "an array");
  if (turns.size() == 0) turns.fail("is empty");
  if (turns.size() > 1) {
    turns.fail(fmt::format("has {} turns; Arena-Hard is single-turn", turns.size()));
  }
  return turns.at(0);
}

// The string `key` of `object`. Only prompts must be non-blank: a published baseline answer may
// be empty, and is then judged as it is.
std::string string_at(const json::Value& object, std::string_view key, bool nonblank) {
  const json::Value value = object.member(key);
  std::string text = value.string();
  if (nonblank && detail::trim(text).empty()) value.fail("is empty");
  return text;
}

std::string question_prompt(const JsonRecord& record) {
  if (record.value.has("prompt")) return detail::required_nonblank(record, "prompt");
  if (!record.value.has("turns")) record.value.fail_at("prompt", "missing (or \"turns\")");
  return string_at(single_turn(record.value.member("turns")), "content", true);
}

struct Answer {
  std::string model;
  std::string text;
  std::string reasoning;
};

// The answer text of the current layout: the one assistant message, whose content is the text
// or, in files written by arena-hard-auto since v2.0, an object holding it under "answer" (and
// a reasoning model's reasoning under "reasoning").
Answer messages_answer(const json::Value& messages) {
  if (!messages.is_array()) fail_type(messages, "an array");
  std::optional<json::Value> assistant;
  std::size_t assistant_messages = 0;
  for (const json::Value message : messages.elements()) {
    if (!message.is_object()) fail_type(message, "an object");
    if (message.member("role").string_view() != "assistant") continue;
    ++assistant_messages;
    assistant = message;
  }
  if (assistant_messages == 0) messages.fail("has no assistant message");
  if (assistant_messages > 1) {
    messages.fail(
        fmt::format("has {} assistant messages; Arena-Hard is single-turn", assistant_messages));
  }
  const json::Value content = assistant->member("content");
  if (content.is_object()) {
    Answer out{.text = string_at(content, "answer", false)};
    if (const auto reasoning = content.find("reasoning"); reasoning && reasoning->is_string()) {
      out.reasoning = reasoning->string();
    }
    return out;
  }
  return Answer{.text = content.string()};
}

// The answer text of the original layout: the first choice's only turn.
std::string choices_answer(const json::Value& choices) {
  if (!choices.is_array()) fail_type(choices, "an array");
  if (choices.size() == 0) choices.fail("is empty");
  const json::Value choice = choices.at(0);
  if (!choice.is_object()) fail_type(choice, "an object");
  return string_at(single_turn(choice.member("turns")), "content", false);
}

// The model name must be there: Item::has_baseline goes by it.
Answer read_answer(const JsonRecord& record) {
  if (record.value.has("messages")) {
    std::string model = detail::required_nonblank(record, "model");
    Answer answer = messages_answer(record.value.member("messages"));
    answer.model = std::move(model);
    return answer;
  }
  if (record.value.has("choices")) {
    return Answer{.model = detail::required_nonblank(record, "model_id"),
                  .text = choices_answer(record.value.member("choices"))};
  }
  record.value.fail_at("messages", "missing (or \"choices\")");
}

}  // namespace

Suite load_arena_hard(const std::filesystem::path& question_file,
                      const std::vector<ArenaHardBaseline>& baselines) {
  std::string bytes = read_file_bytes(question_file);
  Suite suite = detail::empty_suite(question_file, bytes);
  std::vector<std::string> top_categories;  // "category" alone, what baselines are chosen by
  std::unordered_map<std::string, std::size_t> index_of;
  UniqueIds ids;
  for_each_jsonl_record(question_file, bytes, [&](const JsonRecord& record) {
    std::string id = record_id(record);
    ids.insert(id, record, id_field(record));
    Item item{.id = id, .question = question_prompt(record), .source = record.where};
    const std::string category = record.value.optional_string("category").value_or("");
    const std::optional<std::string> subcategory = record.value.optional_string("subcategory");
    item.category = subcategory ? fmt::format("{}/{}", category, *subcategory) : category;
    index_of.emplace(std::move(id), suite.items.size());
    top_categories.push_back(category);
    suite.items.push_back(std::move(item));
  });

  std::vector<std::string> baseline_source(suite.items.size());  // where each baseline came from
  std::string all_bytes = std::move(bytes);
  for (const ArenaHardBaseline& baseline : baselines) {
    const std::string answers = read_file_bytes(baseline.answer_file);
    UniqueIds answered;
    for_each_jsonl_record(baseline.answer_file, answers, [&](const JsonRecord& record) {
      const std::string id = record_id(record);
      answered.insert(id, record, id_field(record));
      Answer answer = read_answer(record);  // checked even when outside the category
      const auto it = index_of.find(id);
      if (it == index_of.end()) {
        record.value.fail_at(id_field(record),
                             fmt::format("answer for question id \"{}\", which is not in {}", id,
                                         question_file.string()));
      }
      const std::size_t index = it->second;
      if (!baseline.category.empty() && top_categories[index] != baseline.category) return;
      if (!baseline_source[index].empty()) {
        record.value.fail_at(
            id_field(record),
            fmt::format("question id \"{}\" already has a baseline answer, from {}", id,
                        baseline_source[index]));
      }
      baseline_source[index] = record.where;
      Item& item = suite.items[index];
      item.baseline_answer = std::move(answer.text);
      item.baseline_model = std::move(answer.model);
      // Stored with every sample as its reference, so reports can measure the baseline's style.
      item.reference = item.baseline_answer;
    });
    all_bytes += answers;
  }
  suite.version = suite_version(all_bytes);
  return suite;
}

Suite load_arena_hard(const std::filesystem::path& question_file,
                      const std::vector<std::filesystem::path>& baseline_answer_files) {
  std::vector<ArenaHardBaseline> baselines;
  for (const std::filesystem::path& file : baseline_answer_files) {
    baselines.push_back(ArenaHardBaseline{.answer_file = file, .category = ""});
  }
  return load_arena_hard(question_file, baselines);
}

std::vector<ArenaHardAnswer> load_arena_hard_answers(const std::filesystem::path& file) {
  const std::string bytes = read_file_bytes(file);
  std::vector<ArenaHardAnswer> answers;
  UniqueIds ids;
  for_each_jsonl_record(file, bytes, [&](const JsonRecord& record) {
    std::string id = record_id(record);
    ids.insert(id, record, id_field(record));
    Answer answer = read_answer(record);
    answers.push_back(ArenaHardAnswer{.id = std::move(id),
                                      .model = std::move(answer.model),
                                      .answer = std::move(answer.text),
                                      .reasoning = std::move(answer.reasoning),
                                      .source = record.where});
  });
  return answers;
}

namespace {

// The judge's text of one game: a string (v0.1) or {"answer": text, "reasoning": ...}.
void read_judgment_text(const json::Value& game, ArenaHardGame& out) {
  const auto judgment = game.find("judgment");
  if (!judgment) return;
  if (judgment->is_string()) {
    out.judgment = judgment->string();
    return;
  }
  if (!judgment->is_object()) fail_type(*judgment, "a string or an object");
  if (const auto answer = judgment->find("answer"); answer && answer->is_string()) {
    out.judgment = answer->string();
  }
  if (const auto reasoning = judgment->find("reasoning"); reasoning && reasoning->is_string()) {
    out.reasoning = reasoning->string();
  }
}

ArenaHardGame read_game(const json::Value& game) {
  ArenaHardGame out;
  if (game.is_null()) return out;
  if (!game.is_object()) fail_type(game, "an object or null");
  out.present = true;
  if (const auto score = game.find("score")) {
    if (!score->is_string()) fail_type(*score, "a string or null");
    out.has_score = true;
    out.score = score->string();
  }
  read_judgment_text(game, out);
  return out;
}

}  // namespace

std::vector<ArenaHardJudgment> load_arena_hard_judgments(const std::filesystem::path& file) {
  const std::string bytes = read_file_bytes(file);
  std::vector<ArenaHardJudgment> judgments;
  for_each_jsonl_record(file, bytes, [&](const JsonRecord& record) {
    if (!record.value.has("games")) {
      if (record.value.has("messages") || record.value.has("choices")) {
        record.value.fail("this is a model answer, not a judgment record (it has no \"games\")");
      }
      record.value.fail_at("games", "missing");
    }
    const json::Value games = record.value.member("games");
    if (!games.is_array() || games.size() == 0 || games.size() > 2) {
      games.fail("must be an array of one or two games");
    }
    ArenaHardJudgment j{.id = record_id(record),
                        .model = detail::required_nonblank(record, "model"),
                        .judge = detail::required_nonblank(record, "judge"),
                        .baseline = record.value.optional_string("baseline").value_or(""),
                        .source = record.where};
    for (const json::Value game : games.elements()) j.games.push_back(read_game(game));
    judgments.push_back(std::move(j));
  });
  return judgments;
}

bool is_arena_hard_judgment_file(const std::filesystem::path& file) {
  const std::string bytes = read_file_bytes(file);
  // The first non-blank line decides.
  std::string_view rest = bytes;
  std::string_view first;
  while (!rest.empty() && detail::trim(first).empty()) {
    const std::size_t end = rest.find('\n');
    first = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
  }
  bool judgment = false;
  for_each_jsonl_record(file, first,
                        [&](const JsonRecord& record) { judgment = record.value.has("games"); });
  return judgment;
}

}  // namespace rbench
