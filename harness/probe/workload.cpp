// Synthetic probe prompts: random words, cut to a token count.
#include "harness/probe/workload.h"

#include <algorithm>
#include <cmath>

namespace rbench::probe {
namespace {

// Short, common words: one token each in the BPE vocabularies of the models we probe (with their
// leading space), so that a word count is a fair stand-in where no tokenizer is at hand.
constexpr const char* kWords[] = {
    "time",    "year",     "people", "way",     "day",     "man",       "thing",    "woman",
    "life",    "child",    "world",  "school",  "state",   "family",    "group",    "country",
    "problem", "hand",     "part",   "place",   "case",    "week",      "company",  "system",
    "program", "question", "work",   "number",  "night",   "point",     "home",     "water",
    "room",    "mother",   "area",   "money",   "story",   "fact",      "month",    "lot",
    "right",   "study",    "book",   "eye",     "job",     "word",      "business", "issue",
    "side",    "kind",     "head",   "house",   "service", "friend",    "father",   "power",
    "hour",    "game",     "line",   "end",     "member",  "law",       "car",      "city",
    "name",    "team",     "minute", "idea",    "body",    "back",      "parent",   "face",
    "others",  "level",    "office", "door",    "health",  "person",    "art",      "war",
    "history", "party",    "result", "change",  "morning", "reason",    "research", "girl",
    "guy",     "moment",   "air",    "teacher", "force",   "education", "good",     "new",
    "first",   "last",     "long",   "great",   "little",  "own",       "other",    "old",
    "big",     "high",     "small",  "large"};
constexpr std::size_t kWordCount = sizeof(kWords) / sizeof(kWords[0]);

// Uniform integer in [lo, hi] from the generator's bits (portable across standard libraries).
int uniform_int(std::mt19937_64& rng, int lo, int hi) {
  if (hi <= lo) return lo;
  const auto span = static_cast<std::uint64_t>(hi - lo) + 1;
  return lo + static_cast<int>(rng() % span);
}

int draw_length(std::mt19937_64& rng, const LengthSpec& spec) {
  const int lo = std::max(1, static_cast<int>(std::lround(spec.mean * (1 - spec.spread))));
  const int hi = std::max(lo, static_cast<int>(std::lround(spec.mean * (1 + spec.spread))));
  return uniform_int(rng, lo, hi);
}

std::string words(std::mt19937_64& rng, int count, int request) {
  // The request number first: no two prompts share a prefix beyond it.
  std::string text = "Request " + std::to_string(request) + ":";
  for (int i = 0; i < count; ++i) {
    text += ' ';
    text += kWords[rng() % kWordCount];
  }
  return text;
}

}  // namespace

std::vector<SyntheticRequest> make_workload(int count, const WorkloadOptions& options,
                                            const moe::Tokenizer* tokenizer) {
  std::mt19937_64 rng(options.seed ^ 0x5851f42d4c957f2dULL);
  std::vector<SyntheticRequest> out;
  for (int i = 0; i < count; ++i) {
    SyntheticRequest r;
    const int target = draw_length(rng, options.input);
    r.max_tokens = draw_length(rng, options.output);
    if (tokenizer == nullptr) {
      r.prompt = words(rng, std::max(0, target - 3), i);  // "Request N:" is about 3 tokens
      r.input_tokens = target;
      out.push_back(std::move(r));
      continue;
    }
    // Enough words, then cut at the exact token count on a token boundary.
    std::string text = words(rng, target + 8, i);
    std::vector<std::int32_t> ids = tokenizer->encode(text);
    while (static_cast<int>(ids.size()) < target) {  // words merged more than expected
      text += words(rng, target - static_cast<int>(ids.size()) + 8, i).substr(0);
      ids = tokenizer->encode(text);
    }
    ids.resize(static_cast<std::size_t>(target));
    r.prompt = tokenizer->decode(ids);
    r.input_tokens = static_cast<int>(tokenizer->encode(r.prompt).size());
    r.exact = true;
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace rbench::probe
