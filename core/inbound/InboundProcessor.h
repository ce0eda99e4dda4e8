#pragma once

#include <Poco/JSON/Object.h>

#include <atomic>
#include <boost/asio/thread_pool.hpp>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

#include "inbound/ProcessorSettings.h"
#include "outbound/OutboundQueue.h"
#include "store/ConversationJobs.h"
#include "store/ConversationStates.h"
#include "store/Database.h"
#include "store/Events.h"
#include "store/FlowSessions.h"
#include "store/Inbox.h"
#include "store/MediaItems.h"
#include "store/Messages.h"
#include "tenants/TenantManager.h"

namespace baraza::inbound {

/**
 * Processes stored webhook deliveries, at least once and idempotently: every entry, change,
 * message and status of a delivery, written together with marking it done. Deliveries are
 * processed in batches: routing and the channel plugin's normalising first, then one
 * transaction for the batch in which each delivery has a savepoint of its own, so one that
 * fails (retried later) leaves nothing behind and does not hold back the others.
 *
 * A "messages" change is routed by metadata.phone_number_id to the tenant owning that number,
 * and taken only if that tenant belongs to the app whose secret signed the delivery; its tenant's
 * channel plugin normalises it; contacts, messages (once per wamid), statuses (forward only) and
 * errors are stored; each new inbound message gets a conversation job, and each new media message
 * of a tenant with a media store a media item (media::MediaFetcher downloads it; the job waits
 * for it). Other fields are kept as
 * events; what no tenant can take is kept as "unroutable", never dropped. A delivery that is not
 * JSON fails at once (visible, replayable); other failures are retried with backoff.
 *
 * Conversation jobs first run the tenant's intent chain on the message's words (text, reply
 * title, caption) and store the result with the message, then run the tenant's conversation
 * plugin with the message, the intents, the contact and the contact's conversation state, and
 * queue its replies through the outbound queue under idempotency keys, so running a job twice
 * queues nothing twice (and asks the intent plugins once). A state the plugin returns is written
 * with its replies, if no other write came between (else the job is tried again); a reply
 * the channel plugin refuses is kept as an error event with the reason. A completed Flow (an
 * nfm_reply with a flow token the host minted for that tenant and contact, used once and, while
 * open, unexpired) closes its token and reaches the plugin with
 * {"flow": {"token", "flow", "conversation", "response"}} beside the message.
 *
 * A delivery or job whose process died holding it (abandoned, see store::claimAbandoned) is
 * taken over alone, with nothing else of this process running, and fails for good once it has
 * been claimed maxAttempts times: one that crashes the host cannot do so forever, nor take the
 * rest of its batch with it.
 */
class InboundProcessor {
 public:
  InboundProcessor(store::DatabasePtr db, const tenants::TenantManager& tenants,
                   const outbound::OutboundQueue& queue, ProcessorSettings settings,
                   std::string owner);
  ~InboundProcessor();

  void start();
  /** Lets work in progress finish, then stops the workers. */
  void stop();
  /** New work was stored: process it now rather than at the next poll. */
  void wake();
  /** Called after conversation replies were queued (to wake the dispatcher). */
  void onQueued(std::function<void()> callback) { onQueued_ = std::move(callback); }
  /** Called after media items were stored for download (to wake the media fetcher). */
  void onMedia(std::function<void()> callback) { onMedia_ = std::move(callback); }
  /** One pass over due deliveries and conversation jobs (also used by tests); how many ran. */
  size_t runOnce();

 private:
  void workerLoop();
  struct Change;
  /** Claims deliveries (abandoned ones alone, see claimAbandoned) and processes them; how many. */
  size_t processDeliveries();
  size_t processDeliveries(const std::vector<store::InboxRow>& rows);
  /** A delivery's changes: routed, and normalised by the channel plugin. Throws sdk::StatusError.
   */
  std::vector<Change> plan(const store::InboxRow& row, const tenants::TenantSet& set) const;
  /** Writes what plan() found, inside the batch's transaction; throws when the lease was lost. */
  void apply(Poco::Data::Session& s, const store::InboxRow& row, const std::vector<Change>& changes,
             int64_t now);
  /**
   * Inside apply(): stores a media item for a new message of an image, audio, video, document
   * or sticker type whose tenant has a media store; true when it did (its conversation job then
   * waits for the download).
   */
  bool enqueueMedia(Poco::Data::Session& s, const Change& c, int64_t messageId,
                    const Poco::JSON::Object::Ptr& message, int64_t now);
  struct Answer;
  struct Turn;
  /** Claims conversation jobs (abandoned ones alone) and runs them; how many. */
  size_t runConversations();
  size_t runConversations(const std::vector<store::ConversationJob>& jobs);
  /**
   * What the tenant's intent chain makes of the turn's message when it has none stored yet and
   * words to classify (Turn::intents; Turn::detected when the batch's transaction must store
   * them, so a retried job reads them).
   */
  void detectIntents(Turn& turn, const tenants::TenantSet& set);
  /**
   * Runs fn(0) … fn(n - 1) on the turn threads, at most settings_.turnsAtOnce at a time (all on
   * the calling thread when that is 1), and returns when every one has. fn must not throw.
   */
  void atOnce(size_t n, const std::function<void(size_t)>& fn);
  /** Runs the tenant's conversation plugin on the job's message; its replies, built or refused. */
  StatusOr<Answer> answer(const Turn& turn, const store::ConversationState& state,
                          const tenants::TenantSet& set);
  /** Queues what answer() gave, inside the batch's transaction; throws when the lease was lost. */
  void finish(Poco::Data::Session& s, const store::ConversationJob& job, const Answer& answer,
              int64_t now);
  int64_t retryAt(int attempts) const;
  /**
   * For an nfm_reply carrying a flow token this tenant minted for `contact`, not yet closed (nor
   * expired while open): the session and its response, which finish() closes.
   */
  Poco::JSON::Object::Ptr flowCompletion(const std::string& tenant, const std::string& contact,
                                         const Poco::JSON::Object::Ptr& message);

  store::DatabasePtr db_;
  const tenants::TenantManager& tenants_;
  const outbound::OutboundQueue& queue_;
  std::function<void()> onQueued_;
  ProcessorSettings settings_;
  std::string owner_;
  store::Inbox inbox_;
  store::MessageStore messages_;
  store::Events events_;
  store::ConversationJobs jobs_;
  store::MediaItems media_;
  std::function<void()> onMedia_;
  std::atomic<bool> mediaQueued_{false};

  /**
   * Batches run under a shared hold, an abandoned delivery or job under an exclusive one: it may
   * be what killed the previous process, and must not take other rows with it if it does again.
   * A worker that cannot have the exclusive hold within kIsolationWaitMs (another is stuck in a
   * plugin call) runs the abandoned row anyway: isolation is given up, processing is not.
   */
  std::shared_timed_mutex isolation_;
  /** Where conversation turns run (ProcessorSettings::turnsAtOnce); none when that is 1. */
  std::unique_ptr<boost::asio::thread_pool> turnThreads_;
  /** Set when a claim saw abandoned rows (and at start): the workers take them over first. */
  std::atomic<bool> abandonedDeliveries_{true};
  std::atomic<bool> abandonedJobs_{true};

  std::mutex mutex_;
  std::condition_variable wake_;
  bool woken_ = false;
  std::atomic<bool> stopping_{false};
  std::vector<std::thread> workers_;
};

}  // namespace baraza::inbound
