// NumberLeases: the plan each host makes for its sending numbers, and when a number it has just
// taken may send, without a database or a clock. A small table of holders stands in for the
// leases table, so hosts sharing numbers, dying and coming back are played out step by step.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "outbound/NumberLeases.h"

namespace baraza::outbound {
namespace {

std::set<std::string> numbers(int n) {
  std::set<std::string> all;
  for (int i = 0; i < n; ++i) all.insert("1000000000000" + std::to_string(10 + i));
  return all;
}

TEST(NumberLeasesPlan, AloneAHostTakesEveryNumber) {
  const LeasePlan plan = planLeases(numbers(5), {}, 1, "host-a");
  EXPECT_EQ(plan.share, 5u);
  EXPECT_TRUE(plan.renew.empty());
  EXPECT_TRUE(plan.handBack.empty());
  EXPECT_EQ(std::set<std::string>(plan.candidates.begin(), plan.candidates.end()), numbers(5));
}

TEST(NumberLeasesPlan, WhatAHostHoldsWithinItsShareIsRenewed) {
  const auto all = numbers(4);
  const std::set<std::string> holding(all.begin(), std::next(all.begin(), 2));
  const LeasePlan plan = planLeases(all, holding, 2, "host-a");
  EXPECT_EQ(plan.share, 2u);
  EXPECT_EQ(std::set<std::string>(plan.renew.begin(), plan.renew.end()), holding);
  EXPECT_TRUE(plan.handBack.empty());
  EXPECT_EQ(plan.candidates.size(), 2u) << "tried, and left alone once the share is held";
}

TEST(NumberLeasesPlan, ASecondHostMakesTheFirstHandBackWhatIsBeyondItsShare) {
  const auto all = numbers(5);
  const LeasePlan plan = planLeases(all, all, 2, "host-a");
  EXPECT_EQ(plan.share, 3u) << "ceil(5 / 2)";
  EXPECT_EQ(plan.renew.size(), 3u);
  EXPECT_EQ(plan.handBack.size(), 2u);
  EXPECT_TRUE(plan.candidates.empty());
}

TEST(NumberLeasesPlan, NoHostsCountedIsOneHost) {
  EXPECT_EQ(planLeases(numbers(3), {}, 0, "host-a").share, 3u);
}

TEST(NumberLeasesPlan, NoNumbersIsAnEmptyPlan) {
  const LeasePlan plan = planLeases({}, {"100000000000099"}, 3, "host-a");
  EXPECT_EQ(plan.share, 0u);
  EXPECT_TRUE(plan.renew.empty() && plan.handBack.empty() && plan.candidates.empty())
      << "a number held but no longer wanted is released with the gone ones, not planned";
}

TEST(NumberLeasesPlan, HostsStartLookingAtDifferentNumbers) {
  const auto all = numbers(16);
  std::set<std::string> firsts;
  for (const char* owner : {"host-a", "host-b", "host-c", "host-d", "host-e"}) {
    firsts.insert(planLeases(all, {}, 1, owner).candidates.front());
  }
  EXPECT_GT(firsts.size(), 1u) << "the order is rotated by the owner";
}

/** The leases table, as far as the plan cares: who holds which number. */
struct Table {
  std::map<std::string, std::string> holder;  // number -> owner

  bool acquire(const std::string& number, const std::string& owner) {
    auto it = holder.find(number);
    if (it != holder.end() && it->second != owner) return false;
    holder[number] = owner;
    return true;
  }
  std::set<std::string> heldBy(const std::string& owner) const {
    std::set<std::string> out;
    for (const auto& [number, who] : holder) {
      if (who == owner) out.insert(number);
    }
    return out;
  }
  /** One refresh of `owner` as the dispatcher applies it; nothing in flight, so hand-backs release.
   */
  void refresh(const std::set<std::string>& wanted, const std::string& owner, size_t liveHosts) {
    const LeasePlan plan = planLeases(wanted, heldBy(owner), liveHosts, owner);
    for (const auto& number : plan.handBack) holder.erase(number);
    size_t count = 0;
    for (const auto& number : plan.renew) count += acquire(number, owner);
    for (const auto& number : plan.candidates) {
      if (count >= plan.share) break;
      count += acquire(number, owner);
    }
  }
  /** A host that died: its leases expire. */
  void expire(const std::string& owner) {
    for (auto it = holder.begin(); it != holder.end();)
      it = it->second == owner ? holder.erase(it) : std::next(it);
  }
};

TEST(NumberLeasesPlan, ThreeHostsShareTenNumbersNoneHeldTwiceAndEveryOneHeld) {
  const auto all = numbers(10);
  Table table;
  for (int round = 0; round < 3; ++round) {
    for (const char* owner : {"host-a", "host-b", "host-c"}) table.refresh(all, owner, 3);
  }
  EXPECT_EQ(table.holder.size(), 10u) << "every number has a sender";
  for (const char* owner : {"host-a", "host-b", "host-c"}) {
    EXPECT_LE(table.heldBy(owner).size(), 4u) << owner << " holds at most ceil(10 / 3)";
    EXPECT_GE(table.heldBy(owner).size(), 2u) << owner;
  }
}

TEST(NumberLeasesPlan, AHostThatDiesHasItsNumbersTakenAndGetsItsShareBackWhenItReturns) {
  const auto all = numbers(6);
  Table table;
  // host-a alone takes everything; host-b arrives and they split three and three.
  table.refresh(all, "host-a", 1);
  EXPECT_EQ(table.heldBy("host-a").size(), 6u);
  for (int round = 0; round < 2; ++round) {
    table.refresh(all, "host-a", 2);
    table.refresh(all, "host-b", 2);
  }
  EXPECT_EQ(table.heldBy("host-a").size(), 3u);
  EXPECT_EQ(table.heldBy("host-b").size(), 3u);

  // host-a dies: its leases expire, and host-b, alone now, takes all six.
  table.expire("host-a");
  table.refresh(all, "host-b", 1);
  EXPECT_EQ(table.heldBy("host-b").size(), 6u);

  // host-a comes back: host-b hands back three, host-a takes them.
  table.refresh(all, "host-a", 2);
  EXPECT_TRUE(table.heldBy("host-a").empty()) << "nothing is free until host-b hands back";
  table.refresh(all, "host-b", 2);
  table.refresh(all, "host-a", 2);
  EXPECT_EQ(table.heldBy("host-a").size(), 3u);
  EXPECT_EQ(table.heldBy("host-b").size(), 3u);
  EXPECT_EQ(table.holder.size(), 6u);
}

TEST(NumberLeasesPlan, ARenewalThatFailsLeavesRoomForAnotherNumber) {
  const auto all = numbers(4);
  Table table;
  table.refresh(all, "host-a", 2);
  ASSERT_EQ(table.heldBy("host-a").size(), 2u);
  // One of host-a's numbers went to host-b while host-a's renewal was late.
  const std::string lost = *table.heldBy("host-a").begin();
  table.holder[lost] = "host-b";
  table.refresh(all, "host-a", 2);
  EXPECT_EQ(table.heldBy("host-a").size(), 2u) << "it takes a free number instead";
  EXPECT_EQ(table.holder.at(lost), "host-b");
}

constexpr int64_t kWindowUs = 1000000, kGuardUs = 50000;

TEST(NumberLeasesFirstSend, ANumberNobodyHeldSendsAtOnce) {
  EXPECT_FALSE(firstSendUs(std::nullopt, "host-a", false, kWindowUs, kGuardUs));
}

TEST(NumberLeasesFirstSend, ANumberTakenFromAnotherHostWaitsAWindowAfterItsHold) {
  const store::Leases::Hold last{"host-b", 5000};  // ms
  EXPECT_EQ(firstSendUs(last, "host-a", false, kWindowUs, kGuardUs),
            5001 * 1000 + kWindowUs + kGuardUs);
  EXPECT_EQ(firstSendUs(last, "host-a", true, kWindowUs, kGuardUs),
            5001 * 1000 + kWindowUs + kGuardUs)
      << "a window this host kept counts only its own sends";
}

TEST(NumberLeasesFirstSend, ANumberThisHostHeldLastSendsAtOnceWhenItKeptItsWindow) {
  // A renewal that came after the hold ended (the database was slow): nobody else sent meanwhile,
  // and the window in memory counts every send this host made.
  const store::Leases::Hold last{"host-a", 5000};
  EXPECT_FALSE(firstSendUs(last, "host-a", true, kWindowUs, kGuardUs));
}

TEST(NumberLeasesFirstSend, ANumberThisHostHeldBeforeARestartWaitsLikeAnyOther) {
  // The same owner name, but the window went with the process: its last sends are not counted.
  const store::Leases::Hold last{"host-a", 5000};
  EXPECT_EQ(firstSendUs(last, "host-a", false, kWindowUs, kGuardUs),
            5001 * 1000 + kWindowUs + kGuardUs);
}

}  // namespace
}  // namespace baraza::outbound
