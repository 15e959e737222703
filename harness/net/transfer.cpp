// libcurl options and callbacks of one transfer: headers parsed into ResponseHead, body bytes to
// the caller (or kept, for a non-2xx status), timeouts checked against the loop's clock, and the
// outcome classified into a TransferError with a message.
#include "harness/net/transfer.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <exception>
#include <string>

namespace rbench::http::detail {
namespace {

using Clock = Transfer::Clock;
constexpr std::size_t kMaxErrorBody = 64 * 1024;

double seconds_between(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
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
  ResponseHead& head = t.result.head;
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
  PostResult& result = t.result;
  result.body_started = true;
  const long status = result.head.status;
  if (status < 200 || status > 299) {
    const std::size_t room = kMaxErrorBody - std::min(kMaxErrorBody, result.error_body.size());
    result.error_body.append(bytes.substr(0, room));
    return bytes.size();
  }
  // An exception must not cross libcurl's C frames: it ends this transfer, not the loop.
  try {
    if (t.on_body(bytes, result.head)) return bytes.size();
    result.error_message = "stopped by the response handler";
  } catch (const std::exception& e) {
    result.error_message = fmt::format("the response handler threw: {}", e.what());
  }
  t.reason = TransferError::aborted;
  return 0;  // makes libcurl fail the transfer with CURLE_WRITE_ERROR
}

bool is_loopback(const std::string& url) {
  for (const char* prefix : {"http://127.", "http://localhost", "http://[::1]", "https://127.",
                             "https://localhost", "https://[::1]"}) {
    if (url.starts_with(prefix)) return true;
  }
  return false;
}

// libcurl before 8.0.0 (Debian 12 ships 7.88.1) breaks a reused h2c prior-knowledge connection:
// it stacks a second HTTP/2 layer on it and the next request fails with "Error in the HTTP2
// framing layer" (curl/curl#10634, fixed by #10643). There each h2c request gets a connection
// of its own: correct, without the multiplexing.
bool h2c_reuse_broken() {
  static const bool broken = curl_version_info(CURLVERSION_NOW)->version_num < 0x080000;
  return broken;
}

long to_ms(double s) {
  return static_cast<long>(s * 1000.0 + 0.5);
}

}  // namespace

void Transfer::configure() {
  CURL* e = easy.get();
  const PostRequest& r = request;
  curl_easy_setopt(e, CURLOPT_URL, r.url.c_str());
  if (r.get) {
    curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
  } else {
    curl_easy_setopt(e, CURLOPT_POST, 1L);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, r.body.c_str());
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
  }
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(e, CURLOPT_USERAGENT, "rbench");
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(e, CURLOPT_PRIVATE, this);
  // HTTP/2 where TLS negotiates it, or by prior knowledge when the caller says the server
  // speaks it in clear text. PIPEWAIT: a request waits for a connection that is still
  // connecting to say whether it multiplexes, rather than opening one more.
  const bool h2c = r.http2_prior_knowledge && r.url.starts_with("http://");
  curl_easy_setopt(e, CURLOPT_HTTP_VERSION,
                   h2c ? CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE : CURL_HTTP_VERSION_2TLS);
  if (h2c && h2c_reuse_broken()) {
    curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
    curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
  } else if (h2c || r.url.starts_with("https://")) {
    curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
  }
  if (!r.ca_file.empty()) curl_easy_setopt(e, CURLOPT_CAINFO, r.ca_file.c_str());
  if (r.connect_timeout_s > 0) {
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, std::max(1L, to_ms(r.connect_timeout_s)));
  }
  // The loop's own check enforces the total timeout with a clear message; libcurl's is a backstop.
  if (r.total_timeout_s > 0) {
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, to_ms(r.total_timeout_s) + 1000L);
  }
  // A proxy from the environment must never see loopback traffic.
  if (is_loopback(r.url)) curl_easy_setopt(e, CURLOPT_PROXY, "");
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, this);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, this);
}

bool Transfer::limit_reached(Clock::time_point now) {
  if (reason != TransferError::none) return true;
  const PostRequest& r = request;
  if (stop.stop_requested()) {
    reason = TransferError::cancelled;
    result.error_message = "cancelled";
  } else if (r.idle_timeout_s > 0 && seconds_between(last_byte, now) > r.idle_timeout_s) {
    reason = TransferError::idle_timeout;
    result.error_message = fmt::format("no data received for {:.3f} s (idle timeout {} s)",
                                       seconds_between(last_byte, now), r.idle_timeout_s);
  } else if (r.total_timeout_s > 0 && seconds_between(start, now) > r.total_timeout_s) {
    reason = TransferError::total_timeout;
    result.error_message =
        fmt::format("request took longer than the total timeout of {} s", r.total_timeout_s);
  }
  return reason != TransferError::none;
}

void Transfer::conclude(CURLcode code) {
  CURL* e = easy.get();
  long status = 0;
  if (curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status) == CURLE_OK && status) {
    result.head.status = status;
  }
  long version = 0;
  curl_easy_getinfo(e, CURLINFO_HTTP_VERSION, &version);
  result.http_version = version == CURL_HTTP_VERSION_2_0   ? 20
                        : version == CURL_HTTP_VERSION_1_1 ? 11
                        : version == CURL_HTTP_VERSION_1_0 ? 10
                                                           : 0;
  curl_easy_getinfo(e, CURLINFO_NUM_CONNECTS, &result.new_connections);
  if (code == CURLE_OK && reason == TransferError::none) return;
  if (reason != TransferError::none) {
    result.error = reason;
    return;
  }
  const std::string detail = error_buffer[0] ? error_buffer : curl_easy_strerror(code);
  if (code == CURLE_OPERATION_TIMEDOUT) {
    curl_off_t connect_us = 0;
    curl_easy_getinfo(e, CURLINFO_CONNECT_TIME_T, &connect_us);
    // A kept-alive connection reports no connect time either: only a transfer that never saw a
    // response line can have timed out connecting.
    const bool connecting = connect_us == 0 && result.head.status == 0;
    result.error = connecting ? TransferError::connect_timeout : TransferError::total_timeout;
  } else {
    result.error = TransferError::connection;
  }
  result.error_message = fmt::format("{} (curl error {})", detail, static_cast<int>(code));
}

}  // namespace rbench::http::detail
