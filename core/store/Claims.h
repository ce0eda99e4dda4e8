#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "store/Database.h"

namespace baraza::store {

/**
 * Lease-based claiming of rows, shared by the inbox, the conversation jobs and the outbox. A row
 * in `readyState` is due when its next_attempt_at has come; claiming sets `leasedState`, the
 * owner, the lease expiry and attempts + 1. A row still in `leasedState` after its lease expired
 * was abandoned: the process holding it died (or hung) before finishing it, maybe because of the
 * row itself. MySQL/MariaDB locks the candidate rows with FOR UPDATE SKIP LOCKED, so concurrent
 * claimers (other hosts) never get the same row and never wait on each other; SQLite's write
 * transaction admits one claimer at a time across processes.
 */
struct ClaimSpec {
  std::string table;
  std::string readyState;
  std::string leasedState;
  std::string filter;  // extra SQL condition ANDed in (trusted, no user input); may be empty
  std::string failedState = "failed";
  std::string errorColumn = "error";  // where claimAbandoned() writes why it failed a row
};

/** The claimed tables, each described once (the host's restart takes back rows of all of them). */
inline const ClaimSpec kInboxClaims{"inbox", "pending", "processing", ""};
inline const ClaimSpec kJobClaims{"conversation_jobs", "pending", "processing", ""};
inline const ClaimSpec kOutboxClaims{"outbox", "queued", "sending", "", "failed", "last_error"};
inline const ClaimSpec kMediaClaims{"media", "pending", "downloading", ""};

/** Claims up to `limit` due rows inside the caller's transaction; returns their ids. */
std::vector<int64_t> claimDue(const Dialect& dialect, Poco::Data::Session& session,
                              const ClaimSpec& spec, const std::string& owner, int64_t now,
                              int64_t leaseMs, size_t limit);

/** What claimAbandoned() did. */
struct AbandonedClaim {
  std::vector<int64_t> claimed;  // taken over by the caller, lowest id first
  std::vector<int64_t> failed;   // at or over the attempt limit: failed for good instead
};

/**
 * Takes over up to `limit` abandoned rows. A row already claimed `maxAttempts` times is not
 * claimed again but failed with a reason saying so (kept, replayable): a row that kills the
 * process handling it would otherwise be claimed, and kill it, forever.
 */
AbandonedClaim claimAbandoned(const Dialect& dialect, Poco::Data::Session& session,
                              const ClaimSpec& spec, const std::string& owner, int64_t now,
                              int64_t leaseMs, size_t limit, int maxAttempts);

/** A store's claimAbandoned() of one row: the row taken over, if any, and the ids failed instead.
 */
template <class Row>
struct TakenOver {
  std::optional<Row> row;
  std::vector<int64_t> failed;
};

/** Whether any row is abandoned at `now`. */
bool anyAbandoned(Poco::Data::Session& session, const ClaimSpec& spec, int64_t now);

/**
 * Ends the leases every process of `identity` other than `owner` holds (owners "<identity>:…"),
 * as if they had expired at once: a host restarting under its identity takes back what its
 * previous process had claimed without waiting a lease. Returns how many rows.
 */
size_t expireLeasesOf(Poco::Data::Session& session, const ClaimSpec& spec,
                      const std::string& identity, const std::string& owner);

/**
 * Ends `owner`'s lease on row `id` (still in spec.leasedState) with `assignments`, a SET fragment
 * such as "state = 'done', error = ?" whose placeholders `bindValues` binds. False when `owner`
 * no longer holds the lease (it expired and another worker took the row).
 */
bool finishClaim(Poco::Data::Session& session, const ClaimSpec& spec, int64_t id,
                 const std::string& owner, const std::string& assignments,
                 const std::function<void(Poco::Data::Statement&)>& bindValues = {});

/** "1,2,3" for an IN list of ids (integers only, so safe to inline). */
std::string idList(const std::vector<int64_t>& ids);

}  // namespace baraza::store
