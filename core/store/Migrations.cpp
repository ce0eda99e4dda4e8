#include "store/Migrations.h"

#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Session.h>
#include <Poco/Logger.h>

#include <algorithm>
#include <map>

#include "crypto/Crypto.h"

namespace baraza::store {

// Generated from migrations/*/*.sql by CMake (EmbeddedMigrations.cpp).
struct EmbeddedMigration {
  const char* dialect;
  const char* name;
  const char* sql;
};
extern const EmbeddedMigration kEmbeddedMigrations[];
extern const size_t kEmbeddedMigrationCount;

namespace {

using Poco::Data::Keywords::bind;
using Poco::Data::Keywords::into;
using Poco::Data::Keywords::now;

/** Statements of a migration file: split at `;` ending a line; `--` comment lines dropped. */
std::vector<std::string> statements(const std::string& sql) {
  std::vector<std::string> out;
  std::string current;
  size_t pos = 0;
  while (pos < sql.size()) {
    size_t end = sql.find('\n', pos);
    if (end == std::string::npos) end = sql.size();
    std::string line = sql.substr(pos, end - pos);
    pos = end + 1;
    const size_t first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos || line.compare(first, 2, "--") == 0) continue;
    current += line + "\n";
    const size_t last = line.find_last_not_of(" \t\r");
    if (line[last] == ';') {
      current.erase(current.find_last_of(';'));
      out.push_back(current);
      current.clear();
    }
  }
  if (current.find_first_not_of(" \t\r\n") != std::string::npos) out.push_back(current);
  return out;
}

void ensureTable(Database& db, Poco::Data::Session& s) {
  s << (db.backend() == Backend::kSqlite
            ? "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
              "name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at INTEGER NOT NULL)"
            : "CREATE TABLE IF NOT EXISTS schema_migrations (version INT NOT NULL PRIMARY KEY, "
              "name VARCHAR(128) NOT NULL, checksum CHAR(64) NOT NULL, applied_at BIGINT NOT NULL) "
              "ENGINE=InnoDB"),
      now;
}

std::vector<AppliedMigration> readApplied(Poco::Data::Session& s) {
  std::vector<AppliedMigration> applied;
  Poco::Data::Statement select(s);
  select << "SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version";
  select.execute();
  Poco::Data::RecordSet rows(select);
  for (bool more = rows.moveFirst(); more; more = rows.moveNext()) {
    applied.push_back({rows[0].convert<int>(), rows[1].convert<std::string>(),
                       rows[2].convert<std::string>(), rows[3].convert<Poco::Int64>()});
  }
  return applied;
}

MigrationStatus compare(const Dialect& dialect, std::vector<AppliedMigration> applied) {
  MigrationStatus status;
  std::map<int, const Migration*> known;
  for (const auto& m : migrationsFor(dialect)) known[m.version] = &m;
  for (const auto& a : applied) {
    auto it = known.find(a.version);
    if (it == known.end()) {
      status.problems.push_back("migration " + std::to_string(a.version) + " (" + a.name +
                                ") is applied but unknown to this build: the database was "
                                "migrated by a newer baraza");
    } else if (it->second->checksum != a.checksum) {
      status.problems.push_back("migration " + std::to_string(a.version) + " (" + a.name +
                                ") was changed after it was applied; add a new migration instead");
    }
    known.erase(a.version);
  }
  for (const auto& [version, m] : known) status.pending.push_back(*m);
  status.applied = std::move(applied);
  return status;
}

}  // namespace

const std::vector<Migration>& migrationsFor(const Dialect& dialect) {
  static const auto all = [] {
    std::map<std::string, std::vector<Migration>> byDialect;
    for (size_t i = 0; i < kEmbeddedMigrationCount; ++i) {
      const auto& e = kEmbeddedMigrations[i];
      Migration m;
      m.name = e.name;
      m.version = std::stoi(m.name);
      m.sql = e.sql;
      m.checksum = crypto::toHex(crypto::sha256(m.sql));
      byDialect[e.dialect].push_back(std::move(m));
    }
    for (auto& [name, list] : byDialect) {
      std::sort(list.begin(), list.end(), [](auto& a, auto& b) { return a.version < b.version; });
    }
    return byDialect;
  }();
  static const std::vector<Migration> none;
  auto it = all.find(dialect.name);
  return it == all.end() ? none : it->second;
}

StatusOr<MigrationStatus> migrationStatus(Database& db) {
  try {
    Poco::Data::Session s = db.session();
    ensureTable(db, s);
    return compare(db.dialect(), readApplied(s));
  } catch (const Poco::Exception& e) {
    return unavailable(db.describe() + ": " + e.message());
  }
}

StatusOr<std::vector<Migration>> migrate(Database& db, int throughVersion) {
  Poco::Logger& log = Poco::Logger::get("baraza.store");
  std::vector<Migration> done;
  try {
    Poco::Data::Session s = db.session();
    ensureTable(db, s);
    const bool mysql = db.backend() == Backend::kMysql;
    if (mysql) {
      // MySQL DDL commits implicitly, so a transaction cannot serialise two migrating hosts.
      int locked = 0;
      s << "SELECT GET_LOCK('baraza.migrate', 120)", into(locked), now;
      if (locked != 1) return unavailable(db.describe() + ": could not take the migration lock");
    }
    struct Unlock {
      Poco::Data::Session& s;
      bool mysql;
      ~Unlock() {
        if (mysql) try {
            s << "SELECT RELEASE_LOCK('baraza.migrate')", now;
          } catch (...) {
          }
      }
    } unlock{s, mysql};

    MigrationStatus status = compare(db.dialect(), readApplied(s));
    if (!status.problems.empty()) {
      std::string all;
      for (const auto& p : status.problems) all += (all.empty() ? "" : "; ") + p;
      return failedPrecondition(db.describe() + ": " + all);
    }
    for (const auto& m : status.pending) {
      if (m.version > throughVersion) break;
      auto apply = [&](Poco::Data::Session& tx) {
        for (const auto& statement : statements(m.sql)) tx << statement, now;
        tx << "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, "
              "?, ?)",
            bind(m.version), bind(m.name), bind(m.checksum), bind(nowMs()), now;
      };
      if (mysql) {
        apply(s);
      } else if (Status applied = db.transaction(s, apply); !applied.isOk()) {
        return Status(applied.code(), "migration " + m.name + ": " + applied.message());
      }
      log.information("applied migration " + m.name + " to " + db.describe());
      done.push_back(m);
    }
  } catch (const Poco::Exception& e) {
    return unavailable(db.describe() + ": migration failed: " + e.message());
  }
  return done;
}

}  // namespace baraza::store
