#include "outbound/Pacing.h"

#include <gtest/gtest.h>

#include <random>

namespace baraza::outbound {
namespace {

constexpr int64_t kSecond = 1000000;

TEST(SlidingWindow, NoWindowEverHoldsMoreThanTheLimit) {
  SlidingWindow window(80, kSecond);
  std::mt19937 random(7);
  std::vector<int64_t> sent;
  int64_t now = 0;
  while (sent.size() < 2000) {
    now += random() % 5000;  // callers arrive at random, often faster than allowed
    const int64_t at = window.nextAllowed(now);
    now = at;
    window.record(now);
    sent.push_back(now);
  }
  for (size_t i = 0; i + 80 < sent.size(); ++i) {
    ASSERT_GE(sent[i + 80] - sent[i], kSecond) << "81 sends within one second at " << i;
  }
  // And it is not slower than it has to be: 2000 sends at 80/s take about 25 s.
  EXPECT_LT(sent.back() - sent.front(), 25 * kSecond + kSecond);
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
