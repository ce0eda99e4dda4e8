#include "store/MediaItems.h"

#include "store/Rows.h"

namespace baraza::store {

using Poco::Data::Keywords::bind;
using Poco::Data::Keywords::now;

namespace {

const char* const kColumns =
    "id, tenant, message_id, provider_media_id, phone_number_id, kind, mime_type, sha256, size, "
    "storage_key, state, attempts, error, created_at, updated_at";

std::vector<MediaItem> read(Poco::Data::Statement& select) {
  select.execute();
  Poco::Data::RecordSet rows(select);
  std::vector<MediaItem> out;
  for (bool more = rows.moveFirst(); more; more = rows.moveNext()) {
    MediaItem m;
    m.id = integer(rows, 0);
    m.tenant = text(rows, 1);
    m.messageId = integer(rows, 2);
    m.providerMediaId = text(rows, 3);
    m.phoneNumberId = text(rows, 4);
    m.kind = text(rows, 5);
    m.mimeType = text(rows, 6);
    m.sha256 = text(rows, 7);
    m.size = integer(rows, 8);
    m.storageKey = text(rows, 9);
    m.state = text(rows, 10);
    m.attempts = static_cast<int>(integer(rows, 11));
    m.error = text(rows, 12);
    m.createdAt = integer(rows, 13);
    m.updatedAt = integer(rows, 14);
    out.push_back(std::move(m));
  }
  return out;
}

std::vector<MediaItem> byIds(Poco::Data::Session& s, const std::vector<int64_t>& ids) {
  if (ids.empty()) return {};
  Poco::Data::Statement select(s);
  select << std::string("SELECT ") + kColumns + " FROM media WHERE id IN (" + idList(ids) +
                ") ORDER BY id";
  return read(select);
}

}  // namespace

bool MediaItems::enqueue(Poco::Data::Session& s, const MediaItem& m, int64_t at) const {
  s << "INSERT INTO media (tenant, message_id, provider_media_id, phone_number_id, kind, "
       "mime_type, sha256, state, next_attempt_at, created_at, updated_at)"
       " VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?)" +
           dialect_.skipDuplicate("id"),
      bind(m.tenant), bind(m.messageId), bind(m.providerMediaId), bind(m.phoneNumberId),
      bind(m.kind), bind(m.mimeType), bind(m.sha256), bind(at), bind(at), bind(at), now;
  // Whose row it is, rather than the affected-row count, which the backends report differently
  // for a skipped duplicate.
  Poco::Int64 owner = 0;
  s << "SELECT message_id FROM media WHERE tenant = ? AND provider_media_id = ?", bind(m.tenant),
      bind(m.providerMediaId), Poco::Data::Keywords::into(owner), now;
  return owner == m.messageId;
}

int64_t MediaItems::insertStored(Poco::Data::Session& s, const MediaItem& m, int64_t at) const {
  s << "INSERT INTO media (tenant, message_id, provider_media_id, phone_number_id, kind, "
       "mime_type, sha256, size, storage_key, state, next_attempt_at, created_at, updated_at)"
       " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'stored', 0, ?, ?)" +
           dialect_.skipDuplicate("id"),
      bind(m.tenant), bind(m.messageId), bind(m.providerMediaId), bind(m.phoneNumberId),
      bind(m.kind), bind(m.mimeType), bind(m.sha256), bind(m.size), bind(m.storageKey), bind(at),
      bind(at), now;
  Poco::Int64 id = 0;
  s << "SELECT id FROM media WHERE tenant = ? AND provider_media_id = ?", bind(m.tenant),
      bind(m.providerMediaId), Poco::Data::Keywords::into(id), now;
  return id;
}

std::vector<MediaItem> MediaItems::claim(Poco::Data::Session& s, const std::string& owner,
                                         int64_t at, int64_t leaseMs, size_t limit) const {
  return byIds(s, claimDue(dialect_, s, kMediaClaims, owner, at, leaseMs, limit));
}

TakenOver<MediaItem> MediaItems::claimAbandoned(Poco::Data::Session& s, const std::string& owner,
                                                int64_t at, int64_t leaseMs,
                                                int maxAttempts) const {
  AbandonedClaim claim =
      store::claimAbandoned(dialect_, s, kMediaClaims, owner, at, leaseMs, 1, maxAttempts);
  TakenOver<MediaItem> out{std::nullopt, std::move(claim.failed)};
  if (std::vector<MediaItem> items = byIds(s, claim.claimed); !items.empty())
    out.row = items.front();
  return out;
}

bool MediaItems::anyAbandoned(Poco::Data::Session& s, int64_t at) const {
  return store::anyAbandoned(s, kMediaClaims, at);
}

bool MediaItems::markStored(Poco::Data::Session& s, int64_t id, const std::string& owner,
                            const std::string& key, int64_t size, const std::string& sha256,
                            int64_t at) const {
  return finishClaim(
      s, kMediaClaims, id, owner,
      "state = 'stored', storage_key = ?, size = ?, sha256 = ?, error = NULL, updated_at = ?",
      [&](auto& u) { u, bind(key), bind(size), bind(sha256), bind(at); });
}

bool MediaItems::markFailed(Poco::Data::Session& s, int64_t id, const std::string& owner,
                            const std::string& error, int64_t retryAt, int64_t at) const {
  return finishClaim(s, kMediaClaims, id, owner,
                     "state = ?, next_attempt_at = ?, error = ?, updated_at = ?", [&](auto& u) {
                       u, bind(std::string(retryAt > 0 ? "pending" : "failed")), bind(retryAt),
                           bind(error), bind(at);
                     });
}

bool MediaItems::retry(Poco::Data::Session& s, int64_t id, int64_t at) const {
  Poco::Data::Statement update(s);
  update << "UPDATE media SET state = 'pending', attempts = 0, next_attempt_at = ?, "
            "lease_owner = NULL, lease_expires_at = NULL, updated_at = ? "
            "WHERE id = ? AND state = 'failed'",
      bind(at), bind(at), bind(id);
  return update.execute() == 1;
}

std::optional<MediaItem> MediaItems::get(Poco::Data::Session& s, int64_t id) const {
  std::vector<MediaItem> found = byIds(s, {id});
  if (found.empty()) return std::nullopt;
  return found.front();
}

std::optional<MediaItem> MediaItems::ofTenant(Poco::Data::Session& s, const std::string& tenant,
                                              int64_t id) const {
  std::optional<MediaItem> item = get(s, id);
  if (item && item->tenant != tenant) return std::nullopt;
  return item;
}

std::vector<MediaItem> MediaItems::list(Poco::Data::Session& s, const std::string& tenant,
                                        const std::string& state, size_t limit) const {
  Poco::Data::Statement select(s);
  select << std::string("SELECT ") + kColumns +
                " FROM media WHERE (? = '' OR tenant = ?) AND (? = '' OR state = ?)"
                " ORDER BY id DESC LIMIT " +
                std::to_string(limit),
      bind(tenant), bind(tenant), bind(state), bind(state);
  return read(select);
}

std::vector<MediaItem> MediaItems::settledBefore(Poco::Data::Session& s, int64_t before,
                                                 int64_t afterId, size_t limit) const {
  Poco::Data::Statement select(s);
  select << std::string("SELECT ") + kColumns +
                " FROM media WHERE state IN ('stored', 'failed') AND updated_at < ? AND id > ?"
                " ORDER BY id LIMIT " +
                std::to_string(limit),
      bind(before), bind(afterId);
  return read(select);
}

bool MediaItems::bytesInUse(Poco::Data::Session& s, const std::string& tenant,
                            const std::string& sha256, int64_t id) const {
  int n = 0;
  s << "SELECT COUNT(*) FROM media WHERE tenant = ? AND sha256 = ? AND id <> ? AND state <> "
       "'failed'",
      bind(tenant), bind(sha256), bind(id), Poco::Data::Keywords::into(n), now;
  return n > 0;
}

void MediaItems::remove(Poco::Data::Session& s, int64_t id) const {
  s << "DELETE FROM media WHERE id = ?", bind(id), now;
}

std::vector<MediaItem> MediaItems::ofMessages(Poco::Data::Session& s,
                                              const std::vector<int64_t>& messageIds) const {
  if (messageIds.empty()) return {};
  Poco::Data::Statement select(s);
  select << std::string("SELECT ") + kColumns + " FROM media WHERE message_id IN (" +
                idList(messageIds) + ") ORDER BY id";
  return read(select);
}

}  // namespace baraza::store
