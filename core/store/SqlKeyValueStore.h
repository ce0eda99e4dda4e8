#pragma once

#include "store/Database.h"
#include "store/KeyValueStore.h"

namespace baraza::store {

/** Plugin key/value storage in the database (table plugin_kv), with expiry. */
class SqlKeyValueStore : public KeyValueStore {
 public:
  explicit SqlKeyValueStore(DatabasePtr db) : db_(std::move(db)) {}

  StatusOr<std::string> get(const std::string& tenant, const std::string& scope,
                            std::string_view key) override;
  Status put(const std::string& tenant, const std::string& scope, std::string_view key,
             std::string_view value, int64_t ttlSeconds) override;
  Status erase(const std::string& tenant, const std::string& scope, std::string_view key) override;

  /** Deletes expired entries; returns how many. */
  StatusOr<size_t> purgeExpired();

 private:
  DatabasePtr db_;
};

}  // namespace baraza::store
