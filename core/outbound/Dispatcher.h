#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/HttpTypes.h"
#include "common/Metrics.h"
#include "http/HttpClient.h"
#include "outbound/Credentials.h"
#include "outbound/DispatchSettings.h"
#include "outbound/OutboundQueue.h"
#include "outbound/OutcomeRecorder.h"
#include "outbound/RetryPolicy.h"
#include "store/Database.h"
#include "store/Leases.h"
#include "store/Outbox.h"
#include "store/SecretStore.h"
#include "tenants/TenantManager.h"

namespace baraza::outbound {

/**
 * Sends what the outbox holds, per reference §5: one lane per sending phone number, held by one
 * host at a time through a named lease ("dispatch:<phone_number_id>"), so the pacing below holds
 * across every host on the database:
 *   - per number, at most the tenant's messages_per_second in any one-second window;
 *   - per recipient, the pair rate (one per pair_interval_ms on average, bursts of pair_burst),
 *     and 4^X s after each 131056; messages to one recipient go out one at a time, in order.
 * Due messages of held lanes are claimed in batches under a lease (restart safety: a message in
 * flight when a host dies is sent again once its lease expires). The tenant's channel plugin
 * classifies each answer: accepted (wamid kept, and a message row that status webhooks update),
 * retry (the message with exponential backoff and jitter; the whole number on throughput
 * errors; only the recipient on pair-rate errors), pause (an invalid token: the tenant's
 * messages stay queued until its token changes — a reload, or the long-lived token exchange when
 * app id and secret are configured), reengage (131047: the tenant's re-engagement template is
 * queued instead, or the message fails) and failed (code, title and details kept). Outcomes are
 * written in batches by one recorder thread.
 *
 * Calls are made without waiting, on the HTTP client's event loop: picking the next message,
 * starting its call, classifying the answer and settling it all run there, so a few threads keep
 * up to maxInFlight calls under way (Meta answers in 100–300 ms: 10 numbers at 1,000 msg/s are
 * 2,000 calls at once). A scheduler thread leases numbers and claims messages.
 */
class Dispatcher {
 public:
  /** `http` must outlive the dispatcher; its event loop runs the sends. */
  Dispatcher(store::DatabasePtr db, const tenants::TenantManager& tenants,
             const OutboundQueue& queue, const http::HttpClient& http, DispatchSettings settings,
             std::string owner, Metrics* metrics = nullptr);
  ~Dispatcher();

  void start();
  /**
   * Stops claiming, lets calls in flight finish, records their outcomes, gives up its leases.
   * Not from a thread of the HTTP client's event loop.
   */
  void stop();
  /** Something was queued: look now rather than at the next poll. */
  void wake();
  /**
   * The token the tenant's calls to the provider carry now: the exchanged one while it replaces
   * the file's (Credentials::tokenFor). What media downloads and uploads use in `baraza serve`.
   * Not from inside the dispatcher's own lock.
   */
  std::string accessToken(const tenants::TenantConfig& tenant);

  struct Lane;
  struct Answer;
  struct Call;
  struct Loop;

 private:
  void schedulerLoop();
  /** On the event loop: starts every call pacing allows now, then sleeps until the next is due. */
  void pump();
  /** Has pump() run on the event loop soon (once, however often it is asked). */
  void wakePump();
  /** Before and after work that runs on the event loop: stop() waits until none is left. */
  void loopWorkBegins();
  void loopWorkEnds();
  void startCall(std::shared_ptr<Call> call);
  void callAnswered(const std::shared_ptr<Call>& call, StatusOr<HttpResponse> response);
  enum class Refreshed { kDone, kHandingBack, kFailed };
  /** Leases and lanes; kHandingBack while a number being handed back has sends in flight. */
  Refreshed refreshLanes(int64_t nowUs);
  /** Counts (and now and then logs) when maxInFlight cannot carry the rate of the numbers held. */
  void checkInFlight(int64_t nowUs);
  /** The calls and their time (µs) since the last take, added to the metrics too. Lock held. */
  std::pair<int64_t, int64_t> takeCallTimes();
  /** How soon a failed lease transaction is tried again: well within a hold. */
  int64_t leaseRetryUs() const;
  /** Claims up to the wanted number of due messages for each lane, in one transaction. */
  void claim(const std::vector<std::pair<std::shared_ptr<Lane>, size_t>>& wants, int64_t nowUs);
  void releaseStale(int64_t nowUs);
  bool pick(int64_t nowUs, int64_t& wakeAtUs, std::shared_ptr<Lane>& lane, Pending& pending);
  /** The call for a picked message, or (no channel plugin, no token) what it comes to instead. Lock
   * held. */
  std::optional<Answer> prepare(const Lane& lane, const Pending& pending, Call& call);
  /** What the channel plugin makes of the provider's answer. */
  Answer conclude(const Lane& lane, const Pending& pending, const Call& call,
                  StatusOr<HttpResponse> response);
  /** The tenant's re-engagement template for a message its recipient must be re-engaged for, when
   * configured. */
  std::optional<PreparedMessage> reengagement(const Lane& lane, const Pending& pending,
                                              const Call& call);
  /** Applies the RetryPolicy's action for `answer` to the message, its lane and its tenant. Lock
   * held. */
  void settle(const std::shared_ptr<Lane>& lane, Pending pending, Answer answer, int64_t nowUs);
  static size_t backlogTarget(const Lane& lane);
  void count(const std::string& name, const std::string& tenant, int64_t delta = 1);

  store::DatabasePtr db_;
  const tenants::TenantManager& tenants_;
  const OutboundQueue& queue_;
  const http::HttpClient& http_;
  DispatchSettings settings_;
  std::string owner_;
  Metrics* metrics_;
  store::Outbox outbox_;
  store::Leases leases_;

  std::mutex mutex_;
  std::condition_variable schedulerWake_;
  bool schedulerWoken_ = false;
  std::map<std::string, std::shared_ptr<Lane>> lanes_;  // by phone number id
  std::vector<std::shared_ptr<Lane>> laneList_;         // the same, for round-robin picking
  size_t nextLane_ = 0;
  int64_t nextForgetUs_ = 0;  // next sweep of idle recipients (scheduler thread only)
  int64_t calls_ = 0,
          callUs_ = 0;  // Graph calls and their time (start to answer) since takeCallTimes()
  int64_t nextInFlightWarningUs_ = 0;  // scheduler thread only
  int leaseFailures_ = 0;              // lease transactions failed in a row (scheduler thread only)
  int inFlight_ = 0;                   // calls under way
  int loopWork_ = 0;                   // calls, timer waits and posted pumps not finished
  std::condition_variable loopIdle_;   // loopWork_ reached 0
  std::unique_ptr<Loop> loop_;         // the pump's timer (guarded by mutex_)
  std::atomic<bool> pumpPosted_{false};
  Credentials credentials_;  // guarded by mutex_

  std::atomic<bool> stopping_{false};
  OutcomeRecorder recorder_;
  std::thread scheduler_;
};

}  // namespace baraza::outbound
