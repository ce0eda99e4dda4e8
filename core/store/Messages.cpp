#include "store/Messages.h"

#include <Poco/Nullable.h>

#include "store/Claims.h"
#include "store/Rows.h"

namespace baraza::store {

using Poco::Data::Keywords::bind;
using Poco::Data::Keywords::now;
using Poco::Data::Keywords::use;

namespace {

Poco::Nullable<std::string> orNull(const std::string& value) {
  return value.empty() ? Poco::Nullable<std::string>() : Poco::Nullable<std::string>(value);
}

}  // namespace

int statusRank(const std::string& status) {
  if (status == "received" || status == "accepted") return 0;
  if (status == "sent") return 1;
  if (status == "delivered") return 2;
  if (status == "read") return 3;
  if (status == "played") return 4;
  if (status == "failed") return 100;
  return -1;
}

void MessageStore::upsertContact(Poco::Data::Session& s, const ContactRecord& c, int64_t at) const {
  const auto& d = dialect_;
  s << "INSERT INTO contacts (tenant, wa_id, user_id, profile_name, last_inbound_at, created_at, "
       "updated_at)"
       " VALUES (?, ?, ?, ?, ?, ?, ?) " +
           d.onConflict("tenant, wa_id") + "user_id = COALESCE(" + d.excluded("user_id") +
           ", user_id), "
           "profile_name = COALESCE(" +
           d.excluded("profile_name") +
           ", profile_name), "
           "last_inbound_at = " +
           d.greatest + "(last_inbound_at, " + d.excluded("last_inbound_at") +
           "), "
           "updated_at = " +
           d.excluded("updated_at"),
      bind(c.tenant), bind(c.waId), bind(orNull(c.userId)), bind(orNull(c.profileName)),
      bind(c.lastInboundAt), bind(at), bind(at), now;
}

std::optional<ContactRecord> MessageStore::contact(Poco::Data::Session& s,
                                                   const std::string& tenant,
                                                   const std::string& waId) const {
  Poco::Data::Statement select(s);
  select << "SELECT tenant, wa_id, user_id, profile_name, last_inbound_at FROM contacts"
            " WHERE tenant = ? AND wa_id = ?",
      bind(tenant), bind(waId);
  select.execute();
  Poco::Data::RecordSet rows(select);
  if (!rows.moveFirst()) return std::nullopt;
  return ContactRecord{text(rows, 0), text(rows, 1), text(rows, 2), text(rows, 3),
                       integer(rows, 4)};
}

namespace {

const char* kInsertColumns =
    " INTO messages (tenant, provider_id, direction, phone_number_id, contact, type, content,"
    " sent_at, status, status_rank, status_at, error, created_at) VALUES ";
const char* kInsertRow = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

void bindMessage(Poco::Data::Statement& insert, const MessageRecord& m, int64_t at) {
  insert, bind(m.tenant), bind(m.providerId), bind(m.direction), bind(m.phoneNumberId),
      bind(m.contact), bind(m.type), bind(m.content), bind(m.sentAt), bind(m.status),
      bind(statusRank(m.status)), bind(m.statusAt), bind(orNull(m.error)), bind(at);
}

}  // namespace

int64_t MessageStore::insertOnce(Poco::Data::Session& s, const MessageRecord& m, int64_t at) const {
  Poco::Data::Statement insert(s);
  insert << std::string("INSERT") + kInsertColumns + kInsertRow + dialect_.skipDuplicate("id");
  bindMessage(insert, m, at);
  if (insert.execute() != 1) return 0;
  return lastInsertId(s, dialect_.backend);
}

size_t MessageStore::insertAll(Poco::Data::Session& s, const std::vector<MessageRecord>& messages,
                               int64_t at) const {
  if (messages.empty()) return 0;
  if (dialect_.backend == Backend::kSqlite) {
    // One single-row INSERT prepared once and stepped per message (Poco binds whole columns):
    // SQLite has no round trips to save, and parsing a multi-row INSERT with a binding per value
    // cost more than the inserts (outbound_bench's recorder).
    std::vector<std::string> tenants, providerIds, directions, numbers, contacts, types, contents,
        statuses, errors;
    std::vector<Poco::Int64> sentAts, ranks, statusAts;
    for (const MessageRecord& m : messages) {
      tenants.push_back(m.tenant);
      providerIds.push_back(m.providerId);
      directions.push_back(m.direction);
      numbers.push_back(m.phoneNumberId);
      contacts.push_back(m.contact);
      types.push_back(m.type);
      contents.push_back(m.content);
      sentAts.push_back(m.sentAt);
      statuses.push_back(m.status);
      ranks.push_back(statusRank(m.status));
      statusAts.push_back(m.statusAt);
      errors.push_back(m.error);
    }
    std::vector<Poco::Int64> createdAts(messages.size(), at);
    Poco::Data::Statement insert(s);
    insert << std::string("INSERT") + kInsertColumns +
                  "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULLIF(?, ''), ?)" +
                  dialect_.skipDuplicate("id"),
        use(tenants), use(providerIds), use(directions), use(numbers), use(contacts), use(types),
        use(contents), use(sentAts), use(statuses), use(ranks), use(statusAts), use(errors),
        use(createdAts);
    return insert.execute();
  }
  size_t inserted = 0;
  inStatements(messages.size(), kRowsPerStatement, [&](size_t from, size_t count) {
    Poco::Data::Statement insert(s);
    insert << std::string("INSERT") + kInsertColumns + repeated(kInsertRow, count) +
                  dialect_.skipDuplicate("id");
    for (size_t i = from; i < from + count; ++i) bindMessage(insert, messages[i], at);
    inserted += insert.execute();
  });
  return inserted;
}

std::string MessageStore::selectMessages() const {
  return "SELECT id, tenant, provider_id, direction, phone_number_id, contact, type, " +
         textHead(dialect_, "content") + ", sent_at, status, status_at, error FROM messages ";
}

std::map<int64_t, MessageRecord> MessageStore::readMessages(Poco::Data::Session& s,
                                                            Poco::Data::Statement& select) {
  select.execute();
  Poco::Data::RecordSet rows(select);
  std::map<int64_t, MessageRecord> out;
  std::map<int64_t, std::string*> cut;  // contents longer than textHead() read
  for (bool more = rows.moveFirst(); more; more = rows.moveNext()) {
    const int64_t id = integer(rows, 0);
    MessageRecord& m = out[id] =
        MessageRecord{text(rows, 1),  text(rows, 2),     text(rows, 3), text(rows, 4),
                      text(rows, 5),  text(rows, 6),     text(rows, 7), integer(rows, 9),
                      text(rows, 10), integer(rows, 11), text(rows, 12)};
    if (integer(rows, 8) > kTextHeadChars) cut.emplace(id, &m.content);
  }
  readWhole(s, "messages", "content", cut);
  return out;
}

std::map<int64_t, MessageRecord> MessageStore::messagesByIds(
    Poco::Data::Session& s, const std::vector<int64_t>& ids) const {
  if (ids.empty()) return {};
  Poco::Data::Statement select(s);
  select << selectMessages() + "WHERE id IN (" + idList(ids) + ")";
  return readMessages(s, select);
}

void MessageStore::storeIntents(Poco::Data::Session& s, const std::vector<Intents>& results,
                                int64_t at) const {
  if (results.empty()) return;
  const std::string insert =
      "INSERT INTO message_intents (message_id, tenant, result, created_at) VALUES ";
  if (dialect_.backend == Backend::kSqlite) {  // as insertAll: no round trips to save
    std::vector<Poco::Int64> ids;
    std::vector<std::string> tenants, texts;
    for (const Intents& r : results) {
      ids.push_back(r.messageId);
      tenants.push_back(r.tenant);
      texts.push_back(r.resultJson);
    }
    std::vector<Poco::Int64> ats(results.size(), at);
    s << insert + "(?, ?, ?, ?)" + dialect_.skipDuplicate("message_id"), use(ids), use(tenants),
        use(texts), use(ats), now;
    return;
  }
  inStatements(results.size(), kRowsPerStatement, [&](size_t from, size_t count) {
    Poco::Data::Statement statement(s);
    statement << insert + repeated("(?, ?, ?, ?)", count) + dialect_.skipDuplicate("message_id");
    for (size_t i = from; i < from + count; ++i)
      statement, bind(results[i].messageId), bind(results[i].tenant), bind(results[i].resultJson),
          bind(at);
    statement.execute();
  });
}

std::map<int64_t, std::string> MessageStore::intentsByIds(Poco::Data::Session& s,
                                                          const std::vector<int64_t>& ids) const {
  std::map<int64_t, std::string> out;
  if (ids.empty()) return out;
  Poco::Data::Statement select(s);
  select << "SELECT message_id, result FROM message_intents WHERE message_id IN (" + idList(ids) +
                ")";
  select.execute();
  Poco::Data::RecordSet rows(select);
  for (bool more = rows.moveFirst(); more; more = rows.moveNext())
    out[integer(rows, 0)] = text(rows, 1);
  return out;
}

std::optional<MessageRecord> MessageStore::message(Poco::Data::Session& s,
                                                   const std::string& tenant,
                                                   const std::string& providerId) const {
  Poco::Data::Statement select(s);
  select << selectMessages() + "WHERE tenant = ? AND provider_id = ?", bind(tenant),
      bind(providerId);
  auto found = readMessages(s, select);
  if (found.empty()) return std::nullopt;
  return found.begin()->second;
}

bool MessageStore::advanceStatus(Poco::Data::Session& s, const std::string& tenant,
                                 const std::string& providerId, const std::string& status,
                                 int64_t at, const std::string& error) const {
  const int rank = statusRank(status);
  if (rank < 0) return false;
  Poco::Data::Statement update(s);
  update << "UPDATE messages SET status = ?, status_rank = ?, status_at = ?, error = COALESCE(?, "
            "error)"
            " WHERE tenant = ? AND provider_id = ? AND status_rank < ?",
      bind(status), bind(rank), bind(at), bind(orNull(error)), bind(tenant), bind(providerId),
      bind(rank);
  return update.execute() == 1;
}

bool MessageStore::addStatusEvent(Poco::Data::Session& s, const StatusEvent& e) const {
  Poco::Data::Statement insert(s);
  insert
      << "INSERT INTO status_events (tenant, provider_id, status, occurred_at, recipient, errors,"
         " pricing, conversation, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)" +
             dialect_.skipDuplicate("id"),
      bind(e.tenant), bind(e.providerId), bind(e.status), bind(e.occurredAt),
      bind(orNull(e.recipient)), bind(orNull(e.errors)), bind(orNull(e.pricing)),
      bind(orNull(e.conversation)), bind(e.receivedAt);
  return insert.execute() == 1;
}

std::vector<StatusEvent> MessageStore::statusEvents(Poco::Data::Session& s,
                                                    const std::string& tenant,
                                                    const std::string& providerId) const {
  Poco::Data::Statement select(s);
  select << "SELECT tenant, provider_id, status, occurred_at, recipient, errors, pricing, "
            "conversation,"
            " received_at FROM status_events WHERE tenant = ? AND provider_id = ? ORDER BY "
            "occurred_at, id",
      bind(tenant), bind(providerId);
  select.execute();
  Poco::Data::RecordSet rows(select);
  std::vector<StatusEvent> out;
  for (bool more = rows.moveFirst(); more; more = rows.moveNext()) {
    out.push_back({text(rows, 0), text(rows, 1), text(rows, 2), integer(rows, 3), text(rows, 4),
                   text(rows, 5), text(rows, 6), text(rows, 7), integer(rows, 8)});
  }
  return out;
}

}  // namespace baraza::store
