// The outbox side of sending: what became of each claimed message, written in batches by a thread
// of its own so that the event loop deciding outcomes never waits for the database.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "outbound/OutboundQueue.h"
#include "outbound/StoredRequest.h"
#include "store/Database.h"
#include "store/Messages.h"
#include "store/Outbox.h"

namespace baraza::outbound {

/** One claimed message waiting for its turn, with its request ready to go. */
struct Pending {
  store::OutboxRow row;
  StoredRequest request;
  int64_t claimedUs = 0;
};

/** What became of one claimed message. */
struct Outcome {
  enum class Kind {
    kSent,     // accepted: marked sent, and a message row that status webhooks update
    kRetry,    // due again at atMs, its error kept
    kRequeue,  // not sent: back to the queue at atMs (its attempt not counted against it)
    kFailed,   // failed for good (and its replacement queued, when it has one)
  };
  Kind kind = Kind::kRequeue;
  Pending pending;
  std::string providerId;
  std::string error;                           // JSON {"code","subcode","title","details"}
  int64_t atMs = 0;                            // retry / requeue time
  std::optional<PreparedMessage> replacement;  // the re-engagement template sent instead
};

/**
 * Writes outcomes to the outbox, many to a transaction. Handed outcomes wait for the first of a
 * quiet spell to be written at once, and under load gather for kGatherFor rather than each few
 * taking a commit of their own. A write only counts for a message this host still holds the lease
 * of: one whose lease expired may be another host's now, and is left to it (logged).
 */
class OutcomeRecorder {
 public:
  OutcomeRecorder(store::DatabasePtr db, const OutboundQueue& queue, std::string owner);
  ~OutcomeRecorder();

  void start();
  /** Writes what it was handed, then stops. */
  void stop();
  void hand(Outcome outcome);
  void hand(std::vector<Outcome> outcomes);
  /**
   * Writes `batch` now, on this thread. A failing database is tried again every second for 30 s;
   * then the batch is given up (logged): its messages are sent again once their leases expire.
   */
  void record(std::vector<Outcome> batch);

  static constexpr std::chrono::milliseconds kGatherFor{5};

 private:
  void loop();

  store::DatabasePtr db_;
  const OutboundQueue& queue_;
  std::string owner_;
  store::Outbox outbox_;
  store::MessageStore messages_;

  std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<Outcome> handed_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace baraza::outbound
