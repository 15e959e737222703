// fuzz_replay TARGET PATH...: runs every file under each PATH (a file or a folder, recursively)
// through the fuzz target TARGET, as libFuzzer would run one input. Exit 0 when all ran; a
// target that finds a problem aborts, naming it, after this prints which file was running.
// `fuzz_replay --list` prints the registered targets.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "fuzz/fuzz_target.h"

namespace rbench::fuzz {

// The registry fills during static initialisation, before main; a function-local map avoids
// the order-of-initialisation problem between translation units.
static std::map<std::string, TargetFn>& targets() {
  static std::map<std::string, TargetFn> registry;
  return registry;
}

bool register_target(const char* name, TargetFn fn) {
  targets()[name] = fn;
  return true;
}

}  // namespace rbench::fuzz

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  using rbench::fuzz::targets;
  if (argc >= 2 && std::string(argv[1]) == "--list") {
    for (const auto& [name, fn] : targets()) std::printf("%s\n", name.c_str());
    return 0;
  }
  if (argc < 3) {
    std::fprintf(stderr, "usage: fuzz_replay TARGET PATH... | fuzz_replay --list\n");
    return 2;
  }
  const auto target = targets().find(argv[1]);
  if (target == targets().end()) {
    std::fprintf(stderr, "fuzz_replay: no target '%s' (--list names them)\n", argv[1]);
    return 2;
  }
  std::vector<fs::path> inputs;
  for (int i = 2; i < argc; ++i) {
    const fs::path path = argv[i];
    std::error_code error;
    if (fs::is_directory(path, error)) {
      for (const auto& entry : fs::recursive_directory_iterator(path)) {
        if (entry.is_regular_file()) inputs.push_back(entry.path());
      }
    } else if (fs::is_regular_file(path, error)) {
      inputs.push_back(path);
    }
    // A path that does not exist (no crashes recorded yet) holds no inputs.
  }
  std::sort(inputs.begin(), inputs.end());
  for (const fs::path& input : inputs) {
    std::ifstream in(input, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "fuzz_replay: cannot read %s\n", input.c_str());
      return 1;
    }
    const std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    std::fprintf(stderr, "%s\n", input.c_str());  // the input a failure is about
    target->second(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
  }
  std::printf("fuzz_replay %s: %zu inputs ran\n", argv[1], inputs.size());
  return 0;
}
