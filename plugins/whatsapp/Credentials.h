// The WhatsApp channel's credential work: the long-lived token exchange of Meta's Graph API and
// the re-engagement message (reference §5.2: codes 190 and 131047).
#pragma once

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
 * access logs). {"token", "app_id", "app_secret"} in; std::invalid_argument names what is missing.
 */
GraphRequest tokenExchangeRequest(const std::string& inputJson, const std::string& graphVersion);

/**
 * {"access_token": "..."} from the exchange's answer; std::runtime_error with Graph's error
 * ("code N: message") or the HTTP status when there is none.
 */
std::string tokenExchangeResult(int status, const std::string& body);

/**
 * The template message that re-opens a conversation: {"phone_number_id", "to", "template",
 * "language"} in; the outbound message (build_send's input) out.
 */
std::string reengagementMessage(const std::string& inputJson);

/** "code N: message" from a Graph error envelope, else "HTTP <status>: <start of the body>". */
std::string graphError(int status, const std::string& body);

}  // namespace baraza::whatsapp
