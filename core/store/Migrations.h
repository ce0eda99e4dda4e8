#pragma once

#include <limits>
#include <string>
#include <vector>

#include "common/Status.h"
#include "store/Database.h"

namespace baraza::store {

/** One versioned schema change for one dialect (core/store/migrations/<dialect>/NNN_name.sql). */
struct Migration {
  int version = 0;
  std::string name;  // "001_core"
  std::string sql;
  std::string checksum;  // SHA-256 of sql, hex
};

struct AppliedMigration {
  int version = 0;
  std::string name;
  std::string checksum;
  int64_t appliedAt = 0;
};

struct MigrationStatus {
  std::vector<AppliedMigration> applied;
  std::vector<Migration> pending;
  /** Applied migrations whose SQL changed since, or that this build does not know. */
  std::vector<std::string> problems;
};

/** The migrations built into this binary for a dialect, in version order. */
const std::vector<Migration>& migrationsFor(const Dialect& dialect);

/** What is applied and what is pending; reads only. */
StatusOr<MigrationStatus> migrationStatus(Database& db);

/**
 * Applies every pending migration in order; safe to run from several hosts at once (SQLite:
 * write lock; MySQL: a named lock). Refuses to run when an applied migration was edited or is
 * unknown to this build (a newer host migrated the database). Returns what it applied.
 * `throughVersion` stops after that version (tests of an upgrade start from an older schema).
 */
StatusOr<std::vector<Migration>> migrate(Database& db,
                                         int throughVersion = std::numeric_limits<int>::max());

}  // namespace baraza::store
