#include "store/Leases.h"

#include "store/Rows.h"

namespace baraza::store {

using Poco::Data::Keywords::bind;
using Poco::Data::Keywords::now;

bool Leases::acquire(Poco::Data::Session& s, const std::string& name, const std::string& owner,
                     int64_t at, int64_t ttlMs) const {
  s << "INSERT INTO leases (name, owner, expires_at) VALUES (?, ?, ?)" +
           dialect_.skipDuplicate("name"),
      bind(name), bind(owner), bind(at + ttlMs), now;
  s << "UPDATE leases SET owner = ?, expires_at = ? WHERE name = ? AND (owner = ? OR expires_at < "
       "?)",
      bind(owner), bind(at + ttlMs), bind(name), bind(owner), bind(at), now;
  // MySQL reports changed rows, not matched ones: ask who holds it instead of counting.
  return holder(s, name, at) == owner;
}

void Leases::release(Poco::Data::Session& s, const std::string& name, const std::string& owner,
                     int64_t at) const {
  // Held up to at - 1: anyone may take it from `at` on (acquire takes leases with expires_at <
  // now).
  s << "UPDATE leases SET expires_at = ? WHERE name = ? AND owner = ? AND expires_at >= ?",
      bind(at - 1), bind(name), bind(owner), bind(at), now;
}

size_t Leases::releaseAllOf(Poco::Data::Session& s, const std::string& ownerPrefix,
                            const std::string& keep, int64_t at) const {
  // Held up to at - 1, as release() leaves them.
  Poco::Data::Statement update(s);
  update << "UPDATE leases SET expires_at = ? WHERE expires_at >= ? AND owner <> ? AND "
            "SUBSTR(owner, 1, " +
                std::to_string(ownerPrefix.size()) + ") = ?",
      bind(at - 1), bind(at), bind(keep), bind(ownerPrefix);
  return update.execute();
}

std::optional<Leases::Hold> Leases::lastHold(Poco::Data::Session& s,
                                             const std::string& name) const {
  Poco::Data::Statement select(s);
  select << "SELECT owner, expires_at FROM leases WHERE name = ?" + dialect_.currentRead,
      bind(name);
  select.execute();
  Poco::Data::RecordSet rows(select);
  if (!rows.moveFirst()) return std::nullopt;
  return Hold{text(rows, 0), integer(rows, 1)};
}

std::optional<std::string> Leases::holder(Poco::Data::Session& s, const std::string& name,
                                          int64_t at) const {
  std::optional<Hold> last = lastHold(s, name);
  if (!last || last->until < at) return std::nullopt;
  return last->owner;
}

size_t Leases::live(Poco::Data::Session& s, const std::string& prefix, int64_t at) const {
  Poco::Int64 n = 0;
  s << "SELECT COUNT(*) FROM leases WHERE name LIKE ? AND expires_at >= ?" + dialect_.currentRead,
      Poco::Data::Keywords::into(n), bind(prefix + "%"), bind(at), now;
  return static_cast<size_t>(n);
}

}  // namespace baraza::store
