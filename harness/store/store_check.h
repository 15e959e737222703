// Integrity checks of a store file. PRAGMA quick_check reads every page, so its cost grows with
// the store: it runs in `rbench store check`, in `rbench merge` and when a store is opened after
// an unclean shutdown, never on every open (resuming a 1M-sample store must stay fast). What
// every open does is cheap: compare the file's length with its header.
#pragma once

#include <sqlite3.h>

#include <filesystem>
#include <string>
#include <vector>

namespace rbench {

// The problems PRAGMA quick_check reports on an open connection, at most `limit` (none: sound).
std::vector<std::string> quick_check(sqlite3* db, const std::filesystem::path& path,
                                     int limit = 20);

// True when the last process to write the file did not close it: a non-empty "-wal" (SQLite
// removes it when the last connection closes) or "-journal" beside it, while no process holds a
// lock on the "-shm" (or the database) file, so no live connection is using it. Reads
// /proc/locks; where it cannot, answers true (a needless check costs time, never results).
bool left_unclean(const std::filesystem::path& path);

// Throws DataError naming the file when it is shorter than its header says it is (a copy cut
// short, a full disk during a copy). Reads the 100-byte header only. Meaningful only when no
// "-wal" is pending (a checkpoint cut short is finished from the WAL on open).
void check_file_length(const std::filesystem::path& path);

// The file's length against its header, then quick_check on a connection of its own; the
// problems found, each a line (none: sound). Recovers a WAL left behind, like any open.
std::vector<std::string> check_store_integrity(const std::filesystem::path& path);

// check_store_integrity, throwing DataError naming the file and its first problems.
void require_intact_store(const std::filesystem::path& path);

}  // namespace rbench
