// whatsapp: the WhatsApp Cloud API channel. Parses inbound webhook changes, validates and builds
// Graph send requests, classifies Graph responses, builds the re-engagement template message and
// exchanges a refused access token for a long-lived one, finds where inbound media can be
// downloaded and uploads media to send; the host owns HTTP, the outbox, pacing, the tokens and
// the downloads.
#include <baraza/sdk/Plugin.hpp>
#include <fstream>
#include <iterator>

#include "Credentials.h"
#include "JsonText.h"
#include "Media.h"
#include "Outbound.h"
#include "WebhookParser.h"

namespace {

using baraza::sdk::StatusOr;

class WhatsAppChannel : public baraza::sdk::Channel {
 public:
  WhatsAppChannel(baraza::sdk::Host host, std::string_view configJson) : host_(host) {
    if (!configJson.empty()) {
      graphVersion_ = baraza::whatsapp::str(baraza::whatsapp::parseObject(std::string(configJson)),
                                            "graph_version");
    }
    if (graphVersion_.empty()) graphVersion_ = kDefaultGraphVersion;
  }

  StatusOr<std::string> parseWebhook(std::string_view valueJson) override {
    return baraza::whatsapp::parseMessagesValue(std::string(valueJson));
  }
  StatusOr<std::string> buildSend(std::string_view messageJson) override {
    try {
      return baraza::whatsapp::buildSend(std::string(messageJson), graphVersion_);
    } catch (const std::invalid_argument& e) {
      return baraza::sdk::invalidArgument(e.what());
    }
  }
  StatusOr<std::string> classifyResponse(std::string_view responseJson) override {
    return baraza::whatsapp::classifyResponse(std::string(responseJson));
  }
  StatusOr<std::string> reengage(std::string_view inputJson) override {
    return baraza::whatsapp::reengagementMessage(std::string(inputJson));
  }
  StatusOr<std::string> exchangeToken(std::string_view inputJson) override {
    const GraphRequest built =
        baraza::whatsapp::tokenExchangeRequest(std::string(inputJson), graphVersion_);
    StatusOr<baraza::sdk::HttpResponse> answer = graph(built, "");
    if (!answer.isOk()) return answer.status();
    try {
      return baraza::whatsapp::tokenExchangeResult(answer->status, answer->body);
    } catch (const std::runtime_error& e) {
      return refusal(answer->status, e.what());
    }
  }
  StatusOr<std::string> registerFlowKey(std::string_view inputJson) override {
    const GraphRequest upload =
        baraza::whatsapp::flowKeyUpload(std::string(inputJson), graphVersion_);
    const std::string token =
        baraza::whatsapp::str(baraza::whatsapp::parseObject(std::string(inputJson)), "token");
    StatusOr<baraza::sdk::HttpResponse> posted = graph(upload, token);
    if (!posted.isOk()) return posted.status();
    if (posted->status != 200) {
      return refusal(posted->status, "upload refused: " + baraza::whatsapp::graphError(
                                                              posted->status, posted->body));
    }
    StatusOr<baraza::sdk::HttpResponse> read = graph({"GET", upload.url, "", ""}, token);
    if (!read.isOk()) return read.status();
    try {
      return baraza::whatsapp::flowKeyState(read->status, read->body);
    } catch (const std::runtime_error& e) {
      return refusal(read->status, std::string("uploaded, but ") + e.what());
    }
  }
  StatusOr<std::string> mediaSource(std::string_view inputJson) override {
    const std::string input(inputJson);
    const GraphRequest built = baraza::whatsapp::mediaInfoRequest(input, graphVersion_);
    const std::string token = baraza::whatsapp::str(baraza::whatsapp::parseObject(input), "token");
    StatusOr<baraza::sdk::HttpResponse> answer = graph(built, token);
    if (!answer.isOk()) return answer.status();
    try {
      return baraza::whatsapp::mediaSource(answer->status, answer->body, token);
    } catch (const std::out_of_range& e) {
      return baraza::sdk::Status(baraza::sdk::Code::kNotFound, e.what());
    } catch (const std::runtime_error& e) {
      return refusal(answer->status, e.what());
    }
  }
  StatusOr<std::string> uploadMedia(std::string_view inputJson) override {
    const std::string input(inputJson);
    const auto parsed = baraza::whatsapp::parseObject(input);
    const std::string path = baraza::whatsapp::str(parsed, "path");
    std::ifstream file(path, std::ios::binary);
    if (path.empty() || !file) return baraza::sdk::invalidArgument("path: cannot read " + path);
    const std::string bytes((std::istreambuf_iterator<char>(file)),
                            std::istreambuf_iterator<char>());
    // A boundary of 32 random hex digits: it occurs in no file but by a 2^-128 chance, and the
    // upload is checked against it anyway.
    std::string boundary = "baraza-";
    for (uint8_t b : host_.randomBytes(16)) {
      boundary += "0123456789abcdef"[b >> 4];
      boundary += "0123456789abcdef"[b & 15];
    }
    if (bytes.find(boundary) != std::string::npos)
      return baraza::sdk::internal("the upload boundary occurs in the file; try again");
    const GraphRequest built =
        baraza::whatsapp::uploadRequest(input, graphVersion_, bytes, boundary);
    StatusOr<baraza::sdk::HttpResponse> answer =
        graph(built, baraza::whatsapp::str(parsed, "token"));
    if (!answer.isOk()) return answer.status();
    try {
      return baraza::whatsapp::uploadResult(answer->status, answer->body);
    } catch (const std::runtime_error& e) {
      return refusal(answer->status, e.what());
    }
  }

 private:
  using GraphRequest = baraza::whatsapp::GraphRequest;

  /** A Graph API call through the host (service "graph"), with the token when one is given. */
  StatusOr<baraza::sdk::HttpResponse> graph(const GraphRequest& r, const std::string& token) const {
    baraza::sdk::HttpRequest request;
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
  static baraza::sdk::Status refusal(int status, const std::string& message) {
    return {status >= 500 ? baraza::sdk::Code::kUnavailable : baraza::sdk::Code::kPermissionDenied,
            message};
  }

  static constexpr const char* kDefaultGraphVersion = "v25.0";
  baraza::sdk::Host host_;
  std::string graphVersion_;
};

}  // namespace

BARAZA_PLUGIN(BARAZA_PLUGIN_ID, BARAZA_PLUGIN_VERSION, WhatsAppChannel)
