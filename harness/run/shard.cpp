#include "harness/run/shard.h"

#include <fmt/format.h>
#include <unistd.h>

#include <array>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <iterator>

#include "harness/core/error.h"
#include "harness/core/splitmix.h"

namespace rbench {
namespace {

std::optional<long long> parse_int(std::string_view text) {
  long long value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

constexpr int kMaxShards = 1'000'000;

Shard checked(long long index, long long count, std::string_view from) {
  if (count < 1 || count > kMaxShards) {
    throw UsageError(fmt::format("--shard: the shard count must be 1..{} (got {} from {})",
                                 kMaxShards, count, from));
  }
  if (index < 0 || index >= count) {
    throw UsageError(fmt::format(
        "--shard: shard index {} is out of range for {} shards (indices are 0-based: 0..{}; "
        "from {})",
        index, count, count - 1, from));
  }
  return {static_cast<int>(index), static_cast<int>(count)};
}

long long env_int(const EnvLookup& env, const char* name) {
  const auto value = env(name);
  const auto parsed = value ? parse_int(*value) : std::nullopt;
  if (!parsed) {
    throw UsageError(fmt::format("--shard auto: {} is {}, not an integer", name,
                                 value ? "\"" + *value + "\"" : "unset"));
  }
  return *parsed;
}

}  // namespace

int shard_of(std::string_view suite, std::string_view item_id, int sample_index, int count) {
  if (count <= 1) return 0;
  // A separator no id contains keeps ("ab", "c") and ("a", "bc") apart.
  const std::uint64_t h = splitmix::fnv1a(item_id, splitmix::fnv1a("\x1f", splitmix::fnv1a(suite)));
  const std::uint64_t mixed =
      splitmix::mix(h + splitmix::kGolden * static_cast<std::uint64_t>(sample_index + 1));
  return static_cast<int>(mixed % static_cast<std::uint64_t>(count));
}

EnvLookup process_env() {
  return [](const char* name) -> std::optional<std::string> {
    const char* value = std::getenv(name);
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

Shard parse_shard(std::string_view text, int shard_count, const EnvLookup& env) {
  if (text != "auto") {
    const auto slash = text.find('/');
    const auto index =
        slash == std::string_view::npos ? std::nullopt : parse_int(text.substr(0, slash));
    const auto count =
        slash == std::string_view::npos ? std::nullopt : parse_int(text.substr(slash + 1));
    if (!index || !count) {
      throw UsageError(fmt::format(
          "--shard: \"{}\" is neither I/N (shard I of N, 0-based, e.g. 0/8) nor auto", text));
    }
    if (shard_count > 0 && shard_count != *count) {
      throw UsageError(fmt::format("--shard {} and --shard-count {} disagree", text, shard_count));
    }
    return checked(*index, *count, "--shard " + std::string(text));
  }
  if (env("SLURM_ARRAY_TASK_ID")) {
    const long long id = env_int(env, "SLURM_ARRAY_TASK_ID");
    const long long min = env("SLURM_ARRAY_TASK_MIN") ? env_int(env, "SLURM_ARRAY_TASK_MIN") : 0;
    const long long count = env_int(env, "SLURM_ARRAY_TASK_COUNT");
    if (shard_count > 0 && shard_count != count) {
      throw UsageError(
          fmt::format("--shard auto: SLURM_ARRAY_TASK_COUNT is {} but --shard-count is {}", count,
                      shard_count));
    }
    // A sparse array (--array=0,4,9) would leave holes: its ids are not 0..N-1 after the min.
    return checked(id - min, count,
                   fmt::format("SLURM_ARRAY_TASK_ID={} - SLURM_ARRAY_TASK_MIN={} of "
                               "SLURM_ARRAY_TASK_COUNT={}; the array must be a range such as "
                               "--array=0-{}",
                               id, min, count, count - 1));
  }
  if (env("JOB_COMPLETION_INDEX")) {
    const long long index = env_int(env, "JOB_COMPLETION_INDEX");
    long long count = shard_count;
    std::string from = "--shard-count";
    if (count <= 0) {
      if (!env("RBENCH_SHARD_COUNT")) {
        throw UsageError(
            "--shard auto: JOB_COMPLETION_INDEX is set (a Kubernetes Indexed Job) but the shard "
            "count is not: set RBENCH_SHARD_COUNT to the Job's completions (`rbench k8s job` "
            "does) or pass --shard-count N");
      }
      count = env_int(env, "RBENCH_SHARD_COUNT");
      from = "RBENCH_SHARD_COUNT";
    }
    return checked(index, count,
                   fmt::format("JOB_COMPLETION_INDEX={} of {}={}", index, from, count));
  }
  throw UsageError(
      "--shard auto: not inside a Slurm array (SLURM_ARRAY_TASK_ID unset) nor a Kubernetes "
      "Indexed Job (JOB_COMPLETION_INDEX unset); use --shard I/N outside a scheduler");
}

std::string short_host_name() {
  std::array<char, 256> name{};
  if (gethostname(name.data(), name.size() - 1) != 0) return "";
  std::string host(name.data());
  if (const auto dot = host.find('.'); dot != std::string::npos) host.resize(dot);
  return host;
}

std::vector<std::string> process_arguments() {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  const std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> args;
  std::size_t start = 0;
  while (start < all.size()) {
    const std::size_t end = all.find('\0', start);
    args.push_back(all.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  if (!args.empty()) args.erase(args.begin());
  return args;
}

}  // namespace rbench
