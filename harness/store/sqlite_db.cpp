// RAII wrappers over the SQLite C API; see sqlite_db.h.
#include "harness/store/sqlite_db.h"

#include <fmt/format.h>
#include <sys/resource.h>

#include <cerrno>
#include <cstring>

#include "harness/core/error.h"

namespace rbench::sqlite {

void fail(sqlite3* db, const std::filesystem::path& path, std::string_view what) {
  const int code = db ? sqlite3_extended_errcode(db) : SQLITE_CANTOPEN;
  const std::string detail = db ? sqlite3_errmsg(db) : "cannot allocate a connection";
  // The errno of the failed system call (ENOSPC, EFBIG, EIO), where SQLite kept one.
  const int system_errno = db ? sqlite3_system_errno(db) : 0;
  const std::string cause =
      system_errno != 0 ? fmt::format(" ({})", std::strerror(system_errno)) : std::string();
  // A write refused for want of room reads the same whichever code SQLite gave it (SQLITE_FULL
  // for ENOSPC; an I/O error for a quota or a file size limit).
  const bool room_errno = system_errno == ENOSPC || system_errno == EDQUOT || system_errno == EFBIG;
  // SQLite does not always keep the errno of a failed WAL write; a write error under a file
  // size limit (ulimit -f) is then taken to be that limit.
  rlimit fsize{};
  const bool size_limited = code == SQLITE_IOERR_WRITE && system_errno == 0 &&
                            ::getrlimit(RLIMIT_FSIZE, &fsize) == 0 &&
                            fsize.rlim_cur != RLIM_INFINITY;
  const bool no_room = (code & 0xff) == SQLITE_FULL ||
                       ((code & 0xff) == SQLITE_IOERR && (room_errno || size_limited));
  if (no_room) {
    const std::string why = size_limited ? fmt::format(" (ulimit -f: {} bytes)", fsize.rlim_cur)
                            : room_errno ? cause
                                         : std::string();
    // What was committed before stays; the transaction that did not fit rolled back.
    throw Error(fmt::format(
        "{} writing {}: {}: {}{} (free some space, then run the same command again: it resumes)",
        system_errno == EFBIG || size_limited ? "file size limit reached" : "disk full",
        path.string(), what, detail, why));
  }
  switch (code & 0xff) {
    case SQLITE_IOERR:
      throw Error(
          fmt::format("I/O error on {}: {}: {}{} (a full disk, a file size limit or a "
                      "failing device; run `rbench store check {}` once it is fixed)",
                      path.string(), what, detail, cause, path.string()));
    case SQLITE_CORRUPT:
      throw Error(
          fmt::format("{} is damaged: {}: {} (run `rbench store check {}` for the "
                      "problems; restore it from a copy or rerun into a new --db)",
                      path.string(), what, detail, path.string()));
    default:
      break;
  }
  std::string message = fmt::format("{}: {}: {}", path.string(), what, detail);
  switch (code & 0xff) {
    case SQLITE_NOTADB:
      message += " (the file exists but is not an SQLite database; is it an rbench store?)";
      break;
    case SQLITE_BUSY:
      message += " (another process holds the write lock; is another rbench writing it?)";
      break;
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
      message += " (check the path and its permissions)";
      break;
    default:
      break;
  }
  throw Error(message);
}

void exec(sqlite3* db, const std::filesystem::path& path, const char* sql) {
  if (sqlite3_exec(db, sql, nullptr, nullptr, nullptr) != SQLITE_OK) {
    fail(db, path, fmt::format("executing '{:.60}'", sql));
  }
}

Statement::Statement(sqlite3* db, const std::filesystem::path& path, std::string_view sql)
    : db_(db), path_(path), sql_head_(sql.substr(0, 60)) {
  sqlite3_stmt* raw = nullptr;
  const int rc = sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &raw, nullptr);
  stmt_.reset(raw);
  if (rc != SQLITE_OK) fail(db_, path_, fmt::format("preparing '{}'", sql_head_));
}

void Statement::bind(int index, std::string_view text) {
  // SQLITE_TRANSIENT: SQLite copies, so a view of a temporary is safe.
  if (sqlite3_bind_text64(stmt_.get(), index, text.data(), text.size(), SQLITE_TRANSIENT,
                          SQLITE_UTF8) != SQLITE_OK) {
    fail(db_, path_, fmt::format("binding parameter {} of '{}'", index, sql_head_));
  }
}

void Statement::bind(int index, std::int64_t value) {
  if (sqlite3_bind_int64(stmt_.get(), index, value) != SQLITE_OK) {
    fail(db_, path_, fmt::format("binding parameter {} of '{}'", index, sql_head_));
  }
}

void Statement::bind(int index, double value) {
  if (sqlite3_bind_double(stmt_.get(), index, value) != SQLITE_OK) {
    fail(db_, path_, fmt::format("binding parameter {} of '{}'", index, sql_head_));
  }
}

void Statement::bind_null(int index) {
  if (sqlite3_bind_null(stmt_.get(), index) != SQLITE_OK) {
    fail(db_, path_, fmt::format("binding parameter {} of '{}'", index, sql_head_));
  }
}

void Statement::bind_text_or_null(int index, std::string_view text) {
  if (text.empty()) return bind_null(index);
  bind(index, text);
}

void Statement::bind_count_or_null(int index, std::int64_t value) {
  if (value < 0) return bind_null(index);
  bind(index, value);
}

void Statement::bind_real_or_null(int index, double value) {
  if (value < 0) return bind_null(index);
  bind(index, value);
}

bool Statement::step() {
  const int rc = sqlite3_step(stmt_.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  fail(db_, path_, fmt::format("running '{}'", sql_head_));
}

void Statement::run() {
  while (step()) {
  }
}

void Statement::reset() {
  sqlite3_reset(stmt_.get());
  sqlite3_clear_bindings(stmt_.get());
}

bool Statement::is_null(int column) const {
  return sqlite3_column_type(stmt_.get(), column) == SQLITE_NULL;
}

std::string Statement::text(int column) const {
  const auto* p = sqlite3_column_text(stmt_.get(), column);
  if (!p) return {};
  return {reinterpret_cast<const char*>(p),
          static_cast<std::size_t>(sqlite3_column_bytes(stmt_.get(), column))};
}

std::int64_t Statement::int64(int column, std::int64_t if_null) const {
  return is_null(column) ? if_null : sqlite3_column_int64(stmt_.get(), column);
}

double Statement::real(int column, double if_null) const {
  return is_null(column) ? if_null : sqlite3_column_double(stmt_.get(), column);
}

Transaction::Transaction(sqlite3* db, const std::filesystem::path& path) : db_(db), path_(path) {
  exec(db_, path_, "BEGIN IMMEDIATE");
}

Transaction::~Transaction() {
  // Best effort: a failed rollback leaves SQLite to roll back when the connection closes.
  if (!done_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
}

void Transaction::commit() {
  exec(db_, path_, "COMMIT");
  done_ = true;
}

}  // namespace rbench::sqlite
