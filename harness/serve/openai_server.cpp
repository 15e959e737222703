#include "harness/serve/openai_server.h"

#include <fmt/format.h>
#include <httplib.h>
#include <rapidjson/document.h>

#include <chrono>
#include <condition_variable>
#include <ctime>
#include <deque>
#include <mutex>
#include <optional>
#include <stop_token>
#include <thread>

#include "harness/core/error.h"
#include "harness/core/json_writer.h"
#include "harness/net/guarded_server.h"
#include "harness/net/local_server.h"
#include "harness/serve/openai_wire.h"

namespace rbench {
namespace {

struct ParsedRequest {
  ChatRequest chat;
  bool stream = false;
  bool include_usage = false;
  std::string error;
};

// Message content is a string, or an array of parts of which the text parts count.
std::optional<std::string> content_text(const rapidjson::Value& v) {
  if (v.IsString()) return std::string(v.GetString(), v.GetStringLength());
  if (v.IsNull()) return std::string();
  if (!v.IsArray()) return std::nullopt;
  std::string text;
  for (const auto& part : v.GetArray()) {
    if (!part.IsObject() || !part.HasMember("type") || !part["type"].IsString())
      return std::nullopt;
    if (std::string_view(part["type"].GetString()) != "text") continue;
    if (!part.HasMember("text") || !part["text"].IsString()) return std::nullopt;
    text += part["text"].GetString();
  }
  return text;
}

// Chat: the messages. Sets r.error when they are unusable.
void read_messages(const rapidjson::Document& doc, ParsedRequest& r) {
  if (!doc.HasMember("messages") || !doc["messages"].IsArray() || doc["messages"].Empty()) {
    r.error = "'messages' must be a non-empty array";
    return;
  }
  for (const auto& m : doc["messages"].GetArray()) {
    if (!m.IsObject() || !m.HasMember("role") || !m["role"].IsString() || !m.HasMember("content")) {
      r.error = "each message needs a string 'role' and a 'content'";
      return;
    }
    auto text = content_text(m["content"]);
    if (!text) {
      r.error = "a message 'content' must be a string or an array of text parts";
      return;
    }
    r.chat.messages.push_back({m["role"].GetString(), std::move(*text)});
  }
}

// Raw text: one non-empty prompt string (or an array holding one). Token-id prompts, batches
// and echo are refused rather than half-served.
void read_prompt(const rapidjson::Document& doc, ParsedRequest& r) {
  const rapidjson::Value* prompt = doc.HasMember("prompt") ? &doc["prompt"] : nullptr;
  if (prompt && prompt->IsArray() && prompt->Size() == 1) prompt = &(*prompt)[0];
  if (!prompt || !prompt->IsString() || prompt->GetStringLength() == 0) {
    r.error = "'prompt' must be a non-empty string (token ids and batches are not supported)";
    return;
  }
  if (doc.HasMember("echo") && doc["echo"].IsBool() && doc["echo"].GetBool()) {
    r.error = "'echo' is not supported";
    return;
  }
  r.chat.prompt.assign(prompt->GetString(), prompt->GetStringLength());
}

ParsedRequest parse_request(const std::string& body, const OpenAIServerOptions& options,
                            bool text) {
  ParsedRequest r;
  // A client's request: what is wrong goes back as a 400 body (r.error), not as a DataError about
  // one of our files, so this reads raw RapidJSON.
  rapidjson::Document doc;
  doc.Parse(body.c_str(), body.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    r.error = "request body is not a JSON object";
    return r;
  }
  r.error = check_request_limits(doc, options.request_limits);
  if (!r.error.empty()) return r;
  if (text) {
    read_prompt(doc, r);
  } else {
    read_messages(doc, r);
  }
  if (!r.error.empty()) return r;
  SamplingParams& s = r.chat.sampling;
  for (const char* field : {"max_completion_tokens", "max_tokens"}) {
    if (doc.HasMember(field) && !doc[field].IsNull()) {
      if (!doc[field].IsInt() || doc[field].GetInt() < 1) {
        r.error = fmt::format("'{}' must be an integer >= 1", field);
        return r;
      }
      s.max_tokens = doc[field].GetInt();
      break;
    }
  }
  if (const int cap = options.max_tokens_cap; cap > 0)
    s.max_tokens = std::min(s.max_tokens.value_or(cap), cap);
  auto number = [&](const char* field, double lo, double hi) -> std::optional<double> {
    if (!doc.HasMember(field) || doc[field].IsNull()) return std::nullopt;
    if (!doc[field].IsNumber() || doc[field].GetDouble() < lo || doc[field].GetDouble() > hi) {
      r.error = fmt::format("'{}' must be a number in [{}, {}]", field, lo, hi);
      return std::nullopt;
    }
    return doc[field].GetDouble();
  };
  s.temperature = number("temperature", 0, 2);
  s.top_p = number("top_p", 0, 1);
  if (auto k = number("top_k", -1, 1e9)) s.top_k = static_cast<int>(*k);
  if (!r.error.empty()) return r;
  if (auto m = number("min_tokens", 0, 1e9)) s.min_tokens = static_cast<int>(*m);
  if (!r.error.empty()) return r;
  if (doc.HasMember("ignore_eos") && !doc["ignore_eos"].IsNull()) {
    if (!doc["ignore_eos"].IsBool()) {
      r.error = "'ignore_eos' must be a boolean";
      return r;
    }
    s.ignore_eos = doc["ignore_eos"].GetBool();
  }
  if (doc.HasMember("seed") && !doc["seed"].IsNull()) {
    if (!doc["seed"].IsUint64()) {
      r.error = "'seed' must be a non-negative integer";
      return r;
    }
    s.seed = doc["seed"].GetUint64();
  }
  if (doc.HasMember("stop") && !doc["stop"].IsNull()) {
    const auto& stop = doc["stop"];
    if (stop.IsString()) {
      s.stop.emplace_back(stop.GetString());
    } else if (stop.IsArray()) {
      for (const auto& v : stop.GetArray()) {
        if (!v.IsString()) {
          r.error = "'stop' must be a string or an array of strings";
          return r;
        }
        s.stop.emplace_back(v.GetString());
      }
    } else {
      r.error = "'stop' must be a string or an array of strings";
      return r;
    }
  }
  r.stream = doc.HasMember("stream") && doc["stream"].IsBool() && doc["stream"].GetBool();
  if (doc.HasMember("stream_options") && doc["stream_options"].IsObject()) {
    const auto& o = doc["stream_options"];
    r.include_usage =
        o.HasMember("include_usage") && o["include_usage"].IsBool() && o["include_usage"].GetBool();
  }
  return r;
}

// Engine usage on the wire: completion_tokens_details always, reasoning_tokens never negative.
wire::Usage wire_usage(const Usage& u) {
  return {u.prompt_tokens, u.completion_tokens, std::max<std::int64_t>(u.reasoning_tokens, 0)};
}

// The engine leaves finish_reason empty when generation simply ended.
std::string_view finish_of(const Completion& c) {
  return c.finish_reason.empty() ? std::string_view("stop") : c.finish_reason;
}

// Writes each piece of streamed text as its own SSE event; a failed write (client gone)
// requests the generation to stop. For the raw-text API only answer text is sent, as its
// whole response keeps only the answer.
class SseSink final : public TokenSink {
 public:
  SseSink(httplib::DataSink& sink, const wire::Ids& ids, bool text, std::stop_source& cancel)
      : sink_(sink), ids_(ids), text_(text), cancel_(cancel) {}
  void on_reasoning(std::string_view text, double) override {
    if (!text_) send(wire::chat_chunk(ids_, {{"reasoning_content", text}}));
  }
  void on_answer(std::string_view text, double) override {
    send(text_ ? wire::text_chunk(ids_, text) : wire::chat_chunk(ids_, {{"content", text}}));
  }
  bool send(const std::string& data) {
    if (!ok_) return false;
    const std::string event = "data: " + data + "\n\n";
    ok_ = sink_.write(event.data(), event.size());
    if (!ok_) cancel_.request_stop();
    return ok_;
  }
  bool ok() const { return ok_; }

 private:
  httplib::DataSink& sink_;
  const wire::Ids& ids_;
  bool text_;
  std::stop_source& cancel_;
  bool ok_ = true;
};

// For an engine that streams from a thread of its own (the OpenAI client's event loop, shared by
// every request in the process): its text is queued and written by the connection's thread, so a
// slow client never blocks the loop, and with it every other request. The caller waits for the
// completion whatever happens to the client, as the engine holds this sink until then.
class RelaySink final : public TokenSink {
 public:
  void on_reasoning(std::string_view text, double) override { push(true, text); }
  void on_answer(std::string_view text, double) override { push(false, text); }
  void finish(Completion c) {
    const std::lock_guard lock(mutex_);
    done_ = std::move(c);
    ready_.notify_one();
  }
  // Hands each queued piece to `write` (reasoning?, text) until the completion has come and the
  // queue is empty; returns the completion.
  template <typename Write>
  Completion drain(Write&& write) {
    std::unique_lock lock(mutex_);
    for (;;) {
      ready_.wait(lock, [&] { return !queue_.empty() || done_.has_value(); });
      std::deque<std::pair<bool, std::string>> batch;
      batch.swap(queue_);
      if (batch.empty()) return std::move(*done_);
      lock.unlock();
      for (auto& [reasoning, text] : batch) write(reasoning, text);
      lock.lock();
    }
  }

 private:
  void push(bool reasoning, std::string_view text) {
    const std::lock_guard lock(mutex_);
    queue_.emplace_back(reasoning, std::string(text));
    ready_.notify_one();
  }
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::pair<bool, std::string>> queue_;
  std::optional<Completion> done_;
};

}  // namespace

struct OpenAIServer::Impl {
  Engine* engine = nullptr;
  OpenAIServerOptions options;
  http::GuardedServer server;
  std::thread thread;
  int port = -1;
  std::atomic<std::size_t> requests{0};
  std::stop_source shutdown;

  // `text`: POST /v1/completions (a raw prompt) rather than /v1/chat/completions.
  void handle(const httplib::Request& req, httplib::Response& res, bool text) {
    const std::size_t n = ++requests;
    ParsedRequest p = parse_request(req.body, options, text);
    if (!p.error.empty()) {
      res.status = 400;
      res.set_content(http::openai_error_json(p.error, "invalid_request_error", 400),
                      "application/json");
      return;
    }
    wire::Ids ids{fmt::format("{}-rbench-{}", text ? "cmpl" : "chatcmpl", n),
                  static_cast<long long>(std::time(nullptr)), options.model_id};
    if (!p.stream) {
      std::stop_source cancel;
      std::stop_callback on_shutdown(shutdown.get_token(), [&] { cancel.request_stop(); });
      const Completion c = engine->complete(p.chat, nullptr, cancel.get_token());
      if (!c.ok()) {
        res.status = 500;
        res.set_content(http::openai_error_json(c.error, "server_error", 500), "application/json");
        return;
      }
      res.set_content(
          text ? wire::text_completion(ids, c.answer, finish_of(c), wire_usage(c.usage))
               : wire::chat_completion(ids, c.answer, wire::Field{"reasoning_content", c.reasoning},
                                       finish_of(c), wire_usage(c.usage)),
          "application/json");
      return;
    }
    res.set_header("Cache-Control", "no-cache");
    res.set_chunked_content_provider(
        "text/event-stream",
        [this, p = std::move(p), ids = std::move(ids), text](std::size_t, httplib::DataSink& sink) {
          std::stop_source cancel;
          std::stop_callback on_shutdown(shutdown.get_token(), [&] { cancel.request_stop(); });
          SseSink sse(sink, ids, text, cancel);
          // The raw-text API has no role chunk.
          if (!text && !sse.send(wire::chat_chunk(ids, {{"role", "assistant"}}))) return false;
          Completion c;
          if (engine->asynchronous()) {
            RelaySink relay;
            engine->submit(p.chat, &relay, cancel.get_token(),
                           [&relay](Completion done) { relay.finish(std::move(done)); });
            c = relay.drain([&](bool reasoning, const std::string& piece) {
              if (reasoning) {
                sse.on_reasoning(piece, 0);
              } else {
                sse.on_answer(piece, 0);
              }
            });
          } else {
            c = engine->complete(p.chat, &sse, cancel.get_token());
          }
          if (!sse.ok()) return false;
          if (!c.ok()) {
            // Headers are gone already: the error travels as an event, then the stream ends
            // without [DONE], which clients treat as a failed response.
            sse.send(http::openai_error_json(c.error, "server_error", 500));
            return false;
          }
          if (!sse.send(text ? wire::text_chunk(ids, "", finish_of(c))
                             : wire::chat_chunk(ids, {}, finish_of(c)))) {
            return false;
          }
          if (p.include_usage &&
              !sse.send(wire::usage_chunk(ids, text ? wire::text_object : wire::chat_chunk_object,
                                          wire_usage(c.usage)))) {
            return false;
          }
          if (!sse.send("[DONE]")) return false;
          sink.done();
          return true;
        });
  }
};

OpenAIServer::OpenAIServer(Engine& engine, OpenAIServerOptions options)
    : impl_(std::make_unique<Impl>()) {
  impl_->engine = &engine;
  impl_->options = std::move(options);
}

OpenAIServer::~OpenAIServer() {
  stop();
}

void OpenAIServer::start() {
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
    const OpenAIServerOptions& o = impl.options;
    json::Writer w;
    w.object({{"object", "list"},
              {"data", json::array({json::object(
                           {{"id", o.model_id},
                            {"object", "model"},
                            {"created", static_cast<long long>(std::time(nullptr))},
                            {"owned_by", "rbench"},
                            {"device", json::unless_empty(o.device)},
                            {"device_description", json::unless_empty(o.device_description)}})})}});
    res.set_content(w.str(), "application/json");
  });
  impl.port = http::start_local_server(impl.server, impl.options.host, impl.options.port,
                                       impl.thread, "serve",
                                       {.max_connections = impl.options.max_connections,
                                        .max_waiting = impl.options.max_waiting,
                                        .guards = impl.options.guards});
}

void OpenAIServer::stop() {
  Impl& impl = *impl_;
  impl.shutdown.request_stop();
  impl.server.stop();
  if (impl.thread.joinable()) impl.thread.join();
}

void OpenAIServer::handle(const httplib::Request& req, httplib::Response& res, bool text) {
  impl_->handle(req, res, text);
}

int OpenAIServer::port() const {
  return impl_->port;
}

std::string OpenAIServer::base_url() const {
  return fmt::format("http://{}:{}/v1", impl_->options.host, impl_->port);
}

std::size_t OpenAIServer::requests_served() const {
  return impl_->requests.load();
}

}  // namespace rbench
