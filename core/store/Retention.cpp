#include "store/Retention.h"

#include <Poco/Logger.h>

#include "common/ThreadName.h"
#include "store/Claims.h"
#include "store/Rows.h"

namespace baraza::store {

using Poco::Data::Keywords::bind;
using Poco::Data::Keywords::into;
using Poco::Data::Keywords::now;

namespace {

Poco::Logger& logger() { return Poco::Logger::get("baraza.store"); }

constexpr int64_t kDayMs = 24LL * 3600 * 1000;

/** A table whose ids grow with `timeColumn`: what may go, and until when it is kept. */
struct ByAge {
  std::string table;
  std::string timeColumn;
  /** SQL conditions (trusted) a row must meet to go, each with its own age limit in days. */
  std::vector<std::pair<std::string, int>> rules;
  /** Also delete rows of this table whose `column` names a deleted id (digests of deliveries). */
  std::string dependentTable, dependentColumn;
};

std::vector<ByAge> byAge(const RetentionSettings& r) {
  return {
      {"inbox",
       "received_at",
       {{"state IN ('done', 'duplicate')", r.processedDays}, {"state = 'failed'", r.failedDays}},
       "delivery_digests",
       "delivery_id"},
      {"conversation_jobs",
       "created_at",
       {{"state = 'done'", r.processedDays}, {"state = 'failed'", r.failedDays}},
       "",
       ""},
      {"events", "created_at", {{"1 = 1", r.eventsDays}}, "", ""},
      {"outbox", "updated_at", {{"state IN ('sent', 'failed')", r.outboxDays}}, "", ""},
  };
}

}  // namespace

StatusOr<std::vector<PurgeCount>> Retention::purge(int64_t at, bool dryRun) {
  std::vector<PurgeCount> counts;
  for (const ByAge& t : byAge(settings_)) {
    // The youngest row that may go under any rule; the walk stops at a row younger than that.
    int longest = 0, shortest = 0;
    std::string deletable;
    for (const auto& [condition, days] : t.rules) {
      if (days <= 0) continue;
      longest = std::max(longest, days);
      shortest = shortest == 0 ? days : std::min(shortest, days);
      deletable += std::string(deletable.empty() ? "" : " OR ") + "(" + condition + " AND " +
                   t.timeColumn + " < " + std::to_string(at - days * kDayMs) + ")";
    }
    PurgeCount count{t.table, 0};
    if (deletable.empty()) {
      counts.push_back(count);
      continue;
    }
    const int64_t walkUntil = at - shortest * kDayMs;
    int64_t cursor = 0;
    bool more = true;
    while (more) {
      std::vector<int64_t> doomed;
      Status step = db_->transaction([&](Poco::Data::Session& s) {
        doomed.clear();
        std::vector<Poco::Int64> ids, times;
        std::vector<int> goes;
        s << "SELECT id, " + t.timeColumn + ", CASE WHEN " + deletable +
                 " THEN 1 ELSE 0 END FROM " + t.table + " WHERE id > ? ORDER BY id LIMIT " +
                 std::to_string(settings_.batch),
            into(ids), into(times), into(goes), bind(cursor), now;
        more = ids.size() == settings_.batch && !times.empty() && times.back() < walkUntil;
        if (!ids.empty()) cursor = ids.back();
        for (size_t i = 0; i < ids.size(); ++i) {
          if (goes[i]) doomed.push_back(ids[i]);
        }
        if (dryRun || doomed.empty()) return;
        if (!t.dependentTable.empty()) {
          s << "DELETE FROM " + t.dependentTable + " WHERE " + t.dependentColumn + " IN (" +
                   idList(doomed) + ")",
              now;
        }
        s << "DELETE FROM " + t.table + " WHERE id IN (" + idList(doomed) + ")", now;
      });
      if (!step.isOk()) return step;
      count.rows += doomed.size();
    }
    counts.push_back(count);
  }
  // Keyed by expiry, not by a growing id: flow tokens past their expiry plus the grace, and
  // expired key/value entries.
  struct ByExpiry {
    const char* table;
    int64_t before;
    bool keep;
  };
  const ByExpiry expiring[] = {
      {"flow_sessions", at - settings_.flowSessionsDays * kDayMs, settings_.flowSessionsDays <= 0},
      {"plugin_kv", at, false},
  };
  for (const ByExpiry& t : expiring) {
    PurgeCount count{t.table, 0};
    if (t.keep) {
      counts.push_back(count);
      continue;
    }
    const std::string where = std::string(" FROM ") + t.table +
                              " WHERE expires_at IS NOT NULL AND expires_at < " +
                              std::to_string(t.before);
    size_t removed = 0;
    do {
      Status step = db_->transaction([&](Poco::Data::Session& s) {
        Poco::Int64 n = 0;
        if (dryRun) {
          s << "SELECT COUNT(*)" + where, into(n), now;
        } else {
          // A bounded batch without DELETE … LIMIT (SQLite builds usually lack it): the oldest
          // expiry that the next batch reaches, then everything up to it.
          std::vector<Poco::Int64> expiries;
          s << "SELECT expires_at" + where + " ORDER BY expires_at LIMIT " +
                   std::to_string(settings_.batch),
              into(expiries), now;
          if (!expiries.empty()) {
            Poco::Data::Statement remove(s);
            remove << "DELETE" + where + " AND expires_at <= ?",
                bind(static_cast<Poco::Int64>(expiries.back()));
            n = static_cast<Poco::Int64>(remove.execute());
          }
        }
        removed = static_cast<size_t>(n);
      });
      if (!step.isOk()) return step;
      count.rows += removed;
    } while (!dryRun && removed >= settings_.batch);
    counts.push_back(count);
  }
  return counts;
}

void Retention::start() {
  thread_ = std::thread([this] {
    nameThisThread("baraza-retention");
    std::unique_lock lock(mutex_);
    while (!wake_.wait_for(lock, settings_.every, [this] { return stopping_; })) {
      lock.unlock();
      const int64_t now = nowMs();
      auto purged = purge(now, false);
      std::string removed;
      if (!purged.isOk()) {
        logger().warning("retention purge: " + purged.status().message() + " (tried again in " +
                         std::to_string(settings_.every.count()) + " s)");
      } else {
        for (const auto& c : *purged) {
          if (c.rows > 0)
            removed += (removed.empty() ? "" : ", ") + std::to_string(c.rows) + " " + c.table;
        }
      }
      for (const auto& [what, other] : others_) {
        StatusOr<size_t> n = other(now);
        if (!n.isOk()) {
          logger().warning("retention purge of " + what + ": " + n.status().message());
        } else if (*n > 0) {
          removed += (removed.empty() ? "" : ", ") + std::to_string(*n) + " " + what;
        }
      }
      if (!removed.empty()) logger().information("retention purge removed " + removed);
      lock.lock();
    }
  });
}

void Retention::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace baraza::store
