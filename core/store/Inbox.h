#pragma once

#include "common/Status.h"
#include "store/BatchWriter.h"
#include "store/Database.h"

#include <optional>
#include <string>
#include <vector>

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
  std::string state;  // pending, processing, done, failed
  int attempts = 0;
  std::string error;
};

struct AppendResult {
  int64_t id = 0;
  /**
   * The same body had already been stored for this app. Exact when the earlier append had
   * committed; two appends of one body racing in different batches may both read false.
   */
  bool duplicate = false;
};

/**
 * Durable store of raw webhook deliveries. A delivery is acknowledged only after append() has
 * committed it; it is then processed at least once (claim -> done/failed/retry).
 */
class Inbox {
 public:
  explicit Inbox(const Dialect& dialect) : dialect_(dialect) {}

  /** Inserts a delivery unless the same body is already stored for the app (then its id). */
  AppendResult append(Poco::Data::Session& s, const Delivery& delivery) const;
  /**
   * append() for many deliveries with one INSERT; results in order. SQLite learns the new ids from
   * it; MySQL/MariaDB read LAST_INSERT_ID() and then look the ids up (one query per app).
   */
  std::vector<AppendResult> appendBatch(Poco::Data::Session& s, const std::vector<Delivery>& deliveries) const;

  /** Claims up to `limit` due deliveries for `owner`, leased for `leaseMs`. */
  std::vector<InboxRow> claim(Poco::Data::Session& s, const std::string& owner, int64_t now,
                              int64_t leaseMs, size_t limit) const;
  /** Done, if `owner` still holds the lease; false when the lease was lost. */
  bool markDone(Poco::Data::Session& s, int64_t id, const std::string& owner) const;
  /** Back to pending at `retryAt`, or failed for good when retryAt is 0. */
  bool markFailed(Poco::Data::Session& s, int64_t id, const std::string& owner,
                  const std::string& error, int64_t retryAt) const;
  /** A failed (or done) delivery processed again from the start. */
  bool replay(Poco::Data::Session& s, int64_t id, int64_t now) const;
  /** Every failed delivery processed again; returns how many. */
  size_t replayFailed(Poco::Data::Session& s, int64_t now) const;

  std::optional<InboxRow> get(Poco::Data::Session& s, int64_t id) const;
  /** Newest first; state "" means every state. */
  std::vector<InboxRow> list(Poco::Data::Session& s, const std::string& state, size_t limit) const;

 private:
  const Dialect& dialect_;
};

/**
 * The webhook acknowledgement path: deliveries from concurrent requests are appended to the inbox
 * in one multi-row INSERT per group-commit batch; append() returns once that batch committed.
 */
class InboxWriter {
 public:
  InboxWriter(DatabasePtr db, GroupCommitSettings settings);
  /** Durable when OK. */
  StatusOr<AppendResult> append(Delivery delivery) { return writer_.submit(std::move(delivery)); }
  uint64_t commits() const { return writer_.commits(); }

 private:
  BatchWriter<Delivery, AppendResult> writer_;
};

}  // namespace baraza::store
