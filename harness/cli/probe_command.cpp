// `rbench probe`: latency, memory and harness-ceiling probes.
#include "harness/cli/commands.h"

namespace rbench::cli {

void add_probe_command(CLI::App& app, int& exit_code) {
  CLI::App* probe = app.add_subcommand("probe", "Latency, memory and harness-ceiling probes");
  probe->require_subcommand(1);
  add_probe_latency(*probe, exit_code);
}

}  // namespace rbench::cli
