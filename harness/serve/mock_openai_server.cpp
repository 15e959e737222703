// cpp-httplib behind MockOpenAIServer. Responses are written from httplib's worker threads; every
// pause (token delay, stall) waits on a condition variable that stop() signals, so stopping never
// waits for a stall to run out.
#include "harness/serve/mock_openai_server.h"

#include <fmt/format.h>
#include <httplib.h>
#include <rapidjson/document.h>

#include <atomic>
#include <condition_variable>
#include <ctime>
#include <deque>
#include <mutex>
#include <thread>

#include "harness/core/error.h"
#include "harness/net/guarded_server.h"
#include "harness/net/local_server.h"
#include "harness/serve/mock_reply.h"
#include "harness/serve/openai_wire.h"
#include "scorers/judge/judge_prompt.h"

namespace rbench {

struct MockOpenAIServer::Impl {
  MockServerOptions options;
  http::GuardedServer server;
  std::thread thread;
  int port = 0;
  std::atomic<std::size_t> requests{0};
  // Shared with every mark, which a response may hold past the server's end (a test that keeps
  // a Response after stopping the server).
  struct Progress {
    std::atomic<std::size_t> now{0};
    std::atomic<std::size_t> peak{0};
  };
  std::shared_ptr<Progress> progress = std::make_shared<Progress>();

  mutable std::mutex mutex;  // guards everything below
  std::condition_variable wake;
  bool stopping = false;
  std::deque<Fault> faults;
  std::string last_body;
  std::string last_authorization;
  std::vector<std::string> authorizations;

  // Sleeps `ms` unless stop() comes first; false when stopping.
  bool pause(int ms) {
    std::unique_lock lock(mutex);
    return !wake.wait_for(lock, std::chrono::milliseconds(ms), [this] { return stopping; });
  }
  Fault next_fault() {
    std::lock_guard lock(mutex);
    if (faults.empty()) return {};
    const Fault f = faults.front();
    faults.pop_front();
    return f;
  }
  // `text`: POST /v1/completions (a raw prompt) rather than /v1/chat/completions.
  void handle(const httplib::Request& req, httplib::Response& res, bool text);
  void stream(httplib::Response& res, wire::Ids ids, mock::Reply reply, long prompt_tokens,
              bool include_usage, Fault fault, bool text, std::shared_ptr<void> in_progress_mark);
  // Counts a request in progress for as long as the returned handle (or a copy) lives.
  std::shared_ptr<void> mark_in_progress() {
    const std::size_t now = ++progress->now;
    std::size_t peak = progress->peak.load();
    while (now > peak && !progress->peak.compare_exchange_weak(peak, now)) {
    }
    return {nullptr, [p = progress](void*) { --p->now; }};
  }
};

namespace {

// What the handler needs from the request body; `error` set when it is unusable.
struct Call {
  std::string model = "mock";
  std::string question;  // the last user message, or the raw prompt
  long prompt_tokens = 0;
  bool stream = false;
  bool include_usage = false;
  std::optional<long> max_tokens;
  bool ignore_eos = false;  // vLLM's output-length controls, for latency probes
  long min_tokens = 0;
  std::vector<std::string> stop;  // honoured by the raw-text route only
  // Chat: the game when a user message is a pairwise-judge-v1 prompt (the judge mode), and
  // whether an assistant message follows up on an earlier reply.
  std::optional<judge::JudgePromptParts> judge_game;
  bool has_assistant_message = false;
  std::string error;
};

// Chat: the messages. Sets call.error when they are unusable.
void read_messages(const rapidjson::Document& doc, Call& call) {
  if (!doc.HasMember("messages") || !doc["messages"].IsArray() || doc["messages"].Empty()) {
    call.error = "'messages' must be a non-empty array";
    return;
  }
  for (const auto& m : doc["messages"].GetArray()) {
    if (!m.IsObject() || !m.HasMember("content") || !m["content"].IsString()) {
      call.error = "each message needs a string 'content'";
      return;
    }
    const std::string_view content(m["content"].GetString(), m["content"].GetStringLength());
    call.prompt_tokens += static_cast<long>(mock::split_tokens(content).size());
    const std::string_view role =
        m.HasMember("role") && m["role"].IsString() ? m["role"].GetString() : "";
    if (role == "assistant") call.has_assistant_message = true;
    if (role != "user") continue;
    call.question = content;
    // The game is the first user message; a follow-up asking for the label is not one.
    if (!call.judge_game) call.judge_game = judge::parse_judge_prompt(content);
  }
}

// Raw text: the prompt (a string, or an array holding one) and the stop strings.
void read_prompt(const rapidjson::Document& doc, Call& call) {
  const rapidjson::Value* prompt = doc.HasMember("prompt") ? &doc["prompt"] : nullptr;
  if (prompt && prompt->IsArray() && prompt->Size() == 1) prompt = &(*prompt)[0];
  if (!prompt || !prompt->IsString()) {
    call.error = "'prompt' must be a string (or an array of one string)";
    return;
  }
  call.question.assign(prompt->GetString(), prompt->GetStringLength());
  call.prompt_tokens = static_cast<long>(mock::split_tokens(call.question).size());
  if (!doc.HasMember("stop") || doc["stop"].IsNull()) return;
  const auto& stop = doc["stop"];
  if (stop.IsString()) {
    call.stop.emplace_back(stop.GetString(), stop.GetStringLength());
    return;
  }
  if (stop.IsArray()) {
    for (const auto& v : stop.GetArray()) {
      if (!v.IsString()) break;
      call.stop.emplace_back(v.GetString(), v.GetStringLength());
    }
    if (call.stop.size() == stop.Size()) return;
  }
  call.error = "'stop' must be a string or an array of strings";
}

Call read_call(const std::string& body, bool text, const RequestLimits& limits) {
  Call call;
  // A client's request: errors go back as a 400 body, not a DataError, so raw RapidJSON.
  rapidjson::Document doc;
  doc.Parse(body.c_str(), body.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    call.error = "request body is not a JSON object";
    return call;
  }
  call.error = check_request_limits(doc, limits);
  if (!call.error.empty()) return call;
  if (doc.HasMember("model") && doc["model"].IsString()) call.model = doc["model"].GetString();
  if (text) {
    read_prompt(doc, call);
  } else {
    read_messages(doc, call);
  }
  if (!call.error.empty()) return call;
  call.stream = doc.HasMember("stream") && doc["stream"].IsBool() && doc["stream"].GetBool();
  if (doc.HasMember("stream_options") && doc["stream_options"].IsObject()) {
    const auto& o = doc["stream_options"];
    call.include_usage =
        o.HasMember("include_usage") && o["include_usage"].IsBool() && o["include_usage"].GetBool();
  }
  for (const char* field : {"max_completion_tokens", "max_tokens"}) {
    if (doc.HasMember(field) && !doc[field].IsNull()) {
      if (!doc[field].IsInt64() || doc[field].GetInt64() < 1) {
        call.error = fmt::format("'{}' must be an integer >= 1", field);
        return call;
      }
      call.max_tokens = static_cast<long>(doc[field].GetInt64());
      break;
    }
  }
  call.ignore_eos =
      doc.HasMember("ignore_eos") && doc["ignore_eos"].IsBool() && doc["ignore_eos"].GetBool();
  if (doc.HasMember("min_tokens") && doc["min_tokens"].IsInt64()) {
    call.min_tokens = static_cast<long>(std::max<std::int64_t>(0, doc["min_tokens"].GetInt64()));
  }
  return call;
}

void send_error(httplib::Response& res, int status, std::string_view message,
                std::string_view type) {
  res.status = status;
  res.set_content(http::openai_error_json(message, type, status), "application/json");
}

}  // namespace

void MockOpenAIServer::Impl::handle(const httplib::Request& req, httplib::Response& res,
                                    bool text) {
  ++requests;
  // A streamed answer keeps the mark in its provider, which httplib drops once it has written.
  std::shared_ptr<void> mark = mark_in_progress();
  {
    std::lock_guard lock(mutex);
    last_body = req.body;
    last_authorization = req.get_header_value("Authorization");
    authorizations.push_back(last_authorization);
  }
  const Fault fault = next_fault();
  switch (fault.kind) {
    case FaultKind::rate_limit:
      if (fault.value > 0) res.set_header("Retry-After", std::to_string(fault.value));
      return send_error(res, 429, "mock fault: rate limit reached", "rate_limit_exceeded");
    case FaultKind::server_error:
      return send_error(res, 500, "mock fault: internal server error", "server_error");
    case FaultKind::bad_request:
      return send_error(res, 400, "mock fault: bad request", "invalid_request_error");
    case FaultKind::unauthorized:
      return send_error(res, 401, "mock fault: incorrect API key provided", "invalid_api_key");
    case FaultKind::forbidden:
      return send_error(res, 403, "mock fault: access denied", "permission_denied");
    case FaultKind::not_found:
      return send_error(res, 404, "mock fault: the model does not exist", "model_not_found");
    default:
      break;
  }
  const Call call = read_call(req.body, text, options.request_limits);
  if (!call.error.empty()) return send_error(res, 400, call.error, "invalid_request_error");

  wire::Ids ids{fmt::format("{}-mock-{}", text ? "cmpl" : "chatcmpl", requests.load()),
                static_cast<long long>(std::time(nullptr)), call.model};
  mock::Reply reply =
      text              ? mock::make_text_reply(call.question, call.stop, call.max_tokens)
      : call.judge_game ? mock::make_judge_reply(*call.judge_game, call.has_assistant_message,
                                                 options.reasoning_style, call.max_tokens)
                        : mock::make_reply(call.question, options.reasoning_style, call.max_tokens);
  mock::extend_reply(reply, call.min_tokens, call.max_tokens, call.ignore_eos);
  if (call.stream && !options.json_for_streaming) {
    return stream(res, std::move(ids), std::move(reply), call.prompt_tokens, call.include_usage,
                  fault, text, std::move(mark));
  }
  // Non-streaming: one JSON body after the whole "generation" time.
  if (!pause(options.token_delay_ms * static_cast<int>(reply.tokens.size()))) return;
  if (fault.kind == FaultKind::stall && !pause(fault.value)) return;
  std::string body;
  if (text) {
    body = wire::text_completion(ids, mock::joined_text(reply, false), reply.finish_reason,
                                 mock::usage_of(reply, call.prompt_tokens, false));
  } else {
    // A reply without reasoning tokens has no reasoning field at all.
    const std::string reasoning = mock::joined_text(reply, true);
    std::optional<wire::Field> reasoning_part;
    if (!reasoning.empty()) {
      reasoning_part = wire::Field{mock::reasoning_field(options.reasoning_style), reasoning};
    }
    body =
        wire::chat_completion(ids, mock::joined_text(reply, false), reasoning_part,
                              reply.finish_reason, mock::usage_of(reply, call.prompt_tokens, true));
  }
  if (fault.kind == FaultKind::bad_json) body.resize(body.size() / 2);
  if (fault.kind == FaultKind::cut) {
    // Promise the full length, send half, then drop the connection.
    const std::size_t half = body.size() / 2;
    res.set_content_provider(
        body.size(), "application/json",
        [body, half](std::size_t offset, std::size_t, httplib::DataSink& sink) {
          if (offset >= half) return false;
          return sink.write(body.data(), half);
        });
    return;
  }
  res.set_content(body, "application/json");
}

void MockOpenAIServer::Impl::stream(httplib::Response& res, wire::Ids ids, mock::Reply reply,
                                    long prompt_tokens, bool include_usage, Fault fault, bool text,
                                    std::shared_ptr<void> in_progress_mark) {
  res.set_header("Cache-Control", "no-cache");
  const std::string eol = options.crlf ? "\r\n" : "\n";
  const auto provider = [this, ids = std::move(ids), reply = std::move(reply), prompt_tokens,
                         include_usage, fault, eol, text,
                         mark = std::move(in_progress_mark)](std::size_t, httplib::DataSink& sink) {
    const auto send = [&](const std::string& data) {
      const std::string event = "data: " + data + eol + eol;
      return sink.write(event.data(), event.size());
    };
    const auto comment = [&] {
      const std::string line = ": keep-alive" + eol + eol;
      return !options.keep_alive_comments || sink.write(line.data(), line.size());
    };
    // The raw-text API has no role chunk: its first chunk carries text.
    if (!comment() ||
        (!text && !send(wire::chat_chunk(ids, {{"role", "assistant"}, {"content", ""}}))))
      return false;
    // Mid-stream; a reply of no tokens (a raw prompt stopped at once) faults before its finish.
    const std::size_t fault_at = reply.tokens.size() / 2;
    for (std::size_t i = 0; i <= reply.tokens.size(); ++i) {
      if (i == fault_at) {
        switch (fault.kind) {
          case FaultKind::cut:
            return false;  // no terminating chunk: the client sees a cut
          case FaultKind::no_done:
            sink.done();
            return true;
          case FaultKind::stall:
            if (!pause(fault.value)) return false;
            break;
          case FaultKind::bad_json:
            if (!send(R"({"id": ")" + ids.id + R"(", "choices": [{"delta": {"content": "oo)")) {
              return false;
            }
            break;
          default:
            break;
        }
      }
      if (i == reply.tokens.size()) break;
      if (options.token_delay_ms > 0 && !pause(options.token_delay_ms)) return false;
      if (i % 8 == 7 && !comment()) return false;
      const auto& token = reply.tokens[i];
      const std::string_view field =
          token.reasoning ? mock::reasoning_field(options.reasoning_style) : "content";
      if (!send(text ? wire::text_chunk(ids, token.text)
                     : wire::chat_chunk(ids, {{field, token.text}}))) {
        return false;
      }
    }
    if (!send(text ? wire::text_chunk(ids, "", reply.finish_reason)
                   : wire::chat_chunk(ids, {}, reply.finish_reason))) {
      return false;
    }
    if (include_usage &&
        !send(wire::usage_chunk(ids, text ? wire::text_object : wire::chat_chunk_object,
                                mock::usage_of(reply, prompt_tokens, !text)))) {
      return false;
    }
    if (!send("[DONE]")) return false;
    sink.done();
    return true;
  };
  res.set_chunked_content_provider("text/event-stream", provider);
}

MockOpenAIServer::MockOpenAIServer(MockServerOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->faults.assign(impl_->options.faults.begin(), impl_->options.faults.end());
}

MockOpenAIServer::~MockOpenAIServer() {
  stop();
}

void MockOpenAIServer::start() {
  Impl& impl = *impl_;
  if (impl.thread.joinable()) return;
  impl.server.Post("/v1/chat/completions",
                   [&impl](const httplib::Request& req, httplib::Response& res) {
                     impl.handle(req, res, false);
                   });
  impl.server.Post("/v1/completions", [&impl](const httplib::Request& req, httplib::Response& res) {
    impl.handle(req, res, true);
  });
  impl.server.Get("/v1/models", [&impl](const httplib::Request&, httplib::Response& res) {
    res.set_content(fmt::format(R"({{"object":"list","data":[{{"id":"mock","object":"model",)"
                                R"("created":{},"owned_by":"rbench"}}]}})",
                                static_cast<long long>(std::time(nullptr))),
                    "application/json");
  });
  // Its handlers only parse, format and write: 512 KiB of stack is ample (the number regex of
  // mock_reply recurses per character of one number), and 4,096 of them stay small.
  constexpr std::size_t kStackBytes = 512 * 1024;
  http::RequestGuards guards = impl.options.guards;
  guards.keep_alive_timeout = std::chrono::seconds(impl.options.keep_alive_timeout_s);
  impl.port = http::start_local_server(impl.server, impl.options.host, impl.options.port,
                                       impl.thread, "mock server",
                                       {.max_connections = impl.options.max_connections,
                                        .max_waiting = impl.options.max_waiting,
                                        .thread_stack_bytes = kStackBytes,
                                        .guards = guards});
}

void MockOpenAIServer::stop() {
  Impl& impl = *impl_;
  {
    std::lock_guard lock(impl.mutex);
    impl.stopping = true;
  }
  impl.wake.notify_all();
  impl.server.stop();
  if (impl.thread.joinable()) impl.thread.join();
}

void MockOpenAIServer::handle(const httplib::Request& req, httplib::Response& res, bool text) {
  impl_->handle(req, res, text);
}

int MockOpenAIServer::port() const {
  return impl_->port;
}

std::string MockOpenAIServer::base_url() const {
  return fmt::format("http://{}:{}/v1", impl_->options.host, impl_->port);
}

std::size_t MockOpenAIServer::requests_received() const {
  return impl_->requests.load();
}

std::size_t MockOpenAIServer::peak_requests_in_progress() const {
  return impl_->progress->peak.load();
}

void MockOpenAIServer::add_faults(std::span<const Fault> faults) {
  std::lock_guard lock(impl_->mutex);
  impl_->faults.insert(impl_->faults.end(), faults.begin(), faults.end());
}

std::size_t MockOpenAIServer::faults_pending() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->faults.size();
}

std::string MockOpenAIServer::last_request_body() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->last_body;
}

std::string MockOpenAIServer::last_authorization() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->last_authorization;
}

std::vector<std::string> MockOpenAIServer::authorizations() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->authorizations;
}

}  // namespace rbench
