#include "outbound/RetryPolicy.h"

#include <algorithm>

namespace baraza::outbound {

Verdict Verdict::parse(std::string_view outcome, std::string_view scope, int64_t afterMs) {
  Verdict v;
  v.afterMs = afterMs;
  if (outcome == "accepted")
    v.outcome = Outcome::kAccepted;
  else if (outcome == "retry")
    v.outcome = Outcome::kRetry;
  else if (outcome == "pause")
    v.outcome = Outcome::kPause;
  else if (outcome == "reengage")
    v.outcome = Outcome::kReengage;
  else if (outcome == "release")
    v.outcome = Outcome::kRelease;
  else
    v.outcome = Outcome::kFailed;
  if (scope == "number")
    v.scope = Scope::kNumber;
  else if (scope == "recipient")
    v.scope = Scope::kRecipient;
  else
    v.scope = Scope::kMessage;
  return v;
}

int64_t backoffMs(int attempt, int64_t baseMs, int64_t maxMs, Jitter jitter) {
  int64_t delay = baseMs;
  for (int i = 1; i < attempt && delay < maxMs; ++i) delay *= 2;
  delay = std::min(delay, maxMs);
  const int64_t spread = delay / 2 + 1;
  return delay / 2 + std::clamp<int64_t>(static_cast<int64_t>(jitter * static_cast<double>(spread)),
                                         0, spread - 1);
}

Action decide(const Verdict& verdict, const SendState& state, const RetryLimits& limits,
              Jitter jitter) {
  using Kind = Action::Kind;
  switch (verdict.outcome) {
    case Verdict::Outcome::kAccepted:
      return {Kind::kSent, 0};
    case Verdict::Outcome::kRetry:
      if (verdict.scope == Verdict::Scope::kNumber) {
        // The provider's wait when it gave one; else 1 s doubling with each refusal in a row.
        const int64_t doubling =
            std::min<int64_t>(limits.numberBackoffMaxMs, 1000LL << std::min(state.throttles, 20));
        return {Kind::kBackOffNumber, verdict.afterMs > 0 ? verdict.afterMs : doubling};
      }
      if (verdict.scope == Verdict::Scope::kRecipient) return {Kind::kBackOffRecipient, 0};
      if (state.attempts >= limits.maxAttempts) return {Kind::kFail, 0};
      return {Kind::kRetryLater,
              backoffMs(state.attempts, limits.retryBaseMs, limits.retryMaxMs, jitter)};
    case Verdict::Outcome::kPause:
      return {state.tokenReplaced ? Kind::kResend : Kind::kPauseTenant, 0};
    case Verdict::Outcome::kRelease:
      return {Kind::kRequeue, verdict.afterMs};
    case Verdict::Outcome::kReengage:
      return {Kind::kReplace, 0};
    case Verdict::Outcome::kFailed:
      return {Kind::kFail, 0};
  }
  return {Kind::kFail, 0};
}

}  // namespace baraza::outbound
