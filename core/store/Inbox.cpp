#include "store/Inbox.h"

#include <algorithm>

#include "crypto/Crypto.h"
#include "store/Claims.h"
#include "store/Rows.h"

namespace baraza::store {

using Poco::Data::Keywords::bind;
using Poco::Data::Keywords::into;
using Poco::Data::Keywords::now;
using Poco::Data::Keywords::use;

namespace {

const ClaimSpec& kClaim = kInboxClaims;
/** The columns read() takes, the body through blobHead() (no 16 MiB buffer per query on MySQL). */
std::string columns(const Dialect& dialect) {
  return "id, app, received_at, " + blobHead(dialect, "body") + ", state, attempts, error";
}

std::vector<InboxRow> read(Poco::Data::Session& s, Poco::Data::Statement& select) {
  select.execute();
  Poco::Data::RecordSet rows(select);
  std::vector<InboxRow> out;
  std::vector<size_t> longer;  // bodies blobHead() cut short
  for (bool more = rows.moveFirst(); more; more = rows.moveNext()) {
    if (integer(rows, 4) > kTextHeadChars) longer.push_back(out.size());
    out.push_back({integer(rows, 0), text(rows, 1), integer(rows, 2), text(rows, 3), text(rows, 5),
                   static_cast<int>(integer(rows, 6)), text(rows, 7)});
  }
  readWholeAt(s, "inbox", "body", out, longer, &InboxRow::body);
  return out;
}

std::vector<InboxRow> byIds(Poco::Data::Session& s, const Dialect& dialect,
                            const std::vector<int64_t>& ids) {
  if (ids.empty()) return {};
  Poco::Data::Statement select(s);
  select << "SELECT " + columns(dialect) + " FROM inbox WHERE id IN (" + idList(ids) +
                ") ORDER BY id";
  return read(s, select);
}

}  // namespace

int64_t Inbox::append(Poco::Data::Session& s, const Delivery& d) const {
  return insertRows(s, &d, 1).front();
}

std::vector<int64_t> Inbox::appendBatch(Poco::Data::Session& s,
                                        const std::vector<Delivery>& deliveries) const {
  if (dialect_.backend == Backend::kSqlite) return insertEach(s, deliveries);
  std::vector<int64_t> ids;
  ids.reserve(deliveries.size());
  inStatements(deliveries.size(), rowsPerInsert(consecutiveIds_), [&](size_t from, size_t count) {
    const std::vector<int64_t> some = insertRows(s, deliveries.data() + from, count);
    ids.insert(ids.end(), some.begin(), some.end());
  });
  return ids;
}

std::vector<int64_t> Inbox::insertRows(Poco::Data::Session& s, const Delivery* first,
                                       size_t count) const {
  Poco::Data::Statement insert(s);
  insert << "INSERT INTO inbox (app, received_at, body, state, next_attempt_at, error) VALUES " +
                repeated("(?, ?, " + std::string(kBlobParam) + ", ?, ?, ?)", count);
  for (const Delivery* d = first; d != first + count; ++d) {
    insert, bind(d->app), bind(d->receivedAt), bind(toBlob(d->body)), bind(d->state),
        bind(d->receivedAt), bind(d->error);
  }
  insert.execute();
  return insertedIds(s, dialect_, count);  // consecutive: see consecutiveIds_
}

std::vector<int64_t> Inbox::insertEach(Poco::Data::Session& s,
                                       const std::vector<Delivery>& deliveries) const {
  if (deliveries.empty()) return {};
  std::vector<std::string> apps, states, errors;
  std::vector<Poco::Int64> times;
  std::vector<Poco::Data::BLOB> bodies;
  for (const Delivery& d : deliveries) {
    apps.push_back(d.app);
    times.push_back(d.receivedAt);
    bodies.push_back(toBlob(d.body));
    states.push_back(d.state);
    errors.push_back(d.error);
  }
  Poco::Data::Statement insert(s);
  insert << "INSERT INTO inbox (app, received_at, body, state, next_attempt_at, error) "
            "VALUES (?, ?, " +
                std::string(kBlobParam) + ", ?, ?, ?)",
      use(apps), use(times), use(bodies), use(states), use(times), use(errors);
  insert.execute();  // prepared once, run once per row
  return insertedIds(s, dialect_, deliveries.size());
}

std::string Inbox::digestOf(const std::string& body) { return crypto::toHex(crypto::sha256(body)); }

int64_t Inbox::recordDigest(Poco::Data::Session& s, const std::string& app,
                            const std::string& digest, int64_t id) const {
  Poco::Data::Statement insert(s);
  insert << "INSERT INTO delivery_digests (app, digest, delivery_id) VALUES (?, ?, ?)" +
                dialect_.skipDuplicate("app"),
      bind(app), bind(digest), bind(id);
  if (insert.execute() == 1) return id;
  Poco::Int64 owner = 0;
  s << "SELECT delivery_id FROM delivery_digests WHERE app = ? AND digest = ?" +
           dialect_.currentRead,
      bind(app), bind(digest), into(owner), now;
  return owner;
}

std::vector<InboxRow> Inbox::claim(Poco::Data::Session& s, const std::string& owner, int64_t at,
                                   int64_t leaseMs, size_t limit) const {
  return byIds(s, dialect_, claimDue(dialect_, s, kClaim, owner, at, leaseMs, limit));
}

TakenOver<InboxRow> Inbox::claimAbandoned(Poco::Data::Session& s, const std::string& owner,
                                          int64_t at, int64_t leaseMs, int maxAttempts) const {
  AbandonedClaim claim =
      store::claimAbandoned(dialect_, s, kClaim, owner, at, leaseMs, 1, maxAttempts);
  TakenOver<InboxRow> out{std::nullopt, std::move(claim.failed)};
  if (std::vector<InboxRow> rows = byIds(s, dialect_, claim.claimed); !rows.empty())
    out.row = std::move(rows.front());
  return out;
}

bool Inbox::anyAbandoned(Poco::Data::Session& s, int64_t at) const {
  return store::anyAbandoned(s, kClaim, at);
}

bool Inbox::markDone(Poco::Data::Session& s, int64_t id, const std::string& owner) const {
  return finishClaim(s, kClaim, id, owner, "state = 'done', error = NULL");
}

bool Inbox::markDuplicate(Poco::Data::Session& s, int64_t id, const std::string& owner,
                          int64_t original) const {
  return finishClaim(s, kClaim, id, owner, "state = 'duplicate', error = ?", [&](auto& u) {
    u, bind("same body as delivery " + std::to_string(original));
  });
}

bool Inbox::markFailed(Poco::Data::Session& s, int64_t id, const std::string& owner,
                       const std::string& error, int64_t retryAt) const {
  return finishClaim(
      s, kClaim, id, owner, "state = ?, next_attempt_at = ?, error = ?", [&](auto& u) {
        u, bind(std::string(retryAt > 0 ? "pending" : "failed")), bind(retryAt), bind(error);
      });
}

bool Inbox::replay(Poco::Data::Session& s, int64_t id, int64_t at) const {
  Poco::Data::Statement update(s);
  update << "UPDATE inbox SET state = 'pending', next_attempt_at = ?, attempts = 0, lease_owner = "
            "NULL,"
            " lease_expires_at = NULL WHERE id = ? AND state IN ('failed', 'done')",
      bind(at), bind(id);
  return update.execute() == 1;
}

size_t Inbox::replayFailed(Poco::Data::Session& s, int64_t at) const {
  Poco::Data::Statement update(s);
  update << "UPDATE inbox SET state = 'pending', next_attempt_at = ?, attempts = 0, lease_owner = "
            "NULL,"
            " lease_expires_at = NULL WHERE state = 'failed'",
      bind(at);
  return update.execute();
}

std::optional<InboxRow> Inbox::get(Poco::Data::Session& s, int64_t id) const {
  Poco::Data::Statement select(s);
  select << "SELECT " + columns(dialect_) + " FROM inbox WHERE id = ?", bind(id);
  auto rows = read(s, select);
  if (rows.empty()) return std::nullopt;
  return rows.front();
}

std::vector<InboxRow> Inbox::list(Poco::Data::Session& s, const std::string& state,
                                  size_t limit) const {
  Poco::Data::Statement select(s);
  const std::string limitSql = " ORDER BY id DESC LIMIT " + std::to_string(limit);
  if (state.empty()) {
    select << "SELECT " + columns(dialect_) + " FROM inbox" + limitSql;
  } else {
    select << "SELECT " + columns(dialect_) + " FROM inbox WHERE state = ?" + limitSql, bind(state);
  }
  return read(s, select);
}

}  // namespace baraza::store
