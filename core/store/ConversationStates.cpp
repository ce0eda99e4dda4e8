#include "store/ConversationStates.h"

#include "store/Rows.h"

namespace baraza::store {

using Poco::Data::Keywords::bind;
using Poco::Data::Keywords::into;
using Poco::Data::Keywords::now;

std::optional<ConversationState> ConversationStates::get(Poco::Data::Session& s,
                                                         const std::string& tenant,
                                                         const std::string& contact) const {
  const std::string where = " FROM conversation_state WHERE tenant = ? AND contact = ?";
  Poco::Data::Statement select(s);
  select << "SELECT " + textHead(dialect_, "state") + ", version" + where, bind(tenant),
      bind(contact);
  select.execute();
  Poco::Data::RecordSet rows(select);
  if (!rows.moveFirst()) return std::nullopt;
  ConversationState state{text(rows, 0), integer(rows, 2)};
  if (integer(rows, 1) > kTextHeadChars) {  // longer than textHead() read: once more, whole
    s << "SELECT state" + where, into(state.state), bind(tenant), bind(contact), now;
  }
  return state;
}

std::optional<int64_t> ConversationStates::put(Poco::Data::Session& s, const std::string& tenant,
                                               const std::string& contact, const std::string& state,
                                               int64_t expected, int64_t at) const {
  Poco::Data::Statement write(s);
  if (expected == 0) {
    write << "INSERT INTO conversation_state (tenant, contact, state, version, updated_at) VALUES "
             "(?, ?, ?, 1, ?)" +
                 dialect_.skipDuplicate("tenant"),
        bind(tenant), bind(contact), bind(state), bind(at);
  } else {
    write << "UPDATE conversation_state SET state = ?, version = version + 1, updated_at = ?"
             " WHERE tenant = ? AND contact = ? AND version = ?",
        bind(state), bind(at), bind(tenant), bind(contact), bind(expected);
  }
  if (write.execute() != 1) return std::nullopt;
  return expected + 1;
}

}  // namespace baraza::store
