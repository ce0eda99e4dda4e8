#include "store/Database.h"
#include "store/KeyValueStore.h"

#include <Poco/File.h>
#include <Poco/TemporaryFile.h>
#include <gtest/gtest.h>

namespace baraza::store {
namespace {

TEST(StoreUrl, ParsesBothBackends) {
  auto sqlite = parseStoreUrl("sqlite:///var/lib/baraza/baraza.db");
  ASSERT_TRUE(sqlite.isOk());
  EXPECT_EQ(sqlite->sqlitePath, "/var/lib/baraza/baraza.db");
  auto mysql = parseStoreUrl("mysql://baraza@db.internal:3307/baraza");
  ASSERT_TRUE(mysql.isOk());
  EXPECT_EQ(mysql->backend, StoreUrl::Backend::kMysql);
  EXPECT_EQ(mysql->host, "db.internal");
  EXPECT_EQ(mysql->port, 3307u);
  EXPECT_EQ(mysql->user, "baraza");
  EXPECT_EQ(mysql->db, "baraza");
}

TEST(StoreUrl, RefusesPasswordsInTheUrlAndRelativePaths) {
  EXPECT_FALSE(parseStoreUrl("mysql://baraza:hunter2@db/baraza").isOk());
  EXPECT_EQ(parseStoreUrl("mysql://baraza:hunter2@db/baraza").status().message().find("hunter2"),
            std::string::npos);
  EXPECT_FALSE(parseStoreUrl("sqlite://relative.db").isOk());
  EXPECT_FALSE(parseStoreUrl("postgres://x@y/z").isOk());
}

TEST(Database, SqliteFileIsCreatedAndPings) {
  Poco::TemporaryFile dir;
  dir.createDirectories();
  const std::string path = dir.path() + "/baraza.db";
  auto db = openDatabase("sqlite://" + path, "");
  ASSERT_TRUE(db.isOk()) << db.status().toString();
  EXPECT_TRUE((*db)->ping().isOk());
  EXPECT_TRUE(Poco::File(path).exists());
  EXPECT_EQ((*db)->describe(), "sqlite:" + path);
}

TEST(Database, MissingDirectoryIsNamed) {
  auto db = openDatabase("sqlite:///nonexistent-baraza-dir/x.db", "");
  ASSERT_FALSE(db.isOk());
  EXPECT_EQ(db.status().message(), "store.url: directory /nonexistent-baraza-dir/ does not exist");
}

TEST(MemoryKeyValueStore, ScopesByTenantAndInstance) {
  MemoryKeyValueStore kv;
  ASSERT_TRUE(kv.put("acme", "bot", "k", "v1", 0).isOk());
  ASSERT_TRUE(kv.put("other", "bot", "k", "v2", 0).isOk());
  EXPECT_EQ(kv.get("acme", "bot", "k").value(), "v1");
  EXPECT_EQ(kv.get("other", "bot", "k").value(), "v2");
  EXPECT_EQ(kv.get("acme", "rules", "k").status().code(), Code::kNotFound);
  ASSERT_TRUE(kv.erase("acme", "bot", "k").isOk());
  EXPECT_EQ(kv.get("acme", "bot", "k").status().code(), Code::kNotFound);
}

}  // namespace
}  // namespace baraza::store
