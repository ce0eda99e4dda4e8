// Send pacing: how fast one sending number may go, and how often one recipient may be written to.
// Plain data structures over caller-supplied times (µs), not thread-safe: the dispatcher guards
// them with its lock, which is what makes them hold across all of its sender threads.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <unordered_map>

namespace baraza::outbound {

/**
 * At most `limit` sends in any window of `windowUs` as the receiver counts them (on arrival),
 * holding across any delays between here and there. A send arrives after it starts and no later
 * than its completion (answer received, or given up); until then, it is assumed to arrive within
 * `arrivalGuardUs` of its start, or of when its request was written if that was later (a new
 * connection's handshake, or this host too busy to write at once, is not the network's delay).
 * Send k may start only more than `windowUs` after the latest arrival possible for send k-limit,
 * so the arrivals of any limit+1 consecutive sends lie more than `windowUs` apart. Where answers
 * come back faster than the guard (as on a short network path), the guard costs nothing;
 * otherwise each window is at most the guard longer.
 */
class SlidingWindow {
 public:
  SlidingWindow(int limit, int64_t windowUs, int64_t arrivalGuardUs)
      : limit_(limit < 1 ? 1 : limit), windowUs_(windowUs), arrivalGuardUs_(arrivalGuardUs) {}

  /** The earliest time (≥ now) a send may start. */
  int64_t nextAllowed(int64_t now) const {
    if (latestArrival_.size() < static_cast<size_t>(limit_)) return now;
    const int64_t at =
        latestArrival_[latestArrival_.size() - static_cast<size_t>(limit_)] + windowUs_ + 1;
    return at > now ? at : now;
  }
  /** A send starts at `now` (call only when nextAllowed(now) == now); its ticket for completed().
   */
  uint64_t started(int64_t now) {
    latestArrival_.push_back(now + arrivalGuardUs_);
    ++inFlight_;
    while (latestArrival_.size() >
           static_cast<size_t>(limit_)) {  // older ones decide nothing any more
      latestArrival_.pop_front();
      ++firstTicket_;
    }
    return firstTicket_ + latestArrival_.size() - 1;
  }
  /**
   * The request of the send with this ticket was written out at `at`: it arrives within the guard
   * of then. Before completed() for the ticket.
   */
  void written(uint64_t ticket, int64_t at) {
    if (ticket < firstTicket_) return;
    int64_t& latest = latestArrival_[ticket - firstTicket_];
    if (at + arrivalGuardUs_ > latest) latest = at + arrivalGuardUs_;
  }
  /** The send with this ticket completed at `at`: it arrived by then. Exactly once per ticket. */
  void completed(uint64_t ticket, int64_t at) {
    --inFlight_;
    if (ticket < firstTicket_) return;
    int64_t& latest = latestArrival_[ticket - firstTicket_];
    if (at < latest) latest = at;
  }
  /** Sends started and not completed. */
  int inFlight() const { return inFlight_; }
  void setLimit(int limit) { limit_ = limit < 1 ? 1 : limit; }
  int limit() const { return limit_; }

 private:
  int limit_;
  int64_t windowUs_;
  int64_t arrivalGuardUs_;
  std::deque<int64_t> latestArrival_;  // of the last `limit` sends, oldest first
  uint64_t firstTicket_ = 0;           // the ticket of latestArrival_.front()
  int inFlight_ = 0;
};

/**
 * Per-recipient pacing (Meta's pair rate): one send per `intervalUs` on average with bursts of
 * up to `burst` (GCRA), plus a back-off after Meta answers 131056, growing 4^X seconds with the
 * recipient's consecutive refusals (X = 0, 1, 2, …).
 */
class PairPacer {
 public:
  PairPacer(int64_t intervalUs, int burst)
      : intervalUs_(intervalUs), burst_(burst < 1 ? 1 : burst) {}

  /** The earliest time (≥ now) a message to `recipient` may start. */
  int64_t nextAllowed(const std::string& recipient, int64_t now) const {
    auto it = pairs_.find(recipient);
    if (it == pairs_.end()) return now;
    const int64_t byRate = it->second.tat - (burst_ - 1) * intervalUs_;
    const int64_t at = byRate > it->second.blockedUntil ? byRate : it->second.blockedUntil;
    return at > now ? at : now;
  }
  void record(const std::string& recipient, int64_t now) {
    Pair& p = pairs_[recipient];
    p.tat = (p.tat > now ? p.tat : now) + intervalUs_;
  }
  /** Meta accepted a message to `recipient`: its refusals start counting from zero again. */
  void accepted(const std::string& recipient) {
    if (auto it = pairs_.find(recipient); it != pairs_.end()) it->second.refusals = 0;
  }
  /** Meta refused with the pair rate limit: blocks `recipient` for 4^X s; returns until when. */
  int64_t refused(const std::string& recipient, int64_t now) {
    Pair& p = pairs_[recipient];
    int64_t wait = 1000000;
    for (int i = 0; i < p.refusals && wait < kMaxBackoffUs; ++i) wait *= 4;
    if (wait > kMaxBackoffUs) wait = kMaxBackoffUs;
    ++p.refusals;
    p.blockedUntil = now + wait;
    return p.blockedUntil;
  }
  /** Forgets recipients with nothing to remember at `now` (keeps the map small). */
  void forgetIdle(int64_t now) {
    for (auto it = pairs_.begin(); it != pairs_.end();) {
      const Pair& p = it->second;
      if (p.tat <= now && p.blockedUntil <= now && p.refusals == 0)
        it = pairs_.erase(it);
      else
        ++it;
    }
  }
  size_t size() const { return pairs_.size(); }

 private:
  static constexpr int64_t kMaxBackoffUs = 1024LL * 1000000;  // 4^5 s, about 17 minutes
  struct Pair {
    int64_t tat = 0;  // theoretical arrival time of the next send
    int64_t blockedUntil = 0;
    int refusals = 0;
  };
  int64_t intervalUs_;
  int burst_;
  std::unordered_map<std::string, Pair> pairs_;
};

}  // namespace baraza::outbound
