// Test support: a fixture parameterised over both backends, each test on a fresh, migrated
// database (a new SQLite file, or a new database on the private MariaDB server).
#pragma once

#include <gtest/gtest.h>

#include "store/Database.h"
#include "store/Migrations.h"
#include "store/testing/MariaDbServer.h"

namespace baraza::store::testing {

inline std::string freshUrl(Backend backend) {
  return backend == Backend::kSqlite ? freshSqliteUrl() : MariaDbServer::shared().createDatabase();
}

class StoreTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    try {
      url_ = freshUrl(GetParam());
    } catch (const std::exception& e) {
      FAIL() << "cannot start the test database: " << e.what();
    }
    auto db = Database::open(url_, "");
    ASSERT_TRUE(db.isOk()) << db.status().toString();
    db_ = *db;
    auto migrated = migrate(*db_);
    ASSERT_TRUE(migrated.isOk()) << migrated.status().toString();
  }

  /** Runs fn in a committed transaction, failing the test if it does not commit. */
  template <class F>
  void tx(F&& fn) {
    Status status = db_->transaction(std::forward<F>(fn));
    ASSERT_TRUE(status.isOk()) << status.toString();
  }

  /** The one integer a query answers (SELECT COUNT(*) ...), read in a transaction of its own. */
  int count(const std::string& sql) {
    int n = 0;
    tx([&](Poco::Data::Session& s) {
      s << sql, Poco::Data::Keywords::into(n), Poco::Data::Keywords::now;
    });
    return n;
  }

  std::string url_;
  DatabasePtr db_;
};

inline std::string backendName(const ::testing::TestParamInfo<Backend>& info) {
  return info.param == Backend::kSqlite ? "Sqlite" : "MariaDb";
}

}  // namespace baraza::store::testing

/** Runs every TEST_P of `suite` on SQLite and on MariaDB. */
#define BARAZA_ON_BOTH_BACKENDS(suite)                                                        \
  INSTANTIATE_TEST_SUITE_P(                                                                   \
      Backends, suite,                                                                        \
      ::testing::Values(::baraza::store::Backend::kSqlite, ::baraza::store::Backend::kMysql), \
      ::baraza::store::testing::backendName)
