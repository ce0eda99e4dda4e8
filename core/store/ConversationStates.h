// The conversation_state table: what a tenant's conversation plugin keeps per contact.
#pragma once

#include <optional>
#include <string>

#include "store/Database.h"

namespace baraza::store {

/** Per-contact state of a tenant's conversation, with optimistic concurrency. */
struct ConversationState {
  std::string state;  // JSON owned by the conversation plugin
  int64_t version = 0;
};

class ConversationStates {
 public:
  explicit ConversationStates(const Dialect& dialect) : dialect_(dialect) {}

  std::optional<ConversationState> get(Poco::Data::Session& s, const std::string& tenant,
                                       const std::string& contact) const;
  /**
   * Writes `state` if the stored version is still `expectedVersion` (0: none stored yet).
   * Returns the new version, or nullopt when someone else wrote first.
   */
  std::optional<int64_t> put(Poco::Data::Session& s, const std::string& tenant,
                             const std::string& contact, const std::string& state,
                             int64_t expectedVersion, int64_t now) const;

 private:
  const Dialect& dialect_;
};

}  // namespace baraza::store
