#include <Poco/File.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <thread>
#include <vector>

#include "store/Database.h"
#include "store/Inbox.h"
#include "store/Migrations.h"
#include "store/testing/MariaDbServer.h"
#include "store/testing/StoreTest.h"

namespace baraza::store {
namespace {

using Poco::Data::Keywords::into;
using Poco::Data::Keywords::now;
using ::testing::HasSubstr;
using testing::StoreTest;

TEST(StoreUrl, ParsesBothBackends) {
  auto sqlite = parseStoreUrl("sqlite:///var/lib/baraza/baraza.db");
  ASSERT_TRUE(sqlite.isOk());
  EXPECT_EQ(sqlite->sqlitePath, "/var/lib/baraza/baraza.db");
  auto mysql = parseStoreUrl("mysql://baraza@db.internal:3307/baraza");
  ASSERT_TRUE(mysql.isOk());
  EXPECT_EQ(mysql->backend, Backend::kMysql);
  EXPECT_EQ(mysql->host, "db.internal");
  EXPECT_EQ(mysql->port, 3307u);
  EXPECT_EQ(mysql->user, "baraza");
  EXPECT_EQ(mysql->db, "baraza");
}

TEST(StoreUrl, RefusesPasswordsInTheUrlAndRelativePaths) {
  auto withPassword = parseStoreUrl("mysql://baraza:hunter2@db/baraza");
  EXPECT_FALSE(withPassword.isOk());
  EXPECT_EQ(withPassword.status().message().find("hunter2"), std::string::npos);
  EXPECT_FALSE(parseStoreUrl("sqlite://relative.db").isOk());
  EXPECT_FALSE(parseStoreUrl("postgres://x@y/z").isOk());
}

TEST(Database, MissingSqliteDirectoryIsNamed) {
  auto db = Database::open("sqlite:///nonexistent-baraza-dir/x.db", "");
  ASSERT_FALSE(db.isOk());
  EXPECT_EQ(db.status().message(), "store.url: directory /nonexistent-baraza-dir/ does not exist");
}

TEST(Database, UnreachableMysqlIsUnavailableWithoutThePassword) {
  auto db = Database::open("mysql://baraza@127.0.0.1:1/baraza", "hunter2");
  ASSERT_FALSE(db.isOk());
  EXPECT_EQ(db.status().code(), Code::kUnavailable);
  EXPECT_EQ(db.status().message().find("hunter2"), std::string::npos);
}

TEST(Database, AQueryToAMariaDbServerThatStoppedAnsweringFailsAfterTheIoTimeout) {
  testing::MariaDbServer server;  // its own: frozen below
  auto db = Database::open(server.createDatabase(), "", 1);
  ASSERT_TRUE(db.isOk()) << db.status().toString();
  ASSERT_TRUE((*db)->ping().isOk());
  server.pause();
  // Without a bound this would wait for as long as the server stays frozen: for ever.
  const Status frozen = (*db)->transaction([](Poco::Data::Session& s) { s << "SELECT 1", now; });
  server.resume();
  EXPECT_FALSE(frozen.isOk());
  EXPECT_THAT(frozen.message(), HasSubstr("Lost connection"));
  // The pool's connections reconnect once the server answers again.
  Status back;
  for (int i = 0; i < 50 && !(back = (*db)->ping()).isOk(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_TRUE(back.isOk()) << back.toString();
}

class DatabaseTest : public StoreTest {};

TEST_P(DatabaseTest, PingsAndDescribesItselfWithoutSecrets) {
  EXPECT_TRUE(db_->ping().isOk());
  EXPECT_THAT(db_->describe(),
              ::testing::StartsWith(GetParam() == Backend::kSqlite ? "sqlite:" : "mysql:root@"));
}

TEST(Database, SqliteRunsInWalModeWithFullSync) {
  auto db = Database::open(testing::freshSqliteUrl(), "");
  ASSERT_TRUE(db.isOk()) << db.status().toString();
  Poco::Data::Session s = (*db)->session();
  std::string mode;
  int sync = 0;
  s << "PRAGMA journal_mode", into(mode), now;
  s << "PRAGMA synchronous", into(sync), now;
  EXPECT_EQ(mode, "wal");
  EXPECT_EQ(sync, 2);  // FULL
}

TEST(Database, EverySqliteConnectionOfThePoolHasTheSettings) {
  auto db = Database::open(testing::freshSqliteUrl(), "");
  ASSERT_TRUE(db.isOk()) << db.status().toString();
  // Held at once, so each is a connection of its own; the settings are applied when one opens.
  std::vector<Poco::Data::Session> sessions;
  for (int i = 0; i < 3; ++i) sessions.push_back((*db)->session());
  for (auto& s : sessions) {
    int sync = 0, foreignKeys = 0;
    s << "PRAGMA synchronous", into(sync), now;
    s << "PRAGMA foreign_keys", into(foreignKeys), now;
    EXPECT_EQ(sync, 2);  // FULL
    EXPECT_EQ(foreignKeys, 1);
  }
  sessions.clear();  // back to the pool, and out again: still set
  Poco::Data::Session again = (*db)->session();
  int foreignKeys = 0;
  again << "PRAGMA foreign_keys", into(foreignKeys), now;
  EXPECT_EQ(foreignKeys, 1);
}

TEST_P(DatabaseTest, MigrationsAreAppliedOnceAndReportedByStatus) {
  auto status = migrationStatus(*db_);
  ASSERT_TRUE(status.isOk());
  EXPECT_TRUE(status->pending.empty());
  ASSERT_EQ(status->applied.size(), migrationsFor(db_->dialect()).size());
  EXPECT_EQ(status->applied[0].name, "001_core");
  auto again = migrate(*db_);
  ASSERT_TRUE(again.isOk());
  EXPECT_TRUE(again->empty());
}

TEST_P(DatabaseTest, AnEditedAppliedMigrationIsRefused) {
  tx([](Poco::Data::Session& s) {
    s << "UPDATE schema_migrations SET checksum = 'edited' WHERE version = 1", now;
  });
  auto status = migrationStatus(*db_);
  ASSERT_TRUE(status.isOk());
  ASSERT_EQ(status->problems.size(), 1u);
  EXPECT_THAT(status->problems[0],
              HasSubstr("migration 1 (001_core) was changed after it was applied"));
  auto migrated = migrate(*db_);
  EXPECT_EQ(migrated.status().code(), Code::kFailedPrecondition);
}

TEST_P(DatabaseTest, AMigrationUnknownToThisBuildIsRefused) {
  tx([](Poco::Data::Session& s) {
    s << "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (999, "
         "'999_future', 'x', 0)",
        now;
  });
  auto migrated = migrate(*db_);
  ASSERT_FALSE(migrated.isOk());
  EXPECT_THAT(migrated.status().message(), HasSubstr("migrated by a newer baraza"));
}

TEST_P(DatabaseTest, Migration004KeepsEveryDeliveryItsIdAndItsDigest) {
  auto db = Database::open(testing::freshUrl(GetParam()), "");
  ASSERT_TRUE(db.isOk()) << db.status().toString();
  ASSERT_TRUE(migrate(**db, 3).isOk());
  // Two deliveries under the old schema, the second since deleted: ids must not be handed out
  // again.
  const std::string body = "{\"entry\":[]}";
  ASSERT_TRUE((*db)
                  ->transaction([&](Poco::Data::Session& s) {
                    for (const std::string& b : {body, std::string("{}")}) {
                      s << "INSERT INTO inbox (app, received_at, dedup_key, body, state) VALUES "
                           "('app', 5, ?, ?, 'done')",
                          Poco::Data::Keywords::bind(Inbox::digestOf(b)),
                          Poco::Data::Keywords::bind(b), now;
                    }
                    s << "DELETE FROM inbox WHERE id = 2", now;
                  })
                  .isOk());
  auto applied = migrate(**db);
  ASSERT_TRUE(applied.isOk()) << applied.status().toString();
  ASSERT_EQ(applied->size(), migrationsFor((*db)->dialect()).size() - 3);
  EXPECT_EQ(applied->front().name, "004_delivery_digests");

  Inbox inbox((*db)->dialect());
  std::optional<InboxRow> kept;
  int64_t next = 0, owner = 0;
  ASSERT_TRUE((*db)
                  ->transaction([&](Poco::Data::Session& s) {
                    kept = inbox.get(s, 1);
                    next = inbox.append(s, {"app", body, 6});
                    owner = inbox.recordDigest(s, "app", Inbox::digestOf(body), next);
                  })
                  .isOk());
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->body, body);
  EXPECT_EQ(kept->state, "done");
  EXPECT_EQ(next, 3) << "ids carry on after the highest ever used";
  EXPECT_EQ(owner, 1) << "a delivery stored before the upgrade is still recognised when repeated";
}

TEST_P(DatabaseTest, FailedTransactionLeavesNothingBehind) {
  Status failed = db_->transaction([](Poco::Data::Session& s) {
    s << "INSERT INTO leases (name, owner, expires_at) VALUES ('a', 'me', 1)", now;
    throw std::runtime_error("half-way");
  });
  EXPECT_EQ(failed.code(), Code::kInternal);
  int count = -1;
  tx([&](Poco::Data::Session& s) { s << "SELECT COUNT(*) FROM leases", into(count), now; });
  EXPECT_EQ(count, 0);
}

TEST_P(DatabaseTest, AReadSeesCommittedRowsOnlyAndDoesNotWaitForAWriter) {
  tx([](Poco::Data::Session& s) {
    s << "INSERT INTO leases (name, owner, expires_at) VALUES ('committed', 'me', 1)", now;
  });
  // Another connection is inside a write transaction: on SQLite it holds the only write lock,
  // which a transaction() would wait for (and give up on after 5 s).
  Poco::Data::Session writer = db_->session();
  writer << db_->dialect().begin, now;
  writer << "INSERT INTO leases (name, owner, expires_at) VALUES ('uncommitted', 'me', 1)", now;
  std::vector<std::string> seen;
  const Status read =
      db_->read([&](Poco::Data::Session& s) { s << "SELECT name FROM leases", into(seen), now; });
  writer << "COMMIT", now;
  ASSERT_TRUE(read.isOk()) << read.toString();
  EXPECT_EQ(seen, (std::vector<std::string>{"committed"}));
  seen.clear();
  ASSERT_TRUE(db_->read([&](Poco::Data::Session& s) {
                   s << "SELECT name FROM leases ORDER BY name", into(seen), now;
                 })
                  .isOk());
  EXPECT_EQ(seen, (std::vector<std::string>{"committed", "uncommitted"}));
}

TEST_P(DatabaseTest, AnItemThatFailsInItsSavepointIsUndoneAloneAndTheBatchCommits) {
  std::vector<Status> items;
  tx([&](Poco::Data::Session& s) {
    items.clear();  // the transaction may run again after contention
    s << "INSERT INTO leases (name, owner, expires_at) VALUES ('before', 'me', 1)", now;
    items.push_back(db_->savepoint(s, [](Poco::Data::Session& s) {
      s << "INSERT INTO leases (name, owner, expires_at) VALUES ('half-written', 'me', 1)", now;
      throw sdk::StatusError(Status(Code::kInvalidArgument, "bad item"));
    }));
    items.push_back(db_->savepoint(s, [](Poco::Data::Session& s) {
      s << "INSERT INTO leases (name, owner, expires_at) VALUES ('before', 'again', 1)",
          now;  // duplicate key
    }));
    items.push_back(db_->savepoint(s, [](Poco::Data::Session& s) {
      s << "INSERT INTO leases (name, owner, expires_at) VALUES ('after', 'me', 1)", now;
    }));
  });
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[0].code(), Code::kInvalidArgument);
  EXPECT_EQ(items[0].message(), "bad item");
  EXPECT_FALSE(items[1].isOk()) << "a statement the database refuses fails its item only";
  EXPECT_TRUE(items[2].isOk()) << items[2].toString();
  std::vector<std::string> names;
  tx([&](Poco::Data::Session& s) {
    s << "SELECT name FROM leases ORDER BY name", into(names), now;
  });
  EXPECT_EQ(names, (std::vector<std::string>{"after", "before"}));
}

BARAZA_ON_BOTH_BACKENDS(DatabaseTest);

}  // namespace
}  // namespace baraza::store
