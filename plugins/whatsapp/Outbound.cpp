#include "Outbound.h"

#include <baraza/sdk/JsonScalars.hpp>
#include <cctype>
#include <set>

#include "JsonText.h"

namespace baraza::whatsapp {
namespace {

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

/** Whether `o` has `key` with a value other than null. */
bool has(const json& o, const std::string& key) {
  auto it = o.find(key);
  return it != o.end() && !it->is_null();
}

json& object(json& o, const std::string& key, const std::string& path) {
  if (!has(o, key)) fail(at(path, key), "required");
  json& value = o[key];
  if (!value.is_object()) fail(at(path, key), "must be an object");
  return value;
}

json& array(json& o, const std::string& key, const std::string& path) {
  if (!has(o, key)) fail(at(path, key), "required");
  json& value = o[key];
  if (!value.is_array()) fail(at(path, key), "must be an array");
  return value;
}

/** A string member of at most `max` characters; required ones must not be empty. */
std::string text(const json& o, const std::string& key, const std::string& path, size_t max,
                 bool required = true) {
  if (!has(o, key)) {
    if (required) fail(at(path, key), "required");
    return {};
  }
  if (!o[key].is_string()) fail(at(path, key), "must be a string");
  std::string value = o[key].get<std::string>();
  if (required && value.empty()) fail(at(path, key), "must not be empty");
  if (size_t n = characters(value); n > max) {
    fail(at(path, key), std::to_string(n) + " characters, at most " + std::to_string(max));
  }
  return value;
}

double number(const json& o, const std::string& key, const std::string& path, double low,
              double high) {
  if (!has(o, key)) fail(at(path, key), "required");
  const json& v = o[key];
  if (!v.is_number()) fail(at(path, key), "must be a number");
  const double value = v.get<double>();
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
void checkMedia(const json& media, const std::string& type, const std::string& path) {
  const bool hasId = media.contains("id"), hasLink = media.contains("link");
  if (hasId == hasLink)
    fail(path, "needs exactly one of \"id\" (an uploaded media id) and \"link\"");
  if (hasId) text(media, "id", path, 256);
  if (hasLink) checkLink(text(media, "link", path, 2048), at(path, "link"));
  const bool captioned = type == "image" || type == "video" || type == "document";
  if (media.contains("caption")) {
    if (!captioned) fail(at(path, "caption"), type + " messages have no caption");
    text(media, "caption", path, 1024, false);
  }
  if (media.contains("filename")) {
    if (type != "document") fail(at(path, "filename"), "only documents have a file name");
    text(media, "filename", path, 240, false);
  }
}

/** header/body/footer of interactive messages; `headerTypes` lists what the header may be. */
void checkFrame(json& in, const std::string& path, size_t bodyMax,
                const std::set<std::string>& headerTypes) {
  text(object(in, "body", path), "text", at(path, "body"), bodyMax);
  if (in.contains("footer")) text(object(in, "footer", path), "text", at(path, "footer"), 60);
  if (!in.contains("header")) return;
  json& header = object(in, "header", path);
  const std::string hpath = at(path, "header");
  const std::string type = text(header, "type", hpath, 16);
  if (!headerTypes.count(type)) fail(at(hpath, "type"), "\"" + type + "\" is not allowed here");
  if (type == "text") {
    text(header, "text", hpath, 60);
  } else {
    checkMedia(object(header, type, hpath), type, at(hpath, type));
  }
}

void checkButtons(json& action, const std::string& path) {
  json& buttons = array(action, "buttons", path);
  const std::string bpath = at(path, "buttons");
  if (buttons.empty()) fail(bpath, "at least one button");
  if (buttons.size() > 3) fail(bpath, std::to_string(buttons.size()) + " buttons, at most 3");
  std::set<std::string> ids, titles;
  for (size_t i = 0; i < buttons.size(); ++i) {
    const std::string p = at(bpath, i);
    json& button = buttons[i];
    if (!button.is_object()) fail(p, "must be an object");
    if (text(button, "type", p, 16) != "reply") fail(at(p, "type"), "must be \"reply\"");
    const json& reply = object(button, "reply", p);
    if (!ids.insert(text(reply, "id", at(p, "reply"), 256)).second)
      fail(at(p, "reply.id"), "ids must be unique");
    if (!titles.insert(text(reply, "title", at(p, "reply"), 20)).second)
      fail(at(p, "reply.title"), "titles must be unique");
  }
}

void checkList(json& action, const std::string& path) {
  text(action, "button", path, 20);
  json& sections = array(action, "sections", path);
  const std::string spath = at(path, "sections");
  if (sections.empty()) fail(spath, "at least one section");
  if (sections.size() > 10) fail(spath, std::to_string(sections.size()) + " sections, at most 10");
  size_t total = 0;
  std::set<std::string> ids;
  for (size_t i = 0; i < sections.size(); ++i) {
    const std::string p = at(spath, i);
    json& section = sections[i];
    if (!section.is_object()) fail(p, "must be an object");
    text(section, "title", p, 24, sections.size() > 1);  // required once there are several
    const json& rows = array(section, "rows", p);
    if (rows.empty()) fail(at(p, "rows"), "at least one row");
    for (size_t r = 0; r < rows.size(); ++r) {
      const std::string rp = at(at(p, "rows"), r);
      const json& row = rows[r];
      if (!row.is_object()) fail(rp, "must be an object");
      if (!ids.insert(text(row, "id", rp, 200)).second)
        fail(at(rp, "id"), "row ids must be unique");
      text(row, "title", rp, 24);
      text(row, "description", rp, 72, false);
    }
    total += rows.size();
  }
  if (total > 10) fail(spath, std::to_string(total) + " rows in all, at most 10");
}

void checkFlow(json& action, const std::string& path) {
  if (!action.contains("name")) action["name"] = "flow";
  if (text(action, "name", path, 16) != "flow") fail(at(path, "name"), "must be \"flow\"");
  json& p = object(action, "parameters", path);
  const std::string pp = at(path, "parameters");
  if (!p.contains("flow_message_version")) p["flow_message_version"] = "3";
  if (!p["flow_message_version"].is_string() || str(p, "flow_message_version") != "3") {
    fail(at(pp, "flow_message_version"), "must be the string \"3\"");
  }
  if (p.contains("flow_id") == p.contains("flow_name"))
    fail(pp, "needs exactly one of \"flow_id\" and \"flow_name\"");
  text(p, p.contains("flow_id") ? "flow_id" : "flow_name", pp, 200);
  text(p, "flow_token", pp, 512);
  text(p, "flow_cta", pp, 30);
  const std::string flowAction = text(p, "flow_action", pp, 16, false);
  if (flowAction == "data_exchange") {
    if (p.contains("flow_action_payload"))
      fail(at(pp, "flow_action_payload"),
           "must be absent with data_exchange (the endpoint gets INIT)");
  } else if (flowAction.empty() || flowAction == "navigate") {
    const json& payload = object(p, "flow_action_payload", pp);
    text(payload, "screen", at(pp, "flow_action_payload"), 200);
    if (payload.contains("data")) {
      const json& data = payload["data"];
      if (!data.is_object() || data.empty())
        fail(at(pp, "flow_action_payload.data"), "must be a non-empty object");
    }
  } else {
    fail(at(pp, "flow_action"), "must be \"navigate\" or \"data_exchange\"");
  }
  if (p.contains("mode")) {
    const std::string mode = text(p, "mode", pp, 16);
    if (mode != "draft" && mode != "published")
      fail(at(pp, "mode"), "must be \"draft\" or \"published\"");
  }
}

void checkInteractive(json& in) {
  const std::string path = "interactive";
  const std::string type = text(in, "type", path, 16);
  json& action = object(in, "action", path);
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

void checkTemplateParameter(json& p, const std::string& path) {
  const std::string type = text(p, "type", path, 32);
  if (type == "text") {
    text(p, "text", path, 32768);
  } else if (type == "currency") {
    const json& c = object(p, "currency", path);
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

void checkTemplate(json& in) {
  const std::string path = "template";
  text(in, "name", path, 512);
  text(object(in, "language", path), "code", at(path, "language"), 16);
  if (!in.contains("components")) return;
  json& components = array(in, "components", path);
  for (size_t i = 0; i < components.size(); ++i) {
    const std::string p = at(at(path, "components"), i);
    json& c = components[i];
    if (!c.is_object()) fail(p, "must be an object");
    const std::string type = text(c, "type", p, 16);
    if (type == "button") {
      text(c, "sub_type", p, 32);
      if (!c.contains("index") || !c["index"].is_string())
        fail(at(p, "index"), "required, as a string (\"0\")");
      const std::string index = str(c, "index");
      if (index.empty() || index.find_first_not_of("0123456789") != std::string::npos)
        fail(at(p, "index"), "must be digits");
    } else if (type != "header" && type != "body" && type != "footer") {
      fail(at(p, "type"), "\"" + type + "\" is not a template component (header, body, button)");
    }
    if (!c.contains("parameters")) continue;
    json& parameters = array(c, "parameters", p);
    for (size_t k = 0; k < parameters.size(); ++k) {
      json& parameter = parameters[k];
      if (!parameter.is_object()) fail(at(at(p, "parameters"), k), "must be an object");
      checkTemplateParameter(parameter, at(at(p, "parameters"), k));
    }
  }
}

void checkContacts(json& message) {
  json& contacts = array(message, "contacts", "");
  if (contacts.empty()) fail("contacts", "at least one contact");
  for (size_t i = 0; i < contacts.size(); ++i) {
    json& contact = contacts[i];
    if (!contact.is_object()) fail(at("contacts", i), "must be an object");
    text(object(contact, "name", at("contacts", i)), "formatted_name",
         at(at("contacts", i), "name"), 512);
  }
}

/** Checks the type's object in place (filling defaults such as flow_message_version). */
void checkContent(json& message, const std::string& type) {
  if (type == "contacts") return checkContacts(message);
  json& content = object(message, type, "");
  if (type == "text") {
    text(content, "body", "text", 4096);
    if (content.contains("preview_url") && !content["preview_url"].is_boolean())
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

sdk::SendPlan buildSend(json message, const std::string& graphVersion) {
  const std::string phoneNumberId = str(message, "phone_number_id");
  if (phoneNumberId.empty()) fail("phone_number_id", "required (the sending number)");
  const std::string type = text(message, "type", "", 32);

  sdk::SendPlan plan;
  json& body = plan.request.body;
  body = {{"messaging_product", "whatsapp"}};
  if (type == "read" || type == "typing") {
    // Signals about a received message rather than messages to a recipient.
    body["status"] = "read";
    body["message_id"] = text(message, "message_id", "", 256);
    if (type == "typing") body["typing_indicator"] = {{"type", "text"}};
    if (message.contains("to")) plan.recipient = normaliseRecipient(str(message, "to"));
    plan.pairRate = false;
  } else {
    plan.recipient = normaliseRecipient(text(message, "to", "", 64));
    checkContent(message, type);
    body["recipient_type"] = "individual";
    body["to"] = plan.recipient;
    body["type"] = type;
    body[type] = message[type];
    if (message.contains("context")) {
      const json& context = object(message, "context", "");
      body["context"] = {{"message_id", text(context, "message_id", "context", 256)}};
    }
    if (message.contains("biz_opaque_callback_data")) {
      body["biz_opaque_callback_data"] = text(message, "biz_opaque_callback_data", "", 512);
    }
  }
  plan.request.method = "POST";
  plan.request.url =
      "https://graph.facebook.com/" + graphVersion + "/" + phoneNumberId + "/messages";
  plan.request.service = "graph";
  return plan;
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

sdk::Classification classifyResponse(const sdk::ProviderResponse& response) {
  const int status = response.status;
  sdk::Classification out;
  // Nearly every answer is an accepted send: read its one field without building a tree.
  if (status >= 200 && status < 300) {
    try {
      const std::string id = sdk::json::Scalars(response.body).text("messages.0.id");
      if (!id.empty()) {
        out.outcome = "accepted";
        out.providerId = id;
        return out;
      }
    } catch (const std::invalid_argument&) {
      // Not JSON: judged below.
    }
  }
  // Not JSON when a proxy or an outage answered, not the Graph API.
  const json body = json::parse(response.body, nullptr, false);
  const auto success = body.is_object() ? body.find("success") : body.end();
  if (status >= 200 && status < 300 && success != body.end() && success->is_boolean() &&
      success->get<bool>()) {
    out.outcome = "accepted";
    return out;
  }

  const json& error = objectAt(body, "error");
  if (error.empty()) {
    // No Graph error envelope: judge by the HTTP status alone.
    const bool transient = status >= 500 || status == 429;
    out.outcome = transient ? "retry" : "failed";
    if (transient) out.scope = status == 429 ? "number" : "message";
    out.title = "HTTP " + std::to_string(status);
    out.details = prefix(response.body, 200);
    if (status >= 200 && status < 300)
      out.details = "a success without a message id: " + out.details;
    return out;
  }

  auto integer = [&](const char* key, int64_t otherwise) {
    auto it = error.find(key);
    return it != error.end() && it->is_number_integer() ? it->get<int64_t>() : otherwise;
  };
  const int code = static_cast<int>(integer("code", -1));
  out.code = code;
  if (error.contains("error_subcode")) out.subcode = integer("error_subcode", 0);
  // The title is in "message" after "(#code) "; error_user_title is newer and optional.
  out.title = str(error, "error_user_title");
  if (out.title.empty()) {
    out.title = str(error, "message");
    if (out.title.rfind("(#", 0) == 0 && out.title.find(") ") != std::string::npos)
      out.title = out.title.substr(out.title.find(") ") + 2);
  }
  out.details = str(objectAt(error, "error_data"), "details");
  if (out.details.empty()) out.details = str(error, "error_user_msg");

  switch (outcomeOf(code)) {
    case Outcome::kRetryMessage:
      out.outcome = "retry";
      out.scope = "message";
      break;
    case Outcome::kRetryNumber:
      out.outcome = "retry";
      out.scope = "number";
      if (code == 131057) out.afterMs = 60000;  // a throughput upgrade takes up to a minute
      break;
    case Outcome::kRetryRecipient:
      out.outcome = "retry";
      out.scope = "recipient";
      break;
    case Outcome::kPause:
      out.outcome = "pause";
      break;
    case Outcome::kReengage:
      out.outcome = "reengage";
      break;
    case Outcome::kFailed:
      // A 5xx with an unknown code is still a server-side problem: worth retrying.
      if (status >= 500 && code != 3 && code != 131045) {
        out.outcome = "retry";
        out.scope = "message";
      } else {
        out.outcome = "failed";
      }
      break;
  }
  return out;
}

}  // namespace baraza::whatsapp
