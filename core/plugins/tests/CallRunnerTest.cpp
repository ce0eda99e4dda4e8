// The runner's promises, with plain tasks: a task never waits behind another, and a task whose
// caller stopped waiting is counted as stuck until it returns.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <thread>
#include <vector>

#include "common/EventLoopMark.h"
#include "plugins/CallRunner.h"

namespace baraza::plugins {
namespace {

using Clock = std::chrono::steady_clock;

class Lambda final : public CallTask {
 public:
  explicit Lambda(std::function<void()> work) : work_(std::move(work)) {}
  void run() override { work_(); }
  void abandoned() override { ++abandonedCount; }
  void returnedLate() override { ++lateCount; }

  std::atomic<int> abandonedCount{0};
  std::atomic<int> lateCount{0};

 private:
  std::function<void()> work_;
};

constexpr auto kLong = std::chrono::seconds(60);

TEST(CallRunner, ACallMadeFromInsideACallRunsBesideIt) {
  CallRunner& runner = CallRunner::shared();
  std::atomic<bool> innerRan{false};
  auto outer = std::make_shared<Lambda>([&] {
    auto inner = std::make_shared<Lambda>([&] { innerRan = true; });
    EXPECT_TRUE(runner.run(inner, Clock::now() + kLong));
  });
  EXPECT_TRUE(runner.run(outer, Clock::now() + kLong));
  EXPECT_TRUE(innerRan);
}

TEST(CallRunner, AStuckCallDoesNotHoldUpTheNext) {
  CallRunner& runner = CallRunner::shared();
  std::promise<void> unblock;
  std::shared_future<void> blocked = unblock.get_future().share();
  auto stuck = std::make_shared<Lambda>([blocked] { blocked.wait(); });
  const size_t before = runner.stuckThreads();
  EXPECT_FALSE(runner.run(stuck, Clock::now() + std::chrono::milliseconds(20)));
  EXPECT_EQ(stuck->abandonedCount, 1);
  EXPECT_EQ(runner.stuckThreads(), before + 1);
  std::atomic<bool> ran{false};
  EXPECT_TRUE(runner.run(std::make_shared<Lambda>([&] { ran = true; }), Clock::now() + kLong));
  EXPECT_TRUE(ran);
  unblock.set_value();
  for (int i = 0; i < 1000 && stuck->lateCount == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(stuck->lateCount, 1);
  for (int i = 0; i < 1000 && runner.stuckThreads() != before; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(runner.stuckThreads(), before);
}

TEST(CallRunner, ACallMadeFromAnEventLoopStillCountsAsOnIt) {
  // So that a plugin call made on the HTTP client's loop cannot wait for that loop (HttpClient
  // refuses a blocking call there) from the thread it runs on.
  const int loop = 0;
  currentEventLoop() = &loop;
  const void* seen = nullptr;
  EXPECT_TRUE(CallRunner::shared().run(std::make_shared<Lambda>([&] { seen = currentEventLoop(); }),
                                       Clock::now() + kLong));
  currentEventLoop() = nullptr;
  EXPECT_EQ(seen, &loop);
  EXPECT_TRUE(CallRunner::shared().run(std::make_shared<Lambda>([&] { seen = currentEventLoop(); }),
                                       Clock::now() + kLong));
  EXPECT_EQ(seen, nullptr);
}

TEST(CallRunner, ManyCallersAtOnceAreAllServed) {
  CallRunner& runner = CallRunner::shared();
  std::atomic<int> done{0};
  std::vector<std::thread> callers;
  for (int t = 0; t < 8; ++t) {
    callers.emplace_back([&] {
      for (int i = 0; i < 500; ++i) {
        if (runner.run(std::make_shared<Lambda>([&] { ++done; }), Clock::now() + kLong)) continue;
        ADD_FAILURE() << "a call was abandoned";
      }
    });
  }
  for (auto& caller : callers) caller.join();
  EXPECT_EQ(done, 8 * 500);
}

}  // namespace
}  // namespace baraza::plugins
