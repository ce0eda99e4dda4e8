#include "store/Inbox.h"

#include "crypto/Crypto.h"
#include "store/Claims.h"
#include "store/Rows.h"

#include <limits>
#include <map>
#include <set>

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
  return appendBatch(s, {d}).front();
}

std::vector<AppendResult> Inbox::appendBatch(Poco::Data::Session& s,
                                            const std::vector<Delivery>& deliveries) const {
  using Key = std::pair<std::string, std::string>;  // (app, dedup key)
  std::vector<Key> keys;
  for (const auto& d : deliveries) keys.emplace_back(d.app, crypto::toHex(crypto::sha256(d.body)));
  Poco::Data::Statement insert(s);
  insert << dialect_.insertIgnore + " INTO inbox (app, received_at, dedup_key, body, state, next_attempt_at, error)"
                                    " VALUES " + repeated("(?, ?, ?, ?, ?, ?, ?)", deliveries.size()) +
                (dialect_.returning ? " RETURNING id, app, dedup_key" : "");
  for (size_t i = 0; i < deliveries.size(); ++i) {
    const Delivery& d = deliveries[i];
    insert, bind(d.app), bind(d.receivedAt), bind(keys[i].second), bind(toBlob(d.body)), bind(d.state),
        bind(d.receivedAt), bind(d.error);
  }
  const size_t inserted = insert.execute();

  std::map<Key, int64_t> ids;  // every key of the batch, once its id is known
  // Which ids this statement created: RETURNING lists them (one statement for the whole batch).
  // Without it, MySQL's LAST_INSERT_ID() is the first id this statement generated; a multi-row
  // INSERT takes its ids as one increasing block, so any id from there on is ours.
  std::set<int64_t> returned;                               // with RETURNING
  int64_t firstNew = std::numeric_limits<int64_t>::max();  // without: LAST_INSERT_ID(), if any
  if (dialect_.returning) {
    Poco::Data::RecordSet rows(insert);
    for (bool more = rows.moveFirst(); more; more = rows.moveNext()) {
      ids[{text(rows, 1), text(rows, 2)}] = integer(rows, 0);
      returned.insert(integer(rows, 0));
    }
  } else if (inserted > 0) {
    Poco::Int64 first = 0;
    s << dialect_.lastInsertId, into(first), now;
    firstNew = first;
    if (keys.size() == 1) ids[keys.front()] = first;
  }
  auto isFresh = [&](int64_t id) { return dialect_.returning ? returned.count(id) > 0 : id >= firstNew; };
  if (ids.size() < keys.size()) {
    // Look the ids up per app, so the unique (app, dedup_key) index serves the query.
    std::map<std::string, std::vector<std::string>> missing;
    for (const auto& key : keys) {
      if (ids.count(key) == 0) missing[key.first].push_back(key.second);
    }
    for (const auto& [app, appKeys] : missing) {
      Poco::Data::Statement select(s);
      select << "SELECT id, dedup_key FROM inbox WHERE app = ? AND dedup_key IN (" + repeated("?", appKeys.size()) + ")" +
                    dialect_.currentRead,
          bind(app);
      for (const auto& key : appKeys) select, bind(key);
      select.execute();
      Poco::Data::RecordSet rows(select);
      for (bool more = rows.moveFirst(); more; more = rows.moveNext()) ids[{app, text(rows, 1)}] = integer(rows, 0);
    }
  }
  std::vector<AppendResult> results;
  std::set<int64_t> answered;
  for (const auto& key : keys) {
    const int64_t id = ids.at(key);
    // The first delivery of a fresh row is new; later ones in the batch repeat it.
    results.push_back({id, !isFresh(id) || !answered.insert(id).second});
  }
  return results;
}

namespace {
GroupCommitSettings oneStatement(GroupCommitSettings settings) {
  settings.oneWriteStatement = true;  // appendBatch writes with one INSERT, then only reads
  return settings;
}
}  // namespace

InboxWriter::InboxWriter(DatabasePtr db, GroupCommitSettings settings)
    : writer_(db, oneStatement(settings),
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
