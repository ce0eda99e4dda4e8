// The WhatsApp channel's account work on Meta's Graph API: the long-lived token exchange, the
// re-engagement message (reference §5.2: codes 190 and 131047), and the Flows business public
// key of a phone number (reference §1.12).
#pragma once

#include <baraza/sdk/Documents.hpp>
#include <string>

namespace baraza::whatsapp {

/** An HTTP request, as the host API takes it. */
struct GraphRequest {
  std::string method, url, contentType, body;
};

/**
 * The exchange of a refused access token for a long-lived one: POST
 * https://graph.facebook.com/<version>/oauth/access_token with grant_type=fb_exchange_token. The
 * app secret and the token go in the form body, never in the URL (URLs end up in proxy and
 * access logs). std::invalid_argument names what is missing.
 */
GraphRequest tokenExchangeRequest(const sdk::TokenExchange& input, const std::string& graphVersion);

/**
 * The token in the exchange's answer; std::runtime_error with Graph's error ("code N: message")
 * or the HTTP status when there is none.
 */
sdk::AccessToken tokenExchangeResult(int status, const std::string& body);

/** The template message that re-opens a conversation, as build_send takes it. */
nlohmann::json reengagementMessage(const sdk::ReengageRequest& input);

/**
 * The upload of a Flows business public key: POST
 * https://graph.facebook.com/<version>/<phone_number_id>/whatsapp_business_encryption, the PEM in
 * a form body; GET on the same URL reads it back. std::invalid_argument names what is missing.
 */
GraphRequest flowKeyUpload(const sdk::FlowKeyRegistration& input, const std::string& graphVersion);

/**
 * The key and its signature status from the GET's answer ({"data": [{...}]} or the bare object:
 * Meta's pages show both); std::runtime_error when it holds neither.
 */
sdk::FlowKeyState flowKeyState(int status, const std::string& body);

/** "code N: message" from a Graph error envelope, else "HTTP <status>: <start of the body>". */
std::string graphError(int status, const std::string& body);

}  // namespace baraza::whatsapp
