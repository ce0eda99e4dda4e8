// whatsapp: the WhatsApp Cloud API channel. Parses inbound webhook changes, validates and builds
// Graph send requests, classifies Graph responses, builds the re-engagement template message and
// exchanges a refused access token for a long-lived one, finds where inbound media can be
// downloaded and uploads media to send; the host owns HTTP, the outbox, pacing, the tokens and
// the downloads.
#include <baraza/sdk/Documents.hpp>
#include <baraza/sdk/Encoding.hpp>
#include <fstream>
#include <iterator>

#include "Credentials.h"
#include "JsonText.h"
#include "Media.h"
#include "Outbound.h"
#include "WebhookParser.h"

namespace {

namespace sdk = baraza::sdk;
namespace wa = baraza::whatsapp;
using nlohmann::json;
using sdk::StatusOr;

class WhatsAppChannel : public sdk::TypedChannel {
 public:
  WhatsAppChannel(sdk::Host host, std::string_view configJson) : host_(host) {
    if (!configJson.empty()) graphVersion_ = wa::str(wa::parseObject(configJson), "graph_version");
    if (graphVersion_.empty()) graphVersion_ = kDefaultGraphVersion;
  }

  StatusOr<sdk::WebhookEvents> parseWebhook(const json& value) override {
    return wa::parseMessagesValue(value);
  }
  StatusOr<sdk::SendPlan> buildSend(const json& message) override {
    return wa::buildSend(message, graphVersion_);
  }
  StatusOr<sdk::Classification> classifyResponse(const sdk::ProviderResponse& response) override {
    return wa::classifyResponse(response);
  }
  StatusOr<json> reengage(const sdk::ReengageRequest& request) override {
    return wa::reengagementMessage(request);
  }
  StatusOr<sdk::AccessToken> exchangeToken(const sdk::TokenExchange& exchange) override {
    StatusOr<sdk::HttpResponse> answer =
        graph(wa::tokenExchangeRequest(exchange, graphVersion_), "");
    if (!answer.isOk()) return answer.status();
    try {
      return wa::tokenExchangeResult(answer->status, answer->body);
    } catch (const std::runtime_error& e) {
      return refusal(answer->status, e.what());
    }
  }
  StatusOr<sdk::FlowKeyState> registerFlowKey(const sdk::FlowKeyRegistration& key) override {
    const GraphRequest upload = wa::flowKeyUpload(key, graphVersion_);
    StatusOr<sdk::HttpResponse> posted = graph(upload, key.token);
    if (!posted.isOk()) return posted.status();
    if (posted->status != 200) {
      return refusal(posted->status,
                     "upload refused: " + wa::graphError(posted->status, posted->body));
    }
    StatusOr<sdk::HttpResponse> read = graph({"GET", upload.url, "", ""}, key.token);
    if (!read.isOk()) return read.status();
    try {
      return wa::flowKeyState(read->status, read->body);
    } catch (const std::runtime_error& e) {
      return refusal(read->status, std::string("uploaded, but ") + e.what());
    }
  }
  StatusOr<sdk::MediaSource> mediaSource(const sdk::MediaSourceRequest& request) override {
    StatusOr<sdk::HttpResponse> answer =
        graph(wa::mediaInfoRequest(request, graphVersion_), request.token);
    if (!answer.isOk()) return answer.status();
    try {
      return wa::mediaSource(answer->status, answer->body, request.token);
    } catch (const std::out_of_range& e) {
      return sdk::Status(sdk::Code::kNotFound, e.what());
    } catch (const std::runtime_error& e) {
      return refusal(answer->status, e.what());
    }
  }
  StatusOr<sdk::UploadedMedia> uploadMedia(const sdk::MediaUpload& upload) override {
    std::ifstream file(upload.path, std::ios::binary);
    if (upload.path.empty() || !file)
      return sdk::invalidArgument("path: cannot read " + upload.path);
    const std::string bytes((std::istreambuf_iterator<char>(file)),
                            std::istreambuf_iterator<char>());
    // A boundary of 32 random hex digits: it occurs in no file but by a 2^-128 chance, and the
    // upload is checked against it anyway.
    const std::string boundary = "baraza-" + sdk::encoding::hex(host_.randomBytes(16));
    if (bytes.find(boundary) != std::string::npos)
      return sdk::internal("the upload boundary occurs in the file; try again");
    StatusOr<sdk::HttpResponse> answer =
        graph(wa::uploadRequest(upload, graphVersion_, bytes, boundary), upload.token);
    if (!answer.isOk()) return answer.status();
    try {
      return wa::uploadResult(answer->status, answer->body);
    } catch (const std::runtime_error& e) {
      return refusal(answer->status, e.what());
    }
  }

 private:
  using GraphRequest = wa::GraphRequest;

  /** A Graph API call through the host (service "graph"), with the token when one is given. */
  StatusOr<sdk::HttpResponse> graph(const GraphRequest& r, const std::string& token) const {
    sdk::HttpRequest request;
    request.method = r.method;
    request.url = r.url;
    request.service = "graph";
    if (!token.empty()) request.headers.emplace_back("Authorization", "Bearer " + token);
    if (!r.contentType.empty()) request.headers.emplace_back("Content-Type", r.contentType);
    request.body = r.body;
    return host_.http(request);
  }
  /** Meta said no: UNAVAILABLE when it was Meta's trouble (5xx), else PERMISSION_DENIED (asking
   * again will not help). */
  static sdk::Status refusal(int status, const std::string& message) {
    return {status >= 500 ? sdk::Code::kUnavailable : sdk::Code::kPermissionDenied, message};
  }

  static constexpr const char* kDefaultGraphVersion = "v25.0";
  sdk::Host host_;
  std::string graphVersion_;
};

}  // namespace

BARAZA_PLUGIN(BARAZA_PLUGIN_ID, BARAZA_PLUGIN_VERSION, WhatsAppChannel)
