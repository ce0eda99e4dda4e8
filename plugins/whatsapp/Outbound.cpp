#include "Outbound.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSONString.h>

#include <baraza/sdk/JsonScalars.hpp>
#include <cctype>
#include <set>

#include "JsonText.h"

namespace baraza::whatsapp {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

[[noreturn]] void fail(const std::string& path, const std::string& problem) {
  throw std::invalid_argument(path + ": " + problem);
}

/** Meta's limits count characters: UTF-8 code points. */
size_t characters(const std::string& text) {
  size_t n = 0;
  for (unsigned char c : text) n += (c & 0xC0) != 0x80;
  return n;
}

std::string at(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}
std::string at(const std::string& path, size_t index) {
  return path + "[" + std::to_string(index) + "]";
}

Object::Ptr object(const Object::Ptr& o, const std::string& key, const std::string& path) {
  if (!o->has(key) || o->isNull(key)) fail(at(path, key), "required");
  Object::Ptr value = o->getObject(key);
  if (value.isNull()) fail(at(path, key), "must be an object");
  return value;
}

Array::Ptr array(const Object::Ptr& o, const std::string& key, const std::string& path) {
  if (!o->has(key) || o->isNull(key)) fail(at(path, key), "required");
  Array::Ptr value = o->getArray(key);
  if (value.isNull()) fail(at(path, key), "must be an array");
  return value;
}

/** A string member of at most `max` characters; required ones must not be empty. */
std::string text(const Object::Ptr& o, const std::string& key, const std::string& path, size_t max,
                 bool required = true) {
  if (!o->has(key) || o->isNull(key)) {
    if (required) fail(at(path, key), "required");
    return {};
  }
  if (!o->get(key).isString()) fail(at(path, key), "must be a string");
  std::string value = o->getValue<std::string>(key);
  if (required && value.empty()) fail(at(path, key), "must not be empty");
  if (size_t n = characters(value); n > max) {
    fail(at(path, key), std::to_string(n) + " characters, at most " + std::to_string(max));
  }
  return value;
}

double number(const Object::Ptr& o, const std::string& key, const std::string& path, double low,
              double high) {
  if (!o->has(key) || o->isNull(key)) fail(at(path, key), "required");
  const Poco::Dynamic::Var& v = o->get(key);
  if (!v.isNumeric()) fail(at(path, key), "must be a number");
  double value = v.convert<double>();
  if (value < low || value > high) {
    fail(at(path, key), "must be between " + std::to_string(static_cast<int>(low)) + " and " +
                            std::to_string(static_cast<int>(high)));
  }
  return value;
}

void checkLink(const std::string& link, const std::string& path) {
  if (link.rfind("https://", 0) != 0 && link.rfind("http://", 0) != 0)
    fail(path, "must be an http(s) URL");
}

/** {"id"} or {"link"}, exactly one; caption and filename where the type allows them. */
void checkMedia(const Object::Ptr& media, const std::string& type, const std::string& path) {
  const bool hasId = media->has("id"), hasLink = media->has("link");
  if (hasId == hasLink)
    fail(path, "needs exactly one of \"id\" (an uploaded media id) and \"link\"");
  if (hasId) text(media, "id", path, 256);
  if (hasLink) checkLink(text(media, "link", path, 2048), at(path, "link"));
  const bool captioned = type == "image" || type == "video" || type == "document";
  if (media->has("caption")) {
    if (!captioned) fail(at(path, "caption"), type + " messages have no caption");
    text(media, "caption", path, 1024, false);
  }
  if (media->has("filename")) {
    if (type != "document") fail(at(path, "filename"), "only documents have a file name");
    text(media, "filename", path, 240, false);
  }
}

/** header/body/footer of interactive messages; `headerTypes` lists what the header may be. */
void checkFrame(const Object::Ptr& in, const std::string& path, size_t bodyMax,
                const std::set<std::string>& headerTypes) {
  text(object(in, "body", path), "text", at(path, "body"), bodyMax);
  if (in->has("footer")) text(object(in, "footer", path), "text", at(path, "footer"), 60);
  if (!in->has("header")) return;
  Object::Ptr header = object(in, "header", path);
  const std::string hpath = at(path, "header");
  const std::string type = text(header, "type", hpath, 16);
  if (!headerTypes.count(type)) fail(at(hpath, "type"), "\"" + type + "\" is not allowed here");
  if (type == "text") {
    text(header, "text", hpath, 60);
  } else {
    checkMedia(object(header, type, hpath), type, at(hpath, type));
  }
}

void checkButtons(const Object::Ptr& action, const std::string& path) {
  Array::Ptr buttons = array(action, "buttons", path);
  const std::string bpath = at(path, "buttons");
  if (buttons->size() == 0) fail(bpath, "at least one button");
  if (buttons->size() > 3) fail(bpath, std::to_string(buttons->size()) + " buttons, at most 3");
  std::set<std::string> ids, titles;
  for (size_t i = 0; i < buttons->size(); ++i) {
    const std::string p = at(bpath, i);
    Object::Ptr button = buttons->getObject(static_cast<unsigned>(i));
    if (button.isNull()) fail(p, "must be an object");
    if (text(button, "type", p, 16) != "reply") fail(at(p, "type"), "must be \"reply\"");
    Object::Ptr reply = object(button, "reply", p);
    if (!ids.insert(text(reply, "id", at(p, "reply"), 256)).second)
      fail(at(p, "reply.id"), "ids must be unique");
    if (!titles.insert(text(reply, "title", at(p, "reply"), 20)).second)
      fail(at(p, "reply.title"), "titles must be unique");
  }
}

void checkList(const Object::Ptr& action, const std::string& path) {
  text(action, "button", path, 20);
  Array::Ptr sections = array(action, "sections", path);
  const std::string spath = at(path, "sections");
  if (sections->size() == 0) fail(spath, "at least one section");
  if (sections->size() > 10)
    fail(spath, std::to_string(sections->size()) + " sections, at most 10");
  size_t total = 0;
  std::set<std::string> ids;
  for (size_t i = 0; i < sections->size(); ++i) {
    const std::string p = at(spath, i);
    Object::Ptr section = sections->getObject(static_cast<unsigned>(i));
    if (section.isNull()) fail(p, "must be an object");
    text(section, "title", p, 24, sections->size() > 1);  // required once there are several
    Array::Ptr rows = array(section, "rows", p);
    if (rows->size() == 0) fail(at(p, "rows"), "at least one row");
    for (size_t r = 0; r < rows->size(); ++r) {
      const std::string rp = at(at(p, "rows"), r);
      Object::Ptr row = rows->getObject(static_cast<unsigned>(r));
      if (row.isNull()) fail(rp, "must be an object");
      if (!ids.insert(text(row, "id", rp, 200)).second)
        fail(at(rp, "id"), "row ids must be unique");
      text(row, "title", rp, 24);
      text(row, "description", rp, 72, false);
    }
    total += rows->size();
  }
  if (total > 10) fail(spath, std::to_string(total) + " rows in all, at most 10");
}

void checkFlow(Object::Ptr action, const std::string& path) {
  if (!action->has("name")) action->set("name", "flow");
  if (text(action, "name", path, 16) != "flow") fail(at(path, "name"), "must be \"flow\"");
  Object::Ptr p = object(action, "parameters", path);
  const std::string pp = at(path, "parameters");
  if (!p->has("flow_message_version")) p->set("flow_message_version", "3");
  if (!p->get("flow_message_version").isString() || str(p, "flow_message_version") != "3") {
    fail(at(pp, "flow_message_version"), "must be the string \"3\"");
  }
  if (p->has("flow_id") == p->has("flow_name"))
    fail(pp, "needs exactly one of \"flow_id\" and \"flow_name\"");
  text(p, p->has("flow_id") ? "flow_id" : "flow_name", pp, 200);
  text(p, "flow_token", pp, 512);
  text(p, "flow_cta", pp, 30);
  const std::string flowAction = text(p, "flow_action", pp, 16, false);
  if (flowAction == "data_exchange") {
    if (p->has("flow_action_payload"))
      fail(at(pp, "flow_action_payload"),
           "must be absent with data_exchange (the endpoint gets INIT)");
  } else if (flowAction.empty() || flowAction == "navigate") {
    Object::Ptr payload = object(p, "flow_action_payload", pp);
    text(payload, "screen", at(pp, "flow_action_payload"), 200);
    if (payload->has("data")) {
      Object::Ptr data = payload->getObject("data");
      if (data.isNull() || data->size() == 0)
        fail(at(pp, "flow_action_payload.data"), "must be a non-empty object");
    }
  } else {
    fail(at(pp, "flow_action"), "must be \"navigate\" or \"data_exchange\"");
  }
  if (p->has("mode")) {
    const std::string mode = text(p, "mode", pp, 16);
    if (mode != "draft" && mode != "published")
      fail(at(pp, "mode"), "must be \"draft\" or \"published\"");
  }
}

void checkInteractive(const Object::Ptr& in) {
  const std::string path = "interactive";
  const std::string type = text(in, "type", path, 16);
  Object::Ptr action = object(in, "action", path);
  if (type == "button") {
    checkFrame(in, path, 1024, {"text", "image", "video", "document"});
    checkButtons(action, at(path, "action"));
  } else if (type == "list") {
    checkFrame(in, path, 4096, {"text"});
    checkList(action, at(path, "action"));
  } else if (type == "flow") {
    checkFrame(in, path, 1024, {"text"});
    checkFlow(action, at(path, "action"));
  } else {
    fail(at(path, "type"), "\"" + type + "\" is not supported (button, list, flow)");
  }
}

void checkTemplateParameter(const Object::Ptr& p, const std::string& path) {
  const std::string type = text(p, "type", path, 32);
  if (type == "text") {
    text(p, "text", path, 32768);
  } else if (type == "currency") {
    Object::Ptr c = object(p, "currency", path);
    text(c, "fallback_value", at(path, "currency"), 256);
    text(c, "code", at(path, "currency"), 3);
    number(c, "amount_1000", at(path, "currency"), -9.0e15, 9.0e15);
  } else if (type == "date_time") {
    text(object(p, "date_time", path), "fallback_value", at(path, "date_time"), 256);
  } else if (type == "image" || type == "video" || type == "document") {
    checkMedia(object(p, type, path), type, at(path, type));
  } else if (type == "payload") {
    text(p, "payload", path, 1000);
  } else if (type == "action") {
    object(p, "action", path);
  } else if (type != "coupon_code" && type != "location" && type != "product") {
    fail(at(path, "type"), "\"" + type + "\" is not a template parameter type");
  }
}

void checkTemplate(const Object::Ptr& in) {
  const std::string path = "template";
  text(in, "name", path, 512);
  text(object(in, "language", path), "code", at(path, "language"), 16);
  if (!in->has("components")) return;
  Array::Ptr components = array(in, "components", path);
  for (size_t i = 0; i < components->size(); ++i) {
    const std::string p = at(at(path, "components"), i);
    Object::Ptr c = components->getObject(static_cast<unsigned>(i));
    if (c.isNull()) fail(p, "must be an object");
    const std::string type = text(c, "type", p, 16);
    if (type == "button") {
      text(c, "sub_type", p, 32);
      if (!c->has("index") || !c->get("index").isString())
        fail(at(p, "index"), "required, as a string (\"0\")");
      const std::string index = str(c, "index");
      if (index.empty() || index.find_first_not_of("0123456789") != std::string::npos)
        fail(at(p, "index"), "must be digits");
    } else if (type != "header" && type != "body" && type != "footer") {
      fail(at(p, "type"), "\"" + type + "\" is not a template component (header, body, button)");
    }
    if (!c->has("parameters")) continue;
    Array::Ptr parameters = array(c, "parameters", p);
    for (size_t k = 0; k < parameters->size(); ++k) {
      Object::Ptr parameter = parameters->getObject(static_cast<unsigned>(k));
      if (parameter.isNull()) fail(at(at(p, "parameters"), k), "must be an object");
      checkTemplateParameter(parameter, at(at(p, "parameters"), k));
    }
  }
}

void checkContacts(const Object::Ptr& message) {
  Array::Ptr contacts = array(message, "contacts", "");
  if (contacts->size() == 0) fail("contacts", "at least one contact");
  for (size_t i = 0; i < contacts->size(); ++i) {
    Object::Ptr contact = contacts->getObject(static_cast<unsigned>(i));
    if (contact.isNull()) fail(at("contacts", i), "must be an object");
    text(object(contact, "name", at("contacts", i)), "formatted_name",
         at(at("contacts", i), "name"), 512);
  }
}

/** Checks the type's object in place (filling defaults such as flow_message_version). */
void checkContent(const Object::Ptr& message, const std::string& type) {
  if (type == "contacts") return checkContacts(message);
  Object::Ptr content = object(message, type, "");
  if (type == "text") {
    text(content, "body", "text", 4096);
    if (content->has("preview_url") && !content->get("preview_url").isBoolean())
      fail("text.preview_url", "must be true or false");
  } else if (type == "image" || type == "video" || type == "audio" || type == "sticker" ||
             type == "document") {
    checkMedia(content, type, type);
  } else if (type == "location") {
    number(content, "latitude", "location", -90, 90);
    number(content, "longitude", "location", -180, 180);
    text(content, "name", "location", 1000, false);
    text(content, "address", "location", 1000, false);
  } else if (type == "reaction") {
    text(content, "message_id", "reaction", 256);
    text(content, "emoji", "reaction", 16, false);  // "" removes a reaction
  } else if (type == "interactive") {
    checkInteractive(content);
  } else if (type == "template") {
    checkTemplate(content);
  } else {
    fail("type", "\"" + type + "\" is not a message type this channel sends");
  }
}

}  // namespace

std::string normaliseRecipient(const std::string& to) {
  std::string digits;
  bool plus = false;
  for (size_t i = 0; i < to.size(); ++i) {
    const char c = to[i];
    if (c == '+' && digits.empty() && !plus) {
      plus = true;
    } else if (std::isdigit(static_cast<unsigned char>(c))) {
      digits.push_back(c);
    } else if (c != ' ' && c != '-' && c != '.' && c != '(' && c != ')') {
      fail("to", "\"" + to + "\" is not a phone number");
    }
  }
  if (!plus && digits.rfind("00", 0) == 0)
    digits.erase(0, 2);
  else if (!plus && digits.rfind('0', 0) == 0) {
    fail("to",
         "\"" + to + "\" is a national number; write it with the country code, e.g. +254712345678");
  }
  if (digits.size() < 7 || digits.size() > 15)
    fail("to", "\"" + to + "\" must have 7 to 15 digits with the country code");
  return "+" + digits;
}

std::string buildSend(const std::string& messageJson, const std::string& graphVersion) {
  Object::Ptr message = parseObject(messageJson);
  const std::string phoneNumberId = str(message, "phone_number_id");
  if (phoneNumberId.empty()) fail("phone_number_id", "required (the sending number)");
  const std::string type = text(message, "type", "", 32);

  Object::Ptr body = new Object;
  body->set("messaging_product", "whatsapp");
  std::string recipient;
  bool pairRate = true;
  if (type == "read" || type == "typing") {
    // Signals about a received message rather than messages to a recipient.
    body->set("status", "read");
    body->set("message_id", text(message, "message_id", "", 256));
    if (type == "typing") {
      Object::Ptr indicator = new Object;
      indicator->set("type", "text");
      body->set("typing_indicator", indicator);
    }
    if (message->has("to")) recipient = normaliseRecipient(str(message, "to"));
    pairRate = false;
  } else {
    recipient = normaliseRecipient(text(message, "to", "", 64));
    checkContent(message, type);
    body->set("recipient_type", "individual");
    body->set("to", recipient);
    body->set("type", type);
    body->set(type, message->get(type));
    if (message->has("context")) {
      Object::Ptr context = object(message, "context", "");
      Object::Ptr out = new Object;
      out->set("message_id", text(context, "message_id", "context", 256));
      body->set("context", out);
    }
    if (message->has("biz_opaque_callback_data")) {
      body->set("biz_opaque_callback_data", text(message, "biz_opaque_callback_data", "", 512));
    }
  }

  Object::Ptr request = new Object;
  request->set("method", "POST");
  request->set("url",
               "https://graph.facebook.com/" + graphVersion + "/" + phoneNumberId + "/messages");
  request->set("service", "graph");
  request->set("body", body);
  Object out;
  out.set("recipient", recipient);
  out.set("pair_rate", pairRate);
  out.set("request", request);
  return toJson(out);
}

namespace {

enum class Outcome { kRetryMessage, kRetryNumber, kRetryRecipient, kPause, kReengage, kFailed };

/** What each Graph error code means for the sender (reference §5.2). */
Outcome outcomeOf(int code) {
  switch (code) {
    case 1:
    case 2:
    case 131000:
    case 131016:
    case 133004:
      return Outcome::kRetryMessage;
    case 4:
    case 80007:
    case 130429:
    case 131057:
      return Outcome::kRetryNumber;
    case 131056:
      return Outcome::kRetryRecipient;
    case 0:
    case 190:
      return Outcome::kPause;
    case 131047:
      return Outcome::kReengage;
    default:
      return Outcome::kFailed;
  }
}

}  // namespace

std::string classifyResponse(const std::string& responseJson) {
  // Nearly every answer is an accepted send: read its few fields without building object trees.
  try {
    const baraza::sdk::json::Scalars response(responseJson);
    const std::string status = response.text("status");
    const auto* body = response.find("body");
    if (body != nullptr && status.size() == 3 && status.front() == '2') {
      const std::string id = baraza::sdk::json::Scalars(body->text).text("messages.0.id");
      if (!id.empty()) return R"({"outcome":"accepted","provider_id":)" + Poco::toJSON(id) + "}";
    }
  } catch (const std::invalid_argument&) {
    // Judged below, where every other answer is.
  }
  Object::Ptr response = parseObject(responseJson);
  const int status = response->optValue<int>("status", 0);
  Object::Ptr body;
  try {
    body = parseObject(str(response, "body"));
  } catch (const std::invalid_argument&) {
    // Not JSON: a proxy or an outage answered, not the Graph API.
  }
  Object out;
  if (status >= 200 && status < 300 && !body.isNull()) {
    Array::Ptr messages = body->getArray("messages");
    if (!messages.isNull() && messages->size() > 0 && !str(messages->getObject(0), "id").empty()) {
      // The answer to nearly every send: written out rather than built.
      return R"({"outcome":"accepted","provider_id":)" +
             Poco::toJSON(str(messages->getObject(0), "id")) + "}";
    }
    if (body->optValue<bool>("success", false)) {
      out.set("outcome", "accepted");
      return toJson(out);
    }
  }

  Object::Ptr error = body.isNull() ? Object::Ptr() : body->getObject("error");
  if (error.isNull()) {
    // No Graph error envelope: judge by the HTTP status alone.
    out.set("outcome", status >= 500 || status == 429 ? "retry" : "failed");
    if (status >= 500 || status == 429) out.set("scope", status == 429 ? "number" : "message");
    out.set("title", "HTTP " + std::to_string(status));
    std::string text = str(response, "body").substr(0, 200);
    if (status >= 200 && status < 300) text = "a success without a message id: " + text;
    out.set("details", text);
    return toJson(out);
  }

  const int code = error->optValue<int>("code", -1);
  out.set("code", code);
  if (error->has("error_subcode")) out.set("subcode", error->optValue<int>("error_subcode", 0));
  // The title is in "message" after "(#code) "; error_user_title is newer and optional.
  std::string title = str(error, "error_user_title");
  if (title.empty()) {
    title = str(error, "message");
    if (title.rfind("(#", 0) == 0 && title.find(") ") != std::string::npos)
      title = title.substr(title.find(") ") + 2);
  }
  out.set("title", title);
  Object::Ptr data = error->getObject("error_data");
  std::string details = str(data, "details");
  if (details.empty()) details = str(error, "error_user_msg");
  out.set("details", details);

  switch (outcomeOf(code)) {
    case Outcome::kRetryMessage:
      out.set("outcome", "retry");
      out.set("scope", "message");
      break;
    case Outcome::kRetryNumber:
      out.set("outcome", "retry");
      out.set("scope", "number");
      if (code == 131057) out.set("after_ms", 60000);  // a throughput upgrade takes up to a minute
      break;
    case Outcome::kRetryRecipient:
      out.set("outcome", "retry");
      out.set("scope", "recipient");
      break;
    case Outcome::kPause:
      out.set("outcome", "pause");
      break;
    case Outcome::kReengage:
      out.set("outcome", "reengage");
      break;
    case Outcome::kFailed:
      // A 5xx with an unknown code is still a server-side problem: worth retrying.
      out.set("outcome", status >= 500 && code != 3 && code != 131045 ? "retry" : "failed");
      if (status >= 500 && code != 3 && code != 131045) out.set("scope", "message");
      break;
  }
  return toJson(out);
}

}  // namespace baraza::whatsapp
