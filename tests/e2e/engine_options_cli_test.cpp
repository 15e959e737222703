// The shared engine flags through the command line: `serve --model DIR --mtp` answers a greedy
// request with the text it gives without --mtp (and /v1/models names the model the same),
// `probe latency --engine builtin --mtp` measures the checkpoint, and run, serve and probe latency
// show the same --help line for --mtp and --max-batch, each with its own default.
#include <gtest/gtest.h>
#include <httplib.h>
#include <rapidjson/document.h>
#include <signal.h>

#include <chrono>
#include <regex>
#include <sstream>
#include <thread>

#include "e2e/subprocess.h"
#include "engines/openai/openai_client.h"
#include "harness/serve/mock_openai_server.h"

namespace rbench::test {
namespace {

const std::string kModel = RBENCH_SOURCE_DIR "/data/checkpoints/tiny-r1-arith";

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// `serve --port 0` binds any free port and names it on stderr: "... on http://127.0.0.1:N/v1".
int wait_for_port(Subprocess& server, const std::filesystem::path& log) {
  const std::regex url(R"(on http://127\.0\.0\.1:(\d+)/v1)");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline && server.running()) {
    std::smatch m;
    const std::string text = read_file(log);
    if (std::regex_search(text, m, url)) return std::stoi(m[1]);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return -1;
}

struct Served {
  std::string log;
  std::string models;  // GET /v1/models
  Completion completion;
};

// Starts `rbench serve` with `args`, asks one greedy question, stops it by its pid.
Served serve_and_ask(const std::vector<std::string>& args, const std::filesystem::path& log) {
  std::vector<std::string> argv = {RBENCH_BINARY, "serve", "--port", "0"};
  argv.insert(argv.end(), args.begin(), args.end());
  Subprocess server(argv, log);
  Served served;
  const int port = wait_for_port(server, log);
  served.log = read_file(log);
  if (port < 0) return served;
  httplib::Client http("127.0.0.1", port);
  if (auto r = http.Get("/v1/models")) served.models = r->body;
  ModelProfile p;
  p.name = "served";
  p.base_url = "http://127.0.0.1:" + std::to_string(port) + "/v1";
  p.api_model = "tiny-r1-arith";
  p.max_attempts = 1;
  OpenAIClient client(p);
  ChatRequest r;  // no temperature: the server decodes greedily
  r.messages.push_back({"user", "What is 12 + 30?"});
  r.sampling.max_tokens = 24;
  served.completion = client.complete(r, nullptr, {});
  server.signal(SIGTERM);
  EXPECT_EQ(server.wait(std::chrono::seconds(10)), 0) << read_file(log);
  served.log = read_file(log);
  return served;
}

TEST(EngineOptionsCli, ServeWithMtpAnswersAsWithout) {
  TempDir dir;
  const Served plain = serve_and_ask({"--model", kModel}, dir.path() / "plain.log");
  const Served mtp = serve_and_ask({"--model", kModel, "--mtp"}, dir.path() / "mtp.log");
  ASSERT_TRUE(plain.completion.ok()) << plain.completion.error << "\n" << plain.log;
  ASSERT_TRUE(mtp.completion.ok()) << mtp.completion.error << "\n" << mtp.log;
  // The flag reached the engine: it says it decodes with drafts.
  EXPECT_FALSE(contains(plain.log, "mtp self-speculative")) << plain.log;
  EXPECT_TRUE(contains(mtp.log, "mtp self-speculative")) << mtp.log;
  EXPECT_FALSE((plain.completion.reasoning + plain.completion.answer).empty());
  EXPECT_EQ(mtp.completion.reasoning, plain.completion.reasoning);
  EXPECT_EQ(mtp.completion.answer, plain.completion.answer);
  EXPECT_EQ(mtp.completion.usage.completion_tokens, plain.completion.usage.completion_tokens);
  // Clients name the model as before: --mtp is how it decodes, not another model.
  EXPECT_TRUE(contains(plain.models, "\"id\":\"tiny-r1-arith\"")) << plain.models;
  EXPECT_TRUE(contains(mtp.models, "\"id\":\"tiny-r1-arith\"")) << mtp.models;
  // And where it runs, beside OpenAI's fields.
  EXPECT_TRUE(contains(plain.models, "\"device\":\"cpu\"")) << plain.models;
  EXPECT_TRUE(contains(plain.models, "\"device_description\":\"cpu, ")) << plain.models;
}

// The same flags make serve relay an endpoint: here the mock, under its profile's name.
TEST(EngineOptionsCli, ServeRelaysAnEndpoint) {
  MockOpenAIServer upstream(MockServerOptions{});
  upstream.start();
  TempDir dir;
  const Served relayed =
      serve_and_ask({"--engine", "openai", "--model", "mock", "--base-url", upstream.base_url()},
                    dir.path() / "relay.log");
  ASSERT_TRUE(relayed.completion.ok()) << relayed.completion.error << "\n" << relayed.log;
  EXPECT_TRUE(contains(relayed.completion.answer, "42")) << relayed.completion.answer;
  EXPECT_TRUE(contains(relayed.models, "\"id\":\"mock\"")) << relayed.models;
  EXPECT_FALSE(contains(relayed.models, "\"device\"")) << "an endpoint's device is unknown";
  EXPECT_GE(upstream.requests_received(), 1u);
  // The built-in engine's flags do not apply to an endpoint.
  std::string out;
  EXPECT_EQ(run_rbench({"serve", "--engine", "openai", "--model", "mock", "--mtp"}, out), 2);
  EXPECT_TRUE(contains(out, "serve: --mtp applies to --engine builtin")) << out;
}

TEST(EngineOptionsCli, ProbeLatencyOnTheBuiltinEngineWithMtp) {
  TempDir dir;
  const auto json = dir.path() / "probe.json";
  std::string out;
  ASSERT_EQ(run_rbench({"probe", "latency", "--engine", "builtin", "--model", kModel, "--mtp",
                        "--concurrency", "1", "--requests", "2", "--input-tokens", "32",
                        "--output-tokens", "8", "--warmup", "0", "--json", json.string()},
                       out),
            0)
      << out;
  rapidjson::Document doc;
  const std::string text = read_file(json);
  doc.Parse(text.c_str());
  ASSERT_FALSE(doc.HasParseError()) << text;
  EXPECT_EQ(std::string(doc["model"].GetString()), "builtin:tiny-r1-arith+mtp");
  EXPECT_TRUE(contains(doc["engine"].GetString(), "mtp")) << doc["engine"].GetString();
  ASSERT_TRUE(doc["config"].IsObject()) << text;
  EXPECT_EQ(std::string(doc["config"]["model"].GetString()), kModel);
  EXPECT_EQ(std::string(doc["config"]["engine"].GetString()), "builtin");
  ASSERT_TRUE(doc["config"].HasMember("mtp")) << text;
  EXPECT_TRUE(doc["config"]["mtp"].GetBool());
  ASSERT_EQ(doc["steps"].Size(), 1u) << text;
  EXPECT_EQ(doc["steps"][0]["ok"].GetInt(), 2) << text;

  // --mtp on an endpoint is refused, saying why.
  EXPECT_EQ(run_rbench({"probe", "latency", "--model", "deepseek-r1", "--mtp"}, out), 2);
  EXPECT_TRUE(contains(out, "probe latency: --mtp applies to --engine builtin")) << out;
}

// The line of `help` that declares `flag`.
std::string help_line(const std::string& help, const std::string& flag) {
  std::istringstream lines(help);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("  " + flag + " ", 0) == 0 || line == "  " + flag) return line;
  }
  return "";
}

TEST(EngineOptionsCli, EveryCommandShowsTheSameEngineFlags) {
  struct Command {
    std::vector<std::string> args;
    std::string max_batch;
  };
  const std::vector<Command> commands = {{{"run", "--help"}, "16"},
                                         {{"serve", "--help"}, "16"},
                                         {{"probe", "latency", "--help"}, "8"}};
  std::vector<std::string> mtp, max_batch;
  for (const Command& c : commands) {
    std::string out;
    ASSERT_EQ(run_rbench(c.args, out), 0) << out;
    mtp.push_back(help_line(out, "--mtp"));
    max_batch.push_back(help_line(out, "--max-batch"));
    EXPECT_TRUE(contains(mtp.back(), "MTP module")) << c.args[0] << ":\n" << out;
    EXPECT_TRUE(contains(max_batch.back(), "=" + c.max_batch + " ")) << c.args[0] << ":\n" << out;
    for (const char* flag : {"--engine", "--model", "--base-url", "--api-model"}) {
      EXPECT_FALSE(help_line(out, flag).empty()) << c.args[0] << " lacks " << flag << "\n" << out;
    }
  }
  for (std::size_t i = 1; i < commands.size(); ++i) {
    EXPECT_EQ(mtp[i], mtp[0]);
    // The same line but for the default (and the padding after it).
    EXPECT_EQ(std::regex_replace(max_batch[i], std::regex("=\\d+ +"), "=N "),
              std::regex_replace(max_batch[0], std::regex("=\\d+ +"), "=N "));
  }
}

}  // namespace
}  // namespace rbench::test
