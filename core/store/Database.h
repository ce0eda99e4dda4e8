#pragma once

#include <Poco/Data/Session.h>

#include <exception>
#include <functional>
#include <memory>
#include <string>

#include "common/Status.h"
#include "store/Dialect.h"

namespace Poco::Data {
class SessionPool;
}

namespace baraza::store {

/** What store.url names: the backend and how to reach it (never a password). */
struct StoreUrl {
  Backend backend = Backend::kSqlite;
  std::string sqlitePath;      // kSqlite
  std::string host, user, db;  // kMysql
  unsigned port = 3306;        // kMysql
};

/** Parses sqlite:///ABSOLUTE/PATH or mysql://USER@HOST[:PORT]/DB. */
StatusOr<StoreUrl> parseStoreUrl(const std::string& url);

class Database;
using DatabasePtr = std::shared_ptr<Database>;

/**
 * The host's database: a Poco::Data session pool on SQLite or MySQL/MariaDB, and the dialect
 * that hides their differences. core/store is the only place that runs SQL.
 */
class Database {
 public:
  /**
   * Opens the database store.url names and checks it answers. SQLite: the file is created if
   * missing (its directory must exist); WAL journal, synchronous=FULL, 5 s busy timeout on every
   * connection. MySQL/MariaDB: every read and write on a connection gives up after
   * `ioTimeoutSeconds` (a server that stops answering fails the query instead of holding the
   * thread for ever). `password` may be empty.
   */
  static StatusOr<DatabasePtr> open(const std::string& url, const std::string& password,
                                    int ioTimeoutSeconds = kDefaultIoTimeoutSeconds);
  static constexpr int kDefaultIoTimeoutSeconds = 30;
  ~Database();

  const Dialect& dialect() const { return *dialect_; }
  Backend backend() const { return dialect_->backend; }
  /** "sqlite:/var/lib/baraza/baraza.db" or "mysql:user@host:port/db": no secrets. */
  const std::string& describe() const { return description_; }

  /** A pooled connection, configured for this backend. Throws Poco::Data exceptions. */
  Poco::Data::Session session();
  /** OK when a trivial query succeeds right now. */
  Status ping();

  /**
   * Runs work in one write transaction on a pooled connection and commits; rolls back and
   * returns the error if work throws. SQLite busy and MySQL deadlock/lock-wait errors are
   * retried a few times, so work must be safe to run again.
   */
  Status transaction(const std::function<void(Poco::Data::Session&)>& work);
  /** The same on a connection the caller holds (e.g. the group-commit writer's). */
  Status transaction(Poco::Data::Session& session,
                     const std::function<void(Poco::Data::Session&)>& work);

  /**
   * Runs read-only `work` in one snapshot on a pooled connection (Dialect::beginRead): it sees
   * one committed state, and neither waits for writers nor makes them wait (on SQLite a write
   * transaction holds the database's only write lock for its whole length). Errors as in
   * transaction(); `work` must not write.
   */
  Status read(const std::function<void(Poco::Data::Session&)>& work);

  /**
   * Runs `work` inside the caller's transaction as a unit of its own (a SAVEPOINT), so one item
   * of a batch can fail alone: when `work` throws, what it wrote is undone and its error is
   * returned (as transaction() would report it), and the transaction goes on. Contention errors
   * (busy, deadlock) are rethrown: they end the whole transaction, which transaction() retries.
   */
  Status savepoint(Poco::Data::Session& session,
                   const std::function<void(Poco::Data::Session&)>& work);

  /**
   * Runs `work` outside any explicit transaction (autocommit): for work whose only write is one
   * statement, which MySQL/MariaDB then commits by itself, two round trips fewer than
   * transaction(). Errors become a Status as in transaction(). Not for SQLite: there a statement
   * that returns rows commits only when Poco finalizes it, where a failure would go unseen.
   */
  Status autocommit(Poco::Data::Session& session,
                    const std::function<void(Poco::Data::Session&)>& work);

  /**
   * A multi-row INSERT takes consecutive ids for its rows, in VALUES order, even with other
   * connections inserting at the same time. SQLite: always (one writer at a time). InnoDB: unless
   * innodb_autoinc_lock_mode is 2 ("interleaved", MySQL 8's default), read once at open.
   */
  bool multiRowInsertIdsConsecutive() const { return consecutiveIds_; }

 private:
  /** The Status reporting work that threw `error` (a std::exception): as transaction() reports it.
   */
  Status failure(const std::exception_ptr& error) const;
  /** transaction() and read(): `begin` starts it; a write transaction announces its end. */
  Status run(Poco::Data::Session& session, const std::string& begin, bool writes,
             const std::function<void(Poco::Data::Session&)>& work);
  /** run() on a pooled connection; UNAVAILABLE when none can be had. */
  Status runPooled(const std::string& begin, bool writes,
                   const std::function<void(Poco::Data::Session&)>& work);
  /** A write transaction ended: SQLite connections of this process waiting for the lock retry now.
   */
  void endTurn() const;
  Database(const Dialect& dialect, std::unique_ptr<Poco::Data::SessionPool> pool,
           std::string description);
  const Dialect* dialect_;
  std::unique_ptr<Poco::Data::SessionPool> pool_;
  std::string description_;
  bool consecutiveIds_ = true;
};

/** Milliseconds since the Unix epoch: how every timestamp is stored. */
int64_t nowMs();

/**
 * The id the last INSERT on this connection generated, read from the connection itself
 * (sqlite3_last_insert_rowid, mysql_insert_id): no statement to prepare and, on MySQL/MariaDB,
 * no round trip. Of a multi-row INSERT, MySQL/MariaDB report the first id, SQLite the last.
 */
int64_t lastInsertId(Poco::Data::Session& session, Backend backend);

}  // namespace baraza::store
