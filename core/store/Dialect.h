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
  std::string name;        // "sqlite" | "mysql": also the migrations folder
  std::string begin;       // starts a write transaction
  std::string skipLocked;  // suffix for a claiming SELECT (row locks; empty on SQLite)
  std::string greatest;    // scalar maximum of two values
  /**
   * Suffix making a SELECT read the latest committed rows rather than the transaction's snapshot.
   * Needed after an INSERT that skipped a row another transaction just committed: under
   * MySQL's REPEATABLE READ a plain SELECT may not see it yet.
   */
  std::string currentRead;
  /**
   * Starts a read-only transaction: one snapshot for its reads, no write lock. SQLite's deferred
   * BEGIN reads the WAL as of its first SELECT while writers go on; MySQL's READ ONLY skips the
   * bookkeeping a writing transaction needs.
   */
  std::string beginRead;

  /**
   * Suffix for an INSERT ... VALUES that skips a row whose unique key is taken, and nothing else;
   * `column` is any column of the table (MySQL "updates" it to itself, which changes no row). Not
   * INSERT IGNORE / INSERT OR IGNORE: those also silence other errors, so MySQL would store a
   * value too long for its column cut short, and SQLite would drop a row with a NULL in a NOT
   * NULL column, without a word.
   */
  std::string skipDuplicate(const std::string& column) const {
    return backend == Backend::kSqlite ? " ON CONFLICT DO NOTHING"
                                       : " ON DUPLICATE KEY UPDATE " + column + " = " + column;
  }

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
    static const Dialect d{Backend::kSqlite, "sqlite", "BEGIN IMMEDIATE", "", "MAX", "", "BEGIN"};
    return d;
  }
  static const Dialect& mysql() {
    static const Dialect d{Backend::kMysql,
                           "mysql",
                           "START TRANSACTION",
                           " FOR UPDATE SKIP LOCKED",
                           "GREATEST",
                           " LOCK IN SHARE MODE",
                           "START TRANSACTION READ ONLY"};
    return d;
  }
};

}  // namespace baraza::store
