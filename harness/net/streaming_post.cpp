// streaming_post: one transfer on the process's shared event loop, waited for. The loop checks the
// limits every few milliseconds (curl_easy_perform polls only about once a second when idle) and
// a stop request reaches it at once.
#include "harness/net/streaming_post.h"

#include <future>

#include "harness/core/error.h"
#include "harness/net/event_loop.h"

namespace rbench::http {

std::string ResponseHead::header(const std::string& name) const {
  const auto it = headers.find(name);
  return it == headers.end() ? std::string() : it->second;
}

PostResult streaming_post(const PostRequest& request, const BodyCallback& on_body,
                          std::stop_token stop) {
  const std::shared_ptr<EventLoop> loop = EventLoop::shared();
  if (loop->on_loop_thread()) {
    throw Error(
        "streaming_post: called on the event loop's thread, which it would wait for; "
        "use EventLoop::start there");
  }
  std::promise<PostResult> result;
  std::future<PostResult> ready = result.get_future();
  loop->start(
      request,
      [&on_body](std::string_view bytes, const ResponseHead& head) { return on_body(bytes, head); },
      [&result](PostResult r) { result.set_value(std::move(r)); }, std::move(stop));
  return ready.get();
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
