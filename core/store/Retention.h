#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/Status.h"
#include "store/Database.h"

namespace baraza::store {

/** How long what is finished is kept (days; 0 keeps it for ever). */
struct RetentionSettings {
  int processedDays =
      30;  // processed deliveries (done, duplicate) with their digests, finished conversation jobs
  int failedDays = 90;  // failed deliveries and conversation jobs (replayable until then)
  int eventsDays =
      90;  // kept webhook fields, unroutable changes, errors, Flows error notifications
  int outboxDays = 30;       // messages sent or failed for good
  int flowSessionsDays = 7;  // flow tokens this long after they expired
  int mediaDays = 0;         // media items (and their files) after their last change; 0: for ever
  // Expired plugin key/value entries go at once: nothing can read them any more.
  size_t batch = 500;  // rows per transaction: each is short, so ingest never waits long for one
  std::chrono::seconds every{600};  // between background purges
};

/** What a purge removed (or would remove), per table. */
struct PurgeCount {
  std::string table;
  size_t rows = 0;
};

/**
 * Deletes what the retention settings no longer keep, in small transactions of `batch` rows.
 * Tables with an increasing id are walked in id order (oldest first) and the walk stops at the
 * first row too young to go, so a purge reads little more than what it deletes and uses no index
 * beyond the primary key; the rest are keyed by their expiry.
 */
class Retention {
 public:
  Retention(DatabasePtr db, RetentionSettings settings) : db_(std::move(db)), settings_(settings) {}
  ~Retention() { stop(); }

  /** One purge as of `now` (ms); with dryRun, counts what would go and deletes nothing. */
  StatusOr<std::vector<PurgeCount>> purge(int64_t now, bool dryRun);

  /**
   * A purge kept by another subsystem (media: its files live in plugins), run after each
   * background purge of the tables; returns how many of `what` it removed. Before start().
   */
  void alsoPurge(std::string what, std::function<StatusOr<size_t>(int64_t now)> purge) {
    others_.emplace_back(std::move(what), std::move(purge));
  }

  /** Purges every `settings.every` in a thread of its own, until stop(). */
  void start();
  void stop();

 private:
  DatabasePtr db_;
  RetentionSettings settings_;
  std::vector<std::pair<std::string, std::function<StatusOr<size_t>(int64_t)>>> others_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace baraza::store
