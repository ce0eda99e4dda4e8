#include "plugins/CallRunner.h"

#include <thread>

#include "common/EventLoopMark.h"
#include "common/ThreadName.h"

namespace baraza::plugins {

CallRunner& CallRunner::shared() {
  static CallRunner* runner = new CallRunner();  // deliberately never destroyed (see the class)
  return *runner;
}

bool CallRunner::run(const std::shared_ptr<CallTask>& task,
                     std::chrono::steady_clock::time_point deadline) {
  {
    // Each queued task has a thread for it: a waiting one, or a new one when every thread is busy
    // or stuck. A task never waits behind another (a call behind the call it made through the
    // host API, or behind a stuck call).
    task->eventLoop_ = currentEventLoop();
    std::lock_guard<std::mutex> lock(mutex_);
    queue_.push_back(task);
    if (queue_.size() > waiting_ + starting_) {
      ++starting_;
      std::thread([this] { serve(); }).detach();
    } else {
      wake_.notify_one();
    }
  }
  std::unique_lock<std::mutex> lock(task->mutex_);
  if (task->done_.wait_until(lock, deadline, [&] { return task->finished_; })) return true;
  task->abandoned_ = true;
  task->abandoned();
  std::lock_guard<std::mutex> count(mutex_);
  ++stuck_;
  return false;
}

size_t CallRunner::stuckThreads() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return stuck_;
}

void CallRunner::serve() {
  nameThisThread("baraza-call");
  std::unique_lock<std::mutex> lock(mutex_);
  --starting_;
  while (true) {
    if (queue_.empty()) {
      if (waiting_ >= kMaxIdle) return;
      ++waiting_;
      wake_.wait(lock, [&] { return !queue_.empty(); });
      --waiting_;
    }
    std::shared_ptr<CallTask> task = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    currentEventLoop() = task->eventLoop_;
    task->run();
    currentEventLoop() = nullptr;
    bool late = false;
    {
      std::lock_guard<std::mutex> finishing(task->mutex_);
      late = task->abandoned_;
      if (!late) task->settled();  // the caller cannot see the answer before this
      task->finished_ = true;
      if (!late) task->done_.notify_one();
    }
    if (late) task->returnedLate();
    task.reset();  // holds nothing of the call's any more (settled), or the caller has gone
    lock.lock();
    if (late) --stuck_;
  }
}

}  // namespace baraza::plugins
