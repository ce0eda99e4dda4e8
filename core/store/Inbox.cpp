#include "store/Inbox.h"

#include "crypto/Crypto.h"
#include "store/Claims.h"
#include "store/Rows.h"

namespace baraza::store {

using Poco::Data::Keywords::bind;
using Poco::Data::Keywords::into;
using Poco::Data::Keywords::now;

namespace {

const ClaimSpec kClaim{"inbox", "pending", "processing", ""};
const char* kColumns = "id, app, received_at, body, state, attempts, error";

std::vector<InboxRow> read(Poco::Data::Statement& select) {
  select.execute();
  Poco::Data::RecordSet rows(select);
  std::vector<InboxRow> out;
  for (bool more = rows.moveFirst(); more; more = rows.moveNext()) {
    out.push_back({integer(rows, 0), text(rows, 1), integer(rows, 2), text(rows, 3), text(rows, 4),
                   static_cast<int>(integer(rows, 5)), text(rows, 6)});
  }
  return out;
}

}  // namespace

AppendResult Inbox::append(Poco::Data::Session& s, const Delivery& d) const {
  const std::string dedupKey = crypto::toHex(crypto::sha256(d.body));
  Poco::Data::Statement insert(s);
  insert << dialect_.insertIgnore +
                " INTO inbox (app, received_at, dedup_key, body, state, next_attempt_at, error)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
      bind(d.app), bind(d.receivedAt), bind(dedupKey), bind(toBlob(d.body)), bind(d.state),
      bind(d.receivedAt), bind(d.error);
  Poco::Int64 id = 0;
  if (insert.execute() == 1) {
    s << dialect_.lastInsertId, into(id), now;
    return {id, false};
  }
  s << "SELECT id FROM inbox WHERE app = ? AND dedup_key = ?", into(id), bind(d.app), bind(dedupKey), now;
  return {id, true};
}

std::vector<InboxRow> Inbox::claim(Poco::Data::Session& s, const std::string& owner, int64_t at,
                                   int64_t leaseMs, size_t limit) const {
  std::vector<int64_t> ids = claimRows(dialect_, s, kClaim, owner, at, leaseMs, limit);
  if (ids.empty()) return {};
  Poco::Data::Statement select(s);
  select << std::string("SELECT ") + kColumns + " FROM inbox WHERE id IN (" + idList(ids) + ") ORDER BY id";
  return read(select);
}

bool Inbox::markDone(Poco::Data::Session& s, int64_t id, const std::string& owner) const {
  Poco::Data::Statement update(s);
  update << "UPDATE inbox SET state = 'done', lease_owner = NULL, lease_expires_at = NULL, error = NULL"
            " WHERE id = ? AND lease_owner = ? AND state = 'processing'",
      bind(id), bind(owner);
  return update.execute() == 1;
}

bool Inbox::markFailed(Poco::Data::Session& s, int64_t id, const std::string& owner,
                       const std::string& error, int64_t retryAt) const {
  Poco::Data::Statement update(s);
  update << "UPDATE inbox SET state = ?, next_attempt_at = ?, error = ?, lease_owner = NULL,"
            " lease_expires_at = NULL WHERE id = ? AND lease_owner = ? AND state = 'processing'",
      bind(std::string(retryAt > 0 ? "pending" : "failed")), bind(retryAt), bind(error), bind(id),
      bind(owner);
  return update.execute() == 1;
}

bool Inbox::replay(Poco::Data::Session& s, int64_t id, int64_t at) const {
  Poco::Data::Statement update(s);
  update << "UPDATE inbox SET state = 'pending', next_attempt_at = ?, lease_owner = NULL,"
            " lease_expires_at = NULL WHERE id = ? AND state IN ('failed', 'done')",
      bind(at), bind(id);
  return update.execute() == 1;
}

size_t Inbox::replayFailed(Poco::Data::Session& s, int64_t at) const {
  Poco::Data::Statement update(s);
  update << "UPDATE inbox SET state = 'pending', next_attempt_at = ?, lease_owner = NULL,"
            " lease_expires_at = NULL WHERE state = 'failed'",
      bind(at);
  return update.execute();
}

std::optional<InboxRow> Inbox::get(Poco::Data::Session& s, int64_t id) const {
  Poco::Data::Statement select(s);
  select << std::string("SELECT ") + kColumns + " FROM inbox WHERE id = ?", bind(id);
  auto rows = read(select);
  if (rows.empty()) return std::nullopt;
  return rows.front();
}

std::vector<InboxRow> Inbox::list(Poco::Data::Session& s, const std::string& state, size_t limit) const {
  Poco::Data::Statement select(s);
  const std::string limitSql = " ORDER BY id DESC LIMIT " + std::to_string(limit);
  if (state.empty()) {
    select << std::string("SELECT ") + kColumns + " FROM inbox" + limitSql;
  } else {
    select << std::string("SELECT ") + kColumns + " FROM inbox WHERE state = ?" + limitSql, bind(state);
  }
  return read(select);
}

}  // namespace baraza::store
