// One transfer on the event loop: its easy handle, the request it sends, what its callbacks
// have seen so far, and the checks of its timeouts. Owned by the loop; used on its thread only.
#pragma once

#include <curl/curl.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <stop_token>

#include "harness/net/curl.h"
#include "harness/net/event_loop.h"
#include "harness/net/streaming_post.h"

namespace rbench::http::detail {

// Asks the loop to cancel transfer `id` (from whichever thread requests the stop).
struct CancelRequest {
  std::move_only_function<void(std::uint64_t)>* post_cancel = nullptr;
  std::uint64_t id = 0;
  void operator()() const { (*post_cancel)(id); }
};

struct Transfer {
  using Clock = std::chrono::steady_clock;

  std::uint64_t id = 0;
  PostRequest request;
  BodyCallback on_body;
  DoneCallback on_done;
  std::stop_token stop;
  std::optional<std::stop_callback<CancelRequest>> on_stop;  // set once it runs on the loop
  EasyHandle easy;
  HeaderList headers;
  char error_buffer[CURL_ERROR_SIZE] = {};
  PostResult result;
  Clock::time_point start;
  Clock::time_point last_byte;
  TransferError reason = TransferError::none;  // why we stopped it, when we did

  // Sets every libcurl option of the request on `easy` (fresh or reset).
  void configure();
  // Records why the transfer must stop now, if it must (stop token, idle or total timeout).
  bool limit_reached(Clock::time_point now);
  // Ends the result once libcurl is done with the handle: status, version, error kind.
  void conclude(CURLcode code);
};

}  // namespace rbench::http::detail
