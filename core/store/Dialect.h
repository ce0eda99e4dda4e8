#pragma once

#include <string>

namespace baraza::store {

enum class Backend { kSqlite, kMysql };

/**
 * Every SQL difference between SQLite and MySQL/MariaDB that repositories need, in one place.
 * Schema differences live in the per-dialect migration files.
 */
struct Dialect {
  Backend backend;
  std::string name;          // "sqlite" | "mysql": also the migrations folder
  std::string begin;         // starts a write transaction
  std::string insertIgnore;  // "INSERT ... " that skips rows violating a unique key
  std::string lastInsertId;  // query for the id the last INSERT generated on this connection
  std::string skipLocked;    // suffix for a claiming SELECT (row locks; empty on SQLite)
  std::string greatest;      // scalar maximum of two values
  /**
   * Suffix making a SELECT read the latest committed rows rather than the transaction's snapshot.
   * Needed after an INSERT IGNORE that skipped a row another transaction just committed: under
   * MySQL's REPEATABLE READ a plain SELECT may not see it yet.
   */
  std::string currentRead;

  /** Start of an upsert's update part for a conflict on `keys` ("a, b"). */
  std::string onConflict(const std::string& keys) const {
    return backend == Backend::kSqlite ? "ON CONFLICT (" + keys + ") DO UPDATE SET "
                                       : "ON DUPLICATE KEY UPDATE ";
  }
  /** The value an upsert tried to insert into `column`, for use after onConflict(). */
  std::string excluded(const std::string& column) const {
    return backend == Backend::kSqlite ? "excluded." + column : "VALUES(" + column + ")";
  }

  static const Dialect& sqlite() {
    // BEGIN IMMEDIATE takes the write lock up front: one writer at a time across processes and
    // no deadlock from upgrading a read lock.
    static const Dialect d{Backend::kSqlite, "sqlite", "BEGIN IMMEDIATE", "INSERT OR IGNORE",
                           "SELECT last_insert_rowid()", "", "MAX", ""};
    return d;
  }
  static const Dialect& mysql() {
    static const Dialect d{Backend::kMysql, "mysql", "START TRANSACTION", "INSERT IGNORE",
                           "SELECT LAST_INSERT_ID()", " FOR UPDATE SKIP LOCKED", "GREATEST",
                           " LOCK IN SHARE MODE"};
    return d;
  }
};

}  // namespace baraza::store
