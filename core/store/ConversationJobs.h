// The conversation_jobs table: one job per stored inbound message whose tenant has a
// conversation plugin, claimed under a lease like the inbox's deliveries.
#pragma once

#include <limits>
#include <string>
#include <vector>

#include "store/Claims.h"
#include "store/Database.h"

namespace baraza::store {

/** A conversation job: run the tenant's conversation plugin for one stored inbound message. */
struct ConversationJob {
  int64_t id = 0;
  std::string tenant;
  int64_t messageId = 0;
  int attempts = 0;
};

class ConversationJobs {
 public:
  explicit ConversationJobs(const Dialect& dialect) : dialect_(dialect) {}

  /** A job's due time while it waits for its message's media (release() makes it due). */
  static constexpr int64_t kAwaitingMedia = std::numeric_limits<int64_t>::max();

  /** Once per message, however often its delivery is processed; due at `dueAt`. */
  void enqueue(Poco::Data::Session& s, const std::string& tenant, int64_t messageId, int64_t now,
               int64_t dueAt) const;
  /** The pending job of `messageId` due now: its media is stored or failed. */
  void release(Poco::Data::Session& s, int64_t messageId, int64_t now) const;
  std::vector<ConversationJob> claim(Poco::Data::Session& s, const std::string& owner, int64_t now,
                                     int64_t leaseMs, size_t limit) const;
  /** As Inbox::claimAbandoned: the oldest abandoned job, alone. */
  TakenOver<ConversationJob> claimAbandoned(Poco::Data::Session& s, const std::string& owner,
                                            int64_t now, int64_t leaseMs, int maxAttempts) const;
  bool anyAbandoned(Poco::Data::Session& s, int64_t now) const;
  bool markDone(Poco::Data::Session& s, int64_t id, const std::string& owner) const;
  /** Pending again at retryAt, or failed for good when retryAt is 0. */
  bool markFailed(Poco::Data::Session& s, int64_t id, const std::string& owner,
                  const std::string& error, int64_t retryAt) const;

 private:
  const Dialect& dialect_;
};

}  // namespace baraza::store
