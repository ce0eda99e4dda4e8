#include "WebhookParser.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/NumberParser.h>

#include <sstream>
#include <stdexcept>

#include "JsonText.h"

namespace baraza::whatsapp {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

/**
 * Meta sends Unix seconds as strings ("1730231903"); 0 when absent, malformed or outside
 * 1970..2100 (which would also overflow as milliseconds).
 */
Poco::Int64 millis(const Object::Ptr& o, const std::string& key) {
  constexpr Poco::Int64 kYear2100 = 4102444800;
  Poco::Int64 seconds = 0;
  if (!Poco::NumberParser::tryParse64(str(o, key), seconds) || seconds < 0 || seconds > kYear2100)
    return 0;
  return seconds * 1000;
}

void copyIf(const Object::Ptr& from, Object& to, const std::string& key) {
  if (!from.isNull() && from->has(key) && !from->isNull(key)) to.set(key, from->get(key));
}

Object::Ptr interactive(const Object::Ptr& in) {
  Object::Ptr out = new Object;
  const std::string kind = str(in, "type");
  out->set("kind", kind);
  Object::Ptr reply = in->getObject(kind);
  if (reply.isNull()) return out;
  if (kind == "nfm_reply") {
    copyIf(reply, *out, "name");
    copyIf(reply, *out, "body");
    const std::string responseJson = str(reply, "response_json");
    try {
      Object::Ptr response = parseObject(responseJson);  // a string of JSON: parse it again
      out->set("response", response);
      if (response->has("flow_token")) out->set("flow_token", str(response, "flow_token"));
    } catch (const std::invalid_argument&) {
      out->set("response_json", responseJson);  // kept as received
    }
    return out;
  }
  for (const auto& [key, value] : *reply) out->set(key, value);
  return out;
}

Object::Ptr content(const Object::Ptr& message, const std::string& type) {
  if (type == "interactive" && !message->getObject("interactive").isNull()) {
    return interactive(message->getObject("interactive"));
  }
  if (type == "contacts") {
    Object::Ptr out = new Object;
    out->set("contacts", message->has("contacts") ? message->get("contacts")
                                                  : Poco::Dynamic::Var(Array::Ptr(new Array)));
    return out;
  }
  Object::Ptr out = new Object;
  Object::Ptr typed = message->getObject(type);
  if (!typed.isNull()) {
    for (const auto& [key, value] : *typed) out->set(key, value);
  }
  if (type == "reaction") out->set("removed", str(typed, "emoji").empty());
  if (type == "audio") out->set("voice", !typed.isNull() && typed->optValue<bool>("voice", false));
  if (type == "unsupported" || type == "unknown") {
    if (message->has("errors")) out->set("errors", message->get("errors"));
  }
  return out;
}

Object::Ptr normaliseMessage(const Object::Ptr& m) {
  Object::Ptr out = new Object;
  const std::string type = str(m, "type");
  out->set("id", str(m, "id"));
  out->set("from", str(m, "from"));
  if (m->has("from_user_id")) out->set("from_user_id", str(m, "from_user_id"));
  out->set("timestamp_ms", millis(m, "timestamp"));
  out->set("type", type.empty() ? "unknown" : type);
  out->set("content", content(m, type));
  copyIf(m, *out, "context");
  copyIf(m, *out, "referral");
  copyIf(m, *out, "errors");
  copyIf(m, *out, "identity");
  return out;
}

Object::Ptr normaliseStatus(const Object::Ptr& s) {
  Object::Ptr out = new Object;
  out->set("id", str(s, "id"));
  out->set("status", str(s, "status"));
  out->set("timestamp_ms", millis(s, "timestamp"));
  out->set("recipient_id", str(s, "recipient_id"));
  for (const char* key :
       {"errors", "pricing", "conversation", "biz_opaque_callback_data", "type", "payment"}) {
    copyIf(s, *out, key);
  }
  return out;
}

Object::Ptr normaliseContact(const Object::Ptr& c) {
  Object::Ptr out = new Object;
  out->set("wa_id", str(c, "wa_id"));
  out->set("user_id", str(c, "user_id"));
  out->set("profile_name", str(c->getObject("profile"), "name"));
  return out;
}

template <class F>
Array::Ptr each(const Object::Ptr& value, const std::string& key, F&& normalise) {
  Array::Ptr out = new Array;
  Array::Ptr in = value->getArray(key);
  for (size_t i = 0; !in.isNull() && i < in->size(); ++i) {
    Object::Ptr item = in->getObject(static_cast<unsigned>(i));
    if (!item.isNull()) out->add(normalise(item));
  }
  return out;
}

}  // namespace

std::string parseMessagesValue(const std::string& valueJson) {
  Object::Ptr value = parseObject(valueJson);
  Object out;
  out.set("contacts", each(value, "contacts", normaliseContact));
  out.set("messages", each(value, "messages", normaliseMessage));
  out.set("statuses", each(value, "statuses", normaliseStatus));
  out.set("errors",
          value->has("errors") ? value->get("errors") : Poco::Dynamic::Var(Array::Ptr(new Array)));
  std::ostringstream text;
  out.stringify(text);
  return text.str();
}

}  // namespace baraza::whatsapp
