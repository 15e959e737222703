// `rbench data fetch NAME`: public suites downloaded from their source and checked by sha256.
#include <fmt/format.h>

#include "harness/cli/commands.h"
#include "harness/fetch/data_fetch.h"
#include "suites/registry.h"

namespace rbench::cli {

void add_data_command(CLI::App& app) {
  CLI::App* data = app.add_subcommand("data", "Public evaluation data");
  data->require_subcommand(1);
  struct FetchArgs {
    std::string name;
    std::string data_dir;
    std::string base_url;
  };
  auto a = std::make_shared<FetchArgs>();
  CLI::App* fetch = data->add_subcommand("fetch", "Download a public suite and verify its sha256");
  fetch->add_option("name", a->name, "Dataset name (gsm8k, math500, ...)")->required();
  fetch->add_option("--data-dir", a->data_dir, "Destination (default: the default data dir)");
  fetch->add_option("--base-url", a->base_url, "Fetch from this mirror instead (same layout)");
  fetch->callback([a] {
    const std::filesystem::path dir =
        a->data_dir.empty() ? default_data_dir() : std::filesystem::path(a->data_dir);
    FetchOptions options;
    options.base_url = a->base_url;
    options.catalogue = bundled_data_dir() / "datasets.json";
    fetch_dataset(a->name, dir, options);
    fmt::print(stderr, "{} is in {}\n", a->name, dir.string());
  });
}

}  // namespace rbench::cli
