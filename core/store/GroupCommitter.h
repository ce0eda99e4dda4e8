#pragma once

#include "store/BatchWriter.h"

namespace baraza::store {

/**
 * Group commit for arbitrary writes: many threads' jobs share one transaction per batch, and
 * run() returns only after the transaction holding the caller's job committed. That is what
 * makes an acknowledgement durable without one fsync per request. Jobs must be safe to run
 * twice (a failed batch is retried job by job).
 */
class GroupCommitter {
 public:
  using Job = std::function<void(Poco::Data::Session&)>;
  struct Committed {};

  GroupCommitter(DatabasePtr db, GroupCommitSettings settings)
      : writer_(
            std::move(db), settings,
            [](Poco::Data::Session& s, const std::vector<Job>& jobs, std::vector<Committed>& done) {
              for (const auto& job : jobs) {
                job(s);
                done.push_back({});
              }
            }) {}

  /** Runs job in a shared transaction; OK once committed. */
  Status run(Job job) {
    StatusOr<Committed> done = writer_.submit(std::move(job));
    return done.isOk() ? Status::ok() : done.status();
  }

  /** Transactions committed so far (for tests and metrics). */
  uint64_t commits() const { return writer_.commits(); }

 private:
  BatchWriter<Job, Committed> writer_;
};

}  // namespace baraza::store
