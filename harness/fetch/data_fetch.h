// `rbench data fetch NAME`: downloads a public dataset's files from the catalogue
// (data/datasets.json) into the data dir, verifying sha256 and size before moving each into place.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "suites/dataset_catalogue.h"

namespace rbench {

enum class FetchEvent {
  already_present,  // the file is there with the right sha256: no request made
  downloading,      // starting a request to `url`
  progress,         // bytes_done of bytes_total received from `url`
  url_failed,       // `url` failed (detail says why); the next mirror is tried
  downloaded,       // verified and moved into place
};

struct FetchProgress {
  FetchEvent event = FetchEvent::downloading;
  std::string path;  // relative path of the file in the data dir
  std::string url;
  std::uint64_t bytes_done = 0;
  std::uint64_t bytes_total = 0;
  std::string detail;
};

struct FetchOptions {
  // The catalogue to read, normally <bundled data dir>/datasets.json. Required by the name
  // overload of fetch_dataset.
  std::filesystem::path catalogue;
  // When set (e.g. "http://127.0.0.1:8080" or "https://mirror.example/rbench-data"), files are
  // fetched from BASE_URL/<relative path> only, instead of the catalogue's URLs: a copy of a data
  // dir behind any static HTTP server is a mirror.
  std::string base_url;
  // Called from the fetching thread; may be empty.
  std::function<void(const FetchProgress&)> on_progress;
  // A requested stop abandons the transfer in progress (its temp file is deleted) and throws.
  std::stop_token stop;
  long connect_timeout_s = 20;
  // A transfer slower than this many bytes per second for low_speed_time_s is abandoned.
  long low_speed_limit_bytes_per_s = 1024;
  long low_speed_time_s = 30;
};

struct FetchedFile {
  std::string path;         // relative to the data dir
  bool downloaded = false;  // false: it was already present and verified
  std::string url;          // the URL it came from, when downloaded
};

// Fetches every file of the named dataset. Throws UsageError for an unknown name, Error when no
// URL of a file could be downloaded (listing each URL's failure) or when a download does not match
// the catalogue's sha256 or size (naming the URL, the expected and the actual value; the partial
// file is deleted). Files already present with the right sha256 are not downloaded again.
std::vector<FetchedFile> fetch_dataset(const std::string& name,
                                       const std::filesystem::path& data_dir,
                                       const FetchOptions& options);
std::vector<FetchedFile> fetch_dataset(const Dataset& dataset,
                                       const std::filesystem::path& data_dir,
                                       const FetchOptions& options);

// base_url (trailing slashes trimmed) + "/" + the file's relative path.
std::string mirror_url(std::string_view base_url, std::string_view relative_path);

}  // namespace rbench
