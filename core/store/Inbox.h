#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/Status.h"
#include "store/Claims.h"
#include "store/Database.h"

namespace baraza::store {

/** A raw webhook delivery as received. */
struct Delivery {
  std::string app;   // which webhook endpoint (Meta app) it came to
  std::string body;  // raw bytes, as signed
  int64_t receivedAt = 0;
  /** "pending" (to process) or "failed" (stored for inspection and replay, e.g. invalid JSON). */
  std::string state = "pending";
  std::string error;
};

struct InboxRow {
  int64_t id = 0;
  std::string app;
  int64_t receivedAt = 0;
  std::string body;
  std::string state;  // pending, processing, done, failed, duplicate
  int attempts = 0;
  std::string error;
};

/**
 * Durable store of raw webhook deliveries. A delivery is acknowledged only after append() has
 * committed it; it is then processed at least once (claim -> done/failed/retry). Every delivery
 * gets a row, repeats included: the processor recognises a body it already processed by its
 * digest (recordDigest) and marks the repeat `duplicate`, so acknowledging never reads or writes
 * a random-keyed index.
 */
class Inbox {
 public:
  /**
   * `consecutiveIds`: a multi-row INSERT takes consecutive ids (Database::
   * multiRowInsertIdsConsecutive); when false, appendBatch inserts row by row.
   */
  explicit Inbox(const Dialect& dialect, bool consecutiveIds = true)
      : dialect_(dialect), consecutiveIds_(consecutiveIds) {}

  /** Stores a delivery; its id. */
  int64_t append(Poco::Data::Session& s, const Delivery& delivery) const;
  /** append() for many deliveries (MySQL: a multi-row INSERT per kRowsPerStatement; SQLite:
   * insertEach); ids in order. */
  std::vector<int64_t> appendBatch(Poco::Data::Session& s,
                                   const std::vector<Delivery>& deliveries) const;

  /**
   * Records that delivery `id` carries the body with this digest for `app`, unless an earlier
   * delivery already did: returns the delivery the digest belongs to (`id` when recorded now).
   * Called in the transaction that processes the delivery, so a rolled-back attempt records
   * nothing.
   */
  int64_t recordDigest(Poco::Data::Session& s, const std::string& app, const std::string& digest,
                       int64_t id) const;
  /** The digest recordDigest expects: hex SHA-256 of the raw body. */
  static std::string digestOf(const std::string& body);

  /** Claims up to `limit` due deliveries for `owner`, leased for `leaseMs`. */
  std::vector<InboxRow> claim(Poco::Data::Session& s, const std::string& owner, int64_t now,
                              int64_t leaseMs, size_t limit) const;
  /**
   * Takes over the oldest abandoned delivery (its process died holding it), failing those claimed
   * `maxAttempts` times already (store::claimAbandoned). One at a time: the processor runs it
   * alone, so a delivery that kills the process fails by itself, not with its batch.
   */
  TakenOver<InboxRow> claimAbandoned(Poco::Data::Session& s, const std::string& owner, int64_t now,
                                     int64_t leaseMs, int maxAttempts) const;
  bool anyAbandoned(Poco::Data::Session& s, int64_t now) const;
  /** Done, if `owner` still holds the lease; false when the lease was lost. */
  bool markDone(Poco::Data::Session& s, int64_t id, const std::string& owner) const;
  /** Done without processing: the same body as delivery `original`, if `owner` holds the lease. */
  bool markDuplicate(Poco::Data::Session& s, int64_t id, const std::string& owner,
                     int64_t original) const;
  /** Back to pending at `retryAt`, or failed for good when retryAt is 0. */
  bool markFailed(Poco::Data::Session& s, int64_t id, const std::string& owner,
                  const std::string& error, int64_t retryAt) const;
  /** A failed (or done) delivery processed again from the start, its attempts counted anew. A
   * duplicate is not replayed. */
  bool replay(Poco::Data::Session& s, int64_t id, int64_t now) const;
  /** Every failed delivery processed again; returns how many. */
  size_t replayFailed(Poco::Data::Session& s, int64_t now) const;

  std::optional<InboxRow> get(Poco::Data::Session& s, int64_t id) const;
  /** Newest first; state "" means every state. */
  std::vector<InboxRow> list(Poco::Data::Session& s, const std::string& state, size_t limit) const;

 private:
  /** One INSERT for `count` deliveries from `first`; their ids. */
  std::vector<int64_t> insertRows(Poco::Data::Session& s, const Delivery* first,
                                  size_t count) const;
  /**
   * SQLite's appendBatch: one single-row INSERT, prepared once and run for each delivery (Poco
   * binds whole columns). SQLite gains nothing from a multi-row INSERT, and parsing one (Poco
   * prepares every statement anew) cost a fifth of the group-commit writer's time.
   */
  std::vector<int64_t> insertEach(Poco::Data::Session& s,
                                  const std::vector<Delivery>& deliveries) const;

  const Dialect& dialect_;
  bool consecutiveIds_;
};

}  // namespace baraza::store
