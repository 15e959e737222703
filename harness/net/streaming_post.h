// One HTTP POST with libcurl whose response body is handed over as it arrives, with the three
// timeouts an LLM stream needs (connect, idle between bytes, total) and cancellation by
// std::stop_token. One call = one attempt; retrying is the caller's business. The transfer runs
// on the process's shared event loop (harness/net/event_loop.h); streaming_post() waits for it.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

namespace rbench::http {

struct PostRequest {
  std::string url;
  std::string body;
  std::vector<std::string> headers;  // "Name: value" lines
  double connect_timeout_s = 10;
  double idle_timeout_s = 120;  // longest silence between received bytes; <= 0 disables
  double total_timeout_s = 1800;
  // h2c with prior knowledge: HTTP/2 over plain http:// without an upgrade round trip (a server
  // that speaks only HTTP/1.1 fails). https:// negotiates HTTP/2 by ALPN whatever this says.
  bool http2_prior_knowledge = false;
  bool get = false;     // a GET without a body instead of the POST (static files, health checks)
  std::string ca_file;  // a CA certificate to trust besides the system's (a test server's own)
};

// The status line and headers of the final response (after any 1xx).
struct ResponseHead {
  long status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased; a repeated name keeps the last

  // The header's value, or "" when absent. `name` must be lower case.
  std::string header(const std::string& name) const;
};

enum class TransferError {
  none,
  connect_timeout,
  idle_timeout,
  total_timeout,
  connection,  // refused, reset, closed before the body was complete, DNS, TLS
  cancelled,   // the stop_token fired
  aborted,     // the body callback asked to stop
};

struct PostResult {
  ResponseHead head;
  TransferError error = TransferError::none;
  std::string error_message;  // libcurl's or ours; never contains request headers
  // Body of a non-2xx response, kept (up to 64 KiB) for its error message instead of streamed.
  std::string error_body;
  bool body_started = false;  // at least one body byte was received
  // How the transfer went on the wire: the HTTP version used (2 or 1.1 as 20 and 11, 0 when no
  // response came) and the connections it opened (0: it reused a kept-alive one).
  int http_version = 0;
  long new_connections = 0;
};

// Receives the body bytes of a 2xx response as they arrive. Return false to stop the transfer
// (PostResult::error is then TransferError::aborted).
using BodyCallback = std::function<bool(std::string_view bytes, const ResponseHead& head)>;

// Never throws for network failures: they come back in PostResult. Throws rbench::Error only
// when libcurl itself cannot be set up, or when called on the event loop's own thread (it would
// wait for itself). `on_body` runs on the loop's thread.
PostResult streaming_post(const PostRequest& request, const BodyCallback& on_body,
                          std::stop_token stop = {});

std::string_view to_string(TransferError error);

}  // namespace rbench::http
