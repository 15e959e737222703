// Dataset download with libcurl: each file goes to a temp file beside its target, is checked
// against the catalogue's size and sha256 while it streams, and is renamed into place only when
// both match, so an interrupted or tampered download never leaves a file that looks valid.
#include "harness/fetch/data_fetch.h"

#include <fmt/core.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <exception>
#include <memory>

#include "harness/core/error.h"
#include "harness/core/sha256.h"
#include "harness/core/version.h"
#include "harness/net/curl.h"

namespace rbench {
namespace {

constexpr long kMaxRedirects = 10;

// A temp file in the target's folder (so the final rename is atomic), removed unless committed.
class TempFile {
 public:
  explicit TempFile(const std::filesystem::path& target) {
    std::string pattern =
        (target.parent_path() / ("." + target.filename().string() + ".part-XXXXXX")).string();
    const int fd = mkstemp(pattern.data());
    if (fd < 0) throw Error(fmt::format("cannot create a temp file beside {}", target.string()));
    path_ = pattern;
    file_.reset(fdopen(fd, "wb"));
    if (!file_) {
      ::close(fd);
      std::filesystem::remove(path_);
      throw Error(fmt::format("cannot open temp file {}", path_.string()));
    }
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  ~TempFile() {
    file_.reset();
    if (!committed_) {
      std::error_code ignored;
      std::filesystem::remove(path_, ignored);
    }
  }

  std::FILE* stream() const { return file_.get(); }

  // Flushes to disk and renames over `target`.
  void commit(const std::filesystem::path& target) {
    if (std::fflush(file_.get()) != 0 || ::fsync(fileno(file_.get())) != 0) {
      throw Error(fmt::format("cannot write {} (disk full?)", path_.string()));
    }
    file_.reset();
    std::filesystem::rename(path_, target);
    committed_ = true;
  }

 private:
  struct FileCloser {
    void operator()(std::FILE* file) const { std::fclose(file); }
  };
  std::filesystem::path path_;
  std::unique_ptr<std::FILE, FileCloser> file_;
  bool committed_ = false;
};

// State the curl callbacks write into while one URL downloads.
struct Transfer {
  std::FILE* out = nullptr;
  Sha256 hash;
  std::uint64_t bytes = 0;
  std::uint64_t limit = 0;  // the catalogue size: more than this is refused mid-stream
  bool over_limit = false;
  bool write_failed = false;
  bool cancelled = false;
  std::exception_ptr callback_error;  // exceptions must not unwind through libcurl's C frames
  const FetchOptions* options = nullptr;
  FetchProgress progress;
  curl_off_t last_reported = -1;
};

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const std::size_t length = size * count;
  if (transfer->bytes + length > transfer->limit) {
    transfer->over_limit = true;
    return 0;  // makes curl fail with CURLE_WRITE_ERROR
  }
  if (std::fwrite(data, 1, length, transfer->out) != length) {
    transfer->write_failed = true;
    return 0;
  }
  try {
    transfer->hash.update(std::string_view(data, length));
  } catch (...) {
    transfer->callback_error = std::current_exception();
    return 0;
  }
  transfer->bytes += length;
  return length;
}

int on_transfer_info(void* user, curl_off_t /*dltotal*/, curl_off_t dlnow, curl_off_t, curl_off_t) {
  auto* transfer = static_cast<Transfer*>(user);
  if (transfer->options->stop.stop_requested()) {
    transfer->cancelled = true;
    return 1;  // aborts the transfer
  }
  if (transfer->options->on_progress && dlnow != transfer->last_reported) {
    transfer->last_reported = dlnow;
    transfer->progress.event = FetchEvent::progress;
    transfer->progress.bytes_done = static_cast<std::uint64_t>(dlnow);
    try {
      transfer->options->on_progress(transfer->progress);
    } catch (...) {
      transfer->callback_error = std::current_exception();
      return 1;
    }
  }
  return 0;
}

void report(const FetchOptions& options, FetchEvent event, const DatasetFile& file,
            std::string url = {}, std::string detail = {}) {
  if (!options.on_progress) return;
  options.on_progress(
      FetchProgress{event, file.path, std::move(url), 0, file.bytes, std::move(detail)});
}

void set_option(CURL* handle, CURLoption option, auto value) {
  if (curl_easy_setopt(handle, option, value) != CURLE_OK) {
    throw Error(fmt::format("libcurl: cannot set option {}", static_cast<int>(option)));
  }
}

// A GET of `url` that streams into `transfer`: http(s) only, redirects followed, HTTP >= 400 an
// error, and a connect timeout plus a low-speed cut-off so a stalled mirror cannot hang a fetch.
http::EasyHandle make_download_handle(const std::string& url, const std::string& user_agent,
                                      Transfer& transfer,
                                      std::array<char, CURL_ERROR_SIZE>& error_buffer,
                                      const FetchOptions& options) {
  http::EasyHandle handle = http::make_easy_handle();
  CURL* h = handle.get();
  set_option(h, CURLOPT_URL, url.c_str());
  set_option(h, CURLOPT_PROTOCOLS_STR, "http,https");
  set_option(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  set_option(h, CURLOPT_FOLLOWLOCATION, 1L);
  set_option(h, CURLOPT_MAXREDIRS, kMaxRedirects);
  set_option(h, CURLOPT_FAILONERROR, 1L);
  set_option(h, CURLOPT_CONNECTTIMEOUT, options.connect_timeout_s);
  set_option(h, CURLOPT_LOW_SPEED_LIMIT, options.low_speed_limit_bytes_per_s);
  set_option(h, CURLOPT_LOW_SPEED_TIME, options.low_speed_time_s);
  set_option(h, CURLOPT_NOSIGNAL, 1L);
  set_option(h, CURLOPT_USERAGENT, user_agent.c_str());
  set_option(h, CURLOPT_ERRORBUFFER, error_buffer.data());
  set_option(h, CURLOPT_WRITEFUNCTION, on_body);
  set_option(h, CURLOPT_WRITEDATA, &transfer);
  set_option(h, CURLOPT_XFERINFOFUNCTION, on_transfer_info);
  set_option(h, CURLOPT_XFERINFODATA, &transfer);
  set_option(h, CURLOPT_NOPROGRESS, 0L);
  return handle;
}

// Downloads `url` into a temp file and verifies it. Returns "" on success (the file is in place),
// or why this URL failed so the next mirror can be tried. Throws on a content mismatch.
std::string try_url(const std::string& url, const DatasetFile& file,
                    const std::filesystem::path& target, const FetchOptions& options) {
  TempFile temp(target);
  Transfer transfer;
  transfer.out = temp.stream();
  transfer.limit = file.bytes;
  transfer.options = &options;
  transfer.progress = FetchProgress{FetchEvent::progress, file.path, url, 0, file.bytes, {}};
  std::array<char, CURL_ERROR_SIZE> error_buffer{};
  const std::string user_agent = "rbench/" + version();
  http::EasyHandle handle = make_download_handle(url, user_agent, transfer, error_buffer, options);
  CURL* h = handle.get();

  report(options, FetchEvent::downloading, file, url);
  const CURLcode code = curl_easy_perform(h);
  if (transfer.callback_error) std::rethrow_exception(transfer.callback_error);
  if (transfer.cancelled)
    throw Error(fmt::format("download of {} from {} cancelled", file.path, url));
  if (transfer.over_limit) {
    throw Error(
        fmt::format("{}: refusing {}: the server sent more than the expected {} bytes "
                    "(expected sha256 {})",
                    url, file.path, file.bytes, file.sha256));
  }
  if (transfer.write_failed) {
    throw Error(fmt::format("cannot write the download of {} beside {} (disk full?)", url,
                            target.string()));
  }
  if (code != CURLE_OK) {
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    const std::string message =
        error_buffer[0] != '\0' ? error_buffer.data() : curl_easy_strerror(code);
    return status >= 400 ? fmt::format("HTTP {} ({})", status, message) : message;
  }
  const std::string actual = transfer.hash.hex_digest();
  if (transfer.bytes != file.bytes || actual != file.sha256) {
    throw Error(
        fmt::format("{}: refusing {}: expected sha256 {} ({} bytes), got sha256 {} ({} "
                    "bytes)",
                    url, file.path, file.sha256, file.bytes, actual, transfer.bytes));
  }
  temp.commit(target);
  return "";
}

bool present_and_valid(const std::filesystem::path& target, const DatasetFile& file) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(target, error)) return false;
  const std::uintmax_t size = std::filesystem::file_size(target, error);
  if (error || size != file.bytes) return false;
  return sha256_file_hex(target) == file.sha256;
}

FetchedFile fetch_file_from_urls(const DatasetFile& file, const std::filesystem::path& target,
                                 const FetchOptions& options) {
  if (present_and_valid(target, file)) {
    report(options, FetchEvent::already_present, file);
    return FetchedFile{file.path, false, ""};
  }
  std::filesystem::create_directories(target.parent_path());
  std::string failures;
  const std::vector<std::string> urls =
      options.base_url.empty() ? file.urls
                               : std::vector<std::string>{mirror_url(options.base_url, file.path)};
  for (const std::string& url : urls) {
    if (options.stop.stop_requested()) throw Error(fmt::format("fetching {} cancelled", file.path));
    const std::string failure = try_url(url, file, target, options);
    if (failure.empty()) {
      report(options, FetchEvent::downloaded, file, url);
      return FetchedFile{file.path, true, url};
    }
    report(options, FetchEvent::url_failed, file, url, failure);
    failures += fmt::format("\n  {}: {}", url, failure);
  }
  throw Error(fmt::format("could not download {} from any of its URLs:{}", file.path, failures));
}

FetchedFile fetch_file(const DatasetFile& file, const std::filesystem::path& data_dir,
                       const FetchOptions& options) {
  const std::filesystem::path target = data_dir / file.path;
  try {
    return fetch_file_from_urls(file, target, options);
  } catch (const std::filesystem::filesystem_error& error) {
    throw Error(fmt::format("fetching {} into {}: {}", file.path, target.string(), error.what()));
  }
}

}  // namespace

std::string mirror_url(std::string_view base_url, std::string_view relative_path) {
  while (base_url.ends_with('/')) base_url.remove_suffix(1);
  return fmt::format("{}/{}", base_url, relative_path);
}

std::vector<FetchedFile> fetch_dataset(const Dataset& dataset,
                                       const std::filesystem::path& data_dir,
                                       const FetchOptions& options) {
  std::vector<FetchedFile> fetched;
  for (const DatasetFile& file : dataset.files)
    fetched.push_back(fetch_file(file, data_dir, options));
  return fetched;
}

std::vector<FetchedFile> fetch_dataset(const std::string& name,
                                       const std::filesystem::path& data_dir,
                                       const FetchOptions& options) {
  if (options.catalogue.empty()) {
    throw UsageError("fetch_dataset: FetchOptions::catalogue (data/datasets.json) is not set");
  }
  const std::vector<Dataset> catalogue = load_dataset_catalogue(options.catalogue);
  return fetch_dataset(find_dataset(catalogue, name), data_dir, options);
}

}  // namespace rbench
