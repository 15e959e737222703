// RAII for libcurl: process-wide init once, easy handles and header lists as unique_ptrs.
#pragma once

#include <curl/curl.h>

#include <memory>

namespace rbench::http {

// curl_global_init is not thread-safe; call this once before any thread makes a handle.
// Safe to call repeatedly (the first call does the work).
void ensure_curl_initialised();

struct EasyDeleter {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using EasyHandle = std::unique_ptr<CURL, EasyDeleter>;
using HeaderList = std::unique_ptr<curl_slist, SlistDeleter>;

// A fresh easy handle; throws rbench::Error if libcurl cannot make one.
EasyHandle make_easy_handle();

// Appends a header line, keeping ownership in `list`.
void append_header(HeaderList& list, const char* line);

}  // namespace rbench::http
