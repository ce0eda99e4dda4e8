// Typed documents: the JSON every kind exchanges with the host (docs/plugin-authors.md) as
// structs, read and written with nlohmann/json, and a base class per kind whose operations take
// and return them:
//
//   class Registry : public baraza::sdk::TypedVerifier {
//     StatusOr<Verification> verify(const VerificationRequest& request) override { ... }
//   };
//
// Members the documents do not name are ignored on reading; empty optional members are left out
// on writing, so what a plugin writes is what the documents show.
#pragma once

#include <baraza/sdk/Plugin.hpp>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace baraza::sdk {

namespace detail {
inline void putIfSet(nlohmann::json& j, const char* key, const std::string& value) {
  if (!value.empty()) j[key] = value;
}
inline std::string stringOf(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}
/**
 * A document as JSON text. Bytes that are not UTF-8 (a provider's text cut mid-character, say)
 * are written as U+FFFD rather than failing the whole answer.
 */
inline std::string write(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}
/** A whole-number member; none when absent or of another type. */
inline std::optional<int64_t> optionalIntegerOf(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<int64_t>();
}
inline int64_t integerOf(const nlohmann::json& j, const char* key, int64_t otherwise = 0) {
  return optionalIntegerOf(j, key).value_or(otherwise);
}
/** An object member as it is; an empty object when absent or of another type. */
inline nlohmann::json objectOf(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_object() ? *it : nlohmann::json::object();
}
/** A member of any type as it is; null when absent. */
inline nlohmann::json valueOf(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() ? *it : nlohmann::json();
}
/** A member read as a document when it is an object; empty when absent or not one. */
template <class Document>
std::optional<Document> documentOf(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_object()) return std::nullopt;
  return it->get<Document>();
}
/** A member read as a list of documents; empty when absent or not an array. */
template <class Document>
std::vector<Document> listOf(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_array()) return {};
  std::vector<Document> out;
  for (const auto& item : *it) {
    if (item.is_object()) out.push_back(item.get<Document>());
  }
  return out;
}
/** Members other than `named`, kept as they came (a provider's extras). */
inline nlohmann::json othersOf(const nlohmann::json& j, std::initializer_list<const char*> named) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [key, value] : j.items()) {
    bool known = false;
    for (const char* n : named) known = known || key == n;
    if (!known) out[key] = value;
  }
  return out;
}
}  // namespace detail

// ---- verifier ----

/** verify's input: {"document_type": "KRA PIN" | "Citizen" | "Non-Citizen" | "Passport", "number"}
 */
struct VerificationRequest {
  std::string documentType;
  std::string number;
};

/** verify's output: an authority's answer, whatever it says. */
struct Verification {
  /** verified, not_found, invalid_format or unsupported_document_type */
  std::string result;
  std::string documentType, number;
  // verified:
  std::string pin, name, taxpayerType, pinStatus;
  std::optional<bool> active;
  // the others: the authority's code, and what is wrong
  std::string code, message;
};

inline void from_json(const nlohmann::json& j, VerificationRequest& r) {
  r.documentType = detail::stringOf(j, "document_type");
  r.number = detail::stringOf(j, "number");
}
inline void to_json(nlohmann::json& j, const VerificationRequest& r) {
  j = {{"document_type", r.documentType}, {"number", r.number}};
}
inline void from_json(const nlohmann::json& j, Verification& v) {
  v.result = detail::stringOf(j, "result");
  v.documentType = detail::stringOf(j, "document_type");
  v.number = detail::stringOf(j, "number");
  v.pin = detail::stringOf(j, "pin");
  v.name = detail::stringOf(j, "name");
  v.taxpayerType = detail::stringOf(j, "taxpayer_type");
  v.pinStatus = detail::stringOf(j, "pin_status");
  if (auto it = j.find("active"); it != j.end() && it->is_boolean()) v.active = it->get<bool>();
  v.code = detail::stringOf(j, "code");
  v.message = detail::stringOf(j, "message");
}
inline void to_json(nlohmann::json& j, const Verification& v) {
  j = {{"result", v.result}, {"document_type", v.documentType}, {"number", v.number}};
  detail::putIfSet(j, "pin", v.pin);
  detail::putIfSet(j, "name", v.name);
  detail::putIfSet(j, "taxpayer_type", v.taxpayerType);
  detail::putIfSet(j, "pin_status", v.pinStatus);
  if (v.active) j["active"] = *v.active;
  detail::putIfSet(j, "code", v.code);
  detail::putIfSet(j, "message", v.message);
}

// ---- intent ----

/** detect's input: the message's words, and the message itself. */
struct IntentInput {
  std::string tenant;
  std::string text;
  std::string replyId;  // a tapped reply button or list row, when there is one
  nlohmann::json message = nlohmann::json::object();
};

struct RankedIntent {
  std::string name;
  double confidence = 0;
};

struct Entity {
  std::string type, value;
  std::optional<int64_t> start, end;  // byte offsets in the text, when read from it
};

/** detect's output. */
struct IntentResult {
  RankedIntent intent;                // "fallback" when unsure
  std::vector<RankedIntent> intents;  // the ranking
  std::vector<Entity> entities;
  std::string language;  // "en", "sw", or "" when nothing tells
  bool ambiguous = false;
  std::string source;  // set by the host's chain: the instance that gave the result
};

inline void from_json(const nlohmann::json& j, IntentInput& in) {
  in.tenant = detail::stringOf(j, "tenant");
  in.text = detail::stringOf(j, "text");
  in.replyId = detail::stringOf(j, "reply_id");
  in.message = detail::objectOf(j, "message");
}
inline void to_json(nlohmann::json& j, const IntentInput& in) {
  j = {{"tenant", in.tenant}, {"text", in.text}, {"message", in.message}};
  detail::putIfSet(j, "reply_id", in.replyId);
}
inline void from_json(const nlohmann::json& j, RankedIntent& r) {
  r.name = detail::stringOf(j, "name");
  auto it = j.find("confidence");
  r.confidence = it != j.end() && it->is_number() ? it->get<double>() : 0;
}
inline void to_json(nlohmann::json& j, const RankedIntent& r) {
  j = {{"name", r.name}, {"confidence", r.confidence}};
}
inline void from_json(const nlohmann::json& j, Entity& e) {
  e.type = detail::stringOf(j, "type");
  e.value = detail::stringOf(j, "value");
  e.start = detail::optionalIntegerOf(j, "start");
  e.end = detail::optionalIntegerOf(j, "end");
}
inline void to_json(nlohmann::json& j, const Entity& e) {
  j = {{"type", e.type}, {"value", e.value}};
  if (e.start) j["start"] = *e.start;
  if (e.end) j["end"] = *e.end;
}
inline void from_json(const nlohmann::json& j, IntentResult& r) {
  if (auto it = j.find("intent"); it != j.end() && it->is_object())
    r.intent = it->get<RankedIntent>();
  if (auto it = j.find("intents"); it != j.end() && it->is_array())
    r.intents = it->get<std::vector<RankedIntent>>();
  if (auto it = j.find("entities"); it != j.end() && it->is_array())
    r.entities = it->get<std::vector<Entity>>();
  r.language = detail::stringOf(j, "language");
  auto it = j.find("ambiguous");
  r.ambiguous = it != j.end() && it->is_boolean() && it->get<bool>();
  r.source = detail::stringOf(j, "source");
}
inline void to_json(nlohmann::json& j, const IntentResult& r) {
  j = {{"intent", r.intent},
       {"intents", r.intents},
       {"entities", r.entities},
       {"language", r.language},
       {"ambiguous", r.ambiguous}};
  detail::putIfSet(j, "source", r.source);
}

// ---- conversation ----

/** Who wrote: the WhatsApp id and the name on their profile. */
struct Contact {
  std::string waId, profileName;
};

/** A Flow the person finished (flows.md): its token, plugin instance, conversation and params. */
struct CompletedFlow {
  std::string token, flow, conversation;
  nlohmann::json response = nlohmann::json::object();
};

/** A media message's item as the host keeps it. */
struct StoredMediaItem {
  int64_t id = 0;     // the host's media id: Host::readMedia, "stored_media_id" in a reply
  std::string state;  // "stored" or "failed"
  std::string kind, mimeType;
  std::optional<int64_t> size;  // stored
  std::string sha256;           // stored
  std::string error;            // failed: why
};

/** on_message's input. */
struct ConversationEvent {
  std::string tenant, phoneNumberId;
  /** WhatsApp's message object, the type's content under the type's name. */
  nlohmann::json message = nlohmann::json::object();
  Contact contact;
  std::optional<IntentResult> nlu;  // when the message has words
  nlohmann::json state;             // the contact's state as last returned; null when none
  int64_t stateVersion = 0;         // 0 when none is stored
  std::optional<CompletedFlow> flow;
  std::vector<StoredMediaItem> media;
};

/** on_message's output: the replies to queue and, when set, the contact's new state. */
struct ConversationTurn {
  std::vector<nlohmann::json> replies;  // Graph message objects; "to" defaults to the sender
  std::optional<nlohmann::json> state;
};

/** What a message says, whatever its type: a text, a tapped reply's title and id, a caption. */
struct MessageWords {
  std::string text;
  std::string replyId;  // a tapped reply button or list row, or a template button's payload
};

inline MessageWords wordsOf(const nlohmann::json& message) {
  const std::string type = detail::stringOf(message, "type");
  auto it = message.find(type);
  const nlohmann::json body = it != message.end() && it->is_object() ? *it : nlohmann::json();
  if (!body.is_object()) return {};
  if (type == "text") return {detail::stringOf(body, "body"), ""};
  if (type == "interactive") return {detail::stringOf(body, "title"), detail::stringOf(body, "id")};
  if (type == "button") return {detail::stringOf(body, "text"), detail::stringOf(body, "payload")};
  return {detail::stringOf(body, "caption"), ""};
}

/** A text message to the sender. */
inline nlohmann::json textReply(const std::string& body) {
  return {{"type", "text"}, {"text", {{"body", body}}}};
}

inline void from_json(const nlohmann::json& j, Contact& c) {
  c.waId = detail::stringOf(j, "wa_id");
  c.profileName = detail::stringOf(j, "profile_name");
}
inline void to_json(nlohmann::json& j, const Contact& c) {
  j = {{"wa_id", c.waId}};
  detail::putIfSet(j, "profile_name", c.profileName);
}
inline void from_json(const nlohmann::json& j, CompletedFlow& f) {
  f.token = detail::stringOf(j, "token");
  f.flow = detail::stringOf(j, "flow");
  f.conversation = detail::stringOf(j, "conversation");
  f.response = detail::objectOf(j, "response");
}
inline void to_json(nlohmann::json& j, const CompletedFlow& f) {
  j = {{"token", f.token},
       {"flow", f.flow},
       {"conversation", f.conversation},
       {"response", f.response}};
}
inline void from_json(const nlohmann::json& j, StoredMediaItem& m) {
  m.id = detail::integerOf(j, "id");
  m.state = detail::stringOf(j, "state");
  m.kind = detail::stringOf(j, "kind");
  m.mimeType = detail::stringOf(j, "mime_type");
  m.size = detail::optionalIntegerOf(j, "size");
  m.sha256 = detail::stringOf(j, "sha256");
  m.error = detail::stringOf(j, "error");
}
inline void to_json(nlohmann::json& j, const StoredMediaItem& m) {
  j = {{"id", m.id}, {"state", m.state}, {"kind", m.kind}, {"mime_type", m.mimeType}};
  if (m.size) j["size"] = *m.size;
  detail::putIfSet(j, "sha256", m.sha256);
  detail::putIfSet(j, "error", m.error);
}
inline void from_json(const nlohmann::json& j, ConversationEvent& e) {
  e.tenant = detail::stringOf(j, "tenant");
  e.phoneNumberId = detail::stringOf(j, "phone_number_id");
  e.message = detail::objectOf(j, "message");
  e.contact = detail::documentOf<Contact>(j, "contact").value_or(Contact{});
  e.nlu = detail::documentOf<IntentResult>(j, "nlu");
  e.state = detail::valueOf(j, "state");
  e.stateVersion = detail::integerOf(j, "state_version");
  e.flow = detail::documentOf<CompletedFlow>(j, "flow");
  e.media = detail::listOf<StoredMediaItem>(j, "media");
}
inline void to_json(nlohmann::json& j, const ConversationEvent& e) {
  j = {{"tenant", e.tenant},   {"phone_number_id", e.phoneNumberId},
       {"message", e.message}, {"contact", e.contact},
       {"state", e.state},     {"state_version", e.stateVersion}};
  if (e.nlu) j["nlu"] = *e.nlu;
  if (e.flow) j["flow"] = *e.flow;
  if (!e.media.empty()) j["media"] = e.media;
}
inline void from_json(const nlohmann::json& j, ConversationTurn& t) {
  if (auto it = j.find("replies"); it != j.end() && it->is_array())
    t.replies.assign(it->begin(), it->end());
  if (auto it = j.find("state"); it != j.end()) t.state = *it;
}
inline void to_json(nlohmann::json& j, const ConversationTurn& t) {
  j = {{"replies", t.replies}};
  if (t.state) j["state"] = *t.state;
}

// ---- flow ----

/** Whose Flow it is: minted by the host with the token. */
struct FlowContext {
  std::string tenant, contact, flow, conversation;
};

/** exchange's input: a decrypted INIT, BACK or data_exchange request. */
struct FlowRequest {
  std::string action;  // "INIT", "BACK" or "data_exchange"
  std::string screen, version, flowToken;
  nlohmann::json data = nlohmann::json::object();
  FlowContext context;
};

/** exchange's output: the next screen, an error shown on this one, or the Flow's completion. */
struct FlowAnswer {
  std::string screen;
  nlohmann::json data = nlohmann::json::object();
  std::string errorMessage;
  std::optional<nlohmann::json> complete;  // the params the Flow ends with

  static FlowAnswer next(std::string screen, nlohmann::json data = nlohmann::json::object()) {
    FlowAnswer a;
    a.screen = std::move(screen);
    a.data = std::move(data);
    return a;
  }
  static FlowAnswer error(std::string message) {
    FlowAnswer a;
    a.errorMessage = std::move(message);
    return a;
  }
  static FlowAnswer completion(nlohmann::json params) {
    FlowAnswer a;
    a.complete = std::move(params);
    return a;
  }
};

inline void from_json(const nlohmann::json& j, FlowContext& c) {
  c.tenant = detail::stringOf(j, "tenant");
  c.contact = detail::stringOf(j, "contact");
  c.flow = detail::stringOf(j, "flow");
  c.conversation = detail::stringOf(j, "conversation");
}
inline void to_json(nlohmann::json& j, const FlowContext& c) {
  j = {{"tenant", c.tenant},
       {"contact", c.contact},
       {"flow", c.flow},
       {"conversation", c.conversation}};
}
inline void from_json(const nlohmann::json& j, FlowRequest& r) {
  r.action = detail::stringOf(j, "action");
  r.screen = detail::stringOf(j, "screen");
  r.version = detail::stringOf(j, "version");
  r.flowToken = detail::stringOf(j, "flow_token");
  r.data = detail::objectOf(j, "data");
  r.context = detail::documentOf<FlowContext>(j, "context").value_or(FlowContext{});
}
inline void to_json(nlohmann::json& j, const FlowRequest& r) {
  j = {{"action", r.action}, {"screen", r.screen}, {"data", r.data}, {"context", r.context}};
  detail::putIfSet(j, "version", r.version);
  detail::putIfSet(j, "flow_token", r.flowToken);
}
inline void from_json(const nlohmann::json& j, FlowAnswer& a) {
  if (auto it = j.find("complete"); it != j.end()) {
    a.complete = it->is_object() ? *it : nlohmann::json::object();
    return;
  }
  a.errorMessage = detail::stringOf(j, "error_message");
  a.screen = detail::stringOf(j, "screen");
  a.data = detail::objectOf(j, "data");
}
inline void to_json(nlohmann::json& j, const FlowAnswer& a) {
  if (a.complete) {
    j = {{"complete", *a.complete}};
  } else if (!a.errorMessage.empty()) {
    j = {{"error_message", a.errorMessage}};
  } else {
    j = {{"screen", a.screen}, {"data", a.data}};
  }
}

// ---- media ----

/** get's and remove's input. */
struct MediaKey {
  std::string key;
};

/** remove's output, and any other answer with nothing in it: {}. */
struct Empty {};

/** open_writer's input: what is about to be written. */
struct MediaWrite {
  std::string tenant;
  std::string sha256;  // the expected lower-case hex hash, or ""
  int64_t size = -1;   // -1 when unknown
  std::string mimeType;
};

/** An object kept: get's output (with `path` when a local file holds it) and commit's. */
struct MediaObject {
  std::string key;
  int64_t size = 0;
  std::string sha256;
  std::string path;
};

inline void from_json(const nlohmann::json& j, MediaKey& k) { k.key = detail::stringOf(j, "key"); }
inline void to_json(nlohmann::json& j, const MediaKey& k) { j = {{"key", k.key}}; }
inline void from_json(const nlohmann::json&, Empty&) {}
inline void to_json(nlohmann::json& j, const Empty&) { j = nlohmann::json::object(); }
inline void from_json(const nlohmann::json& j, MediaWrite& w) {
  w.tenant = detail::stringOf(j, "tenant");
  w.sha256 = detail::stringOf(j, "sha256");
  w.size = detail::integerOf(j, "size", -1);
  w.mimeType = detail::stringOf(j, "mime_type");
}
inline void to_json(nlohmann::json& j, const MediaWrite& w) {
  j = {{"tenant", w.tenant}, {"sha256", w.sha256}, {"size", w.size}, {"mime_type", w.mimeType}};
}
inline void from_json(const nlohmann::json& j, MediaObject& o) {
  o.key = detail::stringOf(j, "key");
  o.size = detail::integerOf(j, "size");
  o.sha256 = detail::stringOf(j, "sha256");
  o.path = detail::stringOf(j, "path");
}
inline void to_json(nlohmann::json& j, const MediaObject& o) {
  j = {{"key", o.key}, {"size", o.size}, {"sha256", o.sha256}};
  detail::putIfSet(j, "path", o.path);
}

// ---- channel ----

/** A contact named in a webhook delivery. */
struct WebhookContact {
  std::string waId, userId, profileName;
};

/** An inbound message, normalised: the type's content under "content". */
struct InboundMessage {
  std::string id, from, fromUserId, type;
  int64_t timestampMs = 0;
  nlohmann::json content = nlohmann::json::object();
  /** What else the provider said ("context", "referral", "errors", "identity"), as it said it. */
  nlohmann::json extra = nlohmann::json::object();
};

/** A sent message's status change. */
struct StatusUpdate {
  std::string id, status, recipientId;
  int64_t timestampMs = 0;
  /** "errors", "pricing", "conversation", "biz_opaque_callback_data"... as the provider said. */
  nlohmann::json extra = nlohmann::json::object();
};

/** parse_webhook's output: everything one delivery's change carries. */
struct WebhookEvents {
  std::vector<WebhookContact> contacts;
  std::vector<InboundMessage> messages;
  std::vector<StatusUpdate> statuses;
  nlohmann::json errors = nlohmann::json::array();  // errors about the change itself
};

/** The HTTP request to make at the provider. The host adds the access token. */
struct ProviderRequest {
  std::string method = "POST", url;
  std::string service;  // the host's name for it ("graph"): operators may point it elsewhere
  nlohmann::json body = nlohmann::json::object();
};

/** build_send's output. */
struct SendPlan {
  std::string recipient;  // normalised, "+<country code><number>"
  bool pairRate = true;   // whether it counts toward the per-recipient pace
  ProviderRequest request;
};

/** classify_response's input: the provider's answer. */
struct ProviderResponse {
  int status = 0;
  std::string body;
};

/** classify_response's output (sending.md says what the host does with each). */
struct Classification {
  std::string outcome;  // accepted, retry, pause, reengage or failed
  std::string providerId;
  std::string scope;  // retry: message, number or recipient
  std::optional<int64_t> afterMs, code, subcode;
  std::string title, details;
};

struct ReengageRequest {
  std::string phoneNumberId, to, templateName, language;
};
struct TokenExchange {
  std::string token, appId, appSecret;
};
struct AccessToken {
  std::string accessToken;
};
struct FlowKeyRegistration {
  std::string phoneNumberId, publicKey, token;
};
struct FlowKeyState {
  std::string publicKey, signatureStatus;
};
struct MediaSourceRequest {
  std::string mediaId, phoneNumberId, token;
};
/** Where an inbound item's bytes are, and what the provider says they are. */
struct MediaSource {
  std::string url, mimeType, sha256;
  int64_t fileSize = -1;
  std::vector<std::pair<std::string, std::string>> headers;
};
struct MediaUpload {
  std::string phoneNumberId, token, path, mimeType, filename;
};
struct UploadedMedia {
  std::string mediaId;
};

inline void from_json(const nlohmann::json& j, WebhookContact& c) {
  c.waId = detail::stringOf(j, "wa_id");
  c.userId = detail::stringOf(j, "user_id");
  c.profileName = detail::stringOf(j, "profile_name");
}
inline void to_json(nlohmann::json& j, const WebhookContact& c) {
  j = {{"wa_id", c.waId}, {"user_id", c.userId}, {"profile_name", c.profileName}};
}
inline void from_json(const nlohmann::json& j, InboundMessage& m) {
  m.id = detail::stringOf(j, "id");
  m.from = detail::stringOf(j, "from");
  m.fromUserId = detail::stringOf(j, "from_user_id");
  m.type = detail::stringOf(j, "type");
  m.timestampMs = detail::integerOf(j, "timestamp_ms");
  m.content = detail::objectOf(j, "content");
  m.extra = detail::othersOf(j, {"id", "from", "from_user_id", "type", "timestamp_ms", "content"});
}
inline void to_json(nlohmann::json& j, const InboundMessage& m) {
  j = m.extra.is_object() ? m.extra : nlohmann::json::object();
  j["id"] = m.id;
  j["from"] = m.from;
  detail::putIfSet(j, "from_user_id", m.fromUserId);
  j["type"] = m.type;
  j["timestamp_ms"] = m.timestampMs;
  j["content"] = m.content;
}
inline void from_json(const nlohmann::json& j, StatusUpdate& s) {
  s.id = detail::stringOf(j, "id");
  s.status = detail::stringOf(j, "status");
  s.recipientId = detail::stringOf(j, "recipient_id");
  s.timestampMs = detail::integerOf(j, "timestamp_ms");
  s.extra = detail::othersOf(j, {"id", "status", "recipient_id", "timestamp_ms"});
}
inline void to_json(nlohmann::json& j, const StatusUpdate& s) {
  j = s.extra.is_object() ? s.extra : nlohmann::json::object();
  j["id"] = s.id;
  j["status"] = s.status;
  j["recipient_id"] = s.recipientId;
  j["timestamp_ms"] = s.timestampMs;
}
inline void from_json(const nlohmann::json& j, WebhookEvents& e) {
  e.contacts = detail::listOf<WebhookContact>(j, "contacts");
  e.messages = detail::listOf<InboundMessage>(j, "messages");
  e.statuses = detail::listOf<StatusUpdate>(j, "statuses");
  if (auto it = j.find("errors"); it != j.end() && it->is_array()) e.errors = *it;
}
inline void to_json(nlohmann::json& j, const WebhookEvents& e) {
  j = {{"contacts", e.contacts},
       {"messages", e.messages},
       {"statuses", e.statuses},
       {"errors", e.errors}};
}
inline void from_json(const nlohmann::json& j, ProviderRequest& r) {
  r.method = detail::stringOf(j, "method");
  r.url = detail::stringOf(j, "url");
  r.service = detail::stringOf(j, "service");
  r.body = detail::valueOf(j, "body");
}
inline void to_json(nlohmann::json& j, const ProviderRequest& r) {
  j = {{"method", r.method}, {"url", r.url}, {"body", r.body}};
  detail::putIfSet(j, "service", r.service);
}
inline void from_json(const nlohmann::json& j, SendPlan& p) {
  p.recipient = detail::stringOf(j, "recipient");
  auto it = j.find("pair_rate");
  p.pairRate = it == j.end() || !it->is_boolean() || it->get<bool>();
  p.request = detail::documentOf<ProviderRequest>(j, "request").value_or(ProviderRequest{});
}
inline void to_json(nlohmann::json& j, const SendPlan& p) {
  j = {{"recipient", p.recipient}, {"pair_rate", p.pairRate}, {"request", p.request}};
}
inline void from_json(const nlohmann::json& j, ProviderResponse& r) {
  r.status = static_cast<int>(detail::integerOf(j, "status"));
  r.body = detail::stringOf(j, "body");
}
inline void to_json(nlohmann::json& j, const ProviderResponse& r) {
  j = {{"status", r.status}, {"body", r.body}};
}
inline void from_json(const nlohmann::json& j, Classification& c) {
  c.outcome = detail::stringOf(j, "outcome");
  c.providerId = detail::stringOf(j, "provider_id");
  c.scope = detail::stringOf(j, "scope");
  c.afterMs = detail::optionalIntegerOf(j, "after_ms");
  c.code = detail::optionalIntegerOf(j, "code");
  c.subcode = detail::optionalIntegerOf(j, "subcode");
  c.title = detail::stringOf(j, "title");
  c.details = detail::stringOf(j, "details");
}
inline void to_json(nlohmann::json& j, const Classification& c) {
  j = {{"outcome", c.outcome}};
  detail::putIfSet(j, "provider_id", c.providerId);
  detail::putIfSet(j, "scope", c.scope);
  if (c.afterMs) j["after_ms"] = *c.afterMs;
  if (c.code) j["code"] = *c.code;
  if (c.subcode) j["subcode"] = *c.subcode;
  if (c.code || !c.title.empty()) j["title"] = c.title;
  if (c.code || !c.details.empty()) j["details"] = c.details;
}
inline void from_json(const nlohmann::json& j, ReengageRequest& r) {
  r.phoneNumberId = detail::stringOf(j, "phone_number_id");
  r.to = detail::stringOf(j, "to");
  r.templateName = detail::stringOf(j, "template");
  r.language = detail::stringOf(j, "language");
}
inline void to_json(nlohmann::json& j, const ReengageRequest& r) {
  j = {{"phone_number_id", r.phoneNumberId},
       {"to", r.to},
       {"template", r.templateName},
       {"language", r.language}};
}
inline void from_json(const nlohmann::json& j, TokenExchange& t) {
  t.token = detail::stringOf(j, "token");
  t.appId = detail::stringOf(j, "app_id");
  t.appSecret = detail::stringOf(j, "app_secret");
}
inline void to_json(nlohmann::json& j, const TokenExchange& t) {
  j = {{"token", t.token}, {"app_id", t.appId}, {"app_secret", t.appSecret}};
}
inline void from_json(const nlohmann::json& j, AccessToken& t) {
  t.accessToken = detail::stringOf(j, "access_token");
}
inline void to_json(nlohmann::json& j, const AccessToken& t) {
  j = {{"access_token", t.accessToken}};
}
inline void from_json(const nlohmann::json& j, FlowKeyRegistration& r) {
  r.phoneNumberId = detail::stringOf(j, "phone_number_id");
  r.publicKey = detail::stringOf(j, "public_key");
  r.token = detail::stringOf(j, "token");
}
inline void to_json(nlohmann::json& j, const FlowKeyRegistration& r) {
  j = {{"phone_number_id", r.phoneNumberId}, {"public_key", r.publicKey}, {"token", r.token}};
}
inline void from_json(const nlohmann::json& j, FlowKeyState& s) {
  s.publicKey = detail::stringOf(j, "public_key");
  s.signatureStatus = detail::stringOf(j, "signature_status");
}
inline void to_json(nlohmann::json& j, const FlowKeyState& s) {
  j = {{"public_key", s.publicKey}, {"signature_status", s.signatureStatus}};
}
inline void from_json(const nlohmann::json& j, MediaSourceRequest& r) {
  r.mediaId = detail::stringOf(j, "media_id");
  r.phoneNumberId = detail::stringOf(j, "phone_number_id");
  r.token = detail::stringOf(j, "token");
}
inline void to_json(nlohmann::json& j, const MediaSourceRequest& r) {
  j = {{"media_id", r.mediaId}, {"phone_number_id", r.phoneNumberId}, {"token", r.token}};
}
inline void from_json(const nlohmann::json& j, MediaSource& s) {
  s.url = detail::stringOf(j, "url");
  s.mimeType = detail::stringOf(j, "mime_type");
  s.sha256 = detail::stringOf(j, "sha256");
  s.fileSize = detail::integerOf(j, "file_size", -1);
  s.headers.clear();
  const nlohmann::json headers = detail::objectOf(j, "headers");
  for (const auto& [name, value] : headers.items())
    if (value.is_string()) s.headers.emplace_back(name, value.get<std::string>());
}
inline void to_json(nlohmann::json& j, const MediaSource& s) {
  j = {{"url", s.url}, {"mime_type", s.mimeType}, {"sha256", s.sha256}};
  if (s.fileSize >= 0) j["file_size"] = s.fileSize;
  nlohmann::json headers = nlohmann::json::object();
  for (const auto& [name, value] : s.headers) headers[name] = value;
  j["headers"] = headers;
}
inline void from_json(const nlohmann::json& j, MediaUpload& u) {
  u.phoneNumberId = detail::stringOf(j, "phone_number_id");
  u.token = detail::stringOf(j, "token");
  u.path = detail::stringOf(j, "path");
  u.mimeType = detail::stringOf(j, "mime_type");
  u.filename = detail::stringOf(j, "filename");
}
inline void to_json(nlohmann::json& j, const MediaUpload& u) {
  j = {{"phone_number_id", u.phoneNumberId},
       {"token", u.token},
       {"path", u.path},
       {"mime_type", u.mimeType}};
  detail::putIfSet(j, "filename", u.filename);
}
inline void from_json(const nlohmann::json& j, UploadedMedia& u) {
  u.mediaId = detail::stringOf(j, "media_id");
}
inline void to_json(nlohmann::json& j, const UploadedMedia& u) { j = {{"media_id", u.mediaId}}; }

/** Reads a document; INVALID_ARGUMENT naming what is wrong when it is not a JSON object. */
template <class Document>
StatusOr<Document> readDocument(std::string_view text) {
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return invalidArgument("the input is not a JSON object");
  try {
    return j.get<Document>();
  } catch (const nlohmann::json::exception& e) {
    return invalidArgument(std::string("the input does not read as its document: ") + e.what());
  }
}

/** Host::verify with the typed documents: the tenant's verifier `instance`, or its first. */
inline StatusOr<Verification> verify(const Host& host, const VerificationRequest& request,
                                     std::string_view instance = {}) {
  StatusOr<std::string> answer = host.verify(detail::write(request), instance);
  if (!answer.isOk()) return answer.status();
  return readDocument<Verification>(*answer);
}

/** Host::detectIntent with the typed documents: `instance`, or the tenant's intent chain. */
inline StatusOr<IntentResult> detectIntent(const Host& host, const IntentInput& input,
                                           std::string_view instance = {}) {
  StatusOr<std::string> answer = host.detectIntent(detail::write(input), instance);
  if (!answer.isOk()) return answer.status();
  return readDocument<IntentResult>(*answer);
}

// ---- typed base classes ----

namespace detail {
/** A string operation the host calls, served by a typed one: read, call, write. */
template <class Input, class Operation>
StatusOr<std::string> typedCall(std::string_view text, Operation&& operation) {
  StatusOr<Input> input = readDocument<Input>(text);
  if (!input.isOk()) return input.status();
  auto answer = operation(*input);
  if (!answer.isOk()) return answer.status();
  return detail::write(*answer);
}
}  // namespace detail

/** A verifier written against the typed documents. */
class TypedVerifier : public Verifier {
 public:
  virtual StatusOr<Verification> verify(const VerificationRequest& request) = 0;

 private:
  StatusOr<std::string> verify(std::string_view requestJson) final {
    return detail::typedCall<VerificationRequest>(
        requestJson, [this](const VerificationRequest& request) { return verify(request); });
  }
};

/** An intent plugin written against the typed documents. */
class TypedIntent : public Intent {
 public:
  virtual StatusOr<IntentResult> detect(const IntentInput& input) = 0;

 private:
  StatusOr<std::string> detect(std::string_view inputJson) final {
    return detail::typedCall<IntentInput>(
        inputJson, [this](const IntentInput& input) { return detect(input); });
  }
};

/** A conversation plugin written against the typed documents. */
class TypedConversation : public Conversation {
 public:
  virtual StatusOr<ConversationTurn> onMessage(const ConversationEvent& event) = 0;

 private:
  StatusOr<std::string> onMessage(std::string_view eventJson) final {
    return detail::typedCall<ConversationEvent>(
        eventJson, [this](const ConversationEvent& event) { return onMessage(event); });
  }
};

/** A Flow's business logic written against the typed documents. */
class TypedFlow : public Flow {
 public:
  virtual StatusOr<FlowAnswer> exchange(const FlowRequest& request) = 0;

 private:
  StatusOr<std::string> exchange(std::string_view requestJson) final {
    return detail::typedCall<FlowRequest>(
        requestJson, [this](const FlowRequest& request) { return exchange(request); });
  }
};

/** A media writer whose commit answers a MediaObject. */
class TypedMediaWriter : public MediaWriter {
 public:
  virtual StatusOr<MediaObject> commitObject() = 0;

 private:
  StatusOr<std::string> commit() final {
    StatusOr<MediaObject> committed = commitObject();
    if (!committed.isOk()) return committed.status();
    return detail::write(*committed);
  }
};

/** A media store written against the typed documents; `read` is as Media declares it. */
class TypedMedia : public Media {
 public:
  virtual StatusOr<MediaObject> get(const MediaKey& key) = 0;
  virtual StatusOr<std::unique_ptr<MediaWriter>> openWriter(const MediaWrite& write) = 0;
  /** OK when the object is already gone. */
  virtual Status remove(const MediaKey& key) = 0;

 private:
  StatusOr<std::string> get(std::string_view keyJson) final {
    return detail::typedCall<MediaKey>(keyJson, [this](const MediaKey& key) { return get(key); });
  }
  StatusOr<std::unique_ptr<MediaWriter>> openWriter(std::string_view metaJson) final {
    StatusOr<MediaWrite> write = readDocument<MediaWrite>(metaJson);
    if (!write.isOk()) return write.status();
    return openWriter(*write);
  }
  StatusOr<std::string> remove(std::string_view keyJson) final {
    return detail::typedCall<MediaKey>(keyJson, [this](const MediaKey& key) -> StatusOr<Empty> {
      Status removed = remove(key);
      if (!removed.isOk()) return removed;
      return Empty{};
    });
  }
};

/**
 * A channel written against the typed documents. The webhook's change and the outbound message
 * stay JSON: their shape is the provider's (WhatsApp's, for the WhatsApp Cloud API).
 */
class TypedChannel : public Channel {
 public:
  /** The `value` of one webhook change in; what it carries out. */
  virtual StatusOr<WebhookEvents> parseWebhook(const nlohmann::json& value) = 0;
  /** A message as queued (with "phone_number_id") in; the request to make out, or
   * INVALID_ARGUMENT naming the field and the limit it breaks. */
  virtual StatusOr<SendPlan> buildSend(const nlohmann::json& message) = 0;
  /** Runs on the host's HTTP event loop: return quickly, wait for nothing. */
  virtual StatusOr<Classification> classifyResponse(const ProviderResponse& response) = 0;
  /** A message as buildSend takes it. */
  virtual StatusOr<nlohmann::json> reengage(const ReengageRequest&) {
    return unimplemented("this channel plugin has no re-engagement message");
  }
  virtual StatusOr<AccessToken> exchangeToken(const TokenExchange&) {
    return unimplemented("this channel plugin does not exchange access tokens");
  }
  virtual StatusOr<FlowKeyState> registerFlowKey(const FlowKeyRegistration&) {
    return unimplemented("this channel plugin does not register Flows keys");
  }
  virtual StatusOr<MediaSource> mediaSource(const MediaSourceRequest&) {
    return unimplemented("this channel plugin does not download media");
  }
  virtual StatusOr<UploadedMedia> uploadMedia(const MediaUpload&) {
    return unimplemented("this channel plugin does not upload media");
  }

 private:
  StatusOr<std::string> parseWebhook(std::string_view text) final {
    return detail::typedCall<nlohmann::json>(
        text, [this](const nlohmann::json& value) { return parseWebhook(value); });
  }
  StatusOr<std::string> buildSend(std::string_view text) final {
    return detail::typedCall<nlohmann::json>(
        text, [this](const nlohmann::json& message) { return buildSend(message); });
  }
  StatusOr<std::string> classifyResponse(std::string_view text) final {
    return detail::typedCall<ProviderResponse>(
        text, [this](const ProviderResponse& response) { return classifyResponse(response); });
  }
  StatusOr<std::string> reengage(std::string_view text) final {
    return detail::typedCall<ReengageRequest>(
        text, [this](const ReengageRequest& request) { return reengage(request); });
  }
  StatusOr<std::string> exchangeToken(std::string_view text) final {
    return detail::typedCall<TokenExchange>(
        text, [this](const TokenExchange& exchange) { return exchangeToken(exchange); });
  }
  StatusOr<std::string> registerFlowKey(std::string_view text) final {
    return detail::typedCall<FlowKeyRegistration>(
        text, [this](const FlowKeyRegistration& key) { return registerFlowKey(key); });
  }
  StatusOr<std::string> mediaSource(std::string_view text) final {
    return detail::typedCall<MediaSourceRequest>(
        text, [this](const MediaSourceRequest& request) { return mediaSource(request); });
  }
  StatusOr<std::string> uploadMedia(std::string_view text) final {
    return detail::typedCall<MediaUpload>(
        text, [this](const MediaUpload& upload) { return uploadMedia(upload); });
  }
};

}  // namespace baraza::sdk
