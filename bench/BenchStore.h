// A store for a benchmark: opened and migrated, or an exception naming what failed.
#pragma once

#include <stdexcept>
#include <string>
#include <utility>

#include "store/Database.h"
#include "store/Migrations.h"

namespace baraza::bench {

inline store::DatabasePtr openMigrated(const std::string& url) {
  auto db = store::Database::open(url, "");
  if (!db.isOk()) throw std::runtime_error(db.status().toString());
  if (auto m = store::migrate(**db); !m.isOk()) throw std::runtime_error(m.status().toString());
  return *db;
}

/** Runs fn in a transaction; a failure ends the benchmark (its figures would be wrong). */
template <class F>
void mustCommit(store::Database& db, F&& fn) {
  if (Status done = db.transaction(std::forward<F>(fn)); !done.isOk())
    throw std::runtime_error(done.toString());
}

}  // namespace baraza::bench
