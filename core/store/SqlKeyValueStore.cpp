#include "store/SqlKeyValueStore.h"

#include <Poco/Nullable.h>

#include "store/Rows.h"

namespace baraza::store {

using Poco::Data::Keywords::bind;
using Poco::Data::Keywords::now;

namespace {
constexpr size_t kMaxKey = 256;
constexpr size_t kMaxValue = 1 << 20;
}  // namespace

StatusOr<std::string> SqlKeyValueStore::get(const std::string& tenant, const std::string& scope,
                                            std::string_view key) {
  std::optional<std::string> value;
  Status status = db_->read([&](Poco::Data::Session& s) {
    const std::string where = " FROM plugin_kv WHERE tenant = ? AND scope = ? AND k = ?";
    Poco::Data::Statement select(s);
    select << "SELECT " + blobHead(db_->dialect(), "v") + where +
                  " AND (expires_at IS NULL OR expires_at > ?)",
        bind(tenant), bind(scope), bind(std::string(key)), bind(nowMs());
    select.execute();
    Poco::Data::RecordSet rows(select);
    if (!rows.moveFirst()) return;
    value = text(rows, 0);
    if (integer(rows, 1) > kTextHeadChars) {  // longer than blobHead() reads: the whole value
      Poco::Data::BLOB whole;
      s << "SELECT v" + where, bind(tenant), bind(scope), bind(std::string(key)),
          Poco::Data::Keywords::into(whole), now;
      value = fromBlob(whole);
    }
  });
  if (!status.isOk()) return status;
  if (!value) return notFound("no such key");
  return *value;
}

Status SqlKeyValueStore::put(const std::string& tenant, const std::string& scope,
                             std::string_view key, std::string_view value, int64_t ttlSeconds) {
  if (key.empty() || key.size() > kMaxKey) return invalidArgument("key must be 1..256 bytes");
  if (value.size() > kMaxValue) return invalidArgument("value larger than 1 MiB");
  Poco::Nullable<Poco::Int64> expires;
  if (ttlSeconds > 0) expires = nowMs() + ttlSeconds * 1000;
  const auto& d = db_->dialect();
  return db_->transaction([&](Poco::Data::Session& s) {
    s << "INSERT INTO plugin_kv (tenant, scope, k, v, expires_at) VALUES (?, ?, ?, " +
             std::string(kBlobParam) + ", ?) " + d.onConflict("tenant, scope, k") +
             "v = " + d.excluded("v") + ", expires_at = " + d.excluded("expires_at"),
        bind(tenant), bind(scope), bind(std::string(key)), bind(toBlob(std::string(value))),
        bind(expires), now;
  });
}

Status SqlKeyValueStore::erase(const std::string& tenant, const std::string& scope,
                               std::string_view key) {
  return db_->transaction([&](Poco::Data::Session& s) {
    s << "DELETE FROM plugin_kv WHERE tenant = ? AND scope = ? AND k = ?", bind(tenant),
        bind(scope), bind(std::string(key)), now;
  });
}

StatusOr<size_t> SqlKeyValueStore::purgeExpired() {
  size_t purged = 0;
  Status status = db_->transaction([&](Poco::Data::Session& s) {
    Poco::Data::Statement del(s);
    del << "DELETE FROM plugin_kv WHERE expires_at IS NOT NULL AND expires_at <= ?", bind(nowMs());
    purged = del.execute();
  });
  if (!status.isOk()) return status;
  return purged;
}

}  // namespace baraza::store
