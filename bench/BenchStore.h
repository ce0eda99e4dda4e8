// A store for a benchmark: opened and migrated, or an exception naming what failed.
#pragma once

#include "store/Database.h"
#include "store/Migrations.h"

#include <stdexcept>
#include <string>

namespace baraza::bench {

inline store::DatabasePtr openMigrated(const std::string& url) {
  auto db = store::Database::open(url, "");
  if (!db.isOk()) throw std::runtime_error(db.status().toString());
  if (auto m = store::migrate(**db); !m.isOk()) throw std::runtime_error(m.status().toString());
  return *db;
}

}  // namespace baraza::bench
