#include "WebhookParser.h"

#include "JsonText.h"

namespace baraza::whatsapp {
namespace {

/**
 * Meta sends Unix seconds as strings ("1730231903"); 0 when absent, malformed or outside
 * 1970..2100 (which would also overflow as milliseconds).
 */
int64_t millis(const json& o, const char* key) {
  constexpr int64_t kYear2100 = 4102444800;
  const std::string text = str(o, key);
  if (text.empty() || text.size() > 12 || text.find_first_not_of("0123456789") != std::string::npos)
    return 0;
  const int64_t seconds = std::stoll(text);
  return seconds > kYear2100 ? 0 : seconds * 1000;
}

void copyIf(const json& from, json& to, const char* key) {
  auto it = from.find(key);
  if (it != from.end() && !it->is_null()) to[key] = *it;
}

json interactive(const json& in) {
  const std::string kind = str(in, "type");
  json out{{"kind", kind}};
  auto found = in.find(kind);
  if (kind.empty() || found == in.end() || !found->is_object()) return out;
  const json& reply = *found;
  if (kind == "nfm_reply") {
    copyIf(reply, out, "name");
    copyIf(reply, out, "body");
    const std::string responseJson = str(reply, "response_json");
    const json response = json::parse(responseJson, nullptr, false);  // a string of JSON
    if (response.is_object()) {
      out["response"] = response;
      if (response.contains("flow_token")) out["flow_token"] = str(response, "flow_token");
    } else {
      out["response_json"] = responseJson;  // kept as received
    }
    return out;
  }
  out.update(reply);
  return out;
}

json content(const json& message, const std::string& type) {
  auto in = message.find("interactive");
  if (type == "interactive" && in != message.end() && in->is_object()) return interactive(*in);
  if (type == "contacts") {
    auto it = message.find("contacts");
    return {{"contacts", it != message.end() && !it->is_null() ? *it : json::array()}};
  }
  json out = json::object();
  const json& typed = objectAt(message, type.c_str());
  out.update(typed);
  if (type == "reaction") out["removed"] = str(typed, "emoji").empty();
  if (type == "audio") {
    auto voice = typed.find("voice");
    out["voice"] = voice != typed.end() && voice->is_boolean() && voice->get<bool>();
  }
  if (type == "unsupported" || type == "unknown") copyIf(message, out, "errors");
  return out;
}

sdk::InboundMessage normaliseMessage(const json& m) {
  sdk::InboundMessage out;
  const std::string type = str(m, "type");
  out.id = str(m, "id");
  out.from = str(m, "from");
  out.fromUserId = str(m, "from_user_id");
  out.timestampMs = millis(m, "timestamp");
  out.type = type.empty() ? "unknown" : type;
  out.content = content(m, type);
  for (const char* key : {"context", "referral", "errors", "identity"}) copyIf(m, out.extra, key);
  return out;
}

sdk::StatusUpdate normaliseStatus(const json& s) {
  sdk::StatusUpdate out;
  out.id = str(s, "id");
  out.status = str(s, "status");
  out.timestampMs = millis(s, "timestamp");
  out.recipientId = str(s, "recipient_id");
  for (const char* key :
       {"errors", "pricing", "conversation", "biz_opaque_callback_data", "type", "payment"}) {
    copyIf(s, out.extra, key);
  }
  return out;
}

sdk::WebhookContact normaliseContact(const json& c) {
  return {str(c, "wa_id"), str(c, "user_id"), str(objectAt(c, "profile"), "name")};
}

template <class Out, class F>
std::vector<Out> each(const json& value, const char* key, F&& normalise) {
  std::vector<Out> out;
  auto in = value.find(key);
  if (in == value.end() || !in->is_array()) return out;
  for (const json& item : *in) {
    if (item.is_object()) out.push_back(normalise(item));
  }
  return out;
}

}  // namespace

sdk::WebhookEvents parseMessagesValue(const json& value) {
  sdk::WebhookEvents out;
  out.contacts = each<sdk::WebhookContact>(value, "contacts", normaliseContact);
  out.messages = each<sdk::InboundMessage>(value, "messages", normaliseMessage);
  out.statuses = each<sdk::StatusUpdate>(value, "statuses", normaliseStatus);
  auto errors = value.find("errors");
  if (errors != value.end() && errors->is_array()) out.errors = *errors;
  return out;
}

}  // namespace baraza::whatsapp
