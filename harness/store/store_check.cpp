// Integrity checks of a store file; see store_check.h.
#include "harness/store/store_check.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <fstream>
#include <memory>
#include <sstream>

#include "harness/core/error.h"
#include "harness/store/sqlite_db.h"

namespace rbench {
namespace fs = std::filesystem;
namespace {

constexpr int kBusyMs = 10'000;
constexpr std::size_t kHeaderBytes = 100;  // the SQLite file header (fileformat2.html)
constexpr std::string_view kMagic{"SQLite format 3\0", 16};

std::uint32_t big_endian(const unsigned char* p, int bytes) {
  std::uint32_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | p[i];
  return v;
}

std::uintmax_t size_or_zero(const fs::path& path) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  return ec ? 0 : size;
}

// Whether any process (this one included) holds a POSIX or OFD lock on the file. A live SQLite
// connection in WAL mode always holds a shared lock on its -shm file. /proc/locks names files by
// "MAJOR:MINOR:INODE"; only the inode is compared (overlay file systems report another device),
// so a rare match on another file system only skips a check that was not needed.
bool locked_by_anyone(const fs::path& file, bool& known) {
  known = false;
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) {
    known = true;  // no such file: nobody holds it
    return false;
  }
  std::ifstream locks("/proc/locks");
  if (!locks) return false;
  known = true;
  const std::string inode = fmt::format(":{}", static_cast<unsigned long long>(st.st_ino));
  std::string line;
  while (std::getline(locks, line)) {
    std::istringstream words(line);
    std::string word;
    while (words >> word) {
      // The "MAJOR:MINOR:INODE" word: two colons, ending in the inode.
      if (std::count(word.begin(), word.end(), ':') == 2 && word.ends_with(inode) &&
          word.size() > inode.size()) {
        return true;
      }
    }
  }
  return false;
}

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};

// Read-write so that a WAL left behind can be recovered; read-only where writing is refused.
std::unique_ptr<sqlite3, DbCloser> open_existing(const fs::path& path) {
  for (const int flags : {SQLITE_OPEN_READWRITE, SQLITE_OPEN_READONLY}) {
    sqlite3* raw = nullptr;
    const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
    std::unique_ptr<sqlite3, DbCloser> db(raw);
    if (rc == SQLITE_OK) {
      sqlite3_extended_result_codes(db.get(), 1);
      sqlite3_busy_timeout(db.get(), kBusyMs);
      return db;
    }
    if (flags == SQLITE_OPEN_READONLY) sqlite::fail(db.get(), path, "opening to check it");
  }
  return nullptr;
}

}  // namespace

std::vector<std::string> quick_check(sqlite3* db, const fs::path& path, int limit) {
  sqlite::Statement st(db, path, fmt::format("PRAGMA quick_check({})", limit));
  std::vector<std::string> problems;
  while (st.step()) {
    std::string line = st.text(0);
    if (line != "ok") problems.push_back(std::move(line));
  }
  return problems;
}

bool left_unclean(const fs::path& path) {
  const fs::path wal = fs::path(path) += "-wal";
  const fs::path journal = fs::path(path) += "-journal";
  bool known = false;
  if (size_or_zero(wal) > 0) {
    const bool live = locked_by_anyone(fs::path(path) += "-shm", known);
    return !known || !live;
  }
  if (size_or_zero(journal) > 0) {
    const bool live = locked_by_anyone(path, known);
    return !known || !live;
  }
  return false;
}

void check_file_length(const fs::path& path) {
  const std::uintmax_t size = size_or_zero(path);
  if (size == 0) return;  // absent or new: SQLite creates it
  std::array<unsigned char, kHeaderBytes> h{};
  std::ifstream in(path, std::ios::binary);
  in.read(reinterpret_cast<char*>(h.data()), h.size());
  if (std::string_view(reinterpret_cast<const char*>(h.data()), kMagic.size()) != kMagic) {
    return;  // not SQLite: opening it names the file as not a database
  }
  if (size < kHeaderBytes) {
    throw DataError(
        fmt::format("{}: truncated: {} bytes, shorter than an SQLite header (a copy cut short?)",
                    path.string(), size));
  }
  const std::uint32_t raw_page = big_endian(&h[16], 2);
  const std::uint64_t page_size = raw_page == 1 ? 65536 : raw_page;
  const std::uint32_t change_counter = big_endian(&h[24], 4);
  const std::uint32_t pages = big_endian(&h[28], 4);
  const std::uint32_t valid_for = big_endian(&h[92], 4);
  // The page count is only valid when written by the same change as the counter (SQLite's rule).
  if (pages == 0 || change_counter != valid_for) return;
  const std::uint64_t expected = page_size * pages;
  if (size < expected) {
    throw DataError(fmt::format(
        "{}: truncated: the file is {} bytes, its header says {} pages of {} bytes ({} bytes); "
        "it was cut short (a copy or a disk that filled?): restore it from a copy, or run into a "
        "new --db",
        path.string(), size, pages, page_size, expected));
  }
}

std::vector<std::string> check_store_integrity(const fs::path& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return {"no such file"};
  if (size_or_zero(path) == 0) return {"an empty file, not an rbench store"};
  std::vector<std::string> problems;
  // The length first: a WAL left behind may legitimately hold the pages the file lacks.
  if (!left_unclean(path)) {
    try {
      check_file_length(path);
    } catch (const DataError& e) {
      problems.emplace_back(e.what());
    }
  }
  try {
    auto db = open_existing(path);
    for (std::string& p : quick_check(db.get(), path)) problems.push_back(std::move(p));
  } catch (const Error& e) {
    problems.emplace_back(e.what());
  }
  return problems;
}

void require_intact_store(const fs::path& path) {
  const std::vector<std::string> problems = check_store_integrity(path);
  if (problems.empty()) return;
  std::string list;
  for (std::size_t i = 0; i < problems.size() && i < 5; ++i) list += "\n  " + problems[i];
  throw DataError(fmt::format(
      "{}: refused: the store is damaged ({} problem(s) found by its integrity check):{}",
      path.string(), problems.size(), list));
}

}  // namespace rbench
