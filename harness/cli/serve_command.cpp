// `rbench serve`: an OpenAI-compatible server on 127.0.0.1. `--model DIR` serves a checkpoint
// on the built-in engine (`--engine openai --model PROFILE`: any endpoint, relayed); `--mock`
// serves the heuristic baseline with optional fault injection (demo, probes, client tests).
// `--host` serves beyond loopback, and then only with a bearer key or an explicit --no-auth.
#include <fmt/format.h>
#include <signal.h>

#include <chrono>
#include <cstdlib>

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
  std::size_t max_waiting = 0;  // 0: LocalServerLimits' default
  std::string host = "127.0.0.1";
  bool host_given = false;
  std::string server_key_env;  // --server-key-env, or --api-key-env where no endpoint takes it
  bool no_auth = false;
  std::size_t max_body_bytes = http::kDefaultMaxBodyBytes;
  int request_timeout_s = 60;
};

// The bearer key clients must send ("" for none), from the variable named. `relay`: the engine
// is an endpoint, whose --api-key-env is its own key, so only --server-key-env names ours.
std::string server_key(ServeOptions& o, bool relay) {
  std::string env = o.server_key_env;
  if (!relay && !o.engine.api_key_envs.empty()) {
    if (o.engine.api_key_envs.size() > 1 || !env.empty()) {
      throw UsageError(
          "serve: name one variable for the server's key (--api-key-env NAME or "
          "--server-key-env NAME)");
    }
    env = o.engine.api_key_envs.front();
    o.engine.api_key_envs.clear();  // ours, not an endpoint's
  }
  const std::string_view key_flag = relay ? "--server-key-env" : "--api-key-env";
  if (o.no_auth && !env.empty()) {
    throw UsageError(
        fmt::format("serve: --no-auth and {} {} contradict each other", key_flag, env));
  }
  if (env.empty()) {
    if (o.host_given && !o.no_auth) {
      throw UsageError(fmt::format(
          "serve: with --host ({}) clients must present a key: give {} NAME (they then send "
          "'Authorization: Bearer KEY', KEY read from $NAME) or --no-auth to serve without one",
          o.host, key_flag));
    }
    return "";
  }
  const char* key = std::getenv(env.c_str());
  if (key == nullptr || *key == '\0') {
    throw UsageError(fmt::format("serve: {} {}: the variable is not set, or empty", key_flag, env));
  }
  return key;
}

http::RequestGuards request_guards(const ServeOptions& o, std::string key) {
  http::RequestGuards guards;
  guards.max_body_bytes = o.max_body_bytes;
  guards.request_timeout = std::chrono::seconds(o.request_timeout_s);
  guards.api_key = std::move(key);
  return guards;
}

std::string access_note(const ServeOptions& o) {
  if (!o.host_given) return "";
  return o.no_auth ? "; no API key: anyone who can reach it may use it"
                   : "; clients must send the bearer key";
}

sigset_t block_stop_signals() {
  // Blocked before the server's threads start (they inherit the mask), then waited for here.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

void serve_model(ServeOptions o) {
  if (!o.faults.empty() || o.token_delay_ms != 0) {
    throw UsageError("serve: --faults and --token-delay-ms apply to --mock only");
  }
  std::string key = server_key(o, o.engine.engine != kBuiltinEngine);
  check_engine_options(o.engine, "serve");
  sigset_t set = block_stop_signals();
  const MadeEngine made = make_cli_engine(o.engine, "serve");
  OpenAIServerOptions options;
  options.host = o.host;
  options.port = o.port;
  options.max_connections = o.max_connections;
  options.max_waiting = o.max_waiting;
  options.guards = request_guards(o, std::move(key));
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
  fmt::print(stderr, "rbench serving {} on {} (model id '{}'{})\n", made.engine->describe(),
             server.base_url(), options.model_id, access_note(o));
  int sig = 0;
  sigwait(&set, &sig);
  fmt::print(stderr, "stopping ({} requests served)\n", server.requests_served());
  server.stop();
}

void serve(ServeOptions o) {
  const bool model = !o.engine.model.empty() || o.engine.load_format == "dummy";
  if (o.mock == model) {
    throw UsageError(
        "serve: give --model DIR or --load-format dummy (the built-in engine), or --mock");
  }
  if (model) return serve_model(o);
  MockServerOptions options;
  options.guards = request_guards(o, server_key(o, false));
  options.host = o.host;
  options.port = o.port;
  options.max_connections = o.max_connections;
  options.max_waiting = o.max_waiting;
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
             "`return None` body) on {}{}\n",
             server.base_url(), access_note(o));
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
  cmd->add_option("--host", o->host,
                  "Address to bind; given, clients need a bearer key (--api-key-env, or "
                  "--server-key-env with --engine openai) unless --no-auth")
      ->capture_default_str()
      ->each([o](const std::string&) { o->host_given = true; });
  cmd->add_option("--server-key-env", o->server_key_env,
                  "Variable holding the key clients must send as 'Authorization: Bearer KEY' "
                  "(with --mock or --engine builtin, --api-key-env NAME says the same)");
  cmd->add_flag("--no-auth", o->no_auth, "With --host: serve without a key, knowingly");
  cmd->add_option("--max-body-bytes", o->max_body_bytes,
                  "Largest request body (413 above; a chunked one is cut off)")
      ->check(CLI::Range(std::size_t{1024}, std::size_t{1} << 30))
      ->capture_default_str();
  cmd->add_option("--request-timeout-s", o->request_timeout_s,
                  "A request's headers and body must arrive within this (408 after; slow "
                  "clients are cut off)")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  cmd->add_option("--token-delay-ms", o->token_delay_ms,
                  "--mock: pause before each streamed token (a slow model: 50 = 20 tokens/s)");
  cmd->add_option("--max-connections", o->max_connections,
                  "Connections served at once (a thread each, started as needed); as many more "
                  "wait, and past those a connection gets a 503")
      ->check(CLI::Range(1, 65'536))
      ->capture_default_str();
  cmd->add_option("--max-waiting", o->max_waiting,
                  "Connections waiting for a thread when all are busy; past them a connection "
                  "gets a 503 (0: as many as --max-connections, at least 1,024)")
      ->check(CLI::Range(0, 65'536))
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
