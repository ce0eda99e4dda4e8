#include "store/Claims.h"

namespace baraza::store {

using Poco::Data::Keywords::bind;
using Poco::Data::Keywords::into;
using Poco::Data::Keywords::now;

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
                ", lease_owner = NULL, lease_expires_at = NULL WHERE id = ? AND lease_owner = ? AND state = ?";
  if (bindValues) bindValues(update);
  update, bind(id), bind(owner), bind(spec.leasedState);
  return update.execute() == 1;
}

std::vector<int64_t> claimRows(const Dialect& dialect, Poco::Data::Session& session,
                               const ClaimSpec& spec, const std::string& owner, int64_t at,
                               int64_t leaseMs, size_t limit) {
  // Two index-friendly queries rather than one OR (which InnoDB answers with a scan that locks
  // every row it reads): due rows in id order, then rows whose lease expired.
  const std::string filter = spec.filter.empty() ? "" : " AND (" + spec.filter + ")";
  std::vector<Poco::Int64> found;
  session << "SELECT id FROM " + spec.table + " WHERE state = ? AND next_attempt_at <= ?" + filter +
                 " ORDER BY id LIMIT " + std::to_string(limit) + dialect.skipLocked,
      into(found), bind(spec.readyState), bind(at), now;
  if (found.size() < limit) {
    std::vector<Poco::Int64> expired;
    session << "SELECT id FROM " + spec.table + " WHERE state = ? AND lease_expires_at < ?" + filter +
                   " ORDER BY id LIMIT " + std::to_string(limit - found.size()) + dialect.skipLocked,
        into(expired), bind(spec.leasedState), bind(at), now;
    found.insert(found.end(), expired.begin(), expired.end());
  }
  std::vector<int64_t> ids(found.begin(), found.end());
  if (ids.empty()) return ids;
  session << "UPDATE " + spec.table +
                 " SET state = ?, lease_owner = ?, lease_expires_at = ?, attempts = attempts + 1"
                 " WHERE id IN (" + idList(ids) + ")",
      bind(spec.leasedState), bind(owner), bind(at + leaseMs), now;
  return ids;
}

}  // namespace baraza::store
