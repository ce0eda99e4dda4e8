// RetryPolicy: every verdict a channel plugin can give, at every point of a message's attempts and
// of its number's refusals in a row, decided without a clock or a provider.
#include <gtest/gtest.h>

#include <string>
#include <tuple>

#include "outbound/RetryPolicy.h"

namespace baraza::outbound {
namespace {

using Kind = Action::Kind;
using Outcome = Verdict::Outcome;
using Scope = Verdict::Scope;

RetryLimits limits() {
  RetryLimits l;
  l.maxAttempts = 4;
  l.retryBaseMs = 1000;
  l.retryMaxMs = 6000;
  l.numberBackoffMaxMs = 16000;
  return l;
}

Action decideFor(Verdict v, int attempts, int throttles = 0, bool tokenReplaced = false,
                 Jitter jitter = 0.5) {
  SendState state;
  state.attempts = attempts;
  state.throttles = throttles;
  state.tokenReplaced = tokenReplaced;
  return decide(v, state, limits(), jitter);
}

Verdict verdict(Outcome outcome, Scope scope = Scope::kMessage, int64_t afterMs = 0) {
  Verdict v;
  v.outcome = outcome;
  v.scope = scope;
  v.afterMs = afterMs;
  return v;
}

TEST(RetryPolicyParse, EveryOutcomeAndScopeTheChannelPluginsSayIsRead) {
  EXPECT_EQ(Verdict::parse("accepted", "", 0).outcome, Outcome::kAccepted);
  EXPECT_EQ(Verdict::parse("retry", "", 0).outcome, Outcome::kRetry);
  EXPECT_EQ(Verdict::parse("pause", "", 0).outcome, Outcome::kPause);
  EXPECT_EQ(Verdict::parse("reengage", "", 0).outcome, Outcome::kReengage);
  EXPECT_EQ(Verdict::parse("release", "", 0).outcome, Outcome::kRelease);
  EXPECT_EQ(Verdict::parse("failed", "", 0).outcome, Outcome::kFailed);
  EXPECT_EQ(Verdict::parse("retry", "number", 0).scope, Scope::kNumber);
  EXPECT_EQ(Verdict::parse("retry", "recipient", 0).scope, Scope::kRecipient);
  EXPECT_EQ(Verdict::parse("retry", "message", 0).scope, Scope::kMessage);
  EXPECT_EQ(Verdict::parse("retry", "number", 2500).afterMs, 2500);
}

TEST(RetryPolicyParse, AnOutcomeTheHostDoesNotKnowIsAFailureAndAnUnknownScopeIsTheMessages) {
  EXPECT_EQ(Verdict::parse("maybe", "number", 0).outcome, Outcome::kFailed);
  EXPECT_EQ(Verdict::parse("", "", 0).outcome, Outcome::kFailed);
  EXPECT_EQ(Verdict::parse("ACCEPTED", "", 0).outcome, Outcome::kFailed) << "the words are exact";
  EXPECT_EQ(Verdict::parse("retry", "everything", 0).scope, Scope::kMessage);
}

// Outcomes whose action does not depend on the attempts or the number's state.
TEST(RetryPolicy, AcceptedReleasedReengagedAndFailedActTheSameAtEveryAttemptAndThrottleCount) {
  for (int attempts = 1; attempts <= limits().maxAttempts + 1; ++attempts) {
    for (int throttles : {0, 1, 5, 40}) {
      SCOPED_TRACE("attempts " + std::to_string(attempts) + ", throttles " +
                   std::to_string(throttles));
      EXPECT_EQ(decideFor(verdict(Outcome::kAccepted), attempts, throttles).kind, Kind::kSent);
      EXPECT_EQ(decideFor(verdict(Outcome::kReengage), attempts, throttles).kind, Kind::kReplace);
      EXPECT_EQ(decideFor(verdict(Outcome::kFailed), attempts, throttles).kind, Kind::kFail);
      const Action released =
          decideFor(verdict(Outcome::kRelease, Scope::kMessage, 60000), attempts, throttles);
      EXPECT_EQ(released.kind, Kind::kRequeue);
      EXPECT_EQ(released.waitMs, 60000) << "due again when the plugin said, attempts unchanged";
    }
  }
}

TEST(RetryPolicy, AMessageRetryBacksOffExponentiallyUntilItsLastAttemptFails) {
  // base 1 s doubling, capped at 6 s; the jitter picks within the upper half.
  const std::tuple<int, int64_t, int64_t> expected[] = {
      {1, 500, 1000}, {2, 1000, 2000}, {3, 2000, 4000}};
  for (const auto& [attempts, low, high] : expected) {
    EXPECT_EQ(decideFor(verdict(Outcome::kRetry), attempts, 0, false, 0.0).waitMs, low) << attempts;
    EXPECT_EQ(decideFor(verdict(Outcome::kRetry), attempts, 0, false, 0.999999).waitMs, high)
        << attempts;
    EXPECT_EQ(decideFor(verdict(Outcome::kRetry), attempts).kind, Kind::kRetryLater);
  }
  EXPECT_EQ(decideFor(verdict(Outcome::kRetry), 4).kind, Kind::kFail) << "the 4th of 4 attempts";
  EXPECT_EQ(decideFor(verdict(Outcome::kRetry), 9).kind, Kind::kFail);
}

TEST(RetryPolicy, TheBackOffStopsGrowingAtItsCap) {
  RetryLimits l = limits();
  l.maxAttempts = 100;
  SendState state;
  state.attempts = 60;  // 2^59 s would overflow; the cap holds first
  const Action a = decide(verdict(Outcome::kRetry), state, l, 0.999999);
  EXPECT_EQ(a.kind, Kind::kRetryLater);
  EXPECT_EQ(a.waitMs, 6000);
  EXPECT_EQ(backoffMs(60, 1000, 6000, 0.0), 3000);
}

TEST(RetryPolicy, ThroughputRefusalsBackOffTheWholeNumberDoublingPerRefusalInARowUpToItsCap) {
  const std::pair<int, int64_t> expected[] = {{0, 1000},  {1, 2000},  {2, 4000},  {3, 8000},
                                              {4, 16000}, {5, 16000}, {40, 16000}};
  for (int attempts : {1, 4, 9}) {  // the message's attempts do not count: it is the number's fault
    for (const auto& [throttles, wait] : expected) {
      const Action a = decideFor(verdict(Outcome::kRetry, Scope::kNumber), attempts, throttles);
      EXPECT_EQ(a.kind, Kind::kBackOffNumber);
      EXPECT_EQ(a.waitMs, wait) << throttles << " refusals before";
    }
  }
}

TEST(RetryPolicy, AThroughputRefusalWithTheProvidersWaitUsesThatWait) {
  const Action a = decideFor(verdict(Outcome::kRetry, Scope::kNumber, 2500), 1, 7);
  EXPECT_EQ(a.kind, Kind::kBackOffNumber);
  EXPECT_EQ(a.waitMs, 2500);
}

TEST(RetryPolicy, APairRateRefusalBacksOffOnlyTheRecipientAtEveryAttempt) {
  for (int attempts = 1; attempts <= limits().maxAttempts + 1; ++attempts) {
    EXPECT_EQ(decideFor(verdict(Outcome::kRetry, Scope::kRecipient), attempts, 3).kind,
              Kind::kBackOffRecipient);
  }
}

TEST(RetryPolicy, ARefusedTokenPausesTheTenantUnlessItWasReplacedMeanwhile) {
  for (int attempts = 1; attempts <= limits().maxAttempts + 1; ++attempts) {
    EXPECT_EQ(decideFor(verdict(Outcome::kPause), attempts, 0, false).kind, Kind::kPauseTenant);
    EXPECT_EQ(decideFor(verdict(Outcome::kPause), attempts, 0, true).kind, Kind::kResend);
  }
}

TEST(RetryPolicy, TheJitterAlwaysLandsInTheUpperHalfOfTheBackOff) {
  for (int attempt = 1; attempt <= 8; ++attempt) {
    for (double jitter = 0.0; jitter < 1.0; jitter += 0.01) {
      const int64_t wait = backoffMs(attempt, 1000, 6000, jitter);
      const int64_t full = std::min<int64_t>(6000, 1000LL << (attempt - 1));
      EXPECT_GE(wait, full / 2);
      EXPECT_LE(wait, full);
    }
  }
}

}  // namespace
}  // namespace baraza::outbound
