#pragma once

#include "common/Status.h"

#include <memory>
#include <string>

namespace baraza::store {

/** What store.url names: the backend and how to reach it (never logged with a password). */
struct StoreUrl {
  enum class Backend { kSqlite, kMysql } backend = Backend::kSqlite;
  std::string sqlitePath;        // kSqlite
  std::string host, user, db;    // kMysql
  unsigned port = 3306;          // kMysql
};

/** Parses sqlite:///ABSOLUTE/PATH or mysql://USER@HOST[:PORT]/DB. */
StatusOr<StoreUrl> parseStoreUrl(const std::string& url);

/**
 * The host's database connection pool. This is the foundation piece: open and ping, used by
 * /readyz. Schema, migrations and repositories live beside it (see docs/operators.md).
 */
class Database {
 public:
  virtual ~Database() = default;
  /** OK when a trivial query succeeds right now. */
  virtual Status ping() = 0;
  /** "sqlite:/var/lib/baraza/baraza.db" or "mysql:user@host:port/db": no secrets. */
  virtual std::string describe() const = 0;
};
using DatabasePtr = std::unique_ptr<Database>;

/**
 * Opens the database store.url names. SQLite: the file is created if missing (its directory must
 * exist), WAL journal, synchronous=FULL, a busy timeout. password may be empty.
 */
StatusOr<DatabasePtr> openDatabase(const std::string& url, const std::string& password);

}  // namespace baraza::store
