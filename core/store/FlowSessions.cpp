#include "store/FlowSessions.h"

#include "store/Rows.h"

namespace baraza::store {

using Poco::Data::Keywords::bind;
using Poco::Data::Keywords::into;
using Poco::Data::Keywords::now;

void FlowSessions::create(Poco::Data::Session& s, const FlowSession& f) const {
  s << "INSERT INTO flow_sessions (token, tenant, contact, flow, conversation, state, created_at,"
       " expires_at) VALUES (?, ?, ?, ?, ?, 'open', ?, ?)",
      bind(f.token), bind(f.tenant), bind(f.contact), bind(f.flow), bind(f.conversation),
      bind(f.createdAt), bind(f.expiresAt), now;
}

std::optional<FlowSession> FlowSessions::get(Poco::Data::Session& s,
                                             const std::string& token) const {
  Poco::Data::Statement select(s);
  select << "SELECT token, tenant, contact, flow, conversation, state, created_at, expires_at, "
            "closed_at"
            " FROM flow_sessions WHERE token = ?",
      bind(token);
  select.execute();
  Poco::Data::RecordSet rows(select);
  if (!rows.moveFirst()) return std::nullopt;
  return FlowSession{text(rows, 0),    text(rows, 1),    text(rows, 2),
                     text(rows, 3),    text(rows, 4),    text(rows, 5),
                     integer(rows, 6), integer(rows, 7), integer(rows, 8)};
}

bool FlowSessions::complete(Poco::Data::Session& s, const std::string& token, int64_t at) const {
  Poco::Data::Statement update(s);
  update << "UPDATE flow_sessions SET state = 'completed', closed_at = ? WHERE token = ? AND state "
            "= 'open'",
      bind(at), bind(token);
  return update.execute() == 1;
}

bool FlowSessions::close(Poco::Data::Session& s, const std::string& token, int64_t at) const {
  Poco::Data::Statement update(s);
  update << "UPDATE flow_sessions SET state = 'closed', closed_at = ? WHERE token = ? AND state IN "
            "('open', 'completed')",
      bind(at), bind(token);
  return update.execute() == 1;
}

}  // namespace baraza::store
