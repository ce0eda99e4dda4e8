#pragma once

#include "common/Status.h"
#include "store/Database.h"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace baraza::store {

struct GroupCommitSettings {
  size_t maxBatch = 256;  // jobs per transaction at most
  /**
   * How long a writer waits for a batch to fill after its first job. 0 (the default) commits
   * what is queued at once: batches then form by themselves while the previous commit syncs,
   * so a lone caller pays no extra latency and a busy host gets large batches.
   */
  std::chrono::microseconds maxWait{0};
  /**
   * Writer threads, each with its own connection and batches. 0: one on SQLite (which admits
   * one writer at a time anyway), four on MySQL/MariaDB (whose own group commit then overlaps
   * our transactions' round trips).
   */
  size_t writers = 0;
};

/**
 * Coalesces writes from many threads into one transaction per batch, so durability costs one
 * commit (one fsync) per batch instead of one per caller. run() returns only after the
 * transaction holding the caller's job has committed: that is what makes an acknowledgement
 * durable. If a batch fails, its jobs are retried one transaction each, so one bad job fails
 * alone. Jobs must therefore be safe to run twice (they are rolled back in between).
 */
class GroupCommitter {
 public:
  using Job = std::function<void(Poco::Data::Session&)>;

  GroupCommitter(DatabasePtr db, GroupCommitSettings settings);
  /** Commits what is queued, then stops the writer. */
  ~GroupCommitter();

  /** Runs job in a shared transaction; OK once committed. */
  Status run(Job job);

  /** Transactions committed so far (for tests and metrics). */
  uint64_t commits() const;

 private:
  struct Pending;
  void writerLoop();
  void commitBatch(Poco::Data::Session& session, std::vector<std::shared_ptr<Pending>>& batch);

  DatabasePtr db_;
  GroupCommitSettings settings_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::shared_ptr<Pending>> queue_;
  bool stopping_ = false;
  uint64_t commits_ = 0;
  std::vector<std::thread> writers_;
};

}  // namespace baraza::store
