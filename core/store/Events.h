#pragma once

#include <optional>
#include <string>
#include <vector>

#include "store/Database.h"

namespace baraza::store {

/** A webhook change or item kept for operators and later features. */
struct EventRecord {
  int64_t id = 0;
  int64_t deliveryId = 0;
  std::string position;  // "entry.change" or "entry.change.item"
  std::string tenant;    // empty when unroutable
  std::string kind;      // "field" (a non-message change), "unroutable", "error"
  std::string field;     // the webhook field ("messages", "flows", ...)
  std::string payload;   // JSON
  std::string reason;
  int64_t createdAt = 0;
};

class Events {
 public:
  explicit Events(const Dialect& dialect) : dialect_(dialect) {}

  /** Keeps the event unless the same (delivery, position, kind) is already kept. */
  bool add(Poco::Data::Session& s, const EventRecord& event) const;
  /** Newest first; empty filters match everything. */
  std::vector<EventRecord> list(Poco::Data::Session& s, const std::string& tenant,
                                const std::string& kind, size_t limit) const;

 private:
  const Dialect& dialect_;
};

}  // namespace baraza::store
