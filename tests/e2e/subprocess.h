// A child process for end-to-end tests: rbench itself, started with arguments, its output in a
// file, killed on destruction so that a failing test leaves nothing running.
#pragma once

#include <sys/types.h>

#include <rapidjson/document.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace rbench::test {

class Subprocess {
 public:
  Subprocess(const std::vector<std::string>& argv, const std::filesystem::path& output_file);
  ~Subprocess();
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  void signal(int sig);
  // The exit status (or 128 + signal), or -1 when it is still running after `timeout`.
  int wait(std::chrono::milliseconds timeout);
  bool running();
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  int status_ = -1;
  bool reaped_ = false;
};

// Runs to completion (bounded by `timeout`); returns the exit status and fills `output`.
int run_rbench(const std::vector<std::string>& args, std::string& output,
               std::chrono::milliseconds timeout = std::chrono::seconds(120));

// The JSON document of a command's output: run_rbench merges stderr in, so the document is what
// starts at the first '{'. Check HasParseError() (no '{' at all parses as an error too).
rapidjson::Document json_in_output(const std::string& output);

std::string read_file(const std::filesystem::path& path);

// A fresh directory under the system temp dir, removed on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace rbench::test
