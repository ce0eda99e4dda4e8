#include "inbound/InboundProcessor.h"

#include "common/JsonText.h"
#include "inbound/WebhookApps.h"
#include "store/FlowSessions.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Logger.h>

#include <map>
#include <sstream>

namespace baraza::inbound {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;
using jsontext::json;
using jsontext::str;
using jsontext::parseObject;
using jsontext::forEachObject;

Poco::Logger& logger() { return Poco::Logger::get("baraza.inbound"); }

/** Thrown inside a delivery's transaction when its lease expired and another worker took it. */
sdk::StatusError leaseLost() { return sdk::StatusError(Status(Code::kAborted, "lease on delivery lost; another worker has it")); }

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
      jobs_(db_->dialect()) {}

InboundProcessor::~InboundProcessor() { stop(); }

void InboundProcessor::start() {
  for (int i = 0; i < settings_.workers; ++i) workers_.emplace_back([this] { workerLoop(); });
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
    wake_.wait_for(lock, std::chrono::milliseconds(settings_.idleMs), [&] { return woken_ || stopping_.load(); });
    woken_ = false;
  }
}

size_t InboundProcessor::runOnce() { return processDeliveries() + runConversations(); }

int64_t InboundProcessor::retryAt(int attempts) const {
  if (attempts >= settings_.maxAttempts) return 0;  // failed for good
  const int64_t backoffMs = std::min<int64_t>(1000LL << std::min(attempts, 12), 3600000);
  return store::nowMs() + backoffMs;
}

size_t InboundProcessor::processDeliveries() {
  std::vector<store::InboxRow> rows;
  Status claimed = db_->transaction([&](Poco::Data::Session& s) {
    rows = inbox_.claim(s, owner_, store::nowMs(), settings_.leaseMs, settings_.batch);
  });
  if (!claimed.isOk()) {
    logger().error("claiming deliveries: " + claimed.message());
    return 0;
  }
  for (const auto& row : rows) {
    Status processed = process(row);
    if (processed.isOk()) continue;
    const bool invalid = processed.code() == Code::kInvalidArgument;
    const int64_t retry = invalid ? 0 : retryAt(row.attempts);
    logger().warning("delivery " + std::to_string(row.id) + (retry ? " will be retried: " : " failed: ") +
                     processed.message());
    db_->transaction([&](Poco::Data::Session& s) { inbox_.markFailed(s, row.id, owner_, processed.message(), retry); });
  }
  return rows.size();
}

Status InboundProcessor::process(const store::InboxRow& row) {
  Object::Ptr root;
  try {
    root = parseObject(row.body);
  } catch (const Poco::Exception& e) {
    return invalidArgument("not valid JSON: " + e.message());
  }
  const tenants::TenantSetPtr set = tenants_.current();
  const int64_t now = store::nowMs();
  const std::string digest = store::Inbox::digestOf(row.body);
  return db_->transaction([&](Poco::Data::Session& s) {
    // Meta delivers at least once: a body this app already delivered and we processed is a repeat.
    if (const int64_t original = inbox_.recordDigest(s, row.app, digest, row.id); original != row.id) {
      if (!inbox_.markDuplicate(s, row.id, owner_, original)) {
        throw leaseLost();
      }
      return;
    }
    auto keep = [&](const std::string& position, const tenants::TenantPtr& tenant, const std::string& kind,
                    const std::string& field, const std::string& payload, const std::string& reason) {
      events_.add(s, {0, row.id, position, tenant ? tenant->id() : "", kind, field, payload, reason, now});
    };
    forEachObject(root->getArray("entry"), [&](size_t i, const Object::Ptr& entry) {
      forEachObject(entry->getArray("changes"), [&](size_t j, const Object::Ptr& change) {
        const std::string position = std::to_string(i) + "." + std::to_string(j);
        const std::string field = str(change, "field");
        Object::Ptr value = change->getObject("value");
        const std::string valueJson = value.isNull() ? "{}" : json(value);
        if (field != "messages") {
          // Non-message fields carry the WABA id as entry.id.
          tenants::TenantPtr owner;
          for (const auto& t : set->all()) {
            if (!t->config().wabaId.empty() && t->config().wabaId == str(entry, "id") &&
                WebhookApps::keyOf(t->config()) == row.app) {
              owner = t;
            }
          }
          keep(position, owner, "field", field, valueJson,
               owner ? "" : "no tenant has waba_id " + str(entry, "id"));
          return;
        }
        const std::string number = str(value->getObject("metadata"), "phone_number_id");
        tenants::TenantPtr tenant = set->byPhoneNumberId(number);
        if (!tenant) {
          keep(position, nullptr, "unroutable", field, valueJson, "no tenant owns phone_number_id " + number);
          return;
        }
        if (WebhookApps::keyOf(tenant->config()) != row.app) {
          keep(position, nullptr, "unroutable", field, valueJson,
               "phone_number_id " + number + " belongs to tenant " + tenant->id() +
                   ", whose app did not sign this delivery");
          return;
        }
        plugins::PluginInstancePtr channel = tenant->firstOfKind(BARAZA_KIND_CHANNEL);
        if (!channel) {
          keep(position, tenant, "unroutable", field, valueJson,
               "tenant " + tenant->id() + " has no running channel plugin");
          return;
        }
        StatusOr<std::string> parsed = channel->call(plugins::Operation::kChannelParseWebhook, valueJson);
        if (!parsed.isOk()) throw sdk::StatusError(parsed.status());
        Object::Ptr normal = parseObject(*parsed);
        const std::string& t = tenant->id();

        forEachObject(normal->getArray("contacts"), [&](size_t, const Object::Ptr& c) {
          const std::string waId = str(c, "wa_id").empty() ? str(c, "user_id") : str(c, "wa_id");
          if (!waId.empty()) messages_.upsertContact(s, {t, waId, str(c, "user_id"), str(c, "profile_name"), 0}, now);
        });
        forEachObject(normal->getArray("messages"), [&](size_t, const Object::Ptr& m) {
          const std::string contact = str(m, "from").empty() ? str(m, "from_user_id") : str(m, "from");
          const int64_t at = m->optValue<Poco::Int64>("timestamp_ms", 0);
          store::MessageRecord record{t, str(m, "id"), "in", number, contact, str(m, "type"), json(m),
                                      at, "received", at, m->has("errors") ? json(m->get("errors")) : ""};
          if (int64_t id = messages_.insertOnce(s, record, now)) jobs_.enqueue(s, t, id, now);
          messages_.upsertContact(s, {t, contact, str(m, "from_user_id"), "", at}, now);
        });
        forEachObject(normal->getArray("statuses"), [&](size_t, const Object::Ptr& st) {
          auto part = [&](const char* key) { return st->has(key) ? json(st->get(key)) : std::string(); };
          const int64_t at = st->optValue<Poco::Int64>("timestamp_ms", 0);
          messages_.addStatusEvent(s, {t, str(st, "id"), str(st, "status"), at, str(st, "recipient_id"),
                                       part("errors"), part("pricing"), part("conversation"), now});
          messages_.advanceStatus(s, t, str(st, "id"), str(st, "status"), at, part("errors"));
        });
        forEachObject(normal->getArray("errors"), [&](size_t k, const Object::Ptr& e) {
          keep(position + "." + std::to_string(k), tenant, "error", field, json(e), str(e, "title"));
        });
      });
    });
    if (!inbox_.markDone(s, row.id, owner_)) {
      throw leaseLost();
    }
  });
}

Poco::JSON::Object::Ptr InboundProcessor::flowCompletion(const std::string& tenant,
                                                        const Poco::JSON::Object::Ptr& message) {
  // A completed Flow arrives as an interactive nfm_reply whose response carries our flow token.
  Object::Ptr content = message->getObject("content");
  if (str(message, "type") != "interactive" || content.isNull() || str(content, "kind") != "nfm_reply") return nullptr;
  const std::string token = str(content, "flow_token");
  if (token.empty()) return nullptr;
  std::optional<store::FlowSession> session;
  db_->transaction([&](Poco::Data::Session& s) {
    store::FlowSessions sessions(db_->dialect());
    session = sessions.get(s, token);
    if (session && session->tenant == tenant) sessions.close(s, token, store::nowMs());
  });
  if (!session || session->tenant != tenant) return nullptr;  // not a token we minted for this tenant
  Object::Ptr flow = new Object;
  flow->set("token", token);
  flow->set("flow", session->flow);
  flow->set("conversation", session->conversation);
  flow->set("response", content->has("response") ? content->get("response") : Poco::Dynamic::Var(Object::Ptr(new Object)));
  return flow;
}

size_t InboundProcessor::runConversations() {
  std::vector<store::ConversationJob> jobs;
  Status claimed = db_->transaction([&](Poco::Data::Session& s) {
    jobs = jobs_.claim(s, owner_, store::nowMs(), settings_.leaseMs, settings_.batch);
  });
  if (!claimed.isOk()) {
    logger().error("claiming conversation jobs: " + claimed.message());
    return 0;
  }
  // One query for every job's message (see MessageStore::messagesByIds).
  std::vector<int64_t> ids;
  for (const auto& job : jobs) ids.push_back(job.messageId);
  std::map<int64_t, store::MessageRecord> messages;
  Status read = db_->transaction([&](Poco::Data::Session& s) { messages = messages_.messagesByIds(s, ids); });
  if (!read.isOk()) {
    logger().error("reading messages for conversation jobs: " + read.message());
    return 0;  // the leases expire and the jobs are claimed again
  }
  for (const auto& job : jobs) {
    auto found = messages.find(job.messageId);
    Status done = converse(job, found == messages.end() ? std::nullopt
                                                        : std::optional<store::MessageRecord>(found->second));
    if (done.isOk()) continue;
    const int64_t retry = retryAt(job.attempts);
    logger().warning("conversation job " + std::to_string(job.id) + " (tenant " + job.tenant + ")" +
                     (retry ? " will be retried: " : " failed: ") + done.message());
    db_->transaction([&](Poco::Data::Session& s) { jobs_.markFailed(s, job.id, owner_, done.message(), retry); });
  }
  return jobs.size();
}

Status InboundProcessor::converse(const store::ConversationJob& job,
                                  const std::optional<store::MessageRecord>& message) {
  const tenants::TenantSetPtr set = tenants_.current();
  tenants::TenantPtr tenant = set->byId(job.tenant);
  if (!message) return notFound("message " + std::to_string(job.messageId) + " is gone");

  if (!tenant) return failedPrecondition("tenant " + job.tenant + " is not configured any more");
  std::vector<std::string> replies;
  if (plugins::PluginInstancePtr bot = tenant->firstOfKind(BARAZA_KIND_CONVERSATION)) {
    // The plugin sees the message as WhatsApp shapes it: {"type": "text", "text": {...}, ...}.
    Object::Ptr normal = parseObject(message->content);
    Object::Ptr shown = new Object;
    for (const char* key : {"id", "from", "from_user_id", "timestamp_ms", "type", "context", "referral"}) {
      if (normal->has(key)) shown->set(key, normal->get(key));
    }
    shown->set(message->type, normal->get("content"));
    Object event;
    event.set("tenant", tenant->id());
    event.set("phone_number_id", message->phoneNumberId);
    event.set("message", shown);
    if (Object::Ptr flow = flowCompletion(tenant->id(), normal)) event.set("flow", flow);
    StatusOr<std::string> answer = bot->call(plugins::Operation::kConversationOnMessage, json(event));
    if (!answer.isOk()) return answer.status();
    forEachObject(parseObject(*answer)->getArray("replies"), [&](size_t, const Object::Ptr& reply) {
      replies.push_back(json(reply));
    });
  }
  // Each reply is checked and built by the channel plugin first; one that is not a valid
  // message is kept as an error event (visible in `baraza events list`), the others are queued.
  std::vector<outbound::PreparedMessage> ready;
  std::vector<store::EventRecord> refused;
  for (size_t k = 0; k < replies.size(); ++k) {
    Object::Ptr reply = parseObject(replies[k]);
    if (str(reply, "to").empty()) reply->set("to", "+" + message->contact);
    if (str(reply, "phone_number_id").empty()) reply->set("phone_number_id", message->phoneNumberId);
    const std::string key = "reply:" + message->providerId + ":" + std::to_string(k);
    StatusOr<outbound::PreparedMessage> prepared = queue_.prepare(*tenant, json(reply), key);
    if (prepared.isOk()) {
      ready.push_back(std::move(*prepared));
    } else {
      logger().error("tenant " + job.tenant + ": reply " + std::to_string(k) + " to " + message->providerId +
                     " not sent: " + prepared.status().message());
      refused.push_back({0, 0, key, job.tenant, "error", "reply", json(reply), prepared.status().message(), 0});
    }
  }
  Status done = db_->transaction([&](Poco::Data::Session& s) {
    const int64_t now = store::nowMs();
    for (const auto& prepared : ready) queue_.store(s, prepared, now);
    for (auto event : refused) {
      event.createdAt = now;
      events_.add(s, event);
    }
    if (!jobs_.markDone(s, job.id, owner_)) {
      throw sdk::StatusError(Status(Code::kAborted, "lease on conversation job lost"));
    }
  });
  if (done.isOk() && !ready.empty() && onQueued_) onQueued_();
  return done;
}

}  // namespace baraza::inbound
