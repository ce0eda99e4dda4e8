#include "Credentials.h"

#include <baraza/sdk/Encoding.hpp>
#include <stdexcept>

#include "JsonText.h"

namespace baraza::whatsapp {

using sdk::encoding::form;

GraphRequest tokenExchangeRequest(const sdk::TokenExchange& input,
                                  const std::string& graphVersion) {
  require({{"token", &input.token}, {"app_id", &input.appId}, {"app_secret", &input.appSecret}},
          "for the token exchange");
  return {"POST", "https://graph.facebook.com/" + graphVersion + "/oauth/access_token",
          "application/x-www-form-urlencoded",
          form({{"grant_type", "fb_exchange_token"},
                {"client_id", input.appId},
                {"client_secret", input.appSecret},
                {"fb_exchange_token", input.token}})};
}

sdk::AccessToken tokenExchangeResult(int status, const std::string& body) {
  if (status == 200) {
    const json answer = json::parse(body, nullptr, false);
    const std::string token = str(answer, "access_token");
    if (!token.empty()) return {token};
  }
  throw std::runtime_error("the token exchange failed: " + graphError(status, body));
}

json reengagementMessage(const sdk::ReengageRequest& input) {
  require({{"phone_number_id", &input.phoneNumberId},
           {"to", &input.to},
           {"template", &input.templateName}},
          "for a re-engagement message");
  return {{"phone_number_id", input.phoneNumberId},
          {"to", input.to},
          {"type", "template"},
          {"template",
           {{"name", input.templateName},
            {"language", {{"code", input.language.empty() ? "en_US" : input.language}}}}}};
}

GraphRequest flowKeyUpload(const sdk::FlowKeyRegistration& input, const std::string& graphVersion) {
  require({{"phone_number_id", &input.phoneNumberId},
           {"public_key", &input.publicKey},
           {"token", &input.token}},
          "to register a Flows key");
  return {"POST",
          "https://graph.facebook.com/" + graphVersion + "/" + input.phoneNumberId +
              "/whatsapp_business_encryption",
          "application/x-www-form-urlencoded", form({{"business_public_key", input.publicKey}})};
}

sdk::FlowKeyState flowKeyState(int status, const std::string& body) {
  json entry;
  if (status == 200) {
    entry = json::parse(body, nullptr, false);
    if (entry.is_object() && entry.contains("data") && entry["data"].is_array())
      entry = entry["data"].empty() ? json() : entry["data"][0];
  }
  if (!entry.is_object())
    throw std::runtime_error("its signature status cannot be read: " + graphError(status, body));
  const std::string signature = str(entry, "business_public_key_signature_status");
  return {str(entry, "business_public_key"), signature.empty() ? "UNKNOWN" : signature};
}

std::string graphError(int status, const std::string& body) {
  const json answer = json::parse(body, nullptr, false);  // not JSON: a proxy or an outage
  const json& error = objectAt(answer, "error");
  if (!error.empty()) return "code " + str(error, "code") + ": " + str(error, "message");
  return "HTTP " + std::to_string(status) + ": " + prefix(body, 200);
}

}  // namespace baraza::whatsapp
