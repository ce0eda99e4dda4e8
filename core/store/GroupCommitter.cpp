#include "store/GroupCommitter.h"

#include <Poco/Logger.h>

#include <future>

namespace baraza::store {

struct GroupCommitter::Pending {
  Job job;
  std::promise<Status> done;
};

GroupCommitter::GroupCommitter(DatabasePtr db, GroupCommitSettings settings)
    : db_(std::move(db)), settings_(settings) {
  size_t writers = settings_.writers;
  if (writers == 0) writers = db_->backend() == Backend::kSqlite ? 1 : 4;
  for (size_t i = 0; i < writers; ++i) writers_.emplace_back([this] { writerLoop(); });
}

GroupCommitter::~GroupCommitter() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& writer : writers_) writer.join();
}

uint64_t GroupCommitter::commits() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return commits_;
}

Status GroupCommitter::run(Job job) {
  auto pending = std::make_shared<Pending>();
  pending->job = std::move(job);
  std::future<Status> done = pending->done.get_future();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) return unavailable("the store is shutting down");
    queue_.push_back(pending);
  }
  wake_.notify_one();
  return done.get();
}

void GroupCommitter::writerLoop() {
  std::unique_ptr<Poco::Data::Session> session;
  while (true) {
    std::vector<std::shared_ptr<Pending>> batch;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, nothing left
      if (settings_.maxWait.count() > 0) {
        // Let the batch fill for up to maxWait after its first job, unless it is full already.
        const auto deadline = std::chrono::steady_clock::now() + settings_.maxWait;
        wake_.wait_until(lock, deadline, [&] { return stopping_ || queue_.size() >= settings_.maxBatch; });
      }
      while (!queue_.empty() && batch.size() < settings_.maxBatch) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    try {
      if (!session) session = std::make_unique<Poco::Data::Session>(db_->session());
      commitBatch(*session, batch);
    } catch (const Poco::Exception& e) {
      // No connection: fail this batch; the next one tries a new connection.
      session.reset();
      const Status down = unavailable(db_->describe() + ": " + e.message());
      for (auto& p : batch) p->done.set_value(down);
    }
  }
}

void GroupCommitter::commitBatch(Poco::Data::Session& session,
                                 std::vector<std::shared_ptr<Pending>>& batch) {
  Status status = db_->transaction(session, [&](Poco::Data::Session& s) {
    for (auto& p : batch) p->job(s);
  });
  if (status.isOk()) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      ++commits_;
    }
    for (auto& p : batch) p->done.set_value(Status::ok());
    return;
  }
  if (batch.size() == 1) {
    batch[0]->done.set_value(status);
    return;
  }
  // Find the culprit: each job alone, in its own transaction.
  for (auto& p : batch) {
    Status alone = db_->transaction(session, p->job);
    if (alone.isOk()) {
      std::lock_guard<std::mutex> lock(mutex_);
      ++commits_;
    }
    p->done.set_value(alone);
  }
}

}  // namespace baraza::store
