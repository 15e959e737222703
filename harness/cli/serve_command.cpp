// `rbench serve`: an OpenAI-compatible server on 127.0.0.1. `--model DIR` serves a checkpoint
// on the built-in engine (`--engine openai --model PROFILE`: any endpoint, relayed); `--mock`
// serves the heuristic baseline with optional fault injection (demo, probes, client tests).
#include <fmt/format.h>
#include <signal.h>

#include "engines/engine_factory.h"
#include "engines/moe/engine/builtin_engine.h"
#include "harness/cli/commands.h"
#include "harness/cli/engine_options.h"
#include "harness/core/error.h"
#include "harness/serve/mock_openai_server.h"
#include "harness/serve/openai_server.h"

namespace rbench::cli {
namespace {

struct ServeOptions {
  bool mock = false;
  EngineOptions engine;  // --model and the engine flags; the engine is builtin unless told
  int port = 8088;
  int token_delay_ms = 0;
  std::string faults;
  std::string reasoning_style = "reasoning_content";
  std::size_t max_connections = http::kDefaultMaxConnections;
};

sigset_t block_stop_signals() {
  // Blocked before the server's threads start (they inherit the mask), then waited for here.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

void serve_model(const ServeOptions& o) {
  if (!o.faults.empty() || o.token_delay_ms != 0) {
    throw UsageError("serve: --faults and --token-delay-ms apply to --mock only");
  }
  check_engine_options(o.engine, "serve");
  sigset_t set = block_stop_signals();
  const MadeEngine made = make_cli_engine(o.engine, "serve");
  OpenAIServerOptions options;
  options.port = o.port;
  options.max_connections = o.max_connections;
  // A checkpoint is served under its folder's name, --mtp or not: clients name the model, not
  // how it decodes. An endpoint is relayed under its own name.
  const std::filesystem::path dir(o.engine.model);
  std::optional<moe::DummySpec> dummy = dummy_spec(o.engine);
  if (dummy) dummy->mtp = false;  // named as a checkpoint is, --mtp or not
  options.model_id = !made.builtin            ? made.model_name
                     : dummy                  ? moe::dummy_name(*dummy)
                     : dir.filename().empty() ? dir.parent_path().filename().string()
                                              : dir.filename().string();
  if (const auto* builtin = dynamic_cast<const moe::BuiltinEngine*>(made.engine.get())) {
    options.device = builtin->model().device();
    options.device_description = builtin->model().describe_device();
  }
  OpenAIServer server(*made.engine, options);
  server.start();
  fmt::print(stderr, "rbench serving {} on {} (model id '{}')\n", made.engine->describe(),
             server.base_url(), options.model_id);
  int sig = 0;
  sigwait(&set, &sig);
  fmt::print(stderr, "stopping ({} requests served)\n", server.requests_served());
  server.stop();
}

void serve(const ServeOptions& o) {
  const bool model = !o.engine.model.empty() || o.engine.load_format == "dummy";
  if (o.mock == model) {
    throw UsageError(
        "serve: give --model DIR or --load-format dummy (the built-in engine), or --mock");
  }
  if (model) return serve_model(o);
  MockServerOptions options;
  options.port = o.port;
  options.max_connections = o.max_connections;
  // Thousands of clients connecting at once may send their requests seconds later.
  options.keep_alive_timeout_s = 10;
  options.token_delay_ms = o.token_delay_ms;
  options.reasoning_style = parse_reasoning_style(o.reasoning_style);
  if (!o.faults.empty()) options.faults = parse_fault_spec(o.faults);
  sigset_t set = block_stop_signals();
  MockOpenAIServer server(options);
  server.start();
  fmt::print(stderr,
             "rbench mock server (heuristic baseline: answers the sum of the numbers, code with a "
             "`return None` body) on {}\n",
             server.base_url());
  int sig = 0;
  sigwait(&set, &sig);
  fmt::print(stderr, "stopping ({} requests served)\n", server.requests_received());
  server.stop();
}

}  // namespace

void add_serve_command(CLI::App& app) {
  auto o = std::make_shared<ServeOptions>();
  CLI::App* cmd = app.add_subcommand("serve", "Serve an OpenAI-compatible API on 127.0.0.1");
  add_engine_flags(*cmd, o->engine,
                   {.model_required = false,
                    .default_engine = std::string(kBuiltinEngine),
                    .default_max_batch = 16});
  cmd->add_flag("--mock", o->mock, "Serve the heuristic mock model (with optional faults)");
  cmd->add_option("--port", o->port, "Port (0: any free port)")->capture_default_str();
  cmd->add_option("--token-delay-ms", o->token_delay_ms,
                  "--mock: pause before each streamed token (a slow model: 50 = 20 tokens/s)");
  cmd->add_option("--max-connections", o->max_connections,
                  "Connections served at once (a thread each, started as needed); more wait to "
                  "be accepted")
      ->check(CLI::Range(1, 65'536))
      ->capture_default_str();
  cmd->add_option("--faults", o->faults,
                  "Faults for successive requests, e.g. 429:1,500,stall:3000,cut,badjson,nodone "
                  "(also 400, 401, 403, 404)");
  cmd->add_option("--reasoning-style", o->reasoning_style,
                  "reasoning_content | reasoning | think_tags | none")
      ->capture_default_str();
  cmd->callback([o] { serve(*o); });
}

}  // namespace rbench::cli
