#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "store/Database.h"

namespace baraza::store {

struct ContactRecord {
  std::string tenant;
  std::string waId;    // the WhatsApp id (phone number) or, without one, the business-scoped id
  std::string userId;  // business-scoped user id when Meta sends one
  std::string profileName;
  int64_t lastInboundAt = 0;  // the 24-hour customer-service window runs from here

  /** Free-form messages may be sent until 24 h after the contact's last inbound message. */
  bool serviceWindowOpen(int64_t now) const {
    return lastInboundAt > 0 && now < lastInboundAt + kServiceWindowMs;
  }
  static constexpr int64_t kServiceWindowMs = 24LL * 60 * 60 * 1000;
};

struct MessageRecord {
  std::string tenant;
  std::string providerId;  // wamid
  std::string direction;   // "in" or "out"
  std::string phoneNumberId;
  std::string contact;
  std::string type;
  std::string content;  // JSON
  int64_t sentAt = 0;
  std::string status;  // received, accepted, sent, delivered, read, played, failed
  int64_t statusAt = 0;
  std::string error;  // JSON errors when failed
};

struct StatusEvent {
  std::string tenant;
  std::string providerId;
  std::string status;
  int64_t occurredAt = 0;
  std::string recipient;
  std::string errors;        // JSON
  std::string pricing;       // JSON
  std::string conversation;  // JSON
  int64_t receivedAt = 0;
};

/** The rank statuses move forward by; failed is terminal. -1 for an unknown status. */
int statusRank(const std::string& status);

/**
 * Contacts, messages and status events of every tenant. Idempotent by construction: a message
 * is stored once per (tenant, wamid), a status event once per (tenant, wamid, status, time), a
 * message's status only moves forward, and a contact's last inbound time never goes back.
 */
class MessageStore {
 public:
  explicit MessageStore(const Dialect& dialect) : dialect_(dialect) {}

  /** Creates or updates; profile name and user id only overwrite when given. */
  void upsertContact(Poco::Data::Session& s, const ContactRecord& contact, int64_t now) const;
  std::optional<ContactRecord> contact(Poco::Data::Session& s, const std::string& tenant,
                                       const std::string& waId) const;

  /** The new row's id, or 0 when (tenant, providerId) was already stored. */
  int64_t insertOnce(Poco::Data::Session& s, const MessageRecord& message, int64_t now) const;
  /** insertOnce() for many (multi-row statements on MariaDB); returns how many were new. */
  size_t insertAll(Poco::Data::Session& s, const std::vector<MessageRecord>& messages,
                   int64_t now) const;
  /**
   * Messages by row id, in one query. Use it rather than a query per message: on MySQL each
   * query selecting `content` costs a 16 MiB result buffer in Poco, whatever the rows hold.
   */
  std::map<int64_t, MessageRecord> messagesByIds(Poco::Data::Session& s,
                                                 const std::vector<int64_t>& ids) const;
  /** What the intent chain made of one inbound message. */
  struct Intents {
    int64_t messageId;
    std::string tenant;
    std::string resultJson;
  };
  /**
   * Keeps what the intent chain made of these messages (the first result of each stays), in one
   * statement on MySQL/MariaDB (a round trip per message otherwise), one prepared statement
   * stepped per message on SQLite.
   */
  void storeIntents(Poco::Data::Session& s, const std::vector<Intents>& results, int64_t at) const;
  /** The stored intent results of these messages, by message id. */
  std::map<int64_t, std::string> intentsByIds(Poco::Data::Session& s,
                                              const std::vector<int64_t>& ids) const;
  std::optional<MessageRecord> message(Poco::Data::Session& s, const std::string& tenant,
                                       const std::string& providerId) const;
  /**
   * Moves the message to `status` if that is forward of its current one (sent < delivered <
   * read < played; failed from anything but failed). True when it moved.
   */
  bool advanceStatus(Poco::Data::Session& s, const std::string& tenant,
                     const std::string& providerId, const std::string& status, int64_t at,
                     const std::string& error) const;

  /** True when stored now, false for a repeat of an event already kept. */
  bool addStatusEvent(Poco::Data::Session& s, const StatusEvent& event) const;
  std::vector<StatusEvent> statusEvents(Poco::Data::Session& s, const std::string& tenant,
                                        const std::string& providerId) const;

 private:
  /** "SELECT <the columns readMessages reads> FROM messages ". */
  std::string selectMessages() const;
  /** Rows selected with selectMessages(), by id. */
  static std::map<int64_t, MessageRecord> readMessages(Poco::Data::Session& s,
                                                       Poco::Data::Statement& select);
  const Dialect& dialect_;
};

}  // namespace baraza::store
