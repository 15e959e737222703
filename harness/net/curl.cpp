#include "harness/net/curl.h"

#include <mutex>

#include "harness/core/error.h"

namespace rbench::http {

void ensure_curl_initialised() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
      throw Error("libcurl: curl_global_init failed");
    }
  });
}

EasyHandle make_easy_handle() {
  ensure_curl_initialised();
  EasyHandle handle(curl_easy_init());
  if (!handle) throw Error("libcurl: curl_easy_init failed (out of memory?)");
  return handle;
}

void append_header(HeaderList& list, const char* line) {
  curl_slist* grown = curl_slist_append(list.get(), line);
  if (!grown) throw Error("libcurl: curl_slist_append failed (out of memory?)");
  list.release();
  list.reset(grown);
}

}  // namespace rbench::http
