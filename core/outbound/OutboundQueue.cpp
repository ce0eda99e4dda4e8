#include "outbound/OutboundQueue.h"

#include <algorithm>

#include "common/JsonText.h"
#include "flows/FlowEndpoint.h"
#include "media/MediaKinds.h"
#include "media/MediaUpload.h"
#include "outbound/StoredRequest.h"

namespace baraza::outbound {
namespace {

using jsontext::json;
using jsontext::parseObject;
using jsontext::str;
using Poco::JSON::Object;

/** The parameters object of an interactive Flow message, or null for any other message. */
Object::Ptr flowParameters(const Object::Ptr& message) {
  if (str(message, "type") != "interactive") return nullptr;
  Object::Ptr interactive = message->getObject("interactive");
  if (interactive.isNull() || str(interactive, "type") != "flow") return nullptr;
  Object::Ptr action = interactive->getObject("action");
  return action.isNull() ? nullptr : action->getObject("parameters");
}

/** The plugin instance name of the tenant's first running flow plugin, or "". */
std::string firstFlowPlugin(const tenants::Tenant& tenant) {
  for (const auto& slot : tenant.instances()) {
    if (slot.instance && (slot.instance->kinds() & BARAZA_KIND_FLOW)) return slot.binding.name;
  }
  return "";
}

/**
 * Refuses a value wider than its column, on either store: MariaDB would fail the insert with a
 * database error, SQLite would keep it.
 */
Status fitsColumn(const std::string& what, const std::string& value, size_t maxBytes) {
  if (value.size() <= maxBytes) return Status();
  return invalidArgument(what + " is " + std::to_string(value.size()) + " bytes long; at most " +
                         std::to_string(maxBytes) + " are allowed");
}

}  // namespace

OutboundQueue::OutboundQueue(store::DatabasePtr db, const tenants::TenantManager& tenants,
                             int64_t flowTokenTtlMs)
    : db_(std::move(db)),
      tenants_(tenants),
      flowTokenTtlMs_(flowTokenTtlMs),
      outbox_(db_->dialect(), db_->multiRowInsertIdsConsecutive()),
      flowSessions_(db_->dialect()) {}

Status OutboundQueue::sendStoredMediaById(const tenants::Tenant& tenant, const std::string& from,
                                          const Object::Ptr& message) const {
  const std::string type = str(message, "type");
  if (!media::mediaKind(type)) return Status();
  Object::Ptr object = message->getObject(type);
  if (object.isNull() || !object->has("stored_media_id")) return Status();
  if (object->has("id") || object->has("link"))
    return invalidArgument(type + " names its bytes twice: give one of id, link, stored_media_id");
  Poco::Int64 stored = 0;
  try {
    stored = object->getValue<Poco::Int64>("stored_media_id");
  } catch (const Poco::Exception&) {
    return invalidArgument(type + ".stored_media_id must be a number");
  }
  StatusOr<media::UploadedMedia> uploaded =
      media::uploadStoredForSending(*db_, tenant, from, type, stored, accessToken_);
  if (!uploaded.isOk()) return uploaded.status();
  object->remove("stored_media_id");
  object->set("id", uploaded->mediaId);
  return Status();
}

StatusOr<PreparedMessage> OutboundQueue::prepare(const tenants::Tenant& tenant,
                                                 const std::string& messageJson,
                                                 const std::string& idempotencyKey) const {
  if (Status fits =
          fitsColumn("the idempotency key", idempotencyKey, store::kMaxIdempotencyKeyBytes);
      !fits.isOk()) {
    return fits;
  }
  Object::Ptr message;
  try {
    message = parseObject(messageJson);
  } catch (const Poco::Exception& e) {
    return invalidArgument("the message is not a JSON object: " + e.message());
  }
  const auto& numbers = tenant.config().phoneNumberIds;
  const std::string from =
      str(message, "phone_number_id").empty() ? numbers.front() : str(message, "phone_number_id");
  if (std::find(numbers.begin(), numbers.end(), from) == numbers.end()) {
    return Status(Code::kPermissionDenied, "phone_number_id " + from + " is not one of tenant " +
                                               tenant.id() + "'s numbers");
  }
  message->set("phone_number_id", from);

  PreparedMessage prepared;
  if (Object::Ptr parameters = flowParameters(message);
      !parameters.isNull() && !parameters->has("flow_token")) {
    std::string flow = str(message, "flow_plugin");
    if (flow.empty()) flow = firstFlowPlugin(tenant);
    if (flow.empty()) {
      return failedPrecondition("tenant " + tenant.id() +
                                " has no flow plugin to answer this Flow; "
                                "name one with \"flow_plugin\" or give a \"flow_token\"");
    }
    plugins::PluginInstancePtr bound = tenant.instance(flow);
    if (!bound || !(bound->kinds() & BARAZA_KIND_FLOW)) {
      return invalidArgument("flow_plugin \"" + flow +
                             "\" is not a running flow plugin of tenant " + tenant.id());
    }
    const std::string conversation = str(message, "conversation");
    if (Status fits = fitsColumn("conversation", conversation, store::kMaxConversationBytes);
        !fits.isOk()) {
      return fits;
    }
    std::string contact = str(message, "to");
    contact.erase(
        std::remove_if(contact.begin(), contact.end(),
                       [](char c) { return !std::isdigit(static_cast<unsigned char>(c)); }),
        contact.end());
    StatusOr<store::FlowSession> session =
        flows::newFlowSession(tenant.id(), contact, flow, conversation, flowTokenTtlMs_);
    if (!session.isOk()) return session.status();
    parameters->set("flow_token", session->token);
    prepared.flowSession = *session;
  }

  if (Status resolved = sendStoredMediaById(tenant, from, message); !resolved.isOk())
    return resolved;

  plugins::PluginInstancePtr channel = tenant.firstOfKind(BARAZA_KIND_CHANNEL);
  if (!channel)
    return failedPrecondition("tenant " + tenant.id() +
                              " has no running channel plugin to send with");
  StatusOr<std::string> built = channel->call(plugins::Operation::kChannelBuildSend, json(message));
  if (!built.isOk()) return built.status();
  StoredRequest request;
  try {
    request = StoredRequest::fromChannelOutput(*built);
  } catch (const Poco::Exception& e) {
    return internal("the channel plugin built no usable request: " + e.displayText());
  }
  prepared.message.tenant = tenant.id();
  prepared.message.phoneNumberId = from;
  prepared.message.recipient = request.recipient;
  prepared.message.payload = request.encode();
  prepared.message.idempotencyKey = idempotencyKey;
  return prepared;
}

int64_t OutboundQueue::store(Poco::Data::Session& s, const PreparedMessage& prepared,
                             int64_t now) const {
  if (prepared.flowSession) flowSessions_.create(s, *prepared.flowSession);
  return outbox_.enqueue(s, prepared.message, now);
}

std::vector<int64_t> OutboundQueue::storeAll(Poco::Data::Session& s,
                                             const std::vector<PreparedMessage>& prepared,
                                             int64_t now) const {
  std::vector<store::OutboundMessage> messages;
  messages.reserve(prepared.size());
  for (const auto& p : prepared) {
    if (p.flowSession) flowSessions_.create(s, *p.flowSession);
    messages.push_back(p.message);
  }
  return outbox_.enqueueAll(s, messages, now);
}

StatusOr<int64_t> OutboundQueue::submit(const std::string& tenantId, const std::string& messageJson,
                                        const std::string& idempotencyKey) const {
  tenants::TenantPtr tenant = tenants_.current()->byId(tenantId);
  if (!tenant) return notFound("no tenant " + tenantId);
  StatusOr<PreparedMessage> prepared = prepare(*tenant, messageJson, idempotencyKey);
  if (!prepared.isOk()) return prepared.status();
  int64_t id = 0;
  Status stored =
      db_->transaction([&](Poco::Data::Session& s) { id = store(s, *prepared, store::nowMs()); });
  if (!stored.isOk()) return stored;
  return id;
}

}  // namespace baraza::outbound
