#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/Status.h"
#include "store/Database.h"

namespace baraza::store {

/** The widest idempotency key the outbox keeps (MariaDB's VARCHAR(191), migration 001). */
constexpr size_t kMaxIdempotencyKeyBytes = 191;

struct OutboundMessage {
  std::string tenant;
  std::string phoneNumberId;  // the sending number
  std::string recipient;
  std::string payload;         // JSON, as the channel plugin will turn into a provider request
  std::string idempotencyKey;  // optional: a second enqueue with the same key is the same message
  int64_t notBefore = 0;       // first attempt at or after this time
};

struct OutboxRow {
  int64_t id = 0;
  std::string tenant, phoneNumberId, recipient, payload;
  std::string state;  // queued, sending, sent, failed
  int attempts = 0;
  int64_t nextAttemptAt = 0;
  std::string leaseOwner;
  int64_t leaseExpiresAt = 0;
  std::string providerId;
  std::string lastError;
  int64_t createdAt = 0, updatedAt = 0;
};

/**
 * The durable outbox. A message is stored before any attempt; dispatchers claim due messages
 * under a lease (another host takes them over when it expires), then record the outcome only if
 * they still hold the lease.
 */
class Outbox {
 public:
  /** `consecutiveIds`: as for Inbox (Database::multiRowInsertIdsConsecutive). */
  explicit Outbox(const Dialect& dialect, bool consecutiveIds = true)
      : dialect_(dialect), consecutiveIds_(consecutiveIds) {}

  /** Returns the message id; with an idempotency key already used, the existing message's. */
  int64_t enqueue(Poco::Data::Session& s, const OutboundMessage& message, int64_t now) const;
  /**
   * enqueue() for many messages, ids in order: those without an idempotency key with one
   * multi-row INSERT per kRowsPerStatement (bulk sends queue far faster so), the others one by one.
   */
  std::vector<int64_t> enqueueAll(Poco::Data::Session& s,
                                  const std::vector<OutboundMessage>& messages, int64_t now) const;
  /**
   * Claims up to `limit` messages of one sending number, in id order: queued and due, then those
   * a dead host was sending (lease expired); of these, one claimed `maxAttempts` times already is
   * failed instead (see claimAbandoned). Dispatch works one number at a time (its lease holder),
   * and so does the only index claims need: (phone_number_id, state, id).
   */
  std::vector<OutboxRow> claim(Poco::Data::Session& s, const std::string& phoneNumberId,
                               const std::string& owner, int64_t now, int64_t leaseMs, size_t limit,
                               int maxAttempts = 10) const;
  /**
   * claim() for several numbers, each with its limit; the rows, per number, in the order asked.
   * The claimed rows are read in one query, not one per number: on MariaDB, Poco reads the
   * MEDIUMTEXT payload through a 16 MiB buffer that every query allocates and zeroes anew.
   * The ids of abandoned messages failed at the attempt limit are added to `failed`.
   */
  std::vector<std::vector<OutboxRow>> claimEach(
      Poco::Data::Session& s, const std::vector<std::pair<std::string, size_t>>& numbers,
      const std::string& owner, int64_t now, int64_t leaseMs, int maxAttempts,
      std::vector<int64_t>* failed = nullptr) const;
  /** Sent with the provider's id; false when `owner` lost the lease meanwhile. */
  bool markSent(Poco::Data::Session& s, int64_t id, const std::string& owner,
                const std::string& providerId, int64_t now) const;
  /** markSent() for many (id, provider id) pairs in few statements; returns how many held. */
  size_t markAllSent(Poco::Data::Session& s,
                     const std::vector<std::pair<int64_t, std::string>>& sent,
                     const std::string& owner, int64_t now) const;
  /** Queued again for `retryAt` with the error kept. */
  bool retryLater(Poco::Data::Session& s, int64_t id, const std::string& owner,
                  const std::string& error, int64_t retryAt, int64_t now) const;
  /**
   * Back to the queue for `retryAt` without counting the attempt the claim counted: it was not
   * made (pacing, a paused tenant, a lease handed over). `note` replaces last_error when not empty.
   */
  bool release(Poco::Data::Session& s, int64_t id, const std::string& owner, int64_t retryAt,
               const std::string& note, int64_t now) const;
  /** Failed for good. */
  bool markFailed(Poco::Data::Session& s, int64_t id, const std::string& owner,
                  const std::string& error, int64_t now) const;

  std::optional<OutboxRow> get(Poco::Data::Session& s, int64_t id) const;

 private:
  /** New rows for `count` messages from `first` (none has an idempotency key); their ids. */
  std::vector<int64_t> insertRows(Poco::Data::Session& s, const OutboundMessage* const* first,
                                  size_t count, int64_t now) const;
  /** The same on SQLite: one single-row INSERT stepped per message. */
  std::vector<int64_t> insertEach(Poco::Data::Session& s,
                                  const std::vector<const OutboundMessage*>& rows,
                                  int64_t now) const;

  const Dialect& dialect_;
  bool consecutiveIds_;
};

}  // namespace baraza::store
