// Thin RAII layer over the SQLite C API for the store: statements finalised by unique_ptr,
// transactions rolled back unless committed, and every error carrying the file path and
// sqlite3_errmsg.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace rbench::sqlite {

// Throws rbench::Error: "<path>: <what>: <sqlite3_errmsg> (<hint>)"; a full disk reads
// "disk full writing <path>: ...", an I/O error "I/O error on <path>: ..." and a damaged file
// "<path> is damaged: ...", each with the system's errno text where SQLite kept one.
[[noreturn]] void fail(sqlite3* db, const std::filesystem::path& path, std::string_view what);

// Runs SQL that returns no rows (DDL, pragmas that set, BEGIN/COMMIT).
void exec(sqlite3* db, const std::filesystem::path& path, const char* sql);

struct StatementDeleter {
  void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
};
using StatementHandle = std::unique_ptr<sqlite3_stmt, StatementDeleter>;

// One prepared statement. Binds are 1-based, columns 0-based, as in the C API.
class Statement {
 public:
  Statement(sqlite3* db, const std::filesystem::path& path, std::string_view sql);

  void bind(int index, std::string_view text);
  void bind(int index, std::int64_t value);
  void bind(int index, double value);
  void bind_null(int index);
  // NULL for the "unknown" conventions of the structs: "" text, negative numbers.
  void bind_text_or_null(int index, std::string_view text);
  void bind_count_or_null(int index, std::int64_t value);  // NULL when < 0
  void bind_real_or_null(int index, double value);         // NULL when < 0

  // Advances; true while a row is available.
  bool step();
  // Steps a statement that must not return rows to completion.
  void run();
  // Back to the start with the bindings cleared, to run the statement again (batch inserts).
  void reset();

  bool is_null(int column) const;
  std::string text(int column) const;  // "" for NULL
  std::int64_t int64(int column, std::int64_t if_null = 0) const;
  double real(int column, double if_null = 0) const;

 private:
  sqlite3* db_;
  const std::filesystem::path& path_;
  StatementHandle stmt_;
  std::string sql_head_;  // start of the SQL, for error messages
};

// BEGIN IMMEDIATE on construction (takes the write lock up front, so two writers never
// deadlock upgrading a read lock); rolls back in the destructor unless commit() was called.
class Transaction {
 public:
  Transaction(sqlite3* db, const std::filesystem::path& path);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  sqlite3* db_;
  const std::filesystem::path& path_;
  bool done_ = false;
};

}  // namespace rbench::sqlite
