#include "store/Claims.h"

namespace baraza::store {

using Poco::Data::Keywords::bind;
using Poco::Data::Keywords::into;
using Poco::Data::Keywords::now;

namespace {

std::string filterOf(const ClaimSpec& spec) {
  return spec.filter.empty() ? "" : " AND (" + spec.filter + ")";
}

void lease(Poco::Data::Session& session, const ClaimSpec& spec, const std::vector<int64_t>& ids,
           const std::string& owner, int64_t until) {
  if (ids.empty()) return;
  session << "UPDATE " + spec.table +
                 " SET state = ?, lease_owner = ?, lease_expires_at = ?, attempts = attempts + 1"
                 " WHERE id IN (" +
                 idList(ids) + ")",
      bind(spec.leasedState), bind(owner), bind(until), now;
}

}  // namespace

std::string idList(const std::vector<int64_t>& ids) {
  std::string out;
  for (int64_t id : ids) out += (out.empty() ? "" : ",") + std::to_string(id);
  return out;
}

bool finishClaim(Poco::Data::Session& session, const ClaimSpec& spec, int64_t id,
                 const std::string& owner, const std::string& assignments,
                 const std::function<void(Poco::Data::Statement&)>& bindValues) {
  Poco::Data::Statement update(session);
  update << "UPDATE " + spec.table + " SET " + assignments +
                ", lease_owner = NULL, lease_expires_at = NULL WHERE id = ? AND lease_owner = ? "
                "AND state = ?";
  if (bindValues) bindValues(update);
  update, bind(id), bind(owner), bind(spec.leasedState);
  return update.execute() == 1;
}

std::vector<int64_t> claimDue(const Dialect& dialect, Poco::Data::Session& session,
                              const ClaimSpec& spec, const std::string& owner, int64_t at,
                              int64_t leaseMs, size_t limit) {
  std::vector<Poco::Int64> found;
  session << "SELECT id FROM " + spec.table + " WHERE state = ? AND next_attempt_at <= ?" +
                 filterOf(spec) + " ORDER BY id LIMIT " + std::to_string(limit) +
                 dialect.skipLocked,
      into(found), bind(spec.readyState), bind(at), now;
  std::vector<int64_t> ids(found.begin(), found.end());
  lease(session, spec, ids, owner, at + leaseMs);
  return ids;
}

AbandonedClaim claimAbandoned(const Dialect& dialect, Poco::Data::Session& session,
                              const ClaimSpec& spec, const std::string& owner, int64_t at,
                              int64_t leaseMs, size_t limit, int maxAttempts) {
  // A few more than asked for, so that rows at the limit do not hide the ones behind them.
  std::vector<Poco::Int64> ids;
  std::vector<int> attempts;
  session << "SELECT id, attempts FROM " + spec.table +
                 " WHERE state = ? AND lease_expires_at < ?" + filterOf(spec) +
                 " ORDER BY id LIMIT " + std::to_string(limit + 32) + dialect.skipLocked,
      into(ids), into(attempts), bind(spec.leasedState), bind(at), now;
  AbandonedClaim out;
  for (size_t i = 0; i < ids.size(); ++i) {
    if (attempts[i] >= maxAttempts) {
      out.failed.push_back(ids[i]);
    } else if (out.claimed.size() < limit) {
      out.claimed.push_back(ids[i]);
    }
  }
  if (!out.failed.empty()) {
    session << "UPDATE " + spec.table + " SET state = ?, " + spec.errorColumn +
                   " = ?, lease_owner = NULL, lease_expires_at = NULL WHERE id IN (" +
                   idList(out.failed) + ")",
        bind(spec.failedState),
        bind(
            "abandoned: the process handling it stopped (crashed, hung or was killed) on each of " +
            std::to_string(maxAttempts) + " attempts; not tried again until replayed"),
        now;
  }
  lease(session, spec, out.claimed, owner, at + leaseMs);
  return out;
}

bool anyAbandoned(Poco::Data::Session& session, const ClaimSpec& spec, int64_t at) {
  std::vector<Poco::Int64> found;
  session << "SELECT id FROM " + spec.table + " WHERE state = ? AND lease_expires_at < ?" +
                 filterOf(spec) + " LIMIT 1",
      into(found), bind(spec.leasedState), bind(at), now;
  return !found.empty();
}

size_t expireLeasesOf(Poco::Data::Session& session, const ClaimSpec& spec,
                      const std::string& identity, const std::string& owner) {
  const std::string prefix = identity + ":";
  Poco::Data::Statement update(session);
  update << "UPDATE " + spec.table +
                " SET lease_expires_at = 0 WHERE state = ? AND lease_owner <> ?"
                " AND SUBSTR(lease_owner, 1, " +
                std::to_string(prefix.size()) + ") = ?",
      bind(spec.leasedState), bind(owner), bind(prefix);
  return update.execute();
}

}  // namespace baraza::store
