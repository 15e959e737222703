// The built-in engine behind the Engine interface, on a tiny checkpoint written by make-tiny:
// deterministic greedy text, concurrent requests batched without changing results, stop strings,
// max tokens flagged as truncation, cancellation, raw-text completions (no chat template), and
// the server in front of it, chat and /v1/completions, driven by rbench's own OpenAI client.
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <thread>

#include "engines/engine_test_util.h"
#include "engines/moe/engine/builtin_engine.h"
#include "engines/moe/model/memory.h"
#include "engines/moe/tokenizer/chat_template.h"
#include "engines/moe/tools/random_checkpoint.h"
#include "engines/openai/openai_client.h"
#include "harness/serve/openai_server.h"

namespace rbench::moe {
namespace {

class BuiltinEngineTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::filesystem::path(std::filesystem::temp_directory_path() /
                                     ("rbench-tiny-" + std::to_string(::getpid())));
    make_tiny(*dir_, {.variant = "v3", .dtype = DType::f32, .seed = 3, .vocab_size = 512});
  }
  static void TearDownTestSuite() {
    std::filesystem::remove_all(*dir_);
    delete dir_;
  }
  static const std::filesystem::path& dir() { return *dir_; }

  static ChatRequest question(int max_tokens) {
    ChatRequest r = test::ask("What is 12 + 30?");
    r.sampling.max_tokens = max_tokens;
    return r;
  }

 private:
  static std::filesystem::path* dir_;
};
std::filesystem::path* BuiltinEngineTest::dir_ = nullptr;

TEST_F(BuiltinEngineTest, GreedyIsDeterministicAndFlagsTruncation) {
  auto engine = BuiltinEngine::open(dir());
  test::RecordingSink sink;
  const Completion a = engine->complete(question(12), &sink, {});
  ASSERT_TRUE(a.ok()) << a.error;
  const Completion b = engine->complete(question(12), nullptr, {});
  EXPECT_EQ(a.reasoning + "|" + a.answer, b.reasoning + "|" + b.answer);
  EXPECT_EQ(sink.reasoning, a.reasoning);
  EXPECT_EQ(sink.answer, a.answer);
  // A random model rarely emits EOS within 12 tokens; if it did, this test would not be about
  // truncation, so check the bookkeeping either way.
  EXPECT_EQ(a.usage.completion_tokens <= 12, true);
  if (a.finish_reason == "length") {
    EXPECT_TRUE(a.truncated());
    EXPECT_EQ(a.usage.completion_tokens, 12);
  }
  EXPECT_GT(a.usage.prompt_tokens, 5);
  EXPECT_GE(a.timings.ttft_s, 0.0);
  EXPECT_GE(a.timings.e2e_s, a.timings.ttft_s);
}

// What the run stores for the reports: the weights as loaded, the latent cache per token as
// KvCache holds it (f32), the multi-head cache at that width, and memory.h's parameter counts.
TEST_F(BuiltinEngineTest, FactsAreTheLoadedWeightsTheLatentCacheAndTheParameters) {
  auto engine = BuiltinEngine::open(dir());
  const EngineFacts f = engine->facts();
  const ModelConfig& c = engine->model().config();
  const std::int64_t layers = c.num_hidden_layers;
  EXPECT_EQ(f.weight_bytes, static_cast<std::int64_t>(engine->model().host().weights().bytes()));
  EXPECT_EQ(f.kv_bytes_per_token, layers * (c.kv_lora_rank + c.qk_rope_head_dim) * 4);
  EXPECT_EQ(f.kv_bytes_per_token,
            static_cast<std::int64_t>(engine->model().make_cache()->bytes_per_token()));
  EXPECT_EQ(f.kv_bytes_per_token_mha,
            layers * c.num_attention_heads * (c.qk_head_dim() + c.v_head_dim) * 4);
  EXPECT_EQ(f.kv_bytes_per_token_mha, kv_cache_figures(c, 4).mha_per_token);
  EXPECT_EQ(f.parameters_total, count_parameters(c).total);
  EXPECT_EQ(f.parameters_active, count_parameters(c).active_per_token);
  EXPECT_LT(*f.parameters_active, *f.parameters_total) << "an MoE model";
  // Unbounded on the CPU by default; --kv-cache-memory is the capacity the reports show.
  EXPECT_FALSE(f.cache_bytes_capacity);
  BuiltinEngineOptions bounded;
  bounded.kv_cache_bytes = std::size_t{3} << 20;
  EXPECT_EQ(BuiltinEngine::open(dir(), bounded)->facts().cache_bytes_capacity,
            std::int64_t{3} << 20);
}

TEST_F(BuiltinEngineTest, ConcurrentRequestsAreBatchedWithoutChangingResults) {
  auto engine = BuiltinEngine::open(dir(), BuiltinEngineOptions::with_max_batch(4));
  std::vector<ChatRequest> requests;
  for (int i = 0; i < 6; ++i) {
    ChatRequest r = test::ask("Add " + std::to_string(i) + " and " + std::to_string(i * 7) + ".");
    r.sampling.max_tokens = 10 + i;
    requests.push_back(r);
  }
  std::vector<Completion> alone;
  for (const auto& r : requests) alone.push_back(engine->complete(r, nullptr, {}));
  std::vector<Completion> together(requests.size());
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < requests.size(); ++i) {
    threads.emplace_back([&, i] { together[i] = engine->complete(requests[i], nullptr, {}); });
  }
  for (auto& t : threads) t.join();
  for (std::size_t i = 0; i < requests.size(); ++i) {
    ASSERT_TRUE(together[i].ok()) << together[i].error;
    EXPECT_EQ(together[i].reasoning, alone[i].reasoning) << i;
    EXPECT_EQ(together[i].answer, alone[i].answer) << i;
    EXPECT_EQ(together[i].usage.completion_tokens, alone[i].usage.completion_tokens) << i;
  }
}

TEST_F(BuiltinEngineTest, SeededSamplingReproduces) {
  auto engine = BuiltinEngine::open(dir());
  ChatRequest r = question(16);
  r.sampling.temperature = 1.0;
  r.sampling.top_p = 0.9;
  r.sampling.seed = 42;
  const Completion a = engine->complete(r, nullptr, {});
  const Completion b = engine->complete(r, nullptr, {});
  EXPECT_EQ(a.reasoning + a.answer, b.reasoning + b.answer);
  r.sampling.seed = 43;
  const Completion c = engine->complete(r, nullptr, {});
  // Different seeds may agree by chance on a tiny model, but not on all 16 tokens.
  EXPECT_NE(a.reasoning + a.answer, c.reasoning + c.answer);
}

TEST_F(BuiltinEngineTest, StopStringEndsTheTextBeforeIt) {
  auto engine = BuiltinEngine::open(dir());
  const Completion full = engine->complete(question(24), nullptr, {});
  const std::string text = full.reasoning;
  ASSERT_GE(text.size(), 6u) << "the tiny model should say something";
  // Stop at a piece of the text the model produces anyway.
  const std::string stop = text.substr(text.size() / 2, 3);
  ChatRequest r = question(24);
  r.sampling.stop = {stop};
  const Completion cut = engine->complete(r, nullptr, {});
  EXPECT_EQ(cut.finish_reason, "stop");
  EXPECT_EQ(cut.reasoning.find(stop), std::string::npos);
  EXPECT_TRUE(text.starts_with(cut.reasoning)) << cut.reasoning;
}

TEST_F(BuiltinEngineTest, CancellationStopsAGeneration) {
  auto engine = BuiltinEngine::open(dir());
  std::stop_source stop;
  stop.request_stop();
  const Completion c = engine->complete(question(100000), nullptr, stop.get_token());
  EXPECT_EQ(c.error_kind, ErrorKind::cancelled);
}

TEST_F(BuiltinEngineTest, TextStreamHoldsBackPartialUtf8AndStopPrefixes) {
  TextStream s({"STOP"});
  EXPECT_EQ(s.feed("ab\xE2\x82"), "ab");         // the euro sign is not complete yet
  EXPECT_EQ(s.feed("\xAC S"), "\xE2\x82\xAC ");  // "S" could start STOP
  EXPECT_EQ(s.feed("TO"), "");                   // so could "STO"
  EXPECT_EQ(s.feed("x"), "STOx");
  EXPECT_EQ(s.feed("yST"), "y");
  EXPECT_EQ(s.feed("OPz"), "");
  EXPECT_TRUE(s.stopped());
}

TEST_F(BuiltinEngineTest, ServedOverHttpToRbenchsOwnClient) {
  auto engine = BuiltinEngine::open(dir());
  OpenAIServer server(*engine, {.model_id = "tiny"});
  server.start();
  const Completion direct = engine->complete(question(10), nullptr, {});
  for (bool stream : {true, false}) {
    ModelProfile p = test::profile_for(server.base_url());
    p.api_model = "tiny";
    p.stream = stream;
    p.idle_timeout_s = 30;
    p.think_tags = ThinkTags::off;  // the server already splits reasoning_content out
    OpenAIClient client(p);
    test::RecordingSink sink;
    const Completion c = client.complete(question(10), &sink, {});
    ASSERT_TRUE(c.ok()) << c.error;
    EXPECT_EQ(c.reasoning, direct.reasoning) << "stream=" << stream;
    EXPECT_EQ(c.answer, direct.answer) << "stream=" << stream;
    EXPECT_EQ(c.finish_reason, direct.finish_reason);
    EXPECT_EQ(c.usage.prompt_tokens, direct.usage.prompt_tokens);
    EXPECT_EQ(c.usage.completion_tokens, direct.usage.completion_tokens);
    EXPECT_EQ(c.usage.reasoning_tokens, direct.usage.reasoning_tokens);
  }
  EXPECT_EQ(server.requests_served(), 2u);
}

TEST_F(BuiltinEngineTest, RawPromptHasBosAndNoChatTemplate) {
  auto engine = BuiltinEngine::open(dir());
  const std::string text = "def add(a, b):\n";
  const auto ids = engine->raw_prompt(text);
  const auto bos = engine->tokenizer().token_id(kBosToken);
  ASSERT_TRUE(bos);
  std::vector<std::int32_t> expected{*bos};
  const auto body = engine->tokenizer().encode(text);
  expected.insert(expected.end(), body.begin(), body.end());
  EXPECT_EQ(ids, expected);
  EXPECT_EQ(engine->tokenizer().decode(ids, true), text);
}

TEST_F(BuiltinEngineTest, RawCompletionIsAllAnswerAndHonoursStopStrings) {
  auto engine = BuiltinEngine::open(dir());
  ChatRequest r;
  r.prompt = "def add(a, b):\n";
  r.sampling.max_tokens = 24;
  test::RecordingSink sink;
  const Completion full = engine->complete(r, &sink, {});
  ASSERT_TRUE(full.ok()) << full.error;
  EXPECT_EQ(full.reasoning, "") << "no template opened <think>";
  EXPECT_EQ(full.usage.reasoning_tokens, 0);
  EXPECT_EQ(sink.answer, full.answer);
  EXPECT_EQ(full.usage.prompt_tokens, static_cast<long>(engine->raw_prompt(r.prompt).size()));
  EXPECT_LE(full.usage.completion_tokens, 24);
  EXPECT_EQ(full.truncated(), full.finish_reason == "length");
  EXPECT_EQ(engine->complete(r, nullptr, {}).answer, full.answer) << "greedy reproduces";
  // The chat template would make a different, longer prompt.
  ChatRequest as_chat = test::ask(r.prompt);
  as_chat.sampling.max_tokens = 1;
  const Completion chat = engine->complete(as_chat, nullptr, {});
  EXPECT_GT(chat.usage.prompt_tokens, full.usage.prompt_tokens);

  ASSERT_GE(full.answer.size(), 6u) << "the tiny model should say something";
  const std::string stop = full.answer.substr(full.answer.size() / 2, 3);
  r.sampling.stop = {"\nif __name__", stop};
  const Completion cut = engine->complete(r, nullptr, {});
  ASSERT_TRUE(cut.ok()) << cut.error;
  EXPECT_EQ(cut.finish_reason, "stop");
  EXPECT_EQ(cut.answer.find(stop), std::string::npos);
  EXPECT_TRUE(full.answer.starts_with(cut.answer)) << cut.answer;
}

// A client that goes away mid-stream cancels its sequence: the engine's completion ends as
// cancelled, not after the thousands of tokens asked for.
TEST_F(BuiltinEngineTest, AClientThatGoesAwayCancelsItsSequence) {
  auto engine = BuiltinEngine::open(dir());
  // Records what the engine returned for each request the server passed on.
  class Recording final : public Engine {
   public:
    explicit Recording(Engine& inner) : inner_(inner) {}
    Completion complete(const ChatRequest& r, TokenSink* sink, std::stop_token stop) override {
      Completion c = inner_.complete(r, sink, stop);
      std::lock_guard lock(mutex_);
      done_.push_back(c);
      return c;
    }
    std::string describe() const override { return inner_.describe(); }
    std::vector<Completion> done() {
      std::lock_guard lock(mutex_);
      return done_;
    }

   private:
    Engine& inner_;
    std::mutex mutex_;
    std::vector<Completion> done_;
  } recording(*engine);
  OpenAIServer server(recording, {.model_id = "tiny"});
  server.start();

  constexpr int kAsked = 4000;
  httplib::Client http("127.0.0.1", server.port());
  httplib::Request req;
  req.method = "POST";
  req.path = "/v1/chat/completions";
  req.headers = {{"Content-Type", "application/json"}};
  req.body = R"({"model":"tiny","stream":true,"ignore_eos":true,"max_tokens":)" +
             std::to_string(kAsked) + R"(,"messages":[{"role":"user","content":"Count."}]})";
  int chunks = 0;
  req.content_receiver = [&](const char*, std::size_t, std::uint64_t, std::uint64_t) {
    return ++chunks < 3;  // then hang up
  };
  httplib::Response res;
  httplib::Error error = httplib::Error::Success;
  http.send(req, res, error);
  EXPECT_EQ(chunks, 3);

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (recording.done().empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const std::vector<Completion> done = recording.done();
  ASSERT_EQ(done.size(), 1u) << "the engine never returned";
  EXPECT_EQ(done[0].error_kind, ErrorKind::cancelled) << done[0].finish_reason;
  EXPECT_LT(done[0].usage.completion_tokens, kAsked);
  server.stop();
}

TEST_F(BuiltinEngineTest, RawCompletionServedOverHttpToRbenchsOwnClient) {
  auto engine = BuiltinEngine::open(dir());
  OpenAIServer server(*engine, {.model_id = "tiny"});
  server.start();
  ChatRequest r = test::continue_text("def add(a, b):\n    return");
  r.sampling.max_tokens = 10;
  const Completion direct = engine->complete(r, nullptr, {});
  ASSERT_TRUE(direct.ok()) << direct.error;
  for (bool stream : {true, false}) {
    ModelProfile p = test::profile_for(server.base_url());
    p.api_model = "tiny";
    p.stream = stream;
    p.idle_timeout_s = 30;
    OpenAIClient client(p);
    test::RecordingSink sink;
    const Completion c = client.complete(r, &sink, {});
    ASSERT_TRUE(c.ok()) << c.error;
    EXPECT_EQ(c.answer, direct.answer) << "stream=" << stream;
    EXPECT_EQ(c.reasoning, "");
    EXPECT_EQ(sink.answer, c.answer);
    EXPECT_EQ(c.finish_reason, direct.finish_reason);
    EXPECT_EQ(c.usage.prompt_tokens, direct.usage.prompt_tokens);
    EXPECT_EQ(c.usage.completion_tokens, direct.usage.completion_tokens);
  }
  EXPECT_EQ(server.requests_served(), 2u);

  // The same error bodies as chat: a bad request is a 400 with OpenAI's error shape.
  ModelProfile p = test::profile_for(server.base_url());
  p.extra_body_json = R"({"echo": true})";
  OpenAIClient echoing(p);
  const Completion refused = echoing.complete(r, nullptr, {});
  EXPECT_EQ(refused.error_kind, ErrorKind::http);
  EXPECT_EQ(refused.http_status, 400);
  EXPECT_NE(refused.error.find("'echo' is not supported"), std::string::npos) << refused.error;
}

}  // namespace
}  // namespace rbench::moe
