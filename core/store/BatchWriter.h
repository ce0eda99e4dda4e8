#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "common/Await.h"
#include "common/Status.h"
#include "common/ThreadName.h"
#include "store/Database.h"
#include "store/GroupCommitSettings.h"

namespace baraza::store {

/** Sets the calling thread's nice value; false (logged once per process) when not permitted. */
bool prioritiseThisThread(int nice);

/**
 * The machinery of group commit: callers on many threads submit items, and either block or
 * leave a callback; writer threads take what is queued (up to maxBatch), write the whole batch
 * in one transaction with `write`, and answer every caller only after the commit. If a batch
 * fails, each item is written again in a transaction of its own, so one bad item fails alone;
 * `write` must therefore be safe to run again for items of a rolled-back batch.
 */
template <class Item, class Result>
class BatchWriter {
 public:
  /** Writes items (in order) in the caller's transaction; fills results (same order). */
  using WriteFn =
      std::function<void(Poco::Data::Session&, const std::vector<Item>&, std::vector<Result>&)>;

  BatchWriter(DatabasePtr db, GroupCommitSettings settings, WriteFn write)
      : db_(std::move(db)), settings_(settings), write_(std::move(write)) {
    size_t writers = settings_.writers;
    if (writers == 0) writers = 1;
    inFlight_.resize(writers);
    for (size_t i = 0; i < writers; ++i) {
      threads_.emplace_back([this, i] {
        nameThisThread("baraza-commit");
        loop(i);
      });
    }
    if (settings_.answerWithin.count() > 0) {
      threads_.emplace_back([this] {
        nameThisThread("baraza-commit-deadline");
        watchDeadlines();
      });
    }
  }

  /** Writes what is queued, then stops the writers. */
  ~BatchWriter() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    for (auto& t : threads_) t.join();
  }

  /** Called once with the item's result after its transaction committed, or with why it did not. */
  using Done = std::function<void(StatusOr<Result>)>;

  /**
   * Queues `item` and returns at once; `done` runs on a writer thread after the commit (or at
   * once, here, when the writer is stopping). It must not block: every caller of the batch waits
   * for it.
   */
  void submit(Item item, Done done) {
    bool wake = false;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      if (stopping_ || queue_.size() >= settings_.maxQueued) {
        const bool full = !stopping_;
        if (full)
          health_ =
              unavailable("the group commit queue is full (" + std::to_string(settings_.maxQueued) +
                          " waiting): the database does not keep up");
        lock.unlock();
        done(unavailable(full ? "the group commit queue is full" : "the store is shutting down"));
        return;
      }
      queue_.push_back(
          Pending{std::move(item), std::make_shared<Answer>(std::move(done)), Clock::now()});
      // Wake a writer only when it waits for this: an idle one for any item, a filling one for
      // its target. Waking it for every item made it switch in and out once per caller.
      wake = idle_ > 0 || queue_.size() == fillTarget_;
    }
    if (wake) wake_.notify_all();
  }

  /** The item's result once its transaction committed, or why it did not. */
  StatusOr<Result> submit(Item item) {
    return awaitCallback<StatusOr<Result>>(
        [&](auto done) { submit(std::move(item), std::move(done)); });
  }

  /** Transactions committed so far. */
  uint64_t commits() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return commits_;
  }

  /**
   * Whether writes go through: OK until a commit fails, a caller goes unanswered past
   * answerWithin or the queue is full; OK again after the next commit.
   */
  Status health() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return health_;
  }

 private:
  using Clock = std::chrono::steady_clock;
  /** A caller's answer, given once: by the writer, or by the deadline watcher first. */
  struct Answer {
    explicit Answer(Done d) : done(std::move(d)) {}
    void give(StatusOr<Result> result) {
      if (!given.exchange(true)) done(std::move(result));
    }
    std::atomic<bool> given{false};
    Done done;
  };
  struct Pending {
    Item item;
    std::shared_ptr<Answer> answer;
    Clock::time_point submitted;
    void done(StatusOr<Result> result) { answer->give(std::move(result)); }
  };
  using Batch = std::vector<Pending>;
  /** A writer's batch under way: its answers and when its oldest item was submitted. */
  struct InFlight {
    std::vector<std::shared_ptr<Answer>> answers;
    Clock::time_point oldest;
  };

  /** Answers "unavailable" whoever waited past answerWithin, queued or in a commit under way. */
  void watchDeadlines() {
    const auto every = std::max<std::chrono::milliseconds>(settings_.answerWithin / 4,
                                                           std::chrono::milliseconds(5));
    const Status late =
        unavailable("not committed within " + std::to_string(settings_.answerWithin.count()) +
                    " ms: the database is stalled or slow");
    std::unique_lock<std::mutex> lock(mutex_);
    while (!stopping_) {
      wake_.wait_for(lock, every);
      const auto cutoff = Clock::now() - settings_.answerWithin;
      std::vector<std::shared_ptr<Answer>> expired;
      while (!queue_.empty() && queue_.front().submitted < cutoff) {
        expired.push_back(std::move(queue_.front().answer));
        queue_.pop_front();
      }
      for (const InFlight& batch : inFlight_) {
        if (batch.answers.empty() || batch.oldest >= cutoff) continue;
        for (const auto& answer : batch.answers) {
          if (!answer->given) expired.push_back(answer);
        }
      }
      if (expired.empty()) continue;
      health_ = late;
      lock.unlock();
      for (const auto& answer : expired) answer->give(late);
      lock.lock();
    }
  }

  void loop(size_t writer) {
    prioritiseThisThread(settings_.writerNice);
    std::unique_ptr<Poco::Data::Session> session;
    size_t released = 0;  // callers our previous commit answered
    while (true) {
      Batch batch;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        ++idle_;
        wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
        --idle_;
        if (queue_.empty()) return;  // stopping, nothing left
        const size_t expected = std::min(released, settings_.maxBatch);
        if (settings_.maxWait.count() > 0 && queue_.size() < expected) {
          fillTarget_ = expected;  // with several writers filling at once, the others time out
          wake_.wait_until(lock, std::chrono::steady_clock::now() + settings_.maxWait,
                           [&] { return stopping_ || queue_.size() >= expected; });
          fillTarget_ = 0;
        }
        while (!queue_.empty() && batch.size() < settings_.maxBatch) {
          batch.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
        if (batch.empty()) continue;  // the deadline watcher answered what was queued
        inFlight_[writer].oldest = batch.front().submitted;
        for (const auto& p : batch) inFlight_[writer].answers.push_back(p.answer);
      }
      released = batch.size();
      try {
        if (!session) session = std::make_unique<Poco::Data::Session>(db_->session());
        commit(*session, batch);
      } catch (const Poco::Exception& e) {
        session.reset();  // no connection: fail this batch; the next one tries a new one
        const Status down = unavailable(db_->describe() + ": " + e.message());
        noteHealth(down);
        for (auto& p : batch) p.done(down);
      }
      std::lock_guard<std::mutex> lock(mutex_);
      inFlight_[writer].answers.clear();
    }
  }

  void noteHealth(const Status& status) {
    std::lock_guard<std::mutex> lock(mutex_);
    health_ = status;
  }

  /** One transaction for `items`; results set only after it committed. */
  Status writeAll(Poco::Data::Session& session, const std::vector<Item>& items,
                  std::vector<Result>& results) {
    auto work = [&](Poco::Data::Session& s) {
      results.clear();
      write_(s, items, results);
    };
    const bool oneStatement =
        items.size() <= settings_.oneStatementUpTo && db_->backend() == Backend::kMysql;
    Status status = oneStatement ? db_->autocommit(session, work) : db_->transaction(session, work);
    std::lock_guard<std::mutex> lock(mutex_);
    if (status.isOk()) ++commits_;
    health_ = status;
    return status;
  }

  void commit(Poco::Data::Session& session, Batch& batch) {
    std::vector<Item> items;  // moved out of the callers' requests: copied only to retry one alone
    items.reserve(batch.size());
    for (auto& p : batch) items.push_back(std::move(p.item));
    std::vector<Result> results;
    Status status = writeAll(session, items, results);
    if (status.isOk() && results.size() == batch.size()) {
      for (size_t i = 0; i < batch.size(); ++i) batch[i].done(std::move(results[i]));
      return;
    }
    if (status.isOk())
      status = internal("batch writer returned " + std::to_string(results.size()) +
                        " results for " + std::to_string(batch.size()) + " items");
    if (batch.size() == 1) {
      batch[0].done(status);
      return;
    }
    for (size_t i = 0; i < batch.size(); ++i) {  // find the culprit: each item alone
      Status alone = writeAll(session, {items[i]}, results);
      if (alone.isOk() && results.size() == 1) {
        batch[i].done(std::move(results[0]));
      } else {
        batch[i].done(alone.isOk() ? internal("no result") : alone);
      }
    }
  }

  DatabasePtr db_;
  GroupCommitSettings settings_;
  WriteFn write_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Pending> queue_;
  size_t idle_ = 0;        // writers waiting for the first item of a batch
  size_t fillTarget_ = 0;  // queue length a filling writer waits for (0: none is filling)
  bool stopping_ = false;
  uint64_t commits_ = 0;
  Status health_;
  std::vector<InFlight> inFlight_;  // per writer
  std::vector<std::thread> threads_;
};

}  // namespace baraza::store
