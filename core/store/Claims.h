#pragma once

#include "store/Database.h"

#include <functional>
#include <string>
#include <vector>

namespace baraza::store {

/**
 * Lease-based claiming of due rows, shared by the inbox and the outbox. A row is claimable when
 * it is in `readyState` and due, or in `leasedState` with an expired lease (its owner died).
 * Claiming sets `leasedState`, the owner, the lease expiry and attempts + 1. MySQL/MariaDB locks
 * the candidate rows with FOR UPDATE SKIP LOCKED, so concurrent claimers (other hosts) never get
 * the same row and never wait on each other; SQLite's write transaction admits one claimer at a
 * time across processes.
 */
struct ClaimSpec {
  std::string table;
  std::string readyState;
  std::string leasedState;
  std::string filter;  // extra SQL condition ANDed in (trusted, no user input); may be empty
};

/** Claims up to `limit` rows inside the caller's transaction; returns their ids. */
std::vector<int64_t> claimRows(const Dialect& dialect, Poco::Data::Session& session,
                               const ClaimSpec& spec, const std::string& owner, int64_t now,
                               int64_t leaseMs, size_t limit);

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
