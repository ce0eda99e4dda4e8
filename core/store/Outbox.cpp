#include "store/Outbox.h"

#include <Poco/Nullable.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <stdexcept>

#include "store/Claims.h"
#include "store/Rows.h"

namespace baraza::store {

using Poco::Data::Keywords::bind;
using Poco::Data::Keywords::into;
using Poco::Data::Keywords::now;
using Poco::Data::Keywords::use;

namespace {

const ClaimSpec& kClaim = kOutboxClaims;

/**
 * The rows with these ids, in id order, into typed columns: a claim reads every message it sends,
 * and going through a RecordSet's variants cost more than the reading. NULL reads as "" or 0.
 */
std::vector<OutboxRow> readByIds(Poco::Data::Session& s, const Dialect& dialect,
                                 const std::vector<int64_t>& ids) {
  std::vector<Poco::Int64> rowIds, attempts, nextAttemptAts, leaseExpiresAts, createdAts,
      updatedAts, payloadChars;
  std::vector<std::string> tenants, numbers, recipients, payloads, states, leaseOwners, providerIds,
      lastErrors;
  Poco::Data::Statement select(s);
  select << "SELECT id, tenant, phone_number_id, recipient, " + textHead(dialect, "payload") +
                ", state, attempts, next_attempt_at, lease_owner, lease_expires_at, provider_id, "
                "last_error,"
                " created_at, updated_at FROM outbox WHERE id IN (" +
                idList(ids) + ") ORDER BY id",
      into(rowIds), into(tenants), into(numbers), into(recipients), into(payloads),
      into(payloadChars), into(states), into(attempts), into(nextAttemptAts), into(leaseOwners),
      into(leaseExpiresAts), into(providerIds), into(lastErrors), into(createdAts),
      into(updatedAts);
  select.execute();
  std::vector<OutboxRow> out(rowIds.size());
  std::map<int64_t, std::string*> cut;  // payloads longer than textHead() read
  for (size_t i = 0; i < rowIds.size(); ++i) {
    OutboxRow& r = out[i];
    r.id = rowIds[i];
    r.tenant = std::move(tenants[i]);
    r.phoneNumberId = std::move(numbers[i]);
    r.recipient = std::move(recipients[i]);
    r.payload = std::move(payloads[i]);
    if (payloadChars[i] > kTextHeadChars) cut.emplace(r.id, &r.payload);
    r.state = std::move(states[i]);
    r.attempts = static_cast<int>(attempts[i]);
    r.nextAttemptAt = nextAttemptAts[i];
    r.leaseOwner = std::move(leaseOwners[i]);
    r.leaseExpiresAt = leaseExpiresAts[i];
    r.providerId = std::move(providerIds[i]);
    r.lastError = std::move(lastErrors[i]);
    r.createdAt = createdAts[i];
    r.updatedAt = updatedAts[i];
  }
  readWhole(s, "outbox", "payload", cut);
  return out;
}

const std::string kInto =
    " INTO outbox (tenant, phone_number_id, recipient, idempotency_key, payload, state, "
    "next_attempt_at,"
    " created_at, updated_at) VALUES ";
const char* kInsertRow = "(?, ?, ?, ?, ?, 'queued', ?, ?, ?)";

}  // namespace

int64_t Outbox::enqueue(Poco::Data::Session& s, const OutboundMessage& m, int64_t at) const {
  if (m.idempotencyKey.empty()) {
    const OutboundMessage* one = &m;
    return insertRows(s, &one, 1, at).front();
  }
  Poco::Data::Statement insert(s);
  insert << "INSERT" + kInto + kInsertRow + dialect_.skipDuplicate("id"), bind(m.tenant),
      bind(m.phoneNumberId), bind(m.recipient), bind(m.idempotencyKey), bind(m.payload),
      bind(std::max(m.notBefore, at)), bind(at), bind(at);
  if (insert.execute() == 1) return lastInsertId(s, dialect_.backend);
  Poco::Int64 id = 0;
  s << "SELECT id FROM outbox WHERE tenant = ? AND idempotency_key = ?" + dialect_.currentRead,
      into(id), bind(m.tenant), bind(m.idempotencyKey), now;
  return id;
}

std::vector<int64_t> Outbox::enqueueAll(Poco::Data::Session& s,
                                        const std::vector<OutboundMessage>& messages,
                                        int64_t at) const {
  std::vector<int64_t> ids(messages.size());
  std::vector<size_t> plain;  // without a key: always a new row
  std::vector<const OutboundMessage*> rows;
  for (size_t i = 0; i < messages.size(); ++i) {
    if (!messages[i].idempotencyKey.empty()) {
      ids[i] = enqueue(s, messages[i], at);
    } else {
      plain.push_back(i);
      rows.push_back(&messages[i]);
    }
  }
  if (rows.empty()) return ids;
  if (dialect_.backend == Backend::kSqlite) {
    // One single-row INSERT prepared once and stepped per message, as MessageStore::insertAll
    // does: parsing a multi-row INSERT with eight bindings a row cost more than the inserts
    // (outbound_bench's producer). The rows take consecutive ids: this transaction holds
    // SQLite's only write lock.
    const std::vector<int64_t> some = insertEach(s, rows, at);
    for (size_t k = 0; k < rows.size(); ++k) ids[plain[k]] = some[k];
    return ids;
  }
  inStatements(rows.size(), rowsPerInsert(consecutiveIds_), [&](size_t from, size_t count) {
    const std::vector<int64_t> some = insertRows(s, rows.data() + from, count, at);
    for (size_t k = 0; k < count; ++k) ids[plain[from + k]] = some[k];
  });
  return ids;
}

std::vector<int64_t> Outbox::insertEach(Poco::Data::Session& s,
                                        const std::vector<const OutboundMessage*>& rows,
                                        int64_t at) const {
  std::vector<std::string> tenants, numbers, recipients, payloads;
  std::vector<Poco::Int64> dueAts;
  tenants.reserve(rows.size());
  numbers.reserve(rows.size());
  recipients.reserve(rows.size());
  payloads.reserve(rows.size());
  dueAts.reserve(rows.size());
  for (const OutboundMessage* m : rows) {
    tenants.push_back(m->tenant);
    numbers.push_back(m->phoneNumberId);
    recipients.push_back(m->recipient);
    payloads.push_back(m->payload);
    dueAts.push_back(std::max(m->notBefore, at));
  }
  std::vector<Poco::Int64> ats(rows.size(), at);
  Poco::Data::Statement insert(s);
  insert << "INSERT" + kInto + "(?, ?, ?, NULL, ?, 'queued', ?, ?, ?)", use(tenants), use(numbers),
      use(recipients), use(payloads), use(dueAts), use(ats), use(ats);
  insert.execute();
  return insertedIds(s, dialect_, rows.size());
}

std::vector<int64_t> Outbox::insertRows(Poco::Data::Session& s, const OutboundMessage* const* first,
                                        size_t count, int64_t at) const {
  Poco::Data::Statement insert(s);
  insert << "INSERT" + kInto + repeated(kInsertRow, count);
  const Poco::Nullable<std::string> noKey;  // NULL keys never collide
  for (size_t i = 0; i < count; ++i) {
    const OutboundMessage& m = *first[i];
    insert, bind(m.tenant), bind(m.phoneNumberId), bind(m.recipient), bind(noKey), bind(m.payload),
        bind(std::max(m.notBefore, at)), bind(at), bind(at);
  }
  insert.execute();
  return insertedIds(s, dialect_, count);
}

std::vector<OutboxRow> Outbox::claim(Poco::Data::Session& s, const std::string& phoneNumberId,
                                     const std::string& owner, int64_t at, int64_t leaseMs,
                                     size_t limit, int maxAttempts) const {
  return claimEach(s, {{phoneNumberId, limit}}, owner, at, leaseMs, maxAttempts).front();
}

std::vector<std::vector<OutboxRow>> Outbox::claimEach(
    Poco::Data::Session& s, const std::vector<std::pair<std::string, size_t>>& numbers,
    const std::string& owner, int64_t at, int64_t leaseMs, int maxAttempts,
    std::vector<int64_t>* failed) const {
  std::vector<int64_t> ids;
  for (const auto& [phoneNumberId, limit] : numbers) {
    // Inlined into the claim's SQL, so only digits (tenant files are checked so when they load).
    if (phoneNumberId.empty() ||
        !std::all_of(phoneNumberId.begin(), phoneNumberId.end(),
                     [](unsigned char c) { return std::isdigit(c) != 0; })) {
      throw std::invalid_argument("a phone number id is digits only, not '" + phoneNumberId + "'");
    }
    ClaimSpec spec = kClaim;
    spec.filter = "phone_number_id = '" + phoneNumberId + "'";
    const std::vector<int64_t> due = claimDue(dialect_, s, spec, owner, at, leaseMs, limit);
    ids.insert(ids.end(), due.begin(), due.end());
    if (due.size() == limit) continue;
    // A dead host's messages are taken over as a batch, unlike deliveries (InboundProcessor): a
    // host that dies sending has up to max_in_flight of them, one at a time would take minutes.
    const AbandonedClaim abandoned =
        claimAbandoned(dialect_, s, spec, owner, at, leaseMs, limit - due.size(), maxAttempts);
    ids.insert(ids.end(), abandoned.claimed.begin(), abandoned.claimed.end());
    if (failed) failed->insert(failed->end(), abandoned.failed.begin(), abandoned.failed.end());
  }
  std::vector<std::vector<OutboxRow>> out(numbers.size());
  if (ids.empty()) return out;
  std::map<std::string, size_t> slot;
  for (size_t i = 0; i < numbers.size(); ++i) slot.emplace(numbers[i].first, i);
  for (OutboxRow& row : readByIds(s, dialect_, ids))
    out[slot.at(row.phoneNumberId)].push_back(std::move(row));
  return out;
}

bool Outbox::markSent(Poco::Data::Session& s, int64_t id, const std::string& owner,
                      const std::string& providerId, int64_t at) const {
  return markAllSent(s, {{id, providerId}}, owner, at) == 1;
}

size_t Outbox::markAllSent(Poco::Data::Session& s,
                           const std::vector<std::pair<int64_t, std::string>>& sent,
                           const std::string& owner, int64_t at) const {
  if (sent.empty()) return 0;
  if (dialect_.backend == Backend::kSqlite) {
    // One short statement, prepared once and stepped row by row (Poco binds the vectors a row at
    // a time): SQLite has no round trips to save, and preparing a multi-row CASE costs more than
    // the update (outbound_bench).
    std::vector<Poco::Int64> ids;
    std::vector<std::string> providerIds;
    ids.reserve(sent.size());
    providerIds.reserve(sent.size());
    for (const auto& [id, providerId] : sent) {
      ids.push_back(id);
      providerIds.push_back(providerId);
    }
    std::vector<Poco::Int64> ats(sent.size(), at);
    std::vector<std::string> owners(sent.size(), owner);
    Poco::Data::Statement update(s);
    update
        << "UPDATE outbox SET state = 'sent', provider_id = ?, last_error = NULL, updated_at = ?,"
           " lease_owner = NULL, lease_expires_at = NULL WHERE id = ? AND lease_owner = ? AND "
           "state = '" +
               kClaim.leasedState + "'",
        use(providerIds), use(ats), use(ids), use(owners);
    return update.execute();
  }
  size_t marked = 0;
  inStatements(sent.size(), kRowsPerStatement, [&](size_t from, size_t count) {
    Poco::Data::Statement update(s);
    update << "UPDATE outbox SET state = 'sent', provider_id = CASE id " +
                  repeated("WHEN ? THEN ?", count, " ") +
                  " END, last_error = NULL, updated_at = ?, lease_owner = NULL, lease_expires_at = "
                  "NULL"
                  " WHERE lease_owner = ? AND state = ? AND id IN (" +
                  repeated("?", count) + ")";
    for (size_t i = from; i < from + count; ++i) update, bind(sent[i].first), bind(sent[i].second);
    update, bind(at), bind(owner), bind(kClaim.leasedState);
    for (size_t i = from; i < from + count; ++i) update, bind(sent[i].first);
    marked += update.execute();
  });
  return marked;
}

bool Outbox::retryLater(Poco::Data::Session& s, int64_t id, const std::string& owner,
                        const std::string& error, int64_t retryAt, int64_t at) const {
  return finishClaim(s, kClaim, id, owner,
                     "state = 'queued', next_attempt_at = ?, last_error = ?, updated_at = ?",
                     [&](auto& u) { u, bind(retryAt), bind(error), bind(at); });
}

bool Outbox::release(Poco::Data::Session& s, int64_t id, const std::string& owner, int64_t retryAt,
                     const std::string& note, int64_t at) const {
  return finishClaim(s, kClaim, id, owner,
                     "state = 'queued', attempts = attempts - 1, next_attempt_at = ?, "
                     "last_error = COALESCE(?, last_error), updated_at = ?",
                     [&](auto& u) {
                       Poco::Nullable<std::string> error;
                       if (!note.empty()) error = note;
                       u, bind(retryAt), bind(error), bind(at);
                     });
}

bool Outbox::markFailed(Poco::Data::Session& s, int64_t id, const std::string& owner,
                        const std::string& error, int64_t at) const {
  return finishClaim(s, kClaim, id, owner, "state = 'failed', last_error = ?, updated_at = ?",
                     [&](auto& u) { u, bind(error), bind(at); });
}

std::optional<OutboxRow> Outbox::get(Poco::Data::Session& s, int64_t id) const {
  auto rows = readByIds(s, dialect_, {id});
  if (rows.empty()) return std::nullopt;
  return rows.front();
}

}  // namespace baraza::store
