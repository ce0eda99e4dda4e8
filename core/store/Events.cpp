#include "store/Events.h"

#include <Poco/Nullable.h>

#include "store/Rows.h"

namespace baraza::store {

using Poco::Data::Keywords::bind;
using Poco::Data::Keywords::now;

bool Events::add(Poco::Data::Session& s, const EventRecord& e) const {
  Poco::Nullable<std::string> tenant;
  if (!e.tenant.empty()) tenant = e.tenant;
  Poco::Data::Statement insert(s);
  insert << "INSERT INTO events (delivery_id, position, tenant, kind, field, payload, reason, "
            "created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)" +
                dialect_.skipDuplicate("id"),
      bind(e.deliveryId), bind(e.position), bind(tenant), bind(e.kind), bind(e.field),
      bind(e.payload), bind(e.reason), bind(e.createdAt);
  return insert.execute() == 1;
}

std::vector<EventRecord> Events::list(Poco::Data::Session& s, const std::string& tenant,
                                      const std::string& kind, size_t limit) const {
  Poco::Data::Statement select(s);
  select << "SELECT id, delivery_id, position, tenant, kind, field, " +
                textHead(dialect_, "payload") +
                ", reason, created_at FROM events WHERE (? = '' OR tenant = ?) AND (? = '' OR kind "
                "= ?)"
                " ORDER BY id DESC LIMIT " +
                std::to_string(limit),
      bind(tenant), bind(tenant), bind(kind), bind(kind);
  select.execute();
  Poco::Data::RecordSet rows(select);
  std::vector<EventRecord> out;
  std::vector<size_t> cutAt;  // payloads longer than textHead() read
  for (bool more = rows.moveFirst(); more; more = rows.moveNext()) {
    if (integer(rows, 7) > kTextHeadChars) cutAt.push_back(out.size());
    out.push_back({integer(rows, 0), integer(rows, 1), text(rows, 2), text(rows, 3), text(rows, 4),
                   text(rows, 5), text(rows, 6), text(rows, 8), integer(rows, 9)});
  }
  readWholeAt(s, "events", "payload", out, cutAt, &EventRecord::payload);
  return out;
}

}  // namespace baraza::store
