// Drives one easy handle through a curl multi handle so that the limits are checked every few
// milliseconds (curl_easy_perform polls only about once a second when idle) and a stop request
// wakes the poll at once.
#include "harness/net/streaming_post.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <memory>

#include "harness/core/error.h"
#include "harness/net/curl.h"

namespace rbench::http {
namespace {

using Clock = std::chrono::steady_clock;
constexpr int kPollIntervalMs = 10;
constexpr std::size_t kMaxErrorBody = 64 * 1024;

struct MultiDeleter {
  void operator()(CURLM* multi) const { curl_multi_cleanup(multi); }
};
using MultiHandle = std::unique_ptr<CURLM, MultiDeleter>;

// Everything the callbacks see, owned by streaming_post's frame.
struct Transfer {
  const PostRequest* request = nullptr;
  const BodyCallback* on_body = nullptr;
  PostResult* result = nullptr;
  std::stop_token stop;
  Clock::time_point start;
  Clock::time_point last_byte;
  TransferError reason = TransferError::none;  // why we stopped it, when we did
};

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// Returns true (and records why) when the transfer must stop now.
bool limit_reached(Transfer& t) {
  if (t.reason != TransferError::none) return true;
  const PostRequest& r = *t.request;
  if (t.stop.stop_requested()) {
    t.reason = TransferError::cancelled;
    t.result->error_message = "cancelled";
  } else if (r.idle_timeout_s > 0 && seconds_since(t.last_byte) > r.idle_timeout_s) {
    t.reason = TransferError::idle_timeout;
    t.result->error_message = fmt::format("no data received for {:.3f} s (idle timeout {} s)",
                                          seconds_since(t.last_byte), r.idle_timeout_s);
  } else if (r.total_timeout_s > 0 && seconds_since(t.start) > r.total_timeout_s) {
    t.reason = TransferError::total_timeout;
    t.result->error_message =
        fmt::format("request took longer than the total timeout of {} s", r.total_timeout_s);
  }
  return t.reason != TransferError::none;
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return limit_reached(*static_cast<Transfer*>(user)) ? 1 : 0;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto& t = *static_cast<Transfer*>(user);
  t.last_byte = Clock::now();
  const std::string_view line(data, size * count);
  ResponseHead& head = t.result->head;
  if (line.starts_with("HTTP/")) {
    // A new response (after a 1xx or a redirect): forget the previous one's headers.
    head.headers.clear();
    const auto space = line.find(' ');
    head.status = space == std::string_view::npos ? 0 : std::atol(line.data() + space + 1);
  } else if (const auto colon = line.find(':'); colon != std::string_view::npos) {
    head.headers[lower(trim(line.substr(0, colon)))] = std::string(trim(line.substr(colon + 1)));
  }
  return size * count;
}

size_t on_write(char* data, size_t size, size_t count, void* user) {
  auto& t = *static_cast<Transfer*>(user);
  t.last_byte = Clock::now();
  const std::string_view bytes(data, size * count);
  PostResult& result = *t.result;
  result.body_started = true;
  const long status = result.head.status;
  if (status < 200 || status > 299) {
    const std::size_t room = kMaxErrorBody - std::min(kMaxErrorBody, result.error_body.size());
    result.error_body.append(bytes.substr(0, room));
    return bytes.size();
  }
  if (!(*t.on_body)(bytes, result.head)) {
    t.reason = TransferError::aborted;
    result.error_message = "stopped by the response handler";
    return 0;  // makes libcurl fail the transfer with CURLE_WRITE_ERROR
  }
  return bytes.size();
}

bool is_loopback(const std::string& url) {
  for (const char* prefix : {"http://127.", "http://localhost", "http://[::1]", "https://127.",
                             "https://localhost", "https://[::1]"}) {
    if (url.starts_with(prefix)) return true;
  }
  return false;
}

long to_ms(double s) {
  return static_cast<long>(s * 1000.0 + 0.5);
}

void set_options(CURL* easy, const PostRequest& r, curl_slist* headers, Transfer& t,
                 char* error_buffer) {
  curl_easy_setopt(easy, CURLOPT_URL, r.url.c_str());
  curl_easy_setopt(easy, CURLOPT_POST, 1L);
  curl_easy_setopt(easy, CURLOPT_POSTFIELDS, r.body.c_str());
  curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(easy, CURLOPT_USERAGENT, "rbench");
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, error_buffer);
  if (r.connect_timeout_s > 0) {
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, std::max(1L, to_ms(r.connect_timeout_s)));
  }
  // Our own check enforces the total timeout with a clear message; libcurl's is a backstop.
  if (r.total_timeout_s > 0) {
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, to_ms(r.total_timeout_s) + 1000L);
  }
  // A proxy from the environment must never see loopback traffic.
  if (is_loopback(r.url)) curl_easy_setopt(easy, CURLOPT_PROXY, "");
  curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(easy, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_write);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(easy, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(easy, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(easy, CURLOPT_XFERINFODATA, &t);
}

void classify(CURLcode code, CURL* easy, const char* error_buffer, Transfer& t) {
  PostResult& result = *t.result;
  if (code == CURLE_OK && t.reason == TransferError::none) return;
  if (t.reason != TransferError::none) {
    result.error = t.reason;
    return;
  }
  const std::string detail = error_buffer[0] ? error_buffer : curl_easy_strerror(code);
  if (code == CURLE_OPERATION_TIMEDOUT) {
    curl_off_t connect_us = 0;
    curl_easy_getinfo(easy, CURLINFO_CONNECT_TIME_T, &connect_us);
    result.error = connect_us == 0 ? TransferError::connect_timeout : TransferError::total_timeout;
  } else {
    result.error = TransferError::connection;
  }
  result.error_message = fmt::format("{} (curl error {})", detail, static_cast<int>(code));
}

}  // namespace

std::string ResponseHead::header(const std::string& name) const {
  const auto it = headers.find(name);
  return it == headers.end() ? std::string() : it->second;
}

PostResult streaming_post(const PostRequest& request, const BodyCallback& on_body,
                          std::stop_token stop) {
  PostResult result;
  EasyHandle easy = make_easy_handle();
  HeaderList headers;
  for (const auto& line : request.headers) append_header(headers, line.c_str());
  append_header(headers, "Expect:");  // no 100-continue round trip for large bodies
  Transfer t{&request, &on_body, &result, stop, Clock::now(), Clock::now()};
  char error_buffer[CURL_ERROR_SIZE] = {};
  set_options(easy.get(), request, headers.get(), t, error_buffer);

  MultiHandle multi(curl_multi_init());
  if (!multi) throw Error("libcurl: curl_multi_init failed (out of memory?)");
  curl_multi_add_handle(multi.get(), easy.get());
  CURLcode code = CURLE_OK;
  {
    // Wakes the poll below the moment a stop is requested, from whichever thread asks.
    std::stop_callback wake(stop, [m = multi.get()] { curl_multi_wakeup(m); });
    int running = 1;
    while (running > 0) {
      if (curl_multi_perform(multi.get(), &running) != CURLM_OK) {
        code = CURLE_FAILED_INIT;
        break;
      }
      if (running == 0 || limit_reached(t)) break;
      curl_multi_poll(multi.get(), nullptr, 0, kPollIntervalMs, nullptr);
    }
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi.get(), &left)) {
      if (msg->msg == CURLMSG_DONE) code = msg->data.result;
    }
  }
  curl_multi_remove_handle(multi.get(), easy.get());
  long status = 0;
  if (curl_easy_getinfo(easy.get(), CURLINFO_RESPONSE_CODE, &status) == CURLE_OK && status) {
    result.head.status = status;
  }
  classify(code, easy.get(), error_buffer, t);
  return result;
}

std::string_view to_string(TransferError error) {
  switch (error) {
    case TransferError::none:
      return "none";
    case TransferError::connect_timeout:
      return "connect timeout";
    case TransferError::idle_timeout:
      return "idle timeout";
    case TransferError::total_timeout:
      return "total timeout";
    case TransferError::connection:
      return "connection error";
    case TransferError::cancelled:
      return "cancelled";
    case TransferError::aborted:
      return "aborted";
  }
  return "unknown";
}

}  // namespace rbench::http
