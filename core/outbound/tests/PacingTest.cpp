#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

#include "outbound/Pacing.h"

namespace baraza::outbound {
namespace {

constexpr int64_t kSecond = 1000000;

// Eight senders at once; each send takes 0-80 ms and arrives at a random moment of it, but within
// the 50 ms guard of its start: jitter that a window counted from start times alone misses.
struct Simulation {
  static constexpr int64_t kGuard = 50000;
  SlidingWindow window{80, kSecond, kGuard};
  std::vector<int64_t> arrivals;
  std::vector<int64_t> durations;  // of the sends, in order

  void run(size_t sends, int64_t maxDuration) {
    std::mt19937 random(7);
    struct Flight {
      int64_t done;
      uint64_t ticket;
    };
    std::vector<Flight> flying;
    int64_t now = 0;
    while (arrivals.size() < sends) {
      for (auto it = flying.begin(); it != flying.end();) {
        if (it->done > now) {
          ++it;
          continue;
        }
        window.completed(it->ticket, it->done);
        it = flying.erase(it);
      }
      const int64_t allowed = window.nextAllowed(now);
      if (flying.size() < 8 && allowed == now) {
        const int64_t took = static_cast<int64_t>(random() % static_cast<uint64_t>(maxDuration));
        const int64_t latest = std::min(took, kGuard);
        arrivals.push_back(
            now +
            (latest > 0 ? static_cast<int64_t>(random() % static_cast<uint64_t>(latest)) : 0));
        durations.push_back(took);
        flying.push_back({now + took, window.started(now)});
        continue;
      }
      int64_t next = flying.size() < 8 ? allowed : INT64_MAX;
      for (const Flight& f : flying) next = std::min(next, f.done);
      now = next;
    }
    EXPECT_EQ(window.inFlight(), static_cast<int>(flying.size()));
    std::sort(arrivals.begin(), arrivals.end());
  }
};

TEST(SlidingWindow, NoWindowOfArrivalsEverHoldsMoreThanTheLimit) {
  Simulation sim;
  sim.run(2000, 80000);
  for (size_t i = 0; i + 80 < sim.arrivals.size(); ++i) {
    ASSERT_GE(sim.arrivals[i + 80] - sim.arrivals[i], kSecond)
        << "81 arrivals within one second at " << i;
  }
  // Each window is at most the guard longer than a second: 2000 sends at 80/s, 25 windows.
  EXPECT_LT(sim.arrivals.back() - sim.arrivals.front(), 25 * (kSecond + Simulation::kGuard));
}

TEST(SlidingWindow, FastAnswersCostNothingOfTheGuard) {
  Simulation sim;
  sim.run(2000, 2000);  // answers within 2 ms
  for (size_t i = 0; i + 80 < sim.arrivals.size(); ++i) {
    ASSERT_GE(sim.arrivals[i + 80] - sim.arrivals[i], kSecond)
        << "81 arrivals within one second at " << i;
  }
  EXPECT_LT(sim.arrivals.back() - sim.arrivals.front(), 25 * (kSecond + 2000));
}

TEST(SlidingWindow, ASendInFlightIsCountedAsArrivingWithinTheGuard) {
  SlidingWindow window(2, kSecond, 50000);
  const uint64_t first = window.started(0);
  const uint64_t second = window.started(0);
  EXPECT_EQ(window.nextAllowed(0), 50000 + kSecond + 1) << "neither has completed";
  window.completed(second, 3000);
  EXPECT_EQ(window.nextAllowed(0), 50000 + kSecond + 1) << "the first send decides, not the second";
  window.completed(first, 5000);
  EXPECT_EQ(window.nextAllowed(10), 5000 + kSecond + 1);
  EXPECT_EQ(window.inFlight(), 0);
  const uint64_t third = window.started(kSecond);
  window.completed(third, kSecond + 90000);  // slower than the guard: the guard's bound stays
  window.setLimit(1);
  EXPECT_EQ(window.nextAllowed(0), kSecond + 50000 + kSecond + 1);
}

TEST(SlidingWindow, TheGuardCountsFromWhenTheRequestWasWritten) {
  // A new connection's handshake, or a busy host, can hold a request back after its slot was
  // taken: the network's guard starts when it is written.
  SlidingWindow window(1, kSecond, 50000);
  const uint64_t send = window.started(0);
  window.written(send, 200000);
  EXPECT_EQ(window.nextAllowed(0), 250000 + kSecond + 1);
  window.completed(send, 230000);  // answered: it had arrived by then
  EXPECT_EQ(window.nextAllowed(0), 230000 + kSecond + 1);
}

TEST(PairPacer, BurstThenOneEveryInterval) {
  PairPacer pairs(6 * kSecond, 3);
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(pairs.nextAllowed("+1", 0), 0);
    pairs.record("+1", 0);
  }
  EXPECT_EQ(pairs.nextAllowed("+1", 0), 6 * kSecond);
  EXPECT_EQ(pairs.nextAllowed("+2", 0), 0) << "other recipients are not held back";
  pairs.record("+1", 6 * kSecond);
  EXPECT_EQ(pairs.nextAllowed("+1", 6 * kSecond), 12 * kSecond);
}

TEST(PairPacer, RefusalsBackOffFourToTheX) {
  PairPacer pairs(kSecond, 10);
  EXPECT_EQ(pairs.refused("+1", 0), 1 * kSecond);
  EXPECT_EQ(pairs.refused("+1", 0), 4 * kSecond);
  EXPECT_EQ(pairs.refused("+1", 0), 16 * kSecond);
  EXPECT_EQ(pairs.nextAllowed("+1", 0), 16 * kSecond);
  pairs.accepted("+1");
  EXPECT_EQ(pairs.refused("+1", 100 * kSecond), 101 * kSecond);
}

TEST(PairPacer, ForgetsIdleRecipients) {
  PairPacer pairs(kSecond, 1);
  pairs.record("+1", 0);
  pairs.refused("+2", 0);
  pairs.forgetIdle(2 * kSecond);
  EXPECT_EQ(pairs.size(), 1u) << "+2 still has a refusal to remember";
}

}  // namespace
}  // namespace baraza::outbound
