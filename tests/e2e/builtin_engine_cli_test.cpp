// The built-in engine through the command line: make-tiny, logits, generate, memory, a run on the
// demo suite into SQLite that resumes, a broken checkpoint refused with the tensor named, and
// `rbench serve --model` answering rbench's own client, chat and raw-text completions.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <rapidjson/document.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "e2e/subprocess.h"
#include "engines/moe/engine/builtin_engine.h"
#include "engines/openai/openai_client.h"
#include "harness/store/store.h"
#include "reports/markdown_speed.h"

namespace rbench::test {
namespace {

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

class BuiltinCli : public testing::Test {
 protected:
  void SetUp() override {
    model_ = (dir_.path() / "tiny").string();
    std::string out;
    ASSERT_EQ(run_rbench({"engine", "make-tiny", "--out", model_, "--seed", "1"}, out), 0) << out;
  }
  TempDir dir_;
  std::string model_;
};

TEST_F(BuiltinCli, GenerateIsReproducibleAndStopsAtMaxTokens) {
  std::string a, b;
  const std::vector<std::string> args = {
      "engine",   "generate",     "--model", model_,  "--prompt", "Tom has 3 apples.",
      "--greedy", "--max-tokens", "6",       "--json"};
  ASSERT_EQ(run_rbench(args, a), 0) << a;
  ASSERT_EQ(run_rbench(args, b), 0) << b;
  rapidjson::Document doc, again;
  doc.Parse(a.substr(a.find('{')).c_str());
  again.Parse(b.substr(b.find('{')).c_str());
  ASSERT_FALSE(doc.HasParseError()) << a;
  ASSERT_FALSE(again.HasParseError()) << b;
  const auto& tokens = doc["tokens"];
  if (std::string_view(doc["finish_reason"].GetString()) == "length") {
    EXPECT_EQ(tokens.Size(), 6u);
  }
  // Timings differ; the tokens must not.
  EXPECT_TRUE(doc["tokens"] == again["tokens"]) << a << "\n" << b;
  EXPECT_TRUE(doc["prompt_tokens"] == again["prompt_tokens"]);
}

TEST_F(BuiltinCli, RunOnTheDemoSuiteStoresAndResumes) {
  const auto db = (dir_.path() / "r.db").string();
  const std::vector<std::string> args = {
      "run",     "--engine", "builtin",      "--model", model_, "--suite", "demo-math",
      "--limit", "3",        "--max-tokens", "8",       "--db", db,        "--quiet"};
  std::string out;
  ASSERT_EQ(run_rbench(args, out), 0) << out;
  {
    Store store(db);
    const auto samples = store.samples();
    ASSERT_EQ(samples.size(), 3u);
    for (const auto& s : samples) {
      EXPECT_EQ(s.key.model, "builtin:tiny");
      EXPECT_TRUE(s.completion.ok()) << s.completion.error;
      EXPECT_GT(s.completion.usage.prompt_tokens, 0);
      EXPECT_LE(s.completion.usage.completion_tokens, 8);
    }
  }
  ASSERT_EQ(run_rbench(args, out), 0) << out;
  EXPECT_TRUE(contains(out, "3 already stored")) << out;
  const auto html = (dir_.path() / "r.html").string();
  ASSERT_EQ(run_rbench({"report", "--db", db, "-o", html}, out), 0) << out;
  EXPECT_TRUE(contains(read_file(html), "builtin:tiny"));
}

// Variants of one model as leaderboard rows: the f32 checkpoint and an fp8 one of the same
// config, run in process side by side. The run stores each engine's facts (as the engine reports
// them in process), and the Markdown report shows weights, KV cache per token and decode speed.
TEST_F(BuiltinCli, VariantsRowsShowWeightsKvCacheAndDecodeSpeed) {
  const std::string fp8 = (dir_.path() / "tiny-fp8").string();
  std::string out;
  ASSERT_EQ(run_rbench({"engine", "make-tiny", "--out", fp8, "--seed", "1", "--dtype", "fp8"}, out),
            0)
      << out;
  const auto db = (dir_.path() / "v.db").string();
  const std::vector<std::string> args = {
      "run",       "--engine", "builtin", "--model",      model_, "--model", fp8, "--suite",
      "demo-math", "--limit",  "2",       "--max-tokens", "8",    "--db",    db,  "--quiet"};
  ASSERT_EQ(run_rbench(args, out), 0) << out;
  ASSERT_EQ(run_rbench(args, out), 0) << out;  // resumes: facts are not part of the run's identity
  EXPECT_TRUE(contains(out, "4 already stored")) << out;

  Store store(db);
  ASSERT_EQ(store.runs().size(), 1u);
  rapidjson::Document config;
  config.Parse(store.runs()[0].config_json.c_str());
  ASSERT_FALSE(config.HasParseError());
  std::map<std::string, EngineFacts> in_process = {
      {"builtin:tiny", moe::BuiltinEngine::open(model_)->facts()},
      {"builtin:tiny-fp8", moe::BuiltinEngine::open(fp8)->facts()}};
  ASSERT_EQ(config["models"].Size(), 2u);
  for (const auto& m : config["models"].GetArray()) {
    const EngineFacts& expected = in_process.at(m["label"].GetString());
    const auto& facts = m["facts"];
    EXPECT_EQ(facts["weight_bytes"].GetInt64(), *expected.weight_bytes);
    EXPECT_EQ(facts["kv_bytes_per_token"].GetInt64(), *expected.kv_bytes_per_token);
    EXPECT_EQ(facts["kv_bytes_per_token_mha"].GetInt64(), *expected.kv_bytes_per_token_mha);
    EXPECT_EQ(facts["parameters_total"].GetInt64(), *expected.parameters_total);
    EXPECT_EQ(facts["parameters_active"].GetInt64(), *expected.parameters_active);
  }
  const EngineFacts& f32_facts = in_process.at("builtin:tiny");
  const EngineFacts& fp8_facts = in_process.at("builtin:tiny-fp8");
  EXPECT_LT(*fp8_facts.weight_bytes, *f32_facts.weight_bytes);
  EXPECT_EQ(*fp8_facts.kv_bytes_per_token, *f32_facts.kv_bytes_per_token) << "same config";
  EXPECT_GT(*f32_facts.kv_bytes_per_token_mha, *f32_facts.kv_bytes_per_token);

  const auto md = (dir_.path() / "v.md").string();
  ASSERT_EQ(run_rbench({"report", "--db", db, "-o", md}, out), 0) << out;
  const std::string text = read_file(md);
  EXPECT_TRUE(contains(text, " Weights | KV/token³ | Cost |")) << text;
  EXPECT_TRUE(contains(text, "| " + human_bytes(*f32_facts.weight_bytes) + " | " +
                                 human_bytes(*f32_facts.kv_bytes_per_token) + " |"))
      << text;
  EXPECT_TRUE(contains(text, "| " + human_bytes(*fp8_facts.weight_bytes) + " | ")) << text;
  EXPECT_TRUE(contains(text, "builtin:tiny-fp8 " + human_bytes(*fp8_facts.kv_bytes_per_token_mha)))
      << text;
  // Random weights may end an answer at its first token; any sample that decoded gives a speed.
  bool decoded = false;
  for (const auto& s : store.samples()) {
    decoded = decoded || (s.completion.usage.completion_tokens >= 2 &&
                          s.completion.timings.e2e_s > s.completion.timings.ttft_s &&
                          s.completion.timings.ttft_s >= 0);
  }
  EXPECT_EQ(contains(text, "| tok/s |"), decoded) << text;
}

TEST_F(BuiltinCli, TruncatedCheckpointIsRefusedNamingTheTensor) {
  const auto file = std::filesystem::path(model_) / "model.safetensors";
  std::filesystem::resize_file(file, std::filesystem::file_size(file) - 100);
  std::string out;
  EXPECT_EQ(run_rbench({"engine", "logits", "--model", model_, "--tokens", "1,2,3"}, out), 2);
  EXPECT_TRUE(contains(out, "model.safetensors")) << out;
  EXPECT_TRUE(contains(out, "lm_head.weight")) << out;  // the last tensor written runs past the end
}

TEST_F(BuiltinCli, MemoryFiguresOfDeepSeekV3) {
  const std::string config =
      std::string(RBENCH_SOURCE_DIR) + "/tests/engines/data/deepseek-v3-config.json";
  std::string out;
  ASSERT_EQ(run_rbench({"engine", "memory", "--config", config}, out), 0) << out;
  EXPECT_TRUE(contains(out, "\"kv_bytes_per_token_latent_bf16\":70272")) << out;
  EXPECT_TRUE(contains(out, "98.6% smaller")) << out;
}

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

ModelProfile served_profile(int port) {
  ModelProfile p;
  p.name = "served";
  p.base_url = "http://127.0.0.1:" + std::to_string(port) + "/v1";
  p.api_model = "tiny";
  p.connect_timeout_s = 1;
  p.idle_timeout_s = 30;
  p.max_attempts = 20;  // the server needs a moment to load and bind
  p.backoff_base_s = 0.1;
  p.backoff_max_s = 0.3;
  return p;
}

TEST_F(BuiltinCli, ServeAnswersRbenchsClient) {
  const int port = free_port();
  Subprocess server({RBENCH_BINARY, "serve", "--model", model_, "--port", std::to_string(port)},
                    dir_.path() / "serve.log");
  ModelProfile p = served_profile(port);
  p.think_tags = ThinkTags::off;
  OpenAIClient client(p);
  ChatRequest r;
  r.messages.push_back({"user", "What is 2 + 2?"});
  r.sampling.max_tokens = 5;
  const Completion c = client.complete(r, nullptr, {});
  ASSERT_TRUE(c.ok()) << c.error << "\n" << read_file(dir_.path() / "serve.log");
  EXPECT_EQ(c.usage.completion_tokens, c.finish_reason == "length" ? 5 : c.usage.completion_tokens);
  EXPECT_FALSE((c.reasoning + c.answer).empty());
  server.signal(SIGTERM);
  EXPECT_EQ(server.wait(std::chrono::seconds(10)), 0) << read_file(dir_.path() / "serve.log");
}

// A code suite's request: a function header continued as raw text, HumanEval's stop strings.
TEST_F(BuiltinCli, ServeAnswersRawCompletions) {
  const int port = free_port();
  Subprocess server({RBENCH_BINARY, "serve", "--model", model_, "--port", std::to_string(port)},
                    dir_.path() / "serve.log");
  ChatRequest r;
  r.prompt = "def add(a: int, b: int) -> int:\n    \"\"\"Add two numbers.\"\"\"\n";
  r.sampling.stop = {"\ndef", "\nclass", "\n#", "\nif __name__", "\nprint("};
  r.sampling.max_tokens = 8;
  std::vector<Completion> answers;
  for (const bool stream : {true, false}) {
    ModelProfile p = served_profile(port);
    p.stream = stream;
    OpenAIClient client(p);
    answers.push_back(client.complete(r, nullptr, {}));
    const Completion& c = answers.back();
    ASSERT_TRUE(c.ok()) << c.error << "\n" << read_file(dir_.path() / "serve.log");
    EXPECT_EQ(c.reasoning, "");
    EXPECT_LE(c.usage.completion_tokens, 8);
    EXPECT_TRUE(c.finish_reason == "stop" || c.finish_reason == "length") << c.finish_reason;
    if (c.finish_reason == "length") {
      EXPECT_EQ(c.usage.completion_tokens, 8);
    }
    for (const auto& stop : r.sampling.stop) EXPECT_FALSE(contains(c.answer, stop)) << stop;
  }
  EXPECT_EQ(answers[0].answer, answers[1].answer) << "greedy: streaming changes nothing";
  EXPECT_EQ(answers[0].usage.prompt_tokens, answers[1].usage.prompt_tokens);
  // The served answer is the engine's own, and the prompt is tokenised as `engine generate` does.
  const auto engine = moe::BuiltinEngine::open(model_);
  const Completion direct = engine->complete(r, nullptr, {});
  EXPECT_EQ(answers[0].answer, direct.answer);
  EXPECT_EQ(answers[0].finish_reason, direct.finish_reason);
  EXPECT_EQ(answers[0].usage.prompt_tokens, static_cast<long>(engine->raw_prompt(r.prompt).size()));
  server.signal(SIGTERM);
  EXPECT_EQ(server.wait(std::chrono::seconds(10)), 0) << read_file(dir_.path() / "serve.log");
}

}  // namespace
}  // namespace rbench::test
