// The store's schema and its migrations: migration i takes a file from user_version i to i+1.
// A new schema version is one more function appended to the list, never an edit of an old one.
#pragma once

#include <sqlite3.h>

#include <filesystem>

namespace rbench {

// Brings the file to `target` (Store::kSchemaVersion), each step in its own transaction with
// the user_version bump. Throws rbench::Error naming the file when the file is newer than this
// build or not an SQLite database.
void migrate_store(sqlite3* db, const std::filesystem::path& path, int target);

// PRAGMA user_version of the open file.
int store_schema_version(sqlite3* db, const std::filesystem::path& path);

}  // namespace rbench
