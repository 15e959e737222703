// `rbench serve`: an OpenAI-compatible server on 127.0.0.1. `--mock` serves the heuristic
// baseline with optional fault injection (demo, probes, client tests); the built-in engine
// will serve real checkpoints through the same command.
#include <fmt/format.h>
#include <signal.h>

#include "harness/cli/commands.h"
#include "harness/error.h"
#include "harness/http/mock_openai_server.h"

namespace rbench::cli {
namespace {

struct ServeOptions {
  bool mock = false;
  int port = 8088;
  int token_delay_ms = 0;
  std::string faults;
  std::string reasoning_style = "reasoning_content";
};

void serve(const ServeOptions& o) {
  if (!o.mock) {
    throw UsageError(
        "serve: only --mock is available in this build (the built-in engine comes next)");
  }
  MockServerOptions options;
  options.port = o.port;
  options.token_delay_ms = o.token_delay_ms;
  options.reasoning_style = parse_reasoning_style(o.reasoning_style);
  if (!o.faults.empty()) options.faults = parse_fault_spec(o.faults);
  // Block the signals before the server's threads start, then wait for one here.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  MockOpenAIServer server(options);
  server.start();
  fmt::print(stderr,
             "rbench mock server (heuristic baseline: answers the sum of the numbers) on {}\n",
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
  cmd->add_flag("--mock", o->mock, "Serve the heuristic mock model (with optional faults)");
  cmd->add_option("--port", o->port, "Port (0: any free port)")->capture_default_str();
  cmd->add_option("--token-delay-ms", o->token_delay_ms, "Pause before each streamed token");
  cmd->add_option("--faults", o->faults,
                  "Faults for successive requests, e.g. 429:1,500,stall:3000,cut,badjson,nodone");
  cmd->add_option("--reasoning-style", o->reasoning_style,
                  "reasoning_content | reasoning | think_tags | none")
      ->capture_default_str();
  cmd->callback([o] { serve(*o); });
}

}  // namespace rbench::cli
