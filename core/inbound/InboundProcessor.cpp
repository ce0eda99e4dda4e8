#include "inbound/InboundProcessor.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Logger.h>

#include <boost/asio/post.hpp>
#include <map>
#include <sstream>

#include "common/JsonText.h"
#include "common/ThreadName.h"
#include "inbound/DeliveryChanges.h"
#include "inbound/WebhookApps.h"
#include "media/MediaKinds.h"
#include "store/FlowSessions.h"

namespace baraza::inbound {
namespace {

using jsontext::forEachObject;
using jsontext::json;
using jsontext::parseObject;
using jsontext::str;
using Poco::JSON::Array;
using Poco::JSON::Object;

Poco::Logger& logger() { return Poco::Logger::get("baraza.inbound"); }

/** Thrown inside a delivery's transaction when its lease expired and another worker took it. */
sdk::StatusError leaseLost() {
  return sdk::StatusError(Status(Code::kAborted, "lease on delivery lost; another worker has it"));
}

}  // namespace

InboundProcessor::InboundProcessor(store::DatabasePtr db, const tenants::TenantManager& tenants,
                                   const outbound::OutboundQueue& queue, ProcessorSettings settings,
                                   std::string owner)
    : db_(std::move(db)),
      tenants_(tenants),
      queue_(queue),
      settings_(settings),
      owner_(std::move(owner)),
      inbox_(db_->dialect()),
      messages_(db_->dialect()),
      events_(db_->dialect()),
      jobs_(db_->dialect()),
      media_(db_->dialect()) {
  if (settings_.turnsAtOnce > 1)
    turnThreads_ =
        std::make_unique<boost::asio::thread_pool>(static_cast<size_t>(settings_.turnsAtOnce));
}

InboundProcessor::~InboundProcessor() {
  stop();
  if (turnThreads_) turnThreads_->join();
}

void InboundProcessor::atOnce(size_t n, const std::function<void(size_t)>& fn) {
  if (!turnThreads_ || n <= 1) {
    for (size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  std::mutex mutex;
  std::condition_variable allDone;
  size_t left = n;
  for (size_t i = 0; i < n; ++i) {
    boost::asio::post(*turnThreads_, [&, i] {
      thread_local const bool named = (nameThisThread("baraza-turn"), true);
      (void)named;
      fn(i);
      // Notified under the lock: the waiter cannot return (and destroy these) before it is let go.
      std::lock_guard<std::mutex> lock(mutex);
      if (--left == 0) allDone.notify_one();
    });
  }
  std::unique_lock<std::mutex> lock(mutex);
  allDone.wait(lock, [&] { return left == 0; });
}

void InboundProcessor::start() {
  for (int i = 0; i < settings_.workers; ++i) {
    workers_.emplace_back([this] {
      nameThisThread("baraza-inbound");
      workerLoop();
    });
  }
}

void InboundProcessor::stop() {
  stopping_ = true;
  wake();
  for (auto& w : workers_) w.join();
  workers_.clear();
}

void InboundProcessor::wake() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    woken_ = true;
  }
  wake_.notify_all();
}

void InboundProcessor::workerLoop() {
  while (!stopping_) {
    size_t done = 0;
    try {
      done = runOnce();
    } catch (const std::exception& e) {
      logger().error(std::string("inbound worker: ") + e.what());
    }
    if (done > 0) continue;
    std::unique_lock<std::mutex> lock(mutex_);
    wake_.wait_for(lock, std::chrono::milliseconds(settings_.idleMs),
                   [&] { return woken_ || stopping_.load(); });
    woken_ = false;
  }
}

size_t InboundProcessor::runOnce() { return processDeliveries() + runConversations(); }

int64_t InboundProcessor::retryAt(int attempts) const {
  if (attempts >= settings_.maxAttempts) return 0;  // failed for good
  const int64_t backoffMs = std::min<int64_t>(1000LL << std::min(attempts, 12), 3600000);
  return store::nowMs() + backoffMs;
}

/** What one change of a delivery becomes, worked out before the delivery's transaction. */
struct InboundProcessor::Change {
  std::string position, field, valueJson;
  std::string kind;  // "messages": stored from `normal`; otherwise the kind of event kept ("field",
                     // "unroutable")
  tenants::TenantPtr tenant;  // null when no tenant takes it
  std::string reason;         // why an event was kept
  std::string number;         // the tenant's phone number id ("messages")
  Object::Ptr normal;         // the channel plugin's normalised view ("messages")
};

namespace {

/** How long a worker waits for the others to finish before it runs an abandoned row without them
 * stopped. */
constexpr int kIsolationWaitMs = 5000;

/** The exclusive hold for an abandoned row, or none (logged) when another worker keeps its batch
 * too long. */
std::unique_lock<std::shared_timed_mutex> isolate(std::shared_timed_mutex& isolation) {
  std::unique_lock<std::shared_timed_mutex> alone(isolation, std::defer_lock);
  if (!alone.try_lock_for(std::chrono::milliseconds(kIsolationWaitMs))) {
    logger().warning(
        "an abandoned delivery or job runs beside other work: another worker has been busy for " +
        std::to_string(kIsolationWaitMs / 1000) + " s (a slow or stuck plugin call)");
  }
  return alone;
}

/**
 * The oldest abandoned row `claim` takes over (in a transaction of its own), logging the rows
 * it failed at the attempt limit instead; nothing when there is none (or the claim failed).
 */
template <class Row, class Claim>
std::optional<Row> takeOverAbandoned(store::Database& db, const std::string& what, int maxAttempts,
                                     const std::string& hint, Claim&& claim) {
  store::TakenOver<Row> taken;
  Status claimed = db.transaction([&](Poco::Data::Session& s) { taken = claim(s); });
  if (!claimed.isOk()) {
    logger().error("claiming abandoned " + what + "s: " + claimed.message());
    return std::nullopt;
  }
  for (int64_t id : taken.failed) {
    logger().error(what + " " + std::to_string(id) +
                   " failed: the process handling it stopped on each of its " +
                   std::to_string(maxAttempts) + " attempts" + hint);
  }
  return taken.row;
}

}  // namespace

size_t InboundProcessor::processDeliveries() {
  if (abandonedDeliveries_) {
    // Alone, one at a time, with no other batch of this process running: if the delivery kills
    // the process again, only its own attempt count goes up.
    const auto alone = isolate(isolation_);
    const auto row = takeOverAbandoned<store::InboxRow>(
        *db_, "delivery", settings_.maxAttempts, " (baraza events replay tries it again)",
        [&](Poco::Data::Session& s) {
          return inbox_.claimAbandoned(s, owner_, store::nowMs(), settings_.leaseMs,
                                       settings_.maxAttempts);
        });
    if (row) return processDeliveries({*row});
    abandonedDeliveries_ = false;
  }
  std::shared_lock<std::shared_timed_mutex> together(isolation_);
  std::vector<store::InboxRow> rows;
  bool abandoned = false;
  Status claimed = db_->transaction([&](Poco::Data::Session& s) {
    const int64_t now = store::nowMs();
    rows = inbox_.claim(s, owner_, now, settings_.leaseMs, settings_.batch);
    abandoned = inbox_.anyAbandoned(s, now);
  });
  if (!claimed.isOk()) {
    logger().error("claiming deliveries: " + claimed.message());
    return 0;
  }
  if (abandoned) abandonedDeliveries_ = true;
  return processDeliveries(rows);
}

size_t InboundProcessor::processDeliveries(const std::vector<store::InboxRow>& rows) {
  if (rows.empty()) return 0;
  // Parsing, routing and the channel plugins' work come first, outside the transaction: on
  // SQLite it holds the write lock that webhook acknowledgements wait for.
  const tenants::TenantSetPtr set = tenants_.current();
  struct Planned {
    const store::InboxRow* row;
    std::vector<Change> changes;
  };
  std::vector<Planned> planned;
  std::vector<std::pair<const store::InboxRow*, Status>> unplanned;
  for (const auto& row : rows) {
    try {
      planned.push_back({&row, plan(row, *set)});
    } catch (const sdk::StatusError& e) {
      unplanned.emplace_back(&row, e.status());
    } catch (const Poco::Exception& e) {
      unplanned.emplace_back(&row, internal("reading the channel plugin's answer: " + e.message()));
    }
  }
  // One transaction for the batch (one commit, one fsync), each delivery in a savepoint of its
  // own: one that fails leaves nothing behind and is marked for a retry, the others commit.
  std::vector<std::pair<const store::InboxRow*, Status>> failed;
  // When a failed delivery is tried again: never if it is not JSON, else after a backoff.
  auto retryOf = [this](const store::InboxRow& row, const Status& status) {
    return status.code() == Code::kInvalidArgument ? 0 : retryAt(row.attempts);
  };
  Status batch = db_->transaction([&](Poco::Data::Session& s) {
    failed = unplanned;
    const int64_t now = store::nowMs();
    for (const auto& p : planned) {
      Status one =
          db_->savepoint(s, [&](Poco::Data::Session& s) { apply(s, *p.row, p.changes, now); });
      if (!one.isOk()) failed.emplace_back(p.row, one);
    }
    for (const auto& [row, status] : failed)
      inbox_.markFailed(s, row->id, owner_, status.message(), retryOf(*row, status));
  });
  if (!batch.isOk()) {
    logger().error("processing " + std::to_string(rows.size()) + " deliveries: " + batch.message() +
                   " (they are claimed again when their leases expire)");
    return rows.size();
  }
  if (mediaQueued_.exchange(false) && onMedia_) onMedia_();
  for (const auto& [row, status] : failed) {
    logger().warning("delivery " + std::to_string(row->id) +
                     (retryOf(*row, status) ? " will be retried: " : " failed: ") +
                     status.message());
  }
  return rows.size();
}

std::vector<InboundProcessor::Change> InboundProcessor::plan(const store::InboxRow& row,
                                                             const tenants::TenantSet& set) const {
  std::vector<Change> changes;
  for (DeliveryChange& raw : splitDelivery(row.body)) {
    Change c;
    c.position = std::move(raw.position);
    c.field = std::move(raw.field);
    c.valueJson = std::move(raw.valueJson);
    if (c.field != "messages") {
      // Non-message fields carry the WABA id as entry.id.
      c.kind = "field";
      for (const auto& t : set.all()) {
        if (!t->config().wabaId.empty() && t->config().wabaId == raw.entryId &&
            WebhookApps::accepts(t->config(), row.app)) {
          c.tenant = t;
        }
      }
      if (!c.tenant) c.reason = "no tenant has waba_id " + raw.entryId;
      changes.push_back(std::move(c));
      continue;
    }
    c.kind = "unroutable";
    if (raw.value.isNull()) {
      c.reason = "a messages change without a value object";
      changes.push_back(std::move(c));
      continue;
    }
    c.number = std::move(raw.phoneNumberId);
    tenants::TenantPtr tenant = set.byPhoneNumberId(c.number);
    if (!tenant) {
      c.reason = "no tenant owns phone_number_id " + c.number;
    } else if (!WebhookApps::accepts(tenant->config(), row.app)) {
      c.reason = "phone_number_id " + c.number + " belongs to tenant " + tenant->id() +
                 ", whose app did not sign this delivery";
    } else if (plugins::PluginInstancePtr channel = tenant->firstOfKind(BARAZA_KIND_CHANNEL);
               !channel) {
      c.tenant = tenant;
      c.reason = "tenant " + tenant->id() + " has no running channel plugin";
    } else {
      StatusOr<std::string> parsed =
          channel->call(plugins::Operation::kChannelParseWebhook, c.valueJson);
      if (!parsed.isOk()) throw sdk::StatusError(parsed.status());
      c.kind = "messages";
      c.tenant = tenant;
      c.normal = parseObject(*parsed);
    }
    changes.push_back(std::move(c));
  }
  return changes;
}

bool InboundProcessor::enqueueMedia(Poco::Data::Session& s, const Change& c, int64_t messageId,
                                    const Object::Ptr& message, int64_t now) {
  const std::string type = str(message, "type");
  if (!media::mediaKind(type)) return false;
  const Object::Ptr content = message->getObject("content");
  if (content.isNull() || str(content, "id").empty()) return false;
  // Without a media store the message keeps only the provider's id, as before.
  const plugins::PluginInstancePtr store = c.tenant->firstOfKind(BARAZA_KIND_MEDIA);
  if (!store || !store->storesMedia()) return false;
  store::MediaItem item;
  item.tenant = c.tenant->id();
  item.messageId = messageId;
  item.providerMediaId = str(content, "id");
  item.phoneNumberId = c.number;
  item.kind = type;
  item.mimeType = str(content, "mime_type");
  item.sha256 = media::sha256Hex(str(content, "sha256"));
  // A second message naming media another message already has (its download belongs to that
  // message's job) is answered without waiting for it.
  if (!media_.enqueue(s, item, now)) return false;
  mediaQueued_ = true;
  return true;
}

void InboundProcessor::apply(Poco::Data::Session& s, const store::InboxRow& row,
                             const std::vector<Change>& changes, int64_t now) {
  // Meta delivers at least once: a body this app already delivered and we processed is a repeat.
  if (const int64_t original =
          inbox_.recordDigest(s, row.app, store::Inbox::digestOf(row.body), row.id);
      original != row.id) {
    if (!inbox_.markDuplicate(s, row.id, owner_, original)) throw leaseLost();
    return;
  }
  for (const Change& c : changes) {
    const std::string tenantId = c.tenant ? c.tenant->id() : "";
    if (c.kind != "messages") {
      events_.add(s,
                  {0, row.id, c.position, tenantId, c.kind, c.field, c.valueJson, c.reason, now});
      continue;
    }
    const std::string& t = tenantId;
    forEachObject(c.normal->getArray("contacts"), [&](size_t, const Object::Ptr& contact) {
      const std::string waId =
          str(contact, "wa_id").empty() ? str(contact, "user_id") : str(contact, "wa_id");
      if (!waId.empty()) {
        messages_.upsertContact(
            s, {t, waId, str(contact, "user_id"), str(contact, "profile_name"), 0}, now);
      }
    });
    forEachObject(c.normal->getArray("messages"), [&](size_t, const Object::Ptr& m) {
      const std::string contact = str(m, "from").empty() ? str(m, "from_user_id") : str(m, "from");
      const int64_t at = m->optValue<Poco::Int64>("timestamp_ms", 0);
      store::MessageRecord record{t,
                                  str(m, "id"),
                                  "in",
                                  c.number,
                                  contact,
                                  str(m, "type"),
                                  json(m),
                                  at,
                                  "received",
                                  at,
                                  m->has("errors") ? json(m->get("errors")) : ""};
      if (int64_t id = messages_.insertOnce(s, record, now)) {
        const bool awaitsMedia = enqueueMedia(s, c, id, m, now);
        jobs_.enqueue(s, t, id, now, awaitsMedia ? store::ConversationJobs::kAwaitingMedia : now);
      }
      messages_.upsertContact(s, {t, contact, str(m, "from_user_id"), "", at}, now);
    });
    forEachObject(c.normal->getArray("statuses"), [&](size_t, const Object::Ptr& st) {
      auto part = [&](const char* key) {
        return st->has(key) ? json(st->get(key)) : std::string();
      };
      const int64_t at = st->optValue<Poco::Int64>("timestamp_ms", 0);
      messages_.addStatusEvent(s, {t, str(st, "id"), str(st, "status"), at, str(st, "recipient_id"),
                                   part("errors"), part("pricing"), part("conversation"), now});
      messages_.advanceStatus(s, t, str(st, "id"), str(st, "status"), at, part("errors"));
    });
    forEachObject(c.normal->getArray("errors"), [&](size_t k, const Object::Ptr& e) {
      events_.add(s, {0, row.id, c.position + "." + std::to_string(k), t, "error", c.field, json(e),
                      str(e, "title"), now});
    });
  }
  if (!inbox_.markDone(s, row.id, owner_)) throw leaseLost();
}

Poco::JSON::Object::Ptr InboundProcessor::flowCompletion(const std::string& tenant,
                                                         const std::string& contact,
                                                         const Poco::JSON::Object::Ptr& message) {
  // A completed Flow arrives as an interactive nfm_reply whose response carries our flow token.
  Object::Ptr content = message->getObject("content");
  if (str(message, "type") != "interactive" || content.isNull() ||
      str(content, "kind") != "nfm_reply")
    return nullptr;
  const std::string token = str(content, "flow_token");
  if (token.empty()) return nullptr;
  std::optional<store::FlowSession> session;
  Status read = db_->transaction(
      [&](Poco::Data::Session& s) { session = store::FlowSessions(db_->dialect()).get(s, token); });
  if (!read.isOk()) throw sdk::StatusError(read);  // the job is tried again
  // A token completes once, for the tenant and the contact it was minted for, and an open one
  // only before it expires (one the data endpoint completed may be answered later). The token
  // is closed with the job's replies (finish()); one that fails any of this is an ordinary message.
  std::string refused;
  if (!session || session->tenant != tenant) {
    refused = "not a token this tenant minted";
  } else if (session->contact != contact) {
    refused = "minted for another contact";
  } else if (session->state == "closed") {
    refused = "completed already";
  } else if (session->state == "open" && session->expiresAt <= store::nowMs()) {
    refused = "expired";
  }
  if (!refused.empty()) {
    logger().warning("tenant " + tenant + ": a Flow completion from " + contact +
                     " is not taken as one: its flow token is " + refused);
    return nullptr;
  }
  Object::Ptr flow = new Object;
  flow->set("token", token);
  flow->set("flow", session->flow);
  flow->set("conversation", session->conversation);
  flow->set("response", content->has("response") ? content->get("response")
                                                 : Poco::Dynamic::Var(Object::Ptr(new Object)));
  return flow;
}

/** What a conversation job queues: replies the channel plugin built, those it refused, the new
 * state. */
struct InboundProcessor::Answer {
  std::vector<outbound::PreparedMessage> ready;
  std::vector<store::EventRecord> refused;
  std::optional<std::string> state;  // written if the stored version is still stateVersion
  std::string flowToken;             // a Flow completion's token, closed with the replies
  int64_t stateVersion = 0;
  std::string contact;
};

/** One conversation job and what its plugins are given, read before they run. */
struct InboundProcessor::Turn {
  const store::ConversationJob* job;
  std::optional<store::MessageRecord> message;
  Object::Ptr normal;   // the message as stored (the channel plugin's normalised view)
  Object::Ptr shown;    // the message as WhatsApp shapes it: {"type": "text", "text": {...}, ...}
  std::string words;    // what it says, for the intent chain
  std::string replyId;  // a tapped reply button or list row
  std::string intents;  // the intent chain's result document ("": none)
  std::optional<store::ContactRecord> contact;
  std::vector<store::MediaItem> media;  // a media message's item, as its download left it
  bool detected = false;                // `intents` came from the chain now: stored with the batch
};

namespace {

/**
 * A media message's items as a conversation plugin sees them: [{"id" (the host's media id),
 * "state" (stored or failed), "kind", "mime_type", "size", "sha256", "error"?}].
 */
Poco::JSON::Array::Ptr mediaOf(const std::vector<store::MediaItem>& items) {
  Poco::JSON::Array::Ptr out = new Poco::JSON::Array;
  for (const auto& item : items) {
    Object::Ptr m = new Object;
    m->set("id", item.id);
    m->set("state", item.state);
    m->set("kind", item.kind);
    m->set("mime_type", item.mimeType);
    if (item.state == "stored") {
      m->set("size", item.size);
      m->set("sha256", item.sha256);
    }
    if (!item.error.empty()) m->set("error", item.error);
    out->add(m);
  }
  return out;
}

/** The message as a conversation plugin sees it, and the words in it an intent plugin reads. */
void showMessage(const store::MessageRecord& message, const Object::Ptr& normal, Object::Ptr& shown,
                 std::string& words, std::string& replyId) {
  shown = new Object;
  for (const char* key :
       {"id", "from", "from_user_id", "timestamp_ms", "type", "context", "referral"}) {
    if (normal->has(key)) shown->set(key, normal->get(key));
  }
  shown->set(message.type, normal->get("content"));
  Object::Ptr content = normal->getObject("content");
  if (content.isNull()) return;
  if (message.type == "text") {
    words = str(content, "body");
  } else if (message.type == "interactive" && str(content, "kind") != "nfm_reply") {
    words = str(content, "title");
    replyId = str(content, "id");
  } else if (message.type == "button") {
    words = str(content, "text");
    replyId = str(content, "payload");
  } else {
    words = str(content, "caption");  // image, video, document
  }
}

}  // namespace

size_t InboundProcessor::runConversations() {
  if (abandonedJobs_) {
    const auto alone = isolate(isolation_);  // as for deliveries (processDeliveries)
    const auto job = takeOverAbandoned<store::ConversationJob>(
        *db_, "conversation job", settings_.maxAttempts, "", [&](Poco::Data::Session& s) {
          return jobs_.claimAbandoned(s, owner_, store::nowMs(), settings_.leaseMs,
                                      settings_.maxAttempts);
        });
    if (job) return runConversations({*job});
    abandonedJobs_ = false;
  }
  std::shared_lock<std::shared_timed_mutex> together(isolation_);
  std::vector<store::ConversationJob> jobs;
  bool abandoned = false;
  Status claimed = db_->transaction([&](Poco::Data::Session& s) {
    const int64_t now = store::nowMs();
    jobs = jobs_.claim(s, owner_, now, settings_.leaseMs, settings_.batch);
    abandoned = jobs_.anyAbandoned(s, now);
  });
  if (!claimed.isOk()) {
    logger().error("claiming conversation jobs: " + claimed.message());
    return 0;
  }
  if (abandoned) abandonedJobs_ = true;
  return runConversations(jobs);
}

size_t InboundProcessor::runConversations(const std::vector<store::ConversationJob>& jobs) {
  if (jobs.empty()) return 0;
  const tenants::TenantSetPtr set = tenants_.current();
  // One read for the batch: the messages (one query, see MessageStore::messagesByIds), their
  // stored intents, and each contact's record and conversation state.
  std::vector<int64_t> ids;
  for (const auto& job : jobs) ids.push_back(job.messageId);
  std::vector<Turn> turns;
  using ContactKey = std::pair<std::string, std::string>;  // tenant, contact
  std::map<ContactKey, store::ConversationState> states;
  Status read = db_->read([&](Poco::Data::Session& s) {
    turns.clear();
    states.clear();
    std::map<int64_t, store::MessageRecord> messages = messages_.messagesByIds(s, ids);
    std::map<int64_t, std::string> intents = messages_.intentsByIds(s, ids);
    std::vector<int64_t> withMedia;
    for (const auto& [id, m] : messages) {
      if (media::mediaKind(m.type)) withMedia.push_back(id);
    }
    std::multimap<int64_t, store::MediaItem> media;
    for (auto& item : media_.ofMessages(s, withMedia)) media.emplace(item.messageId, item);
    store::ConversationStates stored(db_->dialect());
    for (const auto& job : jobs) {
      Turn turn{&job, std::nullopt, nullptr, nullptr, "", "", "", std::nullopt};
      if (auto m = messages.find(job.messageId); m != messages.end()) {
        turn.message = m->second;
        if (auto i = intents.find(job.messageId); i != intents.end()) turn.intents = i->second;
        for (auto [at, end] = media.equal_range(job.messageId); at != end; ++at)
          turn.media.push_back(at->second);
        const ContactKey key{job.tenant, m->second.contact};
        turn.contact = messages_.contact(s, job.tenant, m->second.contact);
        if (!states.count(key))
          states[key] =
              stored.get(s, job.tenant, m->second.contact).value_or(store::ConversationState{});
      }
      turns.push_back(std::move(turn));
    }
  });
  if (!read.isOk()) {
    logger().error("reading messages for conversation jobs: " + read.message());
    return 0;  // the leases expire and the jobs are claimed again
  }
  for (auto& turn : turns) {
    if (!turn.message) continue;
    try {
      turn.normal = parseObject(turn.message->content);
      showMessage(*turn.message, turn.normal, turn.shown, turn.words, turn.replyId);
    } catch (const Poco::Exception& e) {
      logger().error("message " + std::to_string(turn.job->messageId) +
                     " as stored is not readable: " + e.message());
    }
  }
  // The turns: each contact's in claim order, so that a later message in the batch sees the
  // state its earlier one left; different contacts at once (ProcessorSettings::turnsAtOnce).
  // Then one transaction queues every reply and writes every state, each job in a savepoint of
  // its own (as deliveries are processed).
  std::vector<std::vector<size_t>> byContact;
  {
    std::map<ContactKey, size_t> group;
    for (size_t i = 0; i < turns.size(); ++i) {
      if (!turns[i].message) {
        byContact.push_back({i});  // answered at once: the message is gone
        continue;
      }
      auto [at, added] = group.emplace(ContactKey{turns[i].job->tenant, turns[i].message->contact},
                                       byContact.size());
      if (added) byContact.emplace_back();
      byContact[at->second].push_back(i);
    }
  }
  std::vector<std::optional<StatusOr<Answer>>> answers(turns.size());
  atOnce(byContact.size(), [&](size_t g) {
    for (size_t i : byContact[g]) {
      Turn& turn = turns[i];
      try {
        detectIntents(turn, *set);
        store::ConversationState none;
        store::ConversationState* state =
            turn.message ? &states.at({turn.job->tenant, turn.message->contact}) : &none;
        StatusOr<Answer> answer = this->answer(turn, *state, *set);
        if (answer.isOk()) {
          answer->stateVersion = state->version;
          if (answer->state) *state = {*answer->state, state->version + 1};
        }
        answers[i] = std::move(answer);
      } catch (const std::exception& e) {
        answers[i] = StatusOr<Answer>(internal(std::string("conversation turn: ") + e.what()));
      }
    }
  });
  std::vector<std::pair<const store::ConversationJob*, Status>> failed;
  bool queued = false;
  Status batch = db_->transaction([&](Poco::Data::Session& s) {
    failed.clear();
    queued = false;
    const int64_t now = store::nowMs();
    // The intents first, outside the jobs' savepoints: kept even for a job that failed, so its
    // retry reads them instead of asking the intent plugins (and OpenAI) again.
    std::vector<store::MessageStore::Intents> detected;
    for (const Turn& turn : turns) {
      if (turn.detected) detected.push_back({turn.job->messageId, turn.job->tenant, turn.intents});
    }
    messages_.storeIntents(s, detected, now);
    for (size_t i = 0; i < jobs.size(); ++i) {
      const StatusOr<Answer>& answer = *answers[i];
      Status done = answer.status();
      if (done.isOk())
        done = db_->savepoint(s, [&](Poco::Data::Session& s) { finish(s, jobs[i], *answer, now); });
      if (done.isOk()) {
        queued = queued || !answer->ready.empty();
        continue;
      }
      failed.emplace_back(&jobs[i], done);
      jobs_.markFailed(s, jobs[i].id, owner_, done.message(), retryAt(jobs[i].attempts));
    }
  });
  if (!batch.isOk()) {
    logger().error("queueing the replies of " + std::to_string(jobs.size()) +
                   " conversation jobs: " + batch.message() +
                   " (they are claimed again when their leases expire)");
    return jobs.size();
  }
  for (const auto& [job, status] : failed) {
    logger().warning("conversation job " + std::to_string(job->id) + " (tenant " + job->tenant +
                     ")" + (retryAt(job->attempts) ? " will be retried: " : " failed: ") +
                     status.message());
  }
  if (queued && onQueued_) onQueued_();
  return jobs.size();
}

void InboundProcessor::detectIntents(Turn& turn, const tenants::TenantSet& set) {
  if (!turn.message || !turn.intents.empty() || (turn.words.empty() && turn.replyId.empty()))
    return;
  tenants::TenantPtr tenant = set.byId(turn.job->tenant);
  if (!tenant || tenant->config().intent.chain.empty() ||
      !tenant->firstOfKind(BARAZA_KIND_CONVERSATION))
    return;
  Object input;
  input.set("tenant", tenant->id());
  input.set("text", turn.words);
  if (!turn.replyId.empty()) input.set("reply_id", turn.replyId);
  input.set("message", turn.shown);
  StatusOr<std::string> result = tenant->detectIntent(json(input));
  if (!result.isOk()) {
    // The conversation plugin still runs, without intents: it can answer "not understood".
    logger().warning("tenant " + tenant->id() + ": no intent for message " +
                     turn.message->providerId + ": " + result.status().message());
    return;
  }
  turn.intents = *result;
  turn.detected = true;
}

StatusOr<InboundProcessor::Answer> InboundProcessor::answer(const Turn& turn,
                                                            const store::ConversationState& state,
                                                            const tenants::TenantSet& set) {
  const store::ConversationJob& job = *turn.job;
  tenants::TenantPtr tenant = set.byId(job.tenant);
  if (!turn.message) return notFound("message " + std::to_string(job.messageId) + " is gone");
  const store::MessageRecord& message = *turn.message;
  if (!tenant) return failedPrecondition("tenant " + job.tenant + " is not configured any more");
  if (turn.shown.isNull())
    return internal("message " + std::to_string(job.messageId) + " as stored is not readable");
  Answer out;
  out.contact = message.contact;
  std::vector<std::string> replies;
  try {
    if (plugins::PluginInstancePtr bot = tenant->firstOfKind(BARAZA_KIND_CONVERSATION)) {
      Object event;
      event.set("tenant", tenant->id());
      event.set("phone_number_id", message.phoneNumberId);
      event.set("message", turn.shown);
      Object::Ptr contact = new Object;
      contact->set("wa_id", message.contact);
      if (turn.contact && !turn.contact->profileName.empty())
        contact->set("profile_name", turn.contact->profileName);
      event.set("contact", contact);
      if (!turn.intents.empty()) event.set("nlu", parseObject(turn.intents));
      if (!turn.media.empty()) event.set("media", mediaOf(turn.media));
      event.set("state", state.state.empty() ? Poco::Dynamic::Var()
                                             : Poco::JSON::Parser().parse(state.state));
      event.set("state_version", state.version);
      if (Object::Ptr flow = flowCompletion(tenant->id(), message.contact, turn.normal)) {
        out.flowToken = str(flow, "token");
        event.set("flow", flow);
      }
      StatusOr<std::string> said =
          bot->call(plugins::Operation::kConversationOnMessage, json(event));
      if (!said.isOk()) return said.status();
      Object::Ptr answer = parseObject(*said);
      forEachObject(answer->getArray("replies"),
                    [&](size_t, const Object::Ptr& reply) { replies.push_back(json(reply)); });
      if (answer->has("state")) out.state = json(answer->get("state"));
    }
  } catch (const sdk::StatusError& e) {
    return e.status();
  } catch (const Poco::Exception& e) {
    return internal("conversation plugin answer: " + e.message());
  }
  // Each reply is checked and built by the channel plugin first; one that is not a valid
  // message is kept as an error event (visible in `baraza events list`), the others are queued.
  for (size_t k = 0; k < replies.size(); ++k) {
    Object::Ptr reply = parseObject(replies[k]);
    if (str(reply, "to").empty()) reply->set("to", "+" + message.contact);
    if (str(reply, "phone_number_id").empty()) reply->set("phone_number_id", message.phoneNumberId);
    const std::string key = "reply:" + message.providerId + ":" + std::to_string(k);
    StatusOr<outbound::PreparedMessage> prepared = queue_.prepare(*tenant, json(reply), key);
    if (prepared.isOk()) {
      out.ready.push_back(std::move(*prepared));
    } else if (prepared.status().code() == Code::kUnavailable ||
               prepared.status().code() == Code::kDeadlineExceeded) {
      // Nothing wrong with the reply (an upload of its media, say, could not be made now): the
      // job is tried again, and its replies with it.
      return Status(prepared.status().code(),
                    "reply " + std::to_string(k) + ": " + prepared.status().message());
    } else {
      logger().error("tenant " + job.tenant + ": reply " + std::to_string(k) + " to " +
                     message.providerId + " not sent: " + prepared.status().message());
      out.refused.push_back(
          {0, 0, key, job.tenant, "error", "reply", json(reply), prepared.status().message(), 0});
    }
  }
  return out;
}

void InboundProcessor::finish(Poco::Data::Session& s, const store::ConversationJob& job,
                              const Answer& answer, int64_t now) {
  if (answer.state &&
      !store::ConversationStates(db_->dialect())
           .put(s, job.tenant, answer.contact, *answer.state, answer.stateVersion, now)) {
    throw sdk::StatusError(
        Status(Code::kAborted, "the conversation state of " + answer.contact +
                                   " changed while the plugin ran; the message is answered again"));
  }
  if (!answer.flowToken.empty() &&
      !store::FlowSessions(db_->dialect()).close(s, answer.flowToken, now)) {
    throw sdk::StatusError(
        Status(Code::kAborted,
               "the Flow completion's token was used meanwhile; the message is answered again"));
  }
  for (const auto& prepared : answer.ready) queue_.store(s, prepared, now);
  for (auto event : answer.refused) {
    event.createdAt = now;
    events_.add(s, event);
  }
  if (!jobs_.markDone(s, job.id, owner_)) {
    throw sdk::StatusError(Status(Code::kAborted, "lease on conversation job lost"));
  }
}

}  // namespace baraza::inbound
