#include "store/ConversationJobs.h"

#include "store/Rows.h"

namespace baraza::store {

using Poco::Data::Keywords::bind;
using Poco::Data::Keywords::now;

namespace {
const ClaimSpec& kJobClaim = kJobClaims;
}  // namespace

void ConversationJobs::enqueue(Poco::Data::Session& s, const std::string& tenant, int64_t messageId,
                               int64_t at, int64_t dueAt) const {
  s << "INSERT INTO conversation_jobs (tenant, message_id, state, next_attempt_at, created_at)"
       " VALUES (?, ?, 'pending', ?, ?)" +
           dialect_.skipDuplicate("id"),
      bind(tenant), bind(messageId), bind(dueAt), bind(at), now;
}

void ConversationJobs::release(Poco::Data::Session& s, int64_t messageId, int64_t at) const {
  s << "UPDATE conversation_jobs SET next_attempt_at = ? WHERE message_id = ? AND state = "
       "'pending' AND next_attempt_at = ?",
      bind(at), bind(messageId), bind(kAwaitingMedia), now;
}

namespace {
std::vector<ConversationJob> jobsByIds(Poco::Data::Session& s, const std::vector<int64_t>& ids) {
  if (ids.empty()) return {};
  Poco::Data::Statement select(s);
  select << "SELECT id, tenant, message_id, attempts FROM conversation_jobs WHERE id IN (" +
                idList(ids) + ") ORDER BY id";
  select.execute();
  Poco::Data::RecordSet rows(select);
  std::vector<ConversationJob> out;
  for (bool more = rows.moveFirst(); more; more = rows.moveNext()) {
    out.push_back(
        {integer(rows, 0), text(rows, 1), integer(rows, 2), static_cast<int>(integer(rows, 3))});
  }
  return out;
}
}  // namespace

std::vector<ConversationJob> ConversationJobs::claim(Poco::Data::Session& s,
                                                     const std::string& owner, int64_t at,
                                                     int64_t leaseMs, size_t limit) const {
  return jobsByIds(s, claimDue(dialect_, s, kJobClaim, owner, at, leaseMs, limit));
}

TakenOver<ConversationJob> ConversationJobs::claimAbandoned(Poco::Data::Session& s,
                                                            const std::string& owner, int64_t at,
                                                            int64_t leaseMs,
                                                            int maxAttempts) const {
  AbandonedClaim claim =
      store::claimAbandoned(dialect_, s, kJobClaim, owner, at, leaseMs, 1, maxAttempts);
  TakenOver<ConversationJob> out{std::nullopt, std::move(claim.failed)};
  if (std::vector<ConversationJob> jobs = jobsByIds(s, claim.claimed); !jobs.empty())
    out.row = jobs.front();
  return out;
}

bool ConversationJobs::anyAbandoned(Poco::Data::Session& s, int64_t at) const {
  return store::anyAbandoned(s, kJobClaim, at);
}

bool ConversationJobs::markDone(Poco::Data::Session& s, int64_t id,
                                const std::string& owner) const {
  return finishClaim(s, kJobClaim, id, owner, "state = 'done', error = NULL");
}

bool ConversationJobs::markFailed(Poco::Data::Session& s, int64_t id, const std::string& owner,
                                  const std::string& error, int64_t retryAt) const {
  return finishClaim(
      s, kJobClaim, id, owner, "state = ?, next_attempt_at = ?, error = ?", [&](auto& u) {
        u, bind(std::string(retryAt > 0 ? "pending" : "failed")), bind(retryAt), bind(error);
      });
}

}  // namespace baraza::store
