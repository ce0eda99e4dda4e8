#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>

namespace baraza::plugins {

/**
 * One piece of work for the CallRunner. run() does it. When it returns in time, settled() runs on
 * the runner's thread before the caller sees the answer: the place to drop what the call held, so
 * that the caller's references are the last (a plugin instance is then released on the thread
 * that called, as a direct call's would be). When the caller stops waiting (the deadline passed),
 * abandoned() runs on the caller's thread, and returnedLate() on the runner's thread if run()
 * ever ends: always in that order, so a count kept by the two is never negative.
 */
class CallTask {
 public:
  virtual ~CallTask() = default;
  virtual void run() = 0;
  virtual void settled() {}
  virtual void abandoned() {}
  virtual void returnedLate() {}

 private:
  friend class CallRunner;
  std::mutex mutex_;
  std::condition_variable done_;
  bool finished_ = false;
  bool abandoned_ = false;
  const void* eventLoop_ = nullptr;  // the caller's currentEventLoop(), the task's while it runs
};

/**
 * Runs plugin calls on threads of its own so that the caller can stop waiting for one: C++ cannot
 * stop a thread that is stuck in foreign code, but the thread that called need not be that one.
 * A call that passes its deadline keeps its thread (the task, and everything it holds, lives until
 * the call returns, if ever); a new thread takes that thread's place for the next call.
 *
 * Threads are made when every one is busy and kept while idle (up to kMaxIdle waiting), so a
 * steady load reuses the same few. The cost is a hand-over each way: waking a sleeping thread on
 * the other core, about 30 µs on the build machine (a VM). Neither side spins to save it: with
 * conversation turns running several at once (inbound.turns_at_once), a thread spinning for its
 * answer takes the core from the work it waits for, and conversation_bench ran 30% faster for
 * the assistant without (docs/performance.md).
 */
class CallRunner {
 public:
  /** The process's runner. Never destroyed: a thread stuck in a plugin may outlive main(). */
  static CallRunner& shared();

  /**
   * Runs `task` and waits for it until `deadline`. True when it finished; false when the caller
   * stopped waiting (the task goes on, and calls returnedLate() if it ever ends).
   */
  bool run(const std::shared_ptr<CallTask>& task, std::chrono::steady_clock::time_point deadline);

  /** Threads inside a call whose caller stopped waiting. */
  size_t stuckThreads() const;

  static constexpr size_t kMaxIdle = 16;

 private:
  CallRunner() = default;
  void serve();

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::shared_ptr<CallTask>> queue_;
  size_t waiting_ = 0;   // threads waiting for a task
  size_t starting_ = 0;  // threads made for a task, not yet running
  size_t stuck_ = 0;
};

}  // namespace baraza::plugins
