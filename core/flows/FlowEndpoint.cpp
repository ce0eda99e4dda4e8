#include "flows/FlowEndpoint.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Logger.h>

#include <sstream>

#include "common/JsonText.h"
#include "crypto/Crypto.h"
#include "flows/FlowCrypto.h"

namespace baraza::flows {
namespace {

using jsontext::json;
using jsontext::parseObject;
using Poco::JSON::Object;

Poco::Logger& logger() { return Poco::Logger::get("baraza.flows"); }

bool signatureValid(const tenants::TenantConfig& tenant, const std::string& header,
                    const std::string& body) {
  static const std::string kPrefix = "sha256=";
  if (header.compare(0, kPrefix.size(), kPrefix) != 0) return false;
  bool valid = false;
  for (const auto& secret : tenant.appSecrets) {
    valid = crypto::constantTimeEquals(crypto::toHex(crypto::hmacSha256(secret.reveal(), body)),
                                       header.substr(kPrefix.size())) ||
            valid;
  }
  return valid;
}

}  // namespace

StatusOr<store::FlowSession> newFlowSession(const std::string& tenant, const std::string& contact,
                                            const std::string& flow,
                                            const std::string& conversation, int64_t ttlMs) {
  uint8_t random[16];
  if (!crypto::randomBytes(random, sizeof random)) return internal("no random source");
  std::string token =
      crypto::base64Encode(std::string(reinterpret_cast<char*>(random), sizeof random));
  for (char& c : token) c = c == '+' ? '-' : c == '/' ? '_' : c;  // URL-safe
  while (!token.empty() && token.back() == '=') token.pop_back();
  const int64_t now = store::nowMs();
  return store::FlowSession{token,  tenant, contact,     flow, conversation,
                            "open", now,    now + ttlMs, 0};
}

StatusOr<std::string> mintFlowToken(store::Database& db, const std::string& tenant,
                                    const std::string& contact, const std::string& flow,
                                    const std::string& conversation, int64_t ttlMs) {
  StatusOr<store::FlowSession> session = newFlowSession(tenant, contact, flow, conversation, ttlMs);
  if (!session.isOk()) return session.status();
  Status created = db.transaction(
      [&](Poco::Data::Session& s) { store::FlowSessions(db.dialect()).create(s, *session); });
  if (!created.isOk()) return created;
  return session->token;
}

FlowEndpoint::FlowEndpoint(const tenants::TenantManager& tenants, store::DatabasePtr db)
    : tenants_(tenants), db_(std::move(db)) {}

struct FlowEndpoint::Opened {
  std::string tenantId;
  tenants::TenantPtr tenant;
  DecryptedRequest request;
  Object::Ptr payload;

  FlowReply reply(int status, const std::string& plaintext) const {
    StatusOr<std::string> sealed = encryptResponse(plaintext, request.aesKey, request.iv);
    if (!sealed.isOk()) return {500, "", "text/plain"};
    return {status, *sealed, "text/plain"};
  }
};

FlowReply FlowEndpoint::handle(const std::string& tenantId,
                               const std::optional<std::string>& signature,
                               const std::string& body) {
  Opening opening = open(tenantId, signature, body);
  return opening.reply ? *opening.reply : respond(*opening.opened);
}

FlowEndpoint::Opening FlowEndpoint::open(const std::string& tenantId,
                                         const std::optional<std::string>& signature,
                                         const std::string& body) {
  tenants::TenantPtr tenant = tenants_.current()->byId(tenantId);
  if (!tenant) return {FlowReply{404, "", "text/plain"}, nullptr};
  const auto& config = tenant->config();
  if (config.flowsRequireSignature && (!signature || !signatureValid(config, *signature, body))) {
    logger().warning("flows " + tenantId + ": signature " + (signature ? "mismatch" : "missing") +
                     " (432)");
    return {FlowReply{432, "", "text/plain"}, nullptr};
  }
  StatusOr<DecryptedRequest> request = decryptRequest(body, config.flowsKeys);
  if (!request.isOk()) {
    logger().warning("flows " + tenantId + ": " + request.status().message() + " (421)");
    return {FlowReply{421, "", "text/plain"}, nullptr};
  }
  auto opened = std::make_shared<Opened>();
  opened->tenantId = tenantId;
  opened->tenant = std::move(tenant);
  opened->request = std::move(*request);
  try {
    opened->payload = parseObject(opened->request.plaintext);
  } catch (const Poco::Exception& e) {
    logger().warning("flows " + tenantId + ": decrypted payload is not JSON: " + e.message());
    return {FlowReply{400, "", "text/plain"}, nullptr};
  }
  if (opened->payload->optValue<std::string>("action", "") == "ping") {
    return {opened->reply(200, R"({"data":{"status":"active"}})"), nullptr};
  }
  return {std::nullopt, std::move(opened)};
}

FlowReply FlowEndpoint::respond(const Opened& opened) {
  const std::string& tenantId = opened.tenantId;
  const tenants::TenantPtr& tenant = opened.tenant;
  const Object::Ptr& payload = opened.payload;
  auto reply = [&opened](int status, const std::string& plaintext) {
    return opened.reply(status, plaintext);
  };

  Object::Ptr data = payload->getObject("data");
  if (!data.isNull() &&
      (data->has("error") || data->has("error_key") || data->has("error_message"))) {
    // The client rejected our previous answer: keep it where operators look, and acknowledge.
    // Only what says what went wrong is kept and logged (escaped, as JSON): the flow token and
    // the person's data stay out of the events table and the log.
    Object::Ptr notice = new Object;
    for (const char* key : {"action", "screen", "version"}) {
      if (payload->has(key)) notice->set(key, payload->get(key));
    }
    Object::Ptr error = new Object;
    for (const char* key : {"error", "error_key", "error_message"}) {
      if (data->has(key)) error->set(key, data->get(key));
    }
    notice->set("data", error);
    const std::string kept = json(notice);
    // Positions must be unique per delivery (0 here): the millisecond and 8 random bytes.
    uint8_t nonce[8];
    if (!crypto::randomBytes(nonce, sizeof nonce)) return {503, "", "text/plain"};
    const int64_t at = store::nowMs();
    const std::string position =
        "flow:" + std::to_string(at) + ":" + crypto::toHex(nonce, sizeof nonce);
    bool stored = false;
    Status written = db_->transaction([&](Poco::Data::Session& s) {
      stored = store::Events(db_->dialect())
                   .add(s, {0, 0, position, tenantId, "flow_error", "flows", kept,
                            data->optValue<std::string>("error", ""), at});
    });
    if (!written.isOk() || !stored) {
      logger().error("flows " + tenantId +
                     ": error notification not stored (answered 503, the client retries): " +
                     (written.isOk() ? "its position was taken" : written.message()));
      return {503, "", "text/plain"};
    }
    logger().warning("flows " + tenantId + ": error notification: " + kept);
    return reply(200, R"({"data":{"acknowledged":true}})");
  }

  const std::string token = payload->optValue<std::string>("flow_token", "");
  std::optional<store::FlowSession> session;
  Status read = db_->transaction(
      [&](Poco::Data::Session& s) { session = store::FlowSessions(db_->dialect()).get(s, token); });
  if (!read.isOk()) return {503, "", "text/plain"};
  std::string refusal;
  if (!session || session->tenant != tenantId)
    refusal = "This session is not valid. Please start again.";
  else if (session->state != "open")
    refusal = "This session has ended.";
  else if (session->expiresAt <= store::nowMs())
    refusal = "This session has expired. Please start again.";
  if (!refusal.empty()) {
    Object error;
    error.set("error_msg", refusal);
    return reply(427, json(error));
  }

  plugins::PluginInstancePtr flow = tenant->instance(session->flow);
  if (!flow || !(flow->kinds() & BARAZA_KIND_FLOW)) {
    logger().error("flows " + tenantId + ": token bound to flow \"" + session->flow +
                   "\", which is not a running flow plugin");
    return {500, "", "text/plain"};
  }
  Object input;
  for (const char* key : {"action", "screen", "data", "version", "flow_token"}) {
    if (payload->has(key)) input.set(key, payload->get(key));
  }
  if (resolveMedia_ && payload->has("data")) {
    const std::string data = json(payload->get("data"));
    if (data.find("\"encryption_metadata\"") != std::string::npos) {
      StatusOr<std::string> resolved = resolveMedia_(tenantId, data);
      if (!resolved.isOk()) {
        logger().error("flows " + tenantId +
                       ": the request's media: " + resolved.status().toString());
        return {500, "", "text/plain"};
      }
      input.set("data", Poco::JSON::Parser().parse(*resolved));
    }
  }
  Object context;
  context.set("tenant", tenantId);
  context.set("contact", session->contact);
  context.set("flow", session->flow);
  context.set("conversation", session->conversation);
  input.set("context", context);
  StatusOr<std::string> answered = flow->call(plugins::Operation::kFlowExchange, json(input));
  if (!answered.isOk()) {
    logger().error("flows " + tenantId + ": " + session->flow + ": " +
                   answered.status().toString());
    return {500, "", "text/plain"};
  }
  Object::Ptr answer;
  try {
    answer = parseObject(*answered);
  } catch (const Poco::Exception& e) {
    logger().error("flows " + tenantId + ": " + session->flow +
                   " answered something that is not JSON");
    return {500, "", "text/plain"};
  }

  Object response;
  if (answer->has("complete")) {
    Object::Ptr params = answer->getObject("complete");
    if (params.isNull()) params = new Object;
    params->set("flow_token", token);
    Object extension;
    extension.set("params", params);
    Object completion;
    completion.set("extension_message_response", extension);
    response.set("screen", "SUCCESS");
    response.set("data", completion);
    // A token completes once: of two requests completing it at the same time, one gets the
    // completion, the other the answer to a token already used.
    bool completed = false;
    Status closed = db_->transaction([&](Poco::Data::Session& s) {
      completed = store::FlowSessions(db_->dialect()).complete(s, token, store::nowMs());
    });
    if (!closed.isOk()) return {503, "", "text/plain"};
    if (!completed) {
      Object error;
      error.set("error_msg", "This session has ended.");
      return reply(427, json(error));
    }
  } else if (answer->has("error_message")) {
    Object errorData;
    errorData.set("error_message", answer->getValue<std::string>("error_message"));
    response.set("screen", payload->optValue<std::string>("screen", ""));
    response.set("data", errorData);
  } else {
    response.set("screen", answer->optValue<std::string>("screen", ""));
    response.set("data", answer->has("data") ? answer->get("data")
                                             : Poco::Dynamic::Var(Object::Ptr(new Object)));
  }
  return reply(200, json(response));
}

}  // namespace baraza::flows
