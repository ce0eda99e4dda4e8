#include "outbound/Dispatcher.h"

#include <Poco/JSONString.h>
#include <Poco/Logger.h>

#include <algorithm>
#include <baraza/sdk/JsonScalars.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <climits>
#include <deque>
#include <random>
#include <set>
#include <tuple>
#include <unordered_set>
#include <utility>

#include "common/JsonText.h"
#include "common/ThreadName.h"
#include "crypto/Crypto.h"
#include "outbound/NumberLeases.h"
#include "outbound/Pacing.h"
#include "outbound/RetryPolicy.h"
#include "outbound/StoredRequest.h"

namespace baraza::outbound {
namespace {

using jsontext::json;
using jsontext::parseObject;
using jsontext::str;
using Poco::JSON::Object;

constexpr int64_t kSecondUs = 1000000;
constexpr int64_t kHoldHorizonUs = 5 * kSecondUs;    // longer waits go back to the database
constexpr int64_t kReleaseEveryUs = kSecondUs / 10;  // how often held messages are looked over
constexpr int64_t kWriteSlackUs = 1000;  // a request written this soon after its slot needs no lock
constexpr int64_t kHandBackPollUs =
    kSecondUs / 10;  // how often a number being handed back is looked at
constexpr int64_t kLeaseRetryUs = kSecondUs / 2;  // after a failed lease transaction
constexpr int64_t kInFlightWarningEveryUs =
    300 * kSecondUs;  // "max_in_flight too small" at most this often

Poco::Logger& logger() { return Poco::Logger::get("baraza.outbound"); }

int64_t nowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/** A uniform value in [0, 1) for a retry's jitter. */
Jitter jitter() {
  thread_local std::mt19937_64 random(std::random_device{}());
  return std::uniform_real_distribution<double>(0.0, 1.0)(random);
}

/** The error part of a channel plugin's verdict: {"code", "details", "subcode", "title"} as
 * present. */
std::string errorJson(const sdk::json::Scalars& classified) {
  std::string error;
  for (const char* key : {"code", "details", "subcode", "title"}) {
    if (const auto* m = classified.find(key)) {
      error +=
          (error.empty() ? "{\"" : ",\"") + std::string(key) + "\":" + sdk::json::Scalars::json(*m);
    }
  }
  return error.empty() ? "{}" : error + "}";
}

std::string errorJson(const std::string& title, const std::string& details) {
  Object error;
  error.set("title", title);
  error.set("details", details);
  return json(error);
}

}  // namespace

/** One sending phone number: its pacing, its claimed messages, and the lease this host holds. */
struct Dispatcher::Lane {
  Lane(std::string number, std::string tenant, int rate, int64_t arrivalGuardUs,
       int64_t pairIntervalUs, int pairBurst)
      : number(std::move(number)),
        tenant(std::move(tenant)),
        window(rate, kSecondUs, arrivalGuardUs),
        pairs(pairIntervalUs, pairBurst) {}
  std::string number, tenant;
  SlidingWindow window;
  PairPacer pairs;
  std::deque<Pending> queue;
  std::unordered_set<std::string> recipientsInFlight;  // one call per recipient at a time
  int64_t heldUntilUs = 0;     // this host may send until then (renewed well before the lease ends)
  bool handingBack = false;    // stopped for another host; released when nothing of it is in flight
  int64_t blockedUntilUs = 0;  // throughput back-off of the whole number
  int throttles = 0;           // consecutive throughput refusals
  bool drained = false;        // its last claim found fewer due messages than it asked for: the
                               // next waits for something queued (wake()) or the idle poll
};

/**
 * How many claimed messages a lane keeps in memory: half a second of sending, enough to keep the
 * calls going and little to hand back if the lease or the token goes. Claims top it up once it
 * is half empty.
 */
size_t Dispatcher::backlogTarget(const Lane& lane) {
  return std::clamp<size_t>(static_cast<size_t>(lane.window.limit()) / 2, 16, 2000);
}

/** What a send came to (the channel plugin's verdict on the answer), before it is settled. */
struct Dispatcher::Answer {
  Verdict verdict;
  std::string refusedToken;  // fingerprint of the token a pause is about
  std::string providerId;
  std::string error;                           // JSON {"code","subcode","title","details"}
  std::optional<PreparedMessage> replacement;  // the re-engagement template to send instead
};

/** One call under way: the message, what pacing recorded for it, and what it is sent with. */
struct Dispatcher::Call {
  std::shared_ptr<Lane> lane;
  Pending pending;
  uint64_t ticket = 0;  // in the lane's window
  int64_t startUs = 0;
  tenants::TenantPtr tenant;
  plugins::PluginInstancePtr channel;
  std::string token;
  HttpRequest request;
};

/** The pump's timer on the event loop, and when it is set to fire (INT64_MAX: not waiting). */
struct Dispatcher::Loop {
  explicit Loop(boost::asio::io_context& io) : timer(io) {}
  boost::asio::steady_timer timer;
  int64_t armedAtUs = INT64_MAX;
};

Dispatcher::Dispatcher(store::DatabasePtr db, const tenants::TenantManager& tenants,
                       const OutboundQueue& queue, const http::HttpClient& http,
                       DispatchSettings settings, std::string owner, Metrics* metrics)
    : db_(std::move(db)),
      tenants_(tenants),
      queue_(queue),
      http_(http),
      settings_(settings),
      owner_(std::move(owner)),
      metrics_(metrics),
      outbox_(db_->dialect()),
      leases_(db_->dialect()),
      loop_(std::make_unique<Loop>(http.context())),
      credentials_(mutex_, db_, settings_.masterKey,
                   [this] {
                     {
                       std::lock_guard lock(mutex_);
                       schedulerWoken_ = true;  // a token to keep
                     }
                     schedulerWake_.notify_one();
                     wakePump();  // a paused tenant may send again
                   }),
      recorder_(db_, queue_, owner_) {}

Dispatcher::~Dispatcher() { stop(); }

void Dispatcher::start() {
  stopping_ = false;
  recorder_.start();
  credentials_.start();
  scheduler_ = std::thread([this] {
    nameThisThread("baraza-claim");
    schedulerLoop();
  });
}

void Dispatcher::stop() {
  if (!scheduler_.joinable()) return;
  stopping_ = true;
  {
    std::lock_guard lock(mutex_);
    schedulerWoken_ = true;
  }
  schedulerWake_.notify_all();
  scheduler_.join();
  credentials_.stop();
  {
    // Calls under way finish and settle; the pump starts no more.
    std::unique_lock lock(mutex_);
    loop_->timer.cancel();
    loopIdle_.wait(lock, [this] { return loopWork_ == 0; });
  }

  // What is claimed but not sent goes back to the queue at once; the leases go too.
  std::vector<Outcome> released;
  std::vector<std::string> numbers;
  {
    std::lock_guard lock(mutex_);
    for (auto& [number, lane] : lanes_) {
      for (auto& pending : lane->queue) {
        Outcome o;
        o.pending = std::move(pending);
        o.atMs = store::nowMs();
        released.push_back(std::move(o));
      }
      lane->queue.clear();
      numbers.push_back(number);
    }
    lanes_.clear();
    laneList_.clear();
    takeCallTimes();
  }
  recorder_.record(std::move(released));
  recorder_.stop();
  const int64_t releasedAt = store::nowMs();
  const Status leasesGone = db_->transaction([&](Poco::Data::Session& s) {
    for (const auto& number : numbers) leases_.release(s, "dispatch:" + number, owner_, releasedAt);
    leases_.release(s, "host:" + owner_, owner_, releasedAt);
  });
  if (!leasesGone.isOk()) {
    logger().warning("stopping: cannot release the sending-number leases (" + leasesGone.message() +
                     "); other hosts take the numbers when they lapse, within " +
                     std::to_string(settings_.numberLeaseMs) + " ms");
  }
}

void Dispatcher::wake() {
  {
    std::lock_guard lock(mutex_);
    for (auto& [number, lane] : lanes_) lane->drained = false;
    schedulerWoken_ = true;
  }
  schedulerWake_.notify_one();
}

std::string Dispatcher::accessToken(const tenants::TenantConfig& tenant) {
  std::lock_guard lock(mutex_);
  return credentials_.tokenFor(tenant);
}

void Dispatcher::count(const std::string& name, const std::string& tenant, int64_t delta) {
  if (metrics_) metrics_->add(name, "tenant=\"" + tenant + "\"", delta);
}

// ---------------------------------------------------------------------------------------------
// Scheduler: leases, claims, and handing long waits back to the database.

void Dispatcher::schedulerLoop() {
  int64_t nextRefreshUs = 0, nextReleaseUs = 0;
  uint64_t refreshedGeneration = 0;
  while (!stopping_) {
    const int64_t now = nowUs();
    // At each lease renewal, and at once after a reload: new numbers and rates, and a replaced
    // token that resumes a paused tenant, take effect without waiting for the next renewal.
    const uint64_t generation = tenants_.current()->generation();
    if (now >= nextRefreshUs || generation != refreshedGeneration) {
      refreshedGeneration = generation;
      credentials_.keep(*tenants_.current());
      checkInFlight(now);
      // Soon again while a number waits for its last sends before it is handed back, and after a
      // failure: a hold lasts two renewal periods, so waiting a whole period to try again would
      // let a single failed transaction stop the sending.
      switch (refreshLanes(now)) {
        case Refreshed::kDone:
          nextRefreshUs = now + settings_.numberLeaseMs * 1000 / 3;
          break;
        case Refreshed::kHandingBack:
          nextRefreshUs = now + kHandBackPollUs;
          break;
        case Refreshed::kFailed:
          nextRefreshUs = now + leaseRetryUs();
          break;
      }
    }
    std::vector<std::pair<std::shared_ptr<Lane>, size_t>> wants;
    {
      std::lock_guard lock(mutex_);
      for (const auto& [number, lane] : lanes_) {
        const size_t target = backlogTarget(*lane);
        if (lane->heldUntilUs > now && !lane->handingBack && !credentials_.paused(lane->tenant) &&
            lane->blockedUntilUs <= now && !lane->drained && lane->queue.size() < target / 2 + 1) {
          wants.emplace_back(lane, target - lane->queue.size());
        }
      }
    }
    if (!wants.empty()) claim(wants, now);
    // Looks at every held message: a few times a second is precise enough for waits measured
    // against a 5 s horizon and half a lease, and running it on every wake-up cost 8% of the CPU
    // at 10,000 msg/s (outbound_bench).
    if (const int64_t at = nowUs(); at >= nextReleaseUs) {
      releaseStale(at);
      nextReleaseUs = at + kReleaseEveryUs;
    }
    wakePump();

    std::unique_lock lock(mutex_);
    if (!schedulerWake_.wait_for(lock, std::chrono::milliseconds(settings_.idleMs),
                                 [this] { return schedulerWoken_ || stopping_; })) {
      // The idle poll: messages may have come due meanwhile (retries, other hosts' queueing).
      for (auto& [number, lane] : lanes_) lane->drained = false;
    }
    schedulerWoken_ = false;
  }
}

Dispatcher::Refreshed Dispatcher::refreshLanes(int64_t now) {
  tenants::TenantSetPtr set = tenants_.current();
  struct Wanted {
    std::string tenant;
    tenants::SendingSettings sending;
  };
  std::map<std::string, Wanted> wanted;
  for (const auto& tenant : set->all()) {
    for (const auto& number : tenant->config().phoneNumberIds)
      wanted[number] = {tenant->id(), tenant->config().sending};
  }
  std::set<std::string> wantedNumbers;
  for (const auto& [number, w] : wanted) wantedNumbers.insert(number);
  // What this host holds now.
  std::set<std::string> holding;
  std::set<std::string> known;  // numbers with a lane (and its window) in memory
  std::vector<std::string> gone;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [number, lane] : lanes_) {
      if (!wanted.count(number)) gone.push_back(number);
      if (lane->heldUntilUs > now) holding.insert(number);
      known.insert(number);
    }
  }
  // A number is handed back in two steps: it stops sending at once, and its lease is released
  // when nothing of it is in flight (this refresh or one soon after), so the release comes after
  // every arrival of its sends and the next holder's wait counts from it. A number that never
  // pauses is handed back all the same. True when it can be released now.
  auto stopForHandBack = [this](const std::string& number) {
    std::lock_guard lock(mutex_);
    auto it = lanes_.find(number);
    if (it == lanes_.end()) return true;
    it->second->handingBack = true;
    return it->second->window.inFlight() == 0;
  };
  std::set<std::string> draining;  // stopped, lease kept while their last sends finish
  std::map<std::string, bool> held;
  std::vector<std::string> handBack;
  std::map<std::string, std::optional<store::Leases::Hold>>
      fresh;  // numbers taken now -> their last hold
  Status leased = db_->transaction([&](Poco::Data::Session& s) {
    draining.clear();  // a transaction that failed part-way runs again from the start
    held.clear();
    handBack.clear();
    fresh.clear();
    const int64_t nowMs = now / 1000;
    leases_.acquire(s, "host:" + owner_, owner_, nowMs, settings_.numberLeaseMs);
    const LeasePlan plan =
        planLeases(wantedNumbers, holding, leases_.live(s, "host:", nowMs), owner_);
    auto acquire = [&](const std::string& number) {
      return leases_.acquire(s, "dispatch:" + number, owner_, nowMs, settings_.numberLeaseMs);
    };
    for (const auto& number : plan.handBack) {
      if (stopForHandBack(number)) {
        leases_.release(s, "dispatch:" + number, owner_, store::nowMs());
        handBack.push_back(number);
        held[number] = false;
      } else if ((held[number] = acquire(number))) {
        draining.insert(number);
      }
    }
    size_t count = 0;
    for (const auto& number : plan.renew) count += (held[number] = acquire(number));
    for (const auto& number : plan.candidates) {
      if (count >= plan.share) break;
      std::optional<store::Leases::Hold> last = leases_.lastHold(s, "dispatch:" + number);
      if ((held[number] = acquire(number))) {
        fresh[number] = std::move(last);
        ++count;
      }
    }
    for (const auto& number : gone) leases_.release(s, "dispatch:" + number, owner_, nowMs);
  });
  if (!leased.isOk()) {
    // Logged when the failures start and when they end, not on every retry.
    if (leaseFailures_++ == 0) {
      logger().warning(
          "cannot renew sending-number leases (sending stops when they run out; trying again "
          "every " +
          std::to_string(leaseRetryUs() / 1000) + " ms): " + leased.message());
    }
    std::lock_guard lock(mutex_);
    for (auto& [number, lane] : lanes_) lane->handingBack = false;  // decided again next time
    return Refreshed::kFailed;
  }
  if (leaseFailures_ > 0) {
    logger().information("sending-number leases renewed again after " +
                         std::to_string(leaseFailures_) + " failed attempt" +
                         (leaseFailures_ == 1 ? "" : "s"));
    leaseFailures_ = 0;
  }

  std::vector<Outcome> released;
  std::lock_guard lock(mutex_);
  auto releaseQueue = [&](Lane& lane) {
    for (auto& pending : lane.queue) {
      Outcome o;
      o.pending = std::move(pending);
      o.atMs = now / 1000;
      released.push_back(std::move(o));
    }
    lane.queue.clear();
  };
  for (const auto& number : gone) {
    auto it = lanes_.find(number);
    if (it == lanes_.end()) continue;
    releaseQueue(*it->second);
    lanes_.erase(it);
  }
  for (const auto& [number, w] : wanted) {
    std::shared_ptr<Lane>& lane = lanes_[number];
    if (!lane) {
      lane = std::make_shared<Lane>(number, w.tenant, w.sending.messagesPerSecond,
                                    settings_.windowGuardUs, w.sending.pairIntervalMs * 1000,
                                    w.sending.pairBurst);
    }
    lane->tenant = w.tenant;
    lane->window.setLimit(w.sending.messagesPerSecond);
    // Renewed every third of the lease: stop sending well before another host may take over.
    lane->heldUntilUs = held[number] ? now + settings_.numberLeaseMs * 1000 * 2 / 3 : 0;
    lane->handingBack = draining.count(number) > 0;
    if (!held[number]) releaseQueue(*lane);
  }
  laneList_.clear();
  for (const auto& [number, lane] : lanes_) laneList_.push_back(lane);
  for (const auto& [number, last] : fresh) {
    Lane& lane = *lanes_[number];
    if (auto first = firstSendUs(last, owner_, known.count(number) > 0, kSecondUs,
                                 settings_.windowGuardUs)) {
      lane.blockedUntilUs = std::max(lane.blockedUntilUs, *first);
    }
    logger().information("sending for number " + number + " (tenant " + lane.tenant + ")");
  }
  for (const auto& number : handBack) {
    logger().information("handed number " + number +
                         " to another host (sharing the numbers among hosts)");
  }
  // A paused tenant resumes when its token is not the one that was refused any more.
  credentials_.resumeChanged(*set);
  recorder_.hand(std::move(released));
  return draining.empty() ? Refreshed::kDone : Refreshed::kHandingBack;
}

void Dispatcher::checkInFlight(int64_t now) {
  // A host sends at most maxInFlight / call time messages a second: the default 1,000 at Meta's
  // usual 100-300 ms carry 3,300-10,000. Too few show as a backlog while the numbers held may
  // send faster than the calls allowed at once can.
  int64_t calls = 0, callUs = 0, rate = 0;
  bool backlog = false;
  {
    std::lock_guard lock(mutex_);
    std::tie(calls, callUs) = takeCallTimes();
    for (const auto& [number, lane] : lanes_) {
      if (lane->heldUntilUs <= now || lane->handingBack || credentials_.paused(lane->tenant))
        continue;
      rate += lane->window.limit();
      backlog = backlog || !lane->queue.empty();
    }
  }
  if (calls == 0 || !backlog) return;
  const double meanCallUs = static_cast<double>(callUs) / static_cast<double>(calls);
  const double capacity = settings_.maxInFlight * 1e6 / std::max(meanCallUs, 1.0);
  if (capacity >= static_cast<double>(rate)) return;
  if (metrics_) metrics_->add("baraza_outbound_in_flight_short_total", "", 1);
  if (now < nextInFlightWarningUs_) return;
  nextInFlightWarningUs_ = now + kInFlightWarningEveryUs;
  logger().warning("outbound: " + std::to_string(settings_.maxInFlight) + " calls at once at " +
                   std::to_string(static_cast<int64_t>(meanCallUs / 1000)) +
                   " ms a call carry about " + std::to_string(static_cast<int64_t>(capacity)) +
                   " msg/s, less than the " + std::to_string(rate) +
                   " msg/s the numbers this host holds may send, and messages are waiting: raise "
                   "outbound.max_in_flight (about that rate x the call time in seconds)");
}

std::pair<int64_t, int64_t> Dispatcher::takeCallTimes() {
  const std::pair<int64_t, int64_t> taken{std::exchange(calls_, 0), std::exchange(callUs_, 0)};
  if (metrics_ && taken.first > 0) {
    metrics_->add("baraza_outbound_calls_total", "", taken.first);
    metrics_->add("baraza_outbound_call_microseconds_total", "", taken.second);
  }
  return taken;
}

int64_t Dispatcher::leaseRetryUs() const {
  return std::min(kLeaseRetryUs, settings_.numberLeaseMs * 1000 / 3);
}

void Dispatcher::claim(const std::vector<std::pair<std::shared_ptr<Lane>, size_t>>& wants,
                       int64_t now) {
  // One transaction for every lane that wants more: on SQLite each commit is an fsync, and the
  // claims compete with the recorder and with whoever is queueing for the one write lock.
  std::vector<std::pair<std::string, size_t>> numbers;
  for (const auto& [lane, count] : wants) numbers.emplace_back(lane->number, count);
  std::vector<std::vector<store::OutboxRow>> rows;
  std::vector<int64_t> abandoned;
  Status claimed = db_->transaction([&](Poco::Data::Session& s) {
    abandoned.clear();
    rows = outbox_.claimEach(s, numbers, owner_, now / 1000, settings_.leaseMs,
                             settings_.retry.maxAttempts, &abandoned);
  });
  if (!claimed.isOk()) {
    logger().warning("cannot claim messages to send: " + claimed.message());
    return;
  }
  if (!abandoned.empty()) {
    logger().error("failed " + std::to_string(abandoned.size()) + " message(s) (first " +
                   std::to_string(abandoned.front()) +
                   "): the host sending them stopped on each of their " +
                   std::to_string(settings_.retry.maxAttempts) + " attempts");
  }
  std::vector<std::vector<Pending>> ready(wants.size());
  std::vector<Outcome> broken;
  for (size_t i = 0; i < wants.size(); ++i) {
    for (auto& row : rows[i]) {
      Pending p;
      p.claimedUs = now;
      try {
        p.request = StoredRequest::decode(row.payload);
        p.row = std::move(row);
        ready[i].push_back(std::move(p));
      } catch (const Poco::Exception& e) {
        Outcome o;
        o.kind = Outcome::Kind::kFailed;
        o.pending.row = std::move(row);
        o.error = errorJson("unsendable", "the stored request is not usable: " + e.message());
        broken.push_back(std::move(o));
      }
    }
  }
  {
    std::lock_guard lock(mutex_);
    for (size_t i = 0; i < wants.size(); ++i) {
      // Claiming again before more is queued would find nothing (and cost a transaction).
      wants[i].first->drained = rows[i].size() < wants[i].second;
      for (auto& p : ready[i]) wants[i].first->queue.push_back(std::move(p));
    }
  }
  wakePump();
  recorder_.hand(std::move(broken));
}

void Dispatcher::releaseStale(int64_t now) {
  std::vector<Outcome> released;
  // Recipients are remembered for their pair interval (6 s by default): at 1,000 msg/s a number
  // knows ~6,000, so the sweep runs once a second, not on every look (1% of the CPU, senders
  // waiting for the lock meanwhile).
  const bool forget = now >= nextForgetUs_;
  if (forget) nextForgetUs_ = now + kSecondUs;
  {
    std::lock_guard lock(mutex_);
    for (auto& [number, lane] : lanes_) {
      const bool dropAll = lane->heldUntilUs <= now || credentials_.paused(lane->tenant) ||
                           lane->blockedUntilUs > now + kHoldHorizonUs;
      for (auto it = lane->queue.begin(); it != lane->queue.end();) {
        int64_t readyAt = now;
        if (dropAll)
          readyAt = std::max(now, lane->blockedUntilUs);
        else if (it->request.pairRate && !it->request.recipient.empty())
          readyAt = lane->pairs.nextAllowed(it->request.recipient, now);
        const bool old = now - it->claimedUs > settings_.leaseMs * 1000 / 2;
        if (dropAll || readyAt > now + kHoldHorizonUs || old) {
          Outcome o;
          o.pending = std::move(*it);
          o.atMs = readyAt / 1000;
          released.push_back(std::move(o));
          it = lane->queue.erase(it);
        } else {
          ++it;
        }
      }
      if (forget) lane->pairs.forgetIdle(now);
    }
  }
  recorder_.hand(std::move(released));
}

// ---------------------------------------------------------------------------------------------
// Sending, on the HTTP client's event loop: take the next message pacing allows, call the
// provider, settle the outcome.

bool Dispatcher::pick(int64_t now, int64_t& wakeAt, std::shared_ptr<Lane>& chosen,
                      Pending& pending) {
  const std::vector<std::shared_ptr<Lane>>& order = laneList_;
  const size_t n = order.size();
  for (size_t k = 0; k < n; ++k) {
    const size_t index = (nextLane_ + k) % n;
    Lane& lane = *order[index];
    if (lane.queue.empty() || lane.heldUntilUs <= now || lane.handingBack ||
        credentials_.paused(lane.tenant))
      continue;
    if (lane.blockedUntilUs > now) {
      wakeAt = std::min(wakeAt, lane.blockedUntilUs);
      continue;
    }
    if (const int64_t at = lane.window.nextAllowed(now); at > now) {
      wakeAt = std::min(wakeAt, at);
      continue;
    }
    std::unordered_set<std::string> blocked;  // recipients whose earlier message must go first
    for (size_t i = 0; i < lane.queue.size(); ++i) {
      const Pending& p = lane.queue[i];
      if (!p.request.recipient.empty()) {
        if (blocked.count(p.request.recipient)) continue;
        if (lane.recipientsInFlight.count(p.request.recipient)) {
          blocked.insert(p.request.recipient);
          continue;
        }
        if (p.request.pairRate) {
          if (const int64_t at = lane.pairs.nextAllowed(p.request.recipient, now); at > now) {
            blocked.insert(p.request.recipient);
            wakeAt = std::min(wakeAt, at);
            continue;
          }
        }
      }
      pending = std::move(lane.queue[i]);
      lane.queue.erase(lane.queue.begin() + static_cast<std::ptrdiff_t>(i));
      chosen = order[index];
      nextLane_ = index + 1;
      return true;
    }
  }
  return false;
}

void Dispatcher::loopWorkBegins() { ++loopWork_; }  // lock held

void Dispatcher::loopWorkEnds() {
  std::lock_guard lock(mutex_);
  if (--loopWork_ == 0) loopIdle_.notify_all();
}

void Dispatcher::wakePump() {
  if (pumpPosted_.exchange(true)) return;
  {
    std::lock_guard lock(mutex_);
    loopWorkBegins();
  }
  boost::asio::post(http_.context(), [this] {
    pumpPosted_ = false;
    pump();
    loopWorkEnds();
  });
}

void Dispatcher::pump() {
  std::vector<std::shared_ptr<Call>> calls;
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    const int64_t now = nowUs();
    int64_t wakeAt = now + settings_.idleMs * 1000;
    std::shared_ptr<Lane> picked;
    Pending pending;
    while (inFlight_ < settings_.maxInFlight && pick(now, wakeAt, picked, pending)) {
      auto call = std::make_shared<Call>();
      call->lane = std::move(picked);
      call->pending = std::move(pending);
      Lane& lane = *call->lane;
      const std::string& recipient = call->pending.request.recipient;
      if (std::optional<Answer> instead = prepare(lane, call->pending, *call)) {
        settle(call->lane, std::move(call->pending), std::move(*instead), now);
        continue;
      }
      call->ticket = lane.window.started(now);
      lane.window.written(call->ticket, now + kWriteSlackUs);
      call->startUs = now;
      if (call->pending.request.pairRate && !recipient.empty()) lane.pairs.record(recipient, now);
      if (!recipient.empty()) lane.recipientsInFlight.insert(recipient);
      if (lane.queue.size() < backlogTarget(lane) / 2 && !lane.drained &&
          !schedulerWoken_) {  // once per claim
        schedulerWoken_ = true;
        schedulerWake_.notify_one();
      }
      ++inFlight_;
      loopWorkBegins();
      calls.push_back(std::move(call));
    }
    // Wake up for the next message pacing allows (a completion may call pump() sooner).
    if (wakeAt < loop_->armedAtUs) {
      loop_->armedAtUs = wakeAt;
      loopWorkBegins();
      loop_->timer.expires_after(std::chrono::microseconds(std::max<int64_t>(wakeAt - now, 0)));
      loop_->timer.async_wait([this, wakeAt](const boost::system::error_code& ec) {
        if (!ec) {
          {
            std::lock_guard lock(mutex_);
            if (loop_->armedAtUs == wakeAt) loop_->armedAtUs = INT64_MAX;
          }
          pump();
        }
        loopWorkEnds();
      });
    }
  }
  for (auto& call : calls) startCall(std::move(call));
}

void Dispatcher::startCall(std::shared_ptr<Call> call) {
  HttpRequest request = std::move(call->request);  // not needed once sent
  http_.send(
      std::move(request),
      [this, call](StatusOr<HttpResponse> response) {
        callAnswered(call, std::move(response));
        loopWorkEnds();
      },
      [this, call] {
        // Pacing's guard covers the network from here, not a handshake or a wait for the loop.
        // The pump allowed for kWriteSlackUs already: only a later write needs the lock.
        const int64_t at = nowUs();
        if (at - call->startUs <= kWriteSlackUs) return;
        std::lock_guard lock(mutex_);
        call->lane->window.written(call->ticket, at);
      });
}

void Dispatcher::callAnswered(const std::shared_ptr<Call>& call, StatusOr<HttpResponse> response) {
  // Taken first: pacing counts the send as arrived by then, and every microsecond later pushes
  // the number's next window back by as much.
  const int64_t answered = nowUs();
  Answer answer = conclude(*call->lane, call->pending, *call, std::move(response));
  {
    std::lock_guard lock(mutex_);
    call->lane->window.completed(call->ticket, answered);
    callUs_ += answered - call->startUs;
    ++calls_;
    --inFlight_;
    settle(call->lane, std::move(call->pending), std::move(answer), answered);
  }
  pump();
}

std::optional<Dispatcher::Answer> Dispatcher::prepare(const Lane& lane, const Pending& pending,
                                                      Call& call) {
  Answer out;
  call.tenant = tenants_.current()->byId(lane.tenant);
  call.channel = call.tenant ? call.tenant->firstOfKind(BARAZA_KIND_CHANNEL) : nullptr;
  if (!call.channel) {
    // Not sendable here now (tenant removed, channel plugin disabled): keep it queued.
    out.verdict.outcome = Verdict::Outcome::kRelease;
    out.verdict.afterMs = 60000;
    out.error = errorJson("not sent", call.tenant ? "the tenant's channel plugin is not running"
                                                  : "the tenant is not configured");
    return out;
  }
  call.token = credentials_.tokenFor(call.tenant->config());
  if (call.token.empty()) {
    out.verdict.outcome = Verdict::Outcome::kPause;
    out.error =
        errorJson("no access token", "tenant " + lane.tenant + " has no whatsapp.access_token");
    return out;
  }
  HttpRequest& request = call.request;
  request.method = pending.request.method;
  request.url = pending.request.url;
  request.service = pending.request.service;
  request.headers = {{"Authorization", "Bearer " + call.token},
                     {"Content-Type", "application/json"}};
  request.body = pending.request.body;
  return std::nullopt;
}

Dispatcher::Answer Dispatcher::conclude(const Lane& lane, const Pending& pending, const Call& call,
                                        StatusOr<HttpResponse> response) {
  Answer out;
  const plugins::PluginInstancePtr& channel = call.channel;
  const std::string& token = call.token;
  const tenants::TenantPtr& tenant = call.tenant;
  if (!response.isOk()) {
    out.verdict.outcome = Verdict::Outcome::kRetry;
    out.error = errorJson(codeName(response.status().code()), response.status().message());
  } else {
    // {"status": N, "body": "<the answer's text>"}, written out: every send pays for it.
    const std::string input = R"({"status":)" + std::to_string(response->status) + R"(,"body":)" +
                              Poco::toJSON(response->body) + "}";
    StatusOr<std::string> answer =
        channel->call(plugins::Operation::kChannelClassifyResponse, input);
    try {
      if (!answer.isOk()) throw std::invalid_argument(answer.status().toString());
      const sdk::json::Scalars classified(*answer);
      if (!classified.isObject()) throw std::invalid_argument("not a JSON object");
      out.verdict = Verdict::parse(classified.text("outcome"), classified.text("scope"),
                                   classified.integer("after_ms", 0));
      out.providerId = classified.text("provider_id");
      out.error = errorJson(classified);
    } catch (const std::invalid_argument& e) {
      // The call was made; without a verdict, retrying is the safe side (at least once).
      out.verdict = Verdict{};
      out.error = errorJson("unclassified response", "HTTP " + std::to_string(response->status) +
                                                         "; channel plugin: " + e.what());
    }
  }

  if (out.verdict.outcome == Verdict::Outcome::kPause) {
    out.refusedToken = Credentials::fingerprint(token);
    credentials_.exchange(tenant, channel, token);
  } else if (out.verdict.outcome == Verdict::Outcome::kReengage) {
    out.replacement = reengagement(lane, pending, call);
  }
  return out;
}

std::optional<PreparedMessage> Dispatcher::reengagement(const Lane& lane, const Pending& pending,
                                                        const Call& call) {
  const auto& sending = call.tenant->config().sending;
  if (sending.reengagementTemplate.empty() || pending.request.recipient.empty())
    return std::nullopt;
  Object input;
  input.set("phone_number_id", lane.number);
  input.set("to", pending.request.recipient);
  input.set("template", sending.reengagementTemplate);
  input.set("language", sending.reengagementLanguage);
  StatusOr<std::string> message =
      call.channel->call(plugins::Operation::kChannelReengage, json(input));
  if (message.isOk()) {
    StatusOr<PreparedMessage> prepared =
        queue_.prepare(*call.tenant, *message, "reengage:" + std::to_string(pending.row.id));
    if (prepared.isOk()) return std::move(*prepared);
    message = prepared.status();
  }
  logger().error("tenant " + lane.tenant + ": re-engagement template " +
                 sending.reengagementTemplate + " cannot be built: " + message.status().toString());
  return std::nullopt;
}

void Dispatcher::settle(const std::shared_ptr<Lane>& lane, Pending pending, Answer answer,
                        int64_t now) {
  lane->recipientsInFlight.erase(pending.request.recipient);
  const std::string tenant = pending.row.tenant;
  SendState state;
  state.attempts = pending.row.attempts;
  state.throttles = lane->throttles;
  if (answer.verdict.outcome == Verdict::Outcome::kPause) {
    std::string current;
    if (tenants::TenantPtr t = tenants_.current()->byId(tenant)) {
      current = Credentials::fingerprint(credentials_.tokenFor(t->config()));
    }
    state.tokenReplaced = !current.empty() && current != answer.refusedToken;
  }
  const Action action = decide(answer.verdict, state, settings_.retry, jitter());
  auto backAtFront = [&] { lane->queue.push_front(std::move(pending)); };
  auto toRecorder = [&](Outcome::Kind kind, int64_t atMs = 0) {
    Outcome o;
    o.kind = kind;
    o.pending = std::move(pending);
    o.providerId = std::move(answer.providerId);
    o.error = std::move(answer.error);
    o.atMs = atMs;
    o.replacement = std::move(answer.replacement);
    recorder_.hand(std::move(o));
  };
  auto failed = [&](const std::string& why) {
    count("baraza_outbound_failed_total", tenant);
    logger().warning("message " + std::to_string(pending.row.id) + why + answer.error);
    toRecorder(Outcome::Kind::kFailed);
  };

  switch (action.kind) {
    case Action::Kind::kSent:
      lane->throttles = 0;
      lane->pairs.accepted(pending.request.recipient);
      count("baraza_outbound_sent_total", tenant);
      return toRecorder(Outcome::Kind::kSent);
    case Action::Kind::kBackOffNumber:
      ++lane->throttles;
      lane->blockedUntilUs = std::max(lane->blockedUntilUs, now + action.waitMs * 1000);
      count("baraza_outbound_throttled_total", tenant);
      logger().warning("number " + lane->number + ": throughput limit (" + answer.error +
                       "); pausing it " + std::to_string(action.waitMs) + " ms");
      return backAtFront();
    case Action::Kind::kBackOffRecipient: {
      const int64_t until = lane->pairs.refused(pending.request.recipient, now);
      count("baraza_outbound_pair_limited_total", tenant);
      logger().information("number " + lane->number +
                           ": pair rate limit for a recipient; next try in " +
                           std::to_string((until - now) / 1000) + " ms");
      return backAtFront();
    }
    case Action::Kind::kResend:
      return backAtFront();
    case Action::Kind::kPauseTenant:
      if (credentials_.pause(tenant, answer.refusedToken)) {
        logger().error("tenant " + tenant + ": sending paused, the access token was refused (" +
                       answer.error +
                       "); messages stay queued until the token is replaced (edit the tenant file, "
                       "then reload)");
        count("baraza_outbound_paused_total", tenant);
      }
      return backAtFront();
    case Action::Kind::kRequeue:
      return toRecorder(Outcome::Kind::kRequeue, now / 1000 + action.waitMs);
    case Action::Kind::kRetryLater:
      count("baraza_outbound_retried_total", tenant);
      return toRecorder(Outcome::Kind::kRetry, now / 1000 + action.waitMs);
    case Action::Kind::kReplace: {
      Object::Ptr error = parseObject(answer.error);
      error->set("details", str(error, "details") +
                                (answer.replacement ? "; re-engagement template queued instead"
                                                    : "; no re-engagement template configured"));
      answer.error = json(error);
      return failed(" to number " + lane->number + " failed: ");
    }
    case Action::Kind::kFail:
      if (answer.verdict.outcome == Verdict::Outcome::kRetry) {
        return failed(" failed after " + std::to_string(pending.row.attempts) + " attempts: ");
      }
      return failed(" to number " + lane->number + " failed: ");
  }
}

// ---------------------------------------------------------------------------------------------
// Recorder: outcomes written in batches, one transaction each.

}  // namespace baraza::outbound
