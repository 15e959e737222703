// One HTTP POST with libcurl whose response body is handed over as it arrives, with the three
// timeouts an LLM stream needs (connect, idle between bytes, total) and cancellation by
// std::stop_token. One call = one attempt; retrying is the caller's business.
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
};

// Receives the body bytes of a 2xx response as they arrive. Return false to stop the transfer
// (PostResult::error is then TransferError::aborted).
using BodyCallback = std::function<bool(std::string_view bytes, const ResponseHead& head)>;

// Never throws for network failures: they come back in PostResult. Throws rbench::Error only
// when libcurl itself cannot be set up.
PostResult streaming_post(const PostRequest& request, const BodyCallback& on_body,
                          std::stop_token stop = {});

std::string_view to_string(TransferError error);

}  // namespace rbench::http
