// What the dispatcher does with a send once the channel plugin has classified its answer: a pure
// function of the verdict, the message's attempts and its number's state, so every case can be
// tested without a clock, a database or a provider.
#pragma once

#include <cstdint>
#include <string_view>

namespace baraza::outbound {

/**
 * A channel plugin's verdict on one send, parsed once where it crosses the ABI (the
 * classify_response operation's "outcome", "scope" and "after_ms").
 */
struct Verdict {
  enum class Outcome {
    kAccepted,  // the provider took the message
    kRetry,     // try again (scope says what waits)
    kPause,     // the access token was refused: the tenant's sending stops until it changes
    kReengage,  // outside the customer-service window: a template instead, or failed
    kRelease,   // not sent, and not the message's fault: back to the outbox unchanged
    kFailed,    // failed for good
  };
  enum class Scope {
    kMessage,    // this message backs off
    kNumber,     // the sending number is over its throughput: the whole number waits
    kRecipient,  // the pair rate to this recipient: only the recipient waits
  };
  Outcome outcome = Outcome::kRetry;
  Scope scope = Scope::kMessage;
  int64_t afterMs = 0;  // how long the provider asked to wait, when it said (0: not said)

  /**
   * From the plugin's strings. An outcome the host does not know is a failure (nothing is sent
   * again on a word it cannot read); a retry whose scope it does not know backs off the message.
   */
  static Verdict parse(std::string_view outcome, std::string_view scope, int64_t afterMs);
};

struct RetryLimits {
  int maxAttempts = 10;                // a message retried this often fails for good
  int64_t retryBaseMs = 1000;          // message retries: base·2^(attempt-1) with jitter…
  int64_t retryMaxMs = 300000;         // …up to this
  int64_t numberBackoffMaxMs = 60000;  // throughput refusals: 1 s doubling up to this
};

/** Where a send stands when its verdict comes in. */
struct SendState {
  int attempts = 1;            // sends of this message so far, this one included
  int throttles = 0;           // throughput refusals of its number in a row before this answer
  bool tokenReplaced = false;  // the tenant's token is no longer the one this verdict is about
};

/** What to do with the message (and its number or tenant). */
struct Action {
  enum class Kind {
    kSent,              // record it as sent; the number's throttle count starts again
    kBackOffNumber,     // the number waits waitMs, the message goes back to the front of its lane
    kBackOffRecipient,  // the recipient waits its pair-rate back-off, the message back to the front
    kPauseTenant,       // the tenant stops sending until its token changes; the message back to the
                        // front
    kResend,      // back to the front at once: the token it was refused with was replaced meanwhile
    kRequeue,     // back to the outbox, due in waitMs, attempts unchanged
    kRetryLater,  // back to the outbox, due in waitMs (its back-off)
    kFail,        // failed for good
    kReplace,     // failed; the tenant's re-engagement template goes instead when it has one
  };
  Kind kind = Kind::kFail;
  int64_t waitMs = 0;  // kBackOffNumber, kRequeue, kRetryLater
};

/** A uniform value in [0, 1) that spreads retries out (jitter). */
using Jitter = double;

/**
 * The action for `verdict`. `jitter` places a message's retry within the upper half of its
 * exponential back-off, so that many messages refused at once do not come back at once.
 */
Action decide(const Verdict& verdict, const SendState& state, const RetryLimits& limits,
              Jitter jitter);

/** base·2^(attempt-1), capped at max, then a point in its upper half chosen by `jitter`. */
int64_t backoffMs(int attempt, int64_t baseMs, int64_t maxMs, Jitter jitter);

}  // namespace baraza::outbound
