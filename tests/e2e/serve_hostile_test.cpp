// `rbench serve` against a hostile client, with raw sockets on 127.0.0.1: oversized bodies,
// fields past their limits, malformed JSON, a slow-loris client, more connections than the cap,
// and the bearer key that --host requires. Each server is a subprocess, stopped by its pid.
#include <arpa/inet.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <rapidjson/document.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <regex>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "e2e/subprocess.h"

namespace rbench {
namespace {

using namespace std::chrono_literals;
using test::read_file;
using test::Subprocess;
using test::TempDir;

// The port a `serve --port 0` child printed in its log ("... on http://127.0.0.1:PORT/v1").
int port_in_log(const std::filesystem::path& log, Subprocess& child) {
  const std::regex address(R"(http://127\.0\.0\.1:(\d+)/v1)");
  const auto until = std::chrono::steady_clock::now() + 60s;
  while (std::chrono::steady_clock::now() < until && child.running()) {
    std::smatch m;
    const std::string text = read_file(log);
    if (std::regex_search(text, m, address)) return std::stoi(m[1]);
    std::this_thread::sleep_for(20ms);
  }
  return -1;
}

// A server child with its log and port; stopped (SIGTERM, then reaped) at the end.
struct Server {
  TempDir dir;
  std::unique_ptr<Subprocess> child;
  int port = -1;
  explicit Server(std::vector<std::string> args) {
    args.insert(args.begin(), {RBENCH_BINARY, "serve", "--mock", "--port", "0"});
    child = std::make_unique<Subprocess>(args, dir.path() / "serve.log");
    port = port_in_log(dir.path() / "serve.log", *child);
  }
  std::string log() const { return read_file(dir.path() / "serve.log"); }
  ~Server() {
    child->signal(SIGTERM);
    child->wait(10s);
  }
};

int connect_to(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

void send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return;  // the server may cut us off mid-send: what it answered is checked
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

// What arrives until the server closes, or `limit` passes (then `closed` is false).
struct Received {
  std::string text;
  bool closed = false;
};
Received read_until_closed(int fd, std::chrono::milliseconds limit) {
  Received r;
  const auto until = std::chrono::steady_clock::now() + limit;
  char buffer[4096];
  while (std::chrono::steady_clock::now() < until) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) {
      r.closed = true;
      break;
    }
    r.text.append(buffer, static_cast<std::size_t>(n));
  }
  return r;
}

int status_of(const std::string& response) {
  if (!response.starts_with("HTTP/1.1 ") || response.size() < 12) return 0;
  return std::stoi(response.substr(9, 3));
}

// The error message of an OpenAI-style error body ("" when the body is not one).
std::string error_message(const std::string& response) {
  const std::size_t body = response.find("\r\n\r\n");
  if (body == std::string::npos) return "";
  rapidjson::Document doc;
  doc.Parse(response.c_str() + body + 4);
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("error") ||
      !doc["error"].IsObject() || !doc["error"].HasMember("message") ||
      !doc["error"]["type"].IsString()) {
    return "";
  }
  return doc["error"]["message"].GetString();
}

std::string post(std::string_view path, std::string_view body, std::string_view extra = "") {
  return fmt::format(
      "POST {} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n{}"
      "Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{}",
      path, extra, body.size(), body);
}

// One request on its own connection; the whole response (the server closes after it).
std::string round_trip(int port, const std::string& request) {
  const int fd = connect_to(port);
  if (fd < 0) return "";
  send_all(fd, request);
  const Received r = read_until_closed(fd, 20s);
  ::close(fd);
  return r.text;
}

std::string chat(std::string_view fields) {
  return fmt::format(R"({{"model":"mock","messages":[{{"role":"user","content":"1 + 2"}}]{}}})",
                     fields);
}

TEST(ServeHostile, RefusesOversizedAndOverLimitRequestsWithOpenAIErrors) {
  Server server({"--max-body-bytes", "262144"});
  ASSERT_GT(server.port, 0) << server.log();
  const std::string ok = round_trip(server.port, post("/v1/chat/completions", chat("")));
  EXPECT_EQ(status_of(ok), 200) << ok;

  // A body past the limit, announced by its Content-Length: 413 before it is read.
  const std::string big(300'000, 'x');
  std::string r = round_trip(server.port, post("/v1/chat/completions", big));
  EXPECT_EQ(status_of(r), 413) << r.substr(0, 300);
  EXPECT_NE(error_message(r).find("262144"), std::string::npos) << r.substr(0, 300);

  // The same sent chunked (no length up front): cut off once past the limit.
  std::string chunked =
      "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
      "Transfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 40; ++i) chunked += "2000\r\n" + std::string(0x2000, 'y') + "\r\n";
  chunked += "0\r\n\r\n";
  r = round_trip(server.port, chunked);
  EXPECT_TRUE(status_of(r) == 400 || status_of(r) == 413) << r.substr(0, 300);
  EXPECT_FALSE(error_message(r).empty()) << r.substr(0, 300);

  // Fields past their limits: 400, naming the field and the limit.
  std::string stops;
  for (int i = 0; i < 17; ++i) stops += fmt::format("{}\"s{}\"", i ? "," : "", i);
  std::string messages;
  for (int i = 0; i < 4097; ++i) messages += R"({"role":"user","content":"1"},)";
  messages.pop_back();
  const std::vector<std::tuple<std::string, std::string, std::string>> cases{
      {chat(R"(,"max_tokens":1000000)"), "'max_tokens'", "131072"},
      {chat(R"(,"max_completion_tokens":131073)"), "'max_completion_tokens'", "131072"},
      {chat(R"(,"n":17)"), "'n'", "16"},
      {chat(",\"stop\":[" + stops + "]"), "'stop'", "16"},
      {R"({"model":"mock","messages":[)" + messages + "]}", "'messages'", "4096"},
  };
  for (const auto& [body, field, limit] : cases) {
    for (const char* route : {"/v1/chat/completions", "/v1/completions"}) {
      r = round_trip(server.port, post(route, body));
      EXPECT_EQ(status_of(r), 400) << route << " " << field << "\n" << r.substr(0, 300);
      const std::string message = error_message(r);
      EXPECT_NE(message.find(field), std::string::npos) << route << " " << message;
      EXPECT_NE(message.find(limit), std::string::npos) << route << " " << message;
    }
  }

  // Malformed JSON, and JSON that is not an object.
  for (const char* bad : {R"({"messages": [)", "\xff\xfe{}", "[1,2]", ""}) {
    r = round_trip(server.port, post("/v1/chat/completions", bad));
    EXPECT_EQ(status_of(r), 400) << bad << "\n" << r;
    EXPECT_NE(error_message(r).find("JSON"), std::string::npos) << r;
  }
  // Still serving after all that.
  EXPECT_EQ(status_of(round_trip(server.port, post("/v1/completions", R"({"prompt":"1+1"})"))),
            200);
}

TEST(ServeHostile, CutsOffSlowClients) {
  Server server({"--request-timeout-s", "1"});
  ASSERT_GT(server.port, 0) << server.log();
  // Slow loris: headers a byte every 100 ms. Each byte is in time for a per-read timeout; the
  // whole request is not. Unbounded, this would go on for the whole trickle (15 s).
  const int fd = connect_to(server.port);
  ASSERT_GE(fd, 0);
  send_all(fd, "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n");
  std::string headers;
  for (int i = 0; headers.size() < 200; ++i) headers += fmt::format("X-Slow-{}: abcdef\r\n", i);
  Received r;
  int trickled = 0;
  for (; trickled < 150 && !r.closed; ++trickled) {
    send_all(fd, headers.substr(static_cast<std::size_t>(trickled), 1));
    const Received part = read_until_closed(fd, 100ms);
    r.text += part.text;
    r.closed = part.closed;
  }
  ::close(fd);
  EXPECT_TRUE(r.closed) << "a client trickling headers was never cut off";
  EXPECT_LT(trickled, 150);
  EXPECT_EQ(status_of(r.text), 408) << r.text;
  EXPECT_NE(error_message(r.text).find("did not arrive"), std::string::npos) << r.text;

  // A body that never finishes: cut off too (a 400 or 408, then closed).
  const int body_fd = connect_to(server.port);
  ASSERT_GE(body_fd, 0);
  send_all(body_fd,
           "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
           "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"model\":");
  const Received stalled = read_until_closed(body_fd, 15s);
  ::close(body_fd);
  EXPECT_TRUE(stalled.closed) << "an unfinished body held its connection";
  EXPECT_TRUE(status_of(stalled.text) == 408 || status_of(stalled.text) == 400) << stalled.text;

  // A connection that sends nothing is closed after the keep-alive wait (10 s for serve --mock).
  const int idle_fd = connect_to(server.port);
  const Received idle = read_until_closed(idle_fd, 30s);
  ::close(idle_fd);
  EXPECT_TRUE(idle.closed);
  EXPECT_EQ(status_of(round_trip(server.port, post("/v1/chat/completions", chat("")))), 200);
}

TEST(ServeHostile, ConnectionsPastTheCapAndItsQueueGetA503) {
  Server server({"--max-connections", "2", "--max-waiting", "2"});
  ASSERT_GT(server.port, 0) << server.log();
  // Two connections are served (each waits for its request), two wait for a thread.
  std::vector<int> held;
  for (int i = 0; i < 4; ++i) {
    held.push_back(connect_to(server.port));
    ASSERT_GE(held.back(), 0);
  }
  const int fifth = connect_to(server.port);
  ASSERT_GE(fifth, 0);
  const Received refused = read_until_closed(fifth, 10s);
  ::close(fifth);
  EXPECT_TRUE(refused.closed);
  // The 503 is sent before the close; a reset can overtake it, so an empty reply is allowed.
  if (!refused.text.empty()) {
    EXPECT_EQ(status_of(refused.text), 503) << refused.text;
    EXPECT_NE(error_message(refused.text).find("too many connections"), std::string::npos);
  }
  for (const int fd : held) ::close(fd);
  // Freed: served again.
  const auto until = std::chrono::steady_clock::now() + 20s;
  int status = 0;
  while (status != 200 && std::chrono::steady_clock::now() < until) {
    status = status_of(round_trip(server.port, post("/v1/chat/completions", chat(""))));
  }
  EXPECT_EQ(status, 200);
}

TEST(ServeHostile, HostWithoutAKeyIsRefusedAtStartUp) {
  std::string output;
  const int code =
      test::run_rbench({"serve", "--mock", "--host", "127.0.0.1", "--port", "0"}, output, 30s);
  EXPECT_NE(code, 0);
  EXPECT_NE(output.find("--api-key-env"), std::string::npos) << output;
  EXPECT_NE(output.find("--no-auth"), std::string::npos) << output;
  // A key variable that is not set is named.
  ::unsetenv("RBENCH_HOSTILE_UNSET_KEY");
  const int unset = test::run_rbench({"serve", "--mock", "--host", "127.0.0.1", "--port", "0",
                                      "--api-key-env", "RBENCH_HOSTILE_UNSET_KEY"},
                                     output, 30s);
  EXPECT_NE(unset, 0);
  EXPECT_NE(output.find("RBENCH_HOSTILE_UNSET_KEY"), std::string::npos) << output;
}

TEST(ServeHostile, WithHostAndAKeyOnlyTheKeyIsServed) {
  ::setenv("RBENCH_HOSTILE_KEY", "sk-hostile-test-0123456789", 1);
  Server server({"--host", "127.0.0.1", "--api-key-env", "RBENCH_HOSTILE_KEY"});
  ASSERT_GT(server.port, 0) << server.log();
  const std::string body = chat("");
  for (const char* header : {"", "Authorization: Bearer sk-hostile-test-012345678\r\n",
                             "Authorization: Bearer sk-hostile-test-0123456780\r\n",
                             "Authorization: sk-hostile-test-0123456789\r\n"}) {
    const std::string r = round_trip(server.port, post("/v1/chat/completions", body, header));
    EXPECT_EQ(status_of(r), 401) << "'" << header << "'\n" << r;
    EXPECT_NE(error_message(r).find("API key"), std::string::npos) << r;
  }
  const std::string models = round_trip(
      server.port, "GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(status_of(models), 401) << models;
  const std::string r = round_trip(
      server.port,
      post("/v1/chat/completions", body, "Authorization: Bearer sk-hostile-test-0123456789\r\n"));
  EXPECT_EQ(status_of(r), 200) << r;
}

TEST(ServeHostile, NoAuthServesWithHostKnowingly) {
  Server server({"--host", "127.0.0.1", "--no-auth"});
  ASSERT_GT(server.port, 0) << server.log();
  EXPECT_NE(server.log().find("no API key"), std::string::npos) << server.log();
  EXPECT_EQ(status_of(round_trip(server.port, post("/v1/chat/completions", chat("")))), 200);
  std::string output;
  ::setenv("RBENCH_HOSTILE_KEY", "k", 1);
  EXPECT_NE(test::run_rbench({"serve", "--mock", "--no-auth", "--api-key-env", "RBENCH_HOSTILE_KEY",
                              "--port", "0"},
                             output, 30s),
            0);
  EXPECT_NE(output.find("contradict"), std::string::npos) << output;
}

}  // namespace
}  // namespace rbench
