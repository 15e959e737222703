// Arena-Hard-Auto loader: questions and baseline answers in the original v0.1 layout
// (question_id / turns / choices) and the current one (uid / prompt / messages), told apart per
// record.
#include <fmt/core.h>

#include <unordered_map>

#include "harness/core/error.h"
#include "harness/core/jsonl_reader.h"
#include "suites/load_common.h"
#include "suites/loaders.h"

namespace rbench {
namespace {

const rapidjson::Value* member(const rapidjson::Value& object, std::string_view field) {
  const auto it =
      object.FindMember(rapidjson::Value(rapidjson::StringRef(field.data(), field.size())));
  return it == object.MemberEnd() ? nullptr : &it->value;
}

// The current layout calls the id "uid", the original one "question_id" (in questions and
// answers alike).
std::string record_id(const JsonRecord& record) {
  const bool current = record.object.HasMember("uid");
  if (!current && !record.object.HasMember("question_id")) {
    throw DataError(fmt::format("{}: missing field \"uid\" (or \"question_id\")", record.where));
  }
  const std::string_view field = current ? "uid" : "question_id";
  const std::optional<std::string> id = optional_string_or_integer(record, field);
  if (!id || detail::trim(*id).empty()) {
    throw DataError(fmt::format("{}: field \"{}\" is empty", record.where, field));
  }
  return *id;
}

// The one element of a single-turn array ("turns" of a question or of an answer's choice).
const rapidjson::Value& single_turn(const JsonRecord& record, const rapidjson::Value& turns,
                                    std::string_view what) {
  if (!turns.IsArray()) {
    throw DataError(
        fmt::format("{}: {} is {}, not an array", record.where, what, json_type_name(turns)));
  }
  if (turns.Empty()) throw DataError(fmt::format("{}: {} is empty", record.where, what));
  if (turns.Size() > 1) {
    throw DataError(fmt::format("{}: {} has {} turns; Arena-Hard is single-turn", record.where,
                                what, turns.Size()));
  }
  return turns[0];
}

// The string at `value`, named `what` in errors. Only prompts must be non-blank: a published
// baseline answer may be empty, and is then judged as it is.
std::string string_at(const JsonRecord& record, const rapidjson::Value* value,
                      std::string_view what, bool nonblank) {
  if (value == nullptr) throw DataError(fmt::format("{}: missing {}", record.where, what));
  if (!value->IsString()) {
    throw DataError(
        fmt::format("{}: {} is {}, not a string", record.where, what, json_type_name(*value)));
  }
  std::string text(value->GetString(), value->GetStringLength());
  if (nonblank && detail::trim(text).empty()) {
    throw DataError(fmt::format("{}: {} is empty", record.where, what));
  }
  return text;
}

std::string question_prompt(const JsonRecord& record) {
  if (record.object.HasMember("prompt")) return detail::required_nonblank(record, "prompt");
  const rapidjson::Value* turns = member(record.object, "turns");
  if (turns == nullptr) {
    throw DataError(fmt::format("{}: missing field \"prompt\" (or \"turns\")", record.where));
  }
  const rapidjson::Value& turn = single_turn(record, *turns, "field \"turns\"");
  if (!turn.IsObject()) {
    throw DataError(
        fmt::format("{}: \"turns\"[0] is {}, not an object", record.where, json_type_name(turn)));
  }
  return string_at(record, member(turn, "content"), "\"turns\"[0].\"content\"", true);
}

struct Answer {
  std::string model;
  std::string text;
  std::string reasoning;
};

// The answer text of the current layout: the one assistant message, whose content is the text
// or, in files written by arena-hard-auto since v2.0, an object holding it under "answer" (and
// a reasoning model's reasoning under "reasoning").
Answer messages_answer(const JsonRecord& record, const rapidjson::Value& messages) {
  if (!messages.IsArray()) {
    throw DataError(fmt::format("{}: field \"messages\" is {}, not an array", record.where,
                                json_type_name(messages)));
  }
  const rapidjson::Value* answer = nullptr;
  std::size_t assistant_messages = 0;
  for (const rapidjson::Value& message : messages.GetArray()) {
    if (!message.IsObject()) {
      throw DataError(fmt::format("{}: \"messages\" has an element that is {}, not an object",
                                  record.where, json_type_name(message)));
    }
    const rapidjson::Value* role = member(message, "role");
    if (role == nullptr || !role->IsString()) {
      throw DataError(
          fmt::format("{}: \"messages\" has an element without a string \"role\"", record.where));
    }
    if (std::string_view(role->GetString(), role->GetStringLength()) != "assistant") continue;
    ++assistant_messages;
    answer = member(message, "content");
  }
  if (assistant_messages == 0) {
    throw DataError(fmt::format("{}: \"messages\" has no assistant message", record.where));
  }
  if (assistant_messages > 1) {
    throw DataError(
        fmt::format("{}: \"messages\" has {} assistant messages; Arena-Hard is "
                    "single-turn",
                    record.where, assistant_messages));
  }
  if (answer != nullptr && answer->IsObject()) {
    Answer out{.text = string_at(record, member(*answer, "answer"),
                                 "the assistant's \"content\".\"answer\"", false)};
    const rapidjson::Value* reasoning = member(*answer, "reasoning");
    if (reasoning != nullptr && reasoning->IsString()) {
      out.reasoning.assign(reasoning->GetString(), reasoning->GetStringLength());
    }
    return out;
  }
  return Answer{.text = string_at(record, answer, "the assistant's \"content\"", false)};
}

// The answer text of the original layout: the first choice's only turn.
std::string choices_answer(const JsonRecord& record, const rapidjson::Value& choices) {
  if (!choices.IsArray()) {
    throw DataError(fmt::format("{}: field \"choices\" is {}, not an array", record.where,
                                json_type_name(choices)));
  }
  if (choices.Empty()) throw DataError(fmt::format("{}: field \"choices\" is empty", record.where));
  const rapidjson::Value& choice = choices[0];
  const rapidjson::Value* turns = choice.IsObject() ? member(choice, "turns") : nullptr;
  if (turns == nullptr) {
    throw DataError(fmt::format("{}: \"choices\"[0] has no \"turns\"", record.where));
  }
  const rapidjson::Value& turn = single_turn(record, *turns, "\"choices\"[0].\"turns\"");
  if (!turn.IsObject()) {
    throw DataError(fmt::format("{}: \"choices\"[0].\"turns\"[0] is {}, not an object",
                                record.where, json_type_name(turn)));
  }
  return string_at(record, member(turn, "content"), "\"choices\"[0].\"turns\"[0].\"content\"",
                   false);
}

// The model name must be there: Item::has_baseline goes by it.
Answer read_answer(const JsonRecord& record) {
  if (const rapidjson::Value* messages = member(record.object, "messages")) {
    std::string model = detail::required_nonblank(record, "model");
    Answer answer = messages_answer(record, *messages);
    answer.model = std::move(model);
    return answer;
  }
  if (const rapidjson::Value* choices = member(record.object, "choices")) {
    return Answer{.model = detail::required_nonblank(record, "model_id"),
                  .text = choices_answer(record, *choices)};
  }
  throw DataError(fmt::format("{}: missing field \"messages\" (or \"choices\")", record.where));
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
    ids.insert(id, record);
    Item item{.id = id, .question = question_prompt(record), .source = record.where};
    const std::string category = optional_string(record, "category").value_or("");
    const std::optional<std::string> subcategory = optional_string(record, "subcategory");
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
      answered.insert(id, record);
      Answer answer = read_answer(record);  // checked even when outside the category
      const auto it = index_of.find(id);
      if (it == index_of.end()) {
        throw DataError(fmt::format("{}: answer for question id \"{}\", which is not in {}",
                                    record.where, id, question_file.string()));
      }
      const std::size_t index = it->second;
      if (!baseline.category.empty() && top_categories[index] != baseline.category) return;
      if (!baseline_source[index].empty()) {
        throw DataError(fmt::format("{}: question id \"{}\" already has a baseline answer, from {}",
                                    record.where, id, baseline_source[index]));
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
    ids.insert(id, record);
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
void read_judgment_text(const JsonRecord& record, const rapidjson::Value& game, std::size_t g,
                        ArenaHardGame& out) {
  const rapidjson::Value* judgment = member(game, "judgment");
  if (judgment == nullptr || judgment->IsNull()) return;
  if (judgment->IsString()) {
    out.judgment.assign(judgment->GetString(), judgment->GetStringLength());
    return;
  }
  if (judgment->IsObject()) {
    const rapidjson::Value* answer = member(*judgment, "answer");
    if (answer != nullptr && answer->IsString()) {
      out.judgment.assign(answer->GetString(), answer->GetStringLength());
    }
    const rapidjson::Value* reasoning = member(*judgment, "reasoning");
    if (reasoning != nullptr && reasoning->IsString()) {
      out.reasoning.assign(reasoning->GetString(), reasoning->GetStringLength());
    }
    return;
  }
  throw DataError(fmt::format("{}: \"games\"[{}].\"judgment\" is {}, not a string or an object",
                              record.where, g, json_type_name(*judgment)));
}

}  // namespace

std::vector<ArenaHardJudgment> load_arena_hard_judgments(const std::filesystem::path& file) {
  const std::string bytes = read_file_bytes(file);
  std::vector<ArenaHardJudgment> judgments;
  for_each_jsonl_record(file, bytes, [&](const JsonRecord& record) {
    const rapidjson::Value* games = member(record.object, "games");
    if (games == nullptr) {
      if (record.object.HasMember("messages") || record.object.HasMember("choices")) {
        throw DataError(
            fmt::format("{}: this is a model answer, not a judgment record (it has no \"games\")",
                        record.where));
      }
      throw DataError(fmt::format("{}: missing field \"games\"", record.where));
    }
    if (!games->IsArray() || games->Empty() || games->Size() > 2) {
      throw DataError(
          fmt::format("{}: field \"games\" must be an array of one or two games", record.where));
    }
    ArenaHardJudgment j{.id = record_id(record),
                        .model = detail::required_nonblank(record, "model"),
                        .judge = detail::required_nonblank(record, "judge"),
                        .baseline = optional_string(record, "baseline").value_or(""),
                        .source = record.where};
    for (std::size_t g = 0; g < games->Size(); ++g) {
      const rapidjson::Value& game = (*games)[static_cast<rapidjson::SizeType>(g)];
      ArenaHardGame out;
      if (game.IsNull()) {
        j.games.push_back(out);
        continue;
      }
      if (!game.IsObject()) {
        throw DataError(fmt::format("{}: \"games\"[{}] is {}, not an object or null", record.where,
                                    g, json_type_name(game)));
      }
      out.present = true;
      const rapidjson::Value* score = member(game, "score");
      if (score != nullptr && score->IsString()) {
        out.has_score = true;
        out.score.assign(score->GetString(), score->GetStringLength());
      } else if (score != nullptr && !score->IsNull()) {
        throw DataError(fmt::format("{}: \"games\"[{}].\"score\" is {}, not a string or null",
                                    record.where, g, json_type_name(*score)));
      }
      read_judgment_text(record, game, g, out);
      j.games.push_back(std::move(out));
    }
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
  for_each_jsonl_record(
      file, first, [&](const JsonRecord& record) { judgment = record.object.HasMember("games"); });
  return judgment;
}

}  // namespace rbench
