#include "store/Inbox.h"

#include "crypto/Crypto.h"
#include "store/Claims.h"
#include "store/Rows.h"

#include <map>
#include <set>

namespace baraza::store {

using Poco::Data::Keywords::bind;
using Poco::Data::Keywords::into;
using Poco::Data::Keywords::now;

namespace {

const ClaimSpec kClaim{"inbox", "pending", "processing", ""};
constexpr size_t kMultiRowFrom = 16;
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
  s << "SELECT id FROM inbox WHERE app = ? AND dedup_key = ?" + dialect_.currentRead, into(id),
      bind(d.app), bind(dedupKey), now;
  return {id, true};
}

std::vector<AppendResult> Inbox::appendBatch(Poco::Data::Session& s,
                                            const std::vector<Delivery>& deliveries) const {
  if (deliveries.size() < kMultiRowFrom) {
    // Small batches: two plain statements per row beat the multi-row form's extra queries.
    std::vector<AppendResult> results;
    for (const auto& d : deliveries) results.push_back(append(s, d));
    return results;
  }
  Poco::Int64 before = 0;
  s << "SELECT COALESCE(MAX(id), 0) FROM inbox" + dialect_.currentRead, into(before), now;
  std::vector<std::string> keys;
  std::string values;
  for (const auto& d : deliveries) {
    keys.push_back(crypto::toHex(crypto::sha256(d.body)));
    values += std::string(values.empty() ? "" : ", ") + "(?, ?, ?, ?, ?, ?, ?)";
  }
  Poco::Data::Statement insert(s);
  insert << dialect_.insertIgnore +
                " INTO inbox (app, received_at, dedup_key, body, state, next_attempt_at, error) VALUES " + values;
  for (size_t i = 0; i < deliveries.size(); ++i) {
    const Delivery& d = deliveries[i];
    insert, bind(d.app), bind(d.receivedAt), bind(keys[i]), bind(toBlob(d.body)), bind(d.state),
        bind(d.receivedAt), bind(d.error);
  }
  insert.execute();

  // Look the ids up per app, so the unique (app, dedup_key) index serves the query.
  std::map<std::string, std::vector<std::string>> keysByApp;
  for (size_t i = 0; i < deliveries.size(); ++i) keysByApp[deliveries[i].app].push_back(keys[i]);
  std::map<std::pair<std::string, std::string>, int64_t> ids;
  for (const auto& [app, appKeys] : keysByApp) {
    std::string placeholders;
    for (size_t i = 0; i < appKeys.size(); ++i) placeholders += i ? ", ?" : "?";
    Poco::Data::Statement select(s);
    select << "SELECT id, dedup_key FROM inbox WHERE app = ? AND dedup_key IN (" + placeholders + ")" +
                  dialect_.currentRead,
        bind(app);
    for (const auto& key : appKeys) select, bind(key);
    select.execute();
    Poco::Data::RecordSet rows(select);
    for (bool more = rows.moveFirst(); more; more = rows.moveNext()) ids[{app, text(rows, 1)}] = integer(rows, 0);
  }
  std::vector<AppendResult> results;
  std::set<int64_t> seen;
  for (size_t i = 0; i < deliveries.size(); ++i) {
    const int64_t id = ids.at({deliveries[i].app, keys[i]});
    results.push_back({id, id <= before || !seen.insert(id).second});
  }
  return results;
}

InboxWriter::InboxWriter(DatabasePtr db, GroupCommitSettings settings)
    : writer_(db, settings,
              [dialect = &db->dialect()](Poco::Data::Session& s, const std::vector<Delivery>& items,
                                         std::vector<AppendResult>& results) {
                results = Inbox(*dialect).appendBatch(s, items);
              }) {}

std::vector<InboxRow> Inbox::claim(Poco::Data::Session& s, const std::string& owner, int64_t at,
                                   int64_t leaseMs, size_t limit) const {
  std::vector<int64_t> ids = claimRows(dialect_, s, kClaim, owner, at, leaseMs, limit);
  if (ids.empty()) return {};
  Poco::Data::Statement select(s);
  select << std::string("SELECT ") + kColumns + " FROM inbox WHERE id IN (" + idList(ids) + ") ORDER BY id";
  return read(select);
}

bool Inbox::markDone(Poco::Data::Session& s, int64_t id, const std::string& owner) const {
  return finishClaim(s, kClaim, id, owner, "state = 'done', error = NULL");
}

bool Inbox::markFailed(Poco::Data::Session& s, int64_t id, const std::string& owner,
                       const std::string& error, int64_t retryAt) const {
  return finishClaim(s, kClaim, id, owner, "state = ?, next_attempt_at = ?, error = ?", [&](auto& u) {
    u, bind(std::string(retryAt > 0 ? "pending" : "failed")), bind(retryAt), bind(error);
  });
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
