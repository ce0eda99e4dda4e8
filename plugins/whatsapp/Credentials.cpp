#include "Credentials.h"

#include <Poco/JSON/Array.h>
#include <Poco/URI.h>

#include <stdexcept>

#include "JsonText.h"

namespace baraza::whatsapp {

using Poco::JSON::Object;

GraphRequest tokenExchangeRequest(const std::string& inputJson, const std::string& graphVersion) {
  Object::Ptr input = parseObject(inputJson);
  require(input, {"token", "app_id", "app_secret"}, "for the token exchange");
  Poco::URI form;
  form.addQueryParameter("grant_type", "fb_exchange_token");
  form.addQueryParameter("client_id", str(input, "app_id"));
  form.addQueryParameter("client_secret", str(input, "app_secret"));
  form.addQueryParameter("fb_exchange_token", str(input, "token"));
  return {"POST", "https://graph.facebook.com/" + graphVersion + "/oauth/access_token",
          "application/x-www-form-urlencoded", form.getRawQuery()};
}

std::string tokenExchangeResult(int status, const std::string& body) {
  if (status == 200) {
    try {
      const std::string token = str(parseObject(body), "access_token");
      if (!token.empty()) {
        Object out;
        out.set("access_token", token);
        return toJson(out);
      }
    } catch (const std::invalid_argument&) {
      // Said below, with the answer's start.
    }
  }
  throw std::runtime_error("the token exchange failed: " + graphError(status, body));
}

std::string reengagementMessage(const std::string& inputJson) {
  Object::Ptr input = parseObject(inputJson);
  require(input, {"phone_number_id", "to", "template"}, "for a re-engagement message");
  Object language;
  language.set("code", str(input, "language").empty() ? "en_US" : str(input, "language"));
  Object templ;
  templ.set("name", str(input, "template"));
  templ.set("language", language);
  Object message;
  message.set("phone_number_id", str(input, "phone_number_id"));
  message.set("to", str(input, "to"));
  message.set("type", "template");
  message.set("template", templ);
  return toJson(message);
}

GraphRequest flowKeyUpload(const std::string& inputJson, const std::string& graphVersion) {
  Object::Ptr input = parseObject(inputJson);
  require(input, {"phone_number_id", "public_key", "token"}, "to register a Flows key");
  Poco::URI form;
  form.addQueryParameter("business_public_key", str(input, "public_key"));
  return {"POST",
          "https://graph.facebook.com/" + graphVersion + "/" + str(input, "phone_number_id") +
              "/whatsapp_business_encryption",
          "application/x-www-form-urlencoded", form.getRawQuery()};
}

std::string flowKeyState(int status, const std::string& body) {
  Object::Ptr entry;
  if (status == 200) {
    try {
      entry = parseObject(body);
      if (Poco::JSON::Array::Ptr data = entry->getArray("data"))
        entry = data->size() ? data->getObject(0) : nullptr;
    } catch (const std::invalid_argument&) {
      entry = nullptr;
    }
  }
  if (entry.isNull())
    throw std::runtime_error("its signature status cannot be read: " + graphError(status, body));
  Object out;
  out.set("public_key", str(entry, "business_public_key"));
  const std::string signature = str(entry, "business_public_key_signature_status");
  out.set("signature_status", signature.empty() ? "UNKNOWN" : signature);
  return toJson(out);
}

std::string graphError(int status, const std::string& body) {
  try {
    Object::Ptr error = parseObject(body)->getObject("error");
    if (!error.isNull()) return "code " + str(error, "code") + ": " + str(error, "message");
  } catch (const std::invalid_argument&) {
    // Not JSON: a proxy or an outage answered.
  }
  return "HTTP " + std::to_string(status) + ": " + body.substr(0, 200);
}

}  // namespace baraza::whatsapp
