// `rbench data fetch` against a cpp-httplib server on 127.0.0.1: verified downloads, refused
// tampered bytes, mirror fallback on 404, and no request for files already present.
#include "harness/fetch/data_fetch.h"

#include <fmt/core.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <map>
#include <thread>

#include "common/temp_dir.h"
#include "harness/core/error.h"
#include "harness/core/jsonl_reader.h"
#include "harness/core/sha256.h"
#include "suites/registry.h"

namespace rbench {
namespace {

using ::testing::HasSubstr;
using testing::TempDir;

const std::string kGood = "{\"question\":\"q\",\"answer\":\"#### 1\"}\n";

// Serves fixed bodies by path; anything else is a 404. Counts every request it receives.
class FileServer {
 public:
  // `mount`, when set, is served under /static/ as a plain directory.
  explicit FileServer(std::map<std::string, std::string> files,
                      const std::filesystem::path& mount = {})
      : files_(std::move(files)) {
    if (!mount.empty() && !server_.set_mount_point("/static", mount.string())) {
      throw std::runtime_error("cannot serve " + mount.string());
    }
    server_.set_pre_routing_handler([this](const httplib::Request&, httplib::Response&) {
      ++requests_;
      return httplib::Server::HandlerResponse::Unhandled;
    });
    server_.Get("/redirect", [](const httplib::Request&, httplib::Response& response) {
      response.set_redirect("/repo/good/file.jsonl");
    });
    server_.Get(".*", [this](const httplib::Request& request, httplib::Response& response) {
      const auto it = files_.find(request.path);
      if (it == files_.end()) {
        response.status = 404;
        response.set_content("not found", "text/plain");
        return;
      }
      response.set_content(it->second, "application/octet-stream");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    if (port_ <= 0) throw std::runtime_error("cannot bind a port on 127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~FileServer() {
    server_.stop();
    thread_.join();
  }

  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int requests() const { return requests_.load(); }

 private:
  std::map<std::string, std::string> files_;
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::atomic<int> requests_{0};
};

Dataset one_file_dataset(std::vector<std::string> urls, const std::string& expected = kGood) {
  return Dataset{
      "demo",
      "",
      "",
      "",
      {DatasetFile{"demo/test.jsonl", sha256_hex(expected), expected.size(), std::move(urls)}}};
}

class DataFetch : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* name : {"http_proxy", "https_proxy", "all_proxy", "ALL_PROXY"}) unsetenv(name);
    options_.connect_timeout_s = 5;
    options_.low_speed_time_s = 5;
    options_.on_progress = [this](const FetchProgress& p) { events_.push_back(p); };
  }

  // Every entry under the data dir, to check nothing (no temp file) was left behind.
  std::vector<std::string> entries() const {
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir_.path())) {
      if (entry.is_regular_file()) names.push_back(entry.path().filename().string());
    }
    return names;
  }

  TempDir dir_;
  FetchOptions options_;
  std::vector<FetchProgress> events_;
};

TEST_F(DataFetch, GoodFileIsFetchedAndVerified) {
  FileServer server({{"/repo/good/file.jsonl", kGood}});
  const std::string url = server.base_url() + "/repo/good/file.jsonl";
  const auto fetched = fetch_dataset(one_file_dataset({url}), dir_.path(), options_);
  ASSERT_EQ(fetched.size(), 1u);
  EXPECT_TRUE(fetched[0].downloaded);
  EXPECT_EQ(fetched[0].url, url);
  EXPECT_EQ(read_file_bytes(dir_.path() / "demo" / "test.jsonl"), kGood);
  EXPECT_EQ(entries(), std::vector<std::string>{"test.jsonl"});
  ASSERT_FALSE(events_.empty());
  EXPECT_EQ(events_.front().event, FetchEvent::downloading);
  EXPECT_EQ(events_.back().event, FetchEvent::downloaded);
}

TEST_F(DataFetch, WrongBytesAreRefusedAndNothingIsLeft) {
  std::string tampered = kGood;
  tampered[tampered.size() - 2] = '2';  // same size, different content
  FileServer server({{"/repo/good/file.jsonl", tampered}});
  const std::string url = server.base_url() + "/repo/good/file.jsonl";
  try {
    fetch_dataset(one_file_dataset({url}), dir_.path(), options_);
    FAIL() << "expected Error";
  } catch (const Error& error) {
    EXPECT_THAT(error.what(), HasSubstr(url));
    EXPECT_THAT(error.what(), HasSubstr("expected sha256 " + sha256_hex(kGood)));
    EXPECT_THAT(error.what(), HasSubstr("got sha256 " + sha256_hex(tampered)));
  }
  EXPECT_TRUE(entries().empty());
}

TEST_F(DataFetch, OversizedBodyIsRefusedMidStream) {
  FileServer server({{"/big", kGood + std::string(100000, 'x')}});
  EXPECT_THROW(fetch_dataset(one_file_dataset({server.base_url() + "/big"}), dir_.path(), options_),
               Error);
  EXPECT_TRUE(entries().empty());
}

TEST_F(DataFetch, NotFoundOnThePrimaryFallsBackToTheMirror) {
  FileServer server({{"/mirror/file.jsonl", kGood}});
  const std::string mirror = server.base_url() + "/mirror/file.jsonl";
  const auto fetched = fetch_dataset(
      one_file_dataset({server.base_url() + "/primary/file.jsonl", mirror}), dir_.path(), options_);
  EXPECT_EQ(fetched[0].url, mirror);
  EXPECT_EQ(read_file_bytes(dir_.path() / "demo" / "test.jsonl"), kGood);
  EXPECT_EQ(server.requests(), 2);
  const auto failed = std::find_if(events_.begin(), events_.end(), [](const FetchProgress& p) {
    return p.event == FetchEvent::url_failed;
  });
  ASSERT_NE(failed, events_.end());
  EXPECT_THAT(failed->detail, HasSubstr("HTTP 404"));
}

TEST_F(DataFetch, EveryUrlFailingListsEachFailure) {
  FileServer server({});
  try {
    fetch_dataset(one_file_dataset({server.base_url() + "/one", server.base_url() + "/two"}),
                  dir_.path(), options_);
    FAIL() << "expected Error";
  } catch (const Error& error) {
    EXPECT_THAT(error.what(), HasSubstr("could not download demo/test.jsonl"));
    EXPECT_THAT(error.what(), HasSubstr(server.base_url() + "/one: HTTP 404"));
    EXPECT_THAT(error.what(), HasSubstr(server.base_url() + "/two: HTTP 404"));
  }
  EXPECT_TRUE(entries().empty());
}

TEST_F(DataFetch, RedirectsAreFollowed) {
  FileServer server({{"/repo/good/file.jsonl", kGood}});
  fetch_dataset(one_file_dataset({server.base_url() + "/redirect"}), dir_.path(), options_);
  EXPECT_EQ(read_file_bytes(dir_.path() / "demo" / "test.jsonl"), kGood);
}

TEST_F(DataFetch, BaseUrlFetchesFromADataDirLayoutMirror) {
  FileServer server({{"/copy/demo/test.jsonl", kGood}});
  options_.base_url = server.base_url() + "/copy/";
  // The catalogue's own URLs are not tried at all.
  const auto fetched =
      fetch_dataset(one_file_dataset({"https://unreachable.invalid/x"}), dir_.path(), options_);
  EXPECT_EQ(fetched[0].url, server.base_url() + "/copy/demo/test.jsonl");
  EXPECT_EQ(server.requests(), 1);
  EXPECT_EQ(read_file_bytes(dir_.path() / "demo" / "test.jsonl"), kGood);
}

TEST_F(DataFetch, PresentFileWithTheRightHashIsNotRequested) {
  FileServer server({{"/repo/good/file.jsonl", kGood}});
  dir_.write("demo/test.jsonl", kGood);
  const auto fetched = fetch_dataset(
      one_file_dataset({server.base_url() + "/repo/good/file.jsonl"}), dir_.path(), options_);
  EXPECT_FALSE(fetched[0].downloaded);
  EXPECT_EQ(server.requests(), 0);
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_EQ(events_[0].event, FetchEvent::already_present);
}

TEST_F(DataFetch, PresentFileWithAnotherHashIsReplaced) {
  FileServer server({{"/repo/good/file.jsonl", kGood}});
  dir_.write("demo/test.jsonl", "stale");
  const auto fetched = fetch_dataset(
      one_file_dataset({server.base_url() + "/repo/good/file.jsonl"}), dir_.path(), options_);
  EXPECT_TRUE(fetched[0].downloaded);
  EXPECT_EQ(read_file_bytes(dir_.path() / "demo" / "test.jsonl"), kGood);
  EXPECT_EQ(entries(), std::vector<std::string>{"test.jsonl"});
}

TEST_F(DataFetch, ByNameFromACatalogueFile) {
  FileServer server({{"/x/test.jsonl", kGood}});
  const auto catalogue = dir_.write(
      "catalogue/datasets.json",
      fmt::format("{{\"datasets\":[{{\"name\":\"tiny\",\"files\":[{{\"path\":\"tiny/test.jsonl\","
                  "\"sha256\":\"{}\",\"bytes\":{},\"urls\":[\"{}/x/test.jsonl\"]}}]}}]}}",
                  sha256_hex(kGood), kGood.size(), server.base_url()));
  options_.catalogue = catalogue;
  const std::filesystem::path data_dir = dir_.path() / "data";
  fetch_dataset("tiny", data_dir, options_);
  EXPECT_EQ(read_file_bytes(data_dir / "tiny" / "test.jsonl"), kGood);
  EXPECT_THROW(fetch_dataset("huge", data_dir, options_), UsageError);
  options_.catalogue.clear();
  EXPECT_THROW(fetch_dataset("tiny", data_dir, options_), UsageError);
}

TEST_F(DataFetch, StopRequestedCancelsAndLeavesNothing) {
  FileServer server({{"/repo/good/file.jsonl", kGood}});
  std::stop_source stop;
  stop.request_stop();
  options_.stop = stop.get_token();
  EXPECT_THROW(fetch_dataset(one_file_dataset({server.base_url() + "/repo/good/file.jsonl"}),
                             dir_.path(), options_),
               Error);
  EXPECT_TRUE(entries().empty());
}

TEST_F(DataFetch, ProgressCallbackErrorsPropagate) {
  FileServer server({{"/repo/good/file.jsonl", kGood}});
  options_.on_progress = [](const FetchProgress& p) {
    if (p.event == FetchEvent::progress) throw UsageError("callback failed");
  };
  EXPECT_THROW(fetch_dataset(one_file_dataset({server.base_url() + "/repo/good/file.jsonl"}),
                             dir_.path(), options_),
               UsageError);
  EXPECT_TRUE(entries().empty());
}

// The bundled catalogue against the real files: a local mirror of the shared data dir serves
// them, and every sha256 and size in data/datasets.json must check out.
TEST_F(DataFetch, BundledCatalogueFromALocalMirrorOfTheSharedData) {
  const std::filesystem::path shared = testing::shared_data_dir();
  if (shared.empty()) GTEST_SKIP() << "no shared data at " << RBENCH_SHARED_DATA_DIR;
  FileServer server({}, shared);
  options_.base_url = server.base_url() + "/static";
  options_.catalogue = testing::bundled_data_dir() / "datasets.json";
  const std::filesystem::path data_dir = dir_.path() / "data";
  for (const char* name : {"gsm8k", "math500", "aime2024", "humaneval", "mbpp"}) {
    const auto fetched = fetch_dataset(name, data_dir, options_);
    for (const FetchedFile& file : fetched) EXPECT_TRUE(file.downloaded) << file.path;
  }
  EXPECT_EQ(load_suite("gsm8k", data_dir, testing::bundled_data_dir()).items.size(), 1319u);
  EXPECT_EQ(load_suite("math500", data_dir, testing::bundled_data_dir()).items.size(), 500u);
  const int requests = server.requests();
  fetch_dataset("gsm8k", data_dir, options_);  // already there: no request
  EXPECT_EQ(server.requests(), requests);
}

TEST(MirrorUrl, JoinsBaseAndRelativePath) {
  EXPECT_EQ(mirror_url("http://127.0.0.1:8080", "gsm8k/test.jsonl"),
            "http://127.0.0.1:8080/gsm8k/test.jsonl");
  EXPECT_EQ(mirror_url("http://mirror/prefix//", "a/b.json"), "http://mirror/prefix/a/b.json");
}

}  // namespace
}  // namespace rbench
