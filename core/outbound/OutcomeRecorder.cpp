#include "outbound/OutcomeRecorder.h"

#include <Poco/Logger.h>

#include "common/ThreadName.h"

namespace baraza::outbound {
namespace {

Poco::Logger& logger() { return Poco::Logger::get("baraza.outbound"); }

}  // namespace

OutcomeRecorder::OutcomeRecorder(store::DatabasePtr db, const OutboundQueue& queue,
                                 std::string owner)
    : db_(std::move(db)),
      queue_(queue),
      owner_(std::move(owner)),
      outbox_(db_->dialect()),
      messages_(db_->dialect()) {}

OutcomeRecorder::~OutcomeRecorder() { stop(); }

void OutcomeRecorder::start() {
  stopping_ = false;
  thread_ = std::thread([this] {
    nameThisThread("baraza-record");
    loop();
  });
}

void OutcomeRecorder::stop() {
  if (!thread_.joinable()) return;
  stopping_ = true;
  wake_.notify_all();
  thread_.join();
}

void OutcomeRecorder::hand(Outcome outcome) {
  std::lock_guard lock(mutex_);
  // The thread waits for a first outcome, then gathers for a moment without looking: only the
  // first needs a wake-up (one per outcome cost ~10,000 wake-ups a second).
  const bool first = handed_.empty();
  handed_.push_back(std::move(outcome));
  if (first) wake_.notify_one();
}

void OutcomeRecorder::hand(std::vector<Outcome> outcomes) {
  for (auto& o : outcomes) hand(std::move(o));
}

void OutcomeRecorder::loop() {
  auto lastStart = std::chrono::steady_clock::now() - kGatherFor;
  while (true) {
    std::vector<Outcome> batch;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return !handed_.empty() || stopping_; });
      // Under load, outcomes gather for a moment rather than each few going in a commit of their
      // own; after a quiet spell the first is written at once.
      wake_.wait_until(lock, lastStart + kGatherFor, [this] { return stopping_.load(); });
      if (handed_.empty() && stopping_) return;
      batch.swap(handed_);
    }
    lastStart = std::chrono::steady_clock::now();
    record(std::move(batch));
  }
}

void OutcomeRecorder::record(std::vector<Outcome> batch) {
  if (batch.empty()) return;
  for (int tries = 0;; ++tries) {
    size_t lost = 0;
    const int64_t now = store::nowMs();
    Status written = db_->transaction([&](Poco::Data::Session& s) {
      lost = 0;
      // Accepted sends, the bulk of every batch, go in a few multi-row statements.
      std::vector<std::pair<int64_t, std::string>> sent;
      std::vector<store::MessageRecord> messages;
      for (const Outcome& o : batch) {
        const store::OutboxRow& row = o.pending.row;
        bool held = true;
        switch (o.kind) {
          case Outcome::Kind::kSent:
            sent.emplace_back(row.id, o.providerId);
            if (!o.providerId.empty()) {
              store::MessageRecord m;
              m.tenant = row.tenant;
              m.providerId = o.providerId;
              m.direction = "out";
              m.phoneNumberId = row.phoneNumberId;
              m.contact =
                  o.pending.request.recipient.empty() ? "" : o.pending.request.recipient.substr(1);
              m.type = o.pending.request.type;
              m.content = o.pending.request.body;
              m.sentAt = now;
              m.status = "accepted";
              m.statusAt = now;
              messages.push_back(std::move(m));
            }
            break;
          case Outcome::Kind::kRetry:
            held = outbox_.retryLater(s, row.id, owner_, o.error, o.atMs, now);
            break;
          case Outcome::Kind::kRequeue:
            held = outbox_.release(s, row.id, owner_, o.atMs, o.error, now);
            break;
          case Outcome::Kind::kFailed:
            held = outbox_.markFailed(s, row.id, owner_, o.error, now);
            if (held && o.replacement) queue_.store(s, *o.replacement, now);
            break;
        }
        lost += !held;
      }
      lost += sent.size() - outbox_.markAllSent(s, sent, owner_, now);
      messages_.insertAll(s, messages, now);
    });
    if (written.isOk()) {
      if (lost > 0) {
        logger().warning(std::to_string(lost) +
                         " outcome(s) not recorded: their lease had expired and "
                         "another dispatcher may send them again");
      }
      return;
    }
    logger().error("cannot record " + std::to_string(batch.size()) +
                   " send outcome(s) (retrying): " + written.message());
    if (tries >= 30) {
      logger().error(
          "giving up recording; the messages will be sent again when their leases expire");
      return;
    }
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
}

}  // namespace baraza::outbound
