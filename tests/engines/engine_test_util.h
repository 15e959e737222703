// Helpers shared by the engine tests: a profile aimed at a local mock server, a TokenSink that
// records what it is told, and an environment variable set for one test.
#pragma once

#include <chrono>
#include <cstdlib>
#include <string>
#include <vector>

#include "common/sanitizer.h"
#include "engines/api/engine.h"
#include "engines/openai/model_profile.h"
#include "harness/serve/mock_openai_server.h"

namespace rbench::test {

// Small timeouts and backoffs so fault tests stay fast.
inline ModelProfile profile_for(const std::string& base_url) {
  ModelProfile p;
  p.name = "test-mock";
  p.base_url = base_url;
  p.api_model = "mock";
  p.connect_timeout_s = 2 * rbench::testing::kSanitizerSlowdown;
  p.idle_timeout_s = 0.3 * rbench::testing::kSanitizerSlowdown;
  p.total_timeout_s = 10 * rbench::testing::kSanitizerSlowdown;
  p.max_attempts = 3;
  p.backoff_base_s = 0.01;
  p.backoff_max_s = 0.05;
  return p;
}

inline ModelProfile profile_for(const MockOpenAIServer& server) {
  return profile_for(server.base_url());
}

inline ChatRequest ask(const std::string& question) {
  ChatRequest r;
  r.messages.push_back({"system", "You are a careful solver."});
  r.messages.push_back({"user", question});
  return r;
}

// A raw-text completion request, as code suites send it: a function header to continue and
// HumanEval's stop strings.
inline ChatRequest continue_text(const std::string& prompt) {
  ChatRequest r;
  r.prompt = prompt;
  r.sampling.stop = {"\ndef", "\nclass", "\n#", "\nif __name__", "\nprint("};
  return r;
}

class RecordingSink : public TokenSink {
 public:
  void on_reasoning(std::string_view text, double t_s) override {
    reasoning += text;
    times.push_back(t_s);
  }
  void on_answer(std::string_view text, double t_s) override {
    answer += text;
    times.push_back(t_s);
  }
  std::string reasoning;
  std::string answer;
  std::vector<double> times;
};

// Sets an environment variable for the scope of a test.
class ScopedEnv {
 public:
  ScopedEnv(std::string name, const std::string& value) : name_(std::move(name)) {
    ::setenv(name_.c_str(), value.c_str(), 1);
  }
  ~ScopedEnv() { ::unsetenv(name_.c_str()); }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::string name_;
};

inline double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace rbench::test
