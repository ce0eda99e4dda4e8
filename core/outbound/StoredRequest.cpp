#include "outbound/StoredRequest.h"

#include <Poco/Exception.h>
#include <Poco/JSONString.h>

#include <baraza/sdk/JsonScalars.hpp>
#include <optional>

#include "common/JsonText.h"

namespace baraza::outbound {
namespace {

using jsontext::json;
using jsontext::parseObject;
using jsontext::str;
using Poco::JSON::Object;

constexpr int kLayout = 2;  // the header's "layout"; another value is another layout
/**
 * Layout 1, and build_send output stored verbatim, carry no service: they were written when the
 * WhatsApp channel was the only one and the host sent every request as the "graph" service.
 */
constexpr const char* kServiceBeforeLayout2 = "graph";

}  // namespace

StoredRequest StoredRequest::fromChannelOutput(const std::string& built) {
  Object::Ptr out = parseObject(built);
  Object::Ptr request = out->getObject("request");
  if (request.isNull()) throw Poco::DataFormatException("no request");
  StoredRequest r;
  r.recipient = str(out, "recipient");
  r.pairRate = out->optValue<bool>("pair_rate", true);
  r.method = str(request, "method");
  r.url = str(request, "url");
  r.service = request->has("service") ? str(request, "service") : kServiceBeforeLayout2;
  if (r.method.empty() || r.url.empty())
    throw Poco::DataFormatException("no request method or url");
  if (Object::Ptr body = request->getObject("body"); !body.isNull()) {
    r.type = body->has("type") ? str(body, "type") : str(body, "status");
    r.body = json(body);
  }
  return r;
}

std::string StoredRequest::encode() const {
  // Written out (once per message queued). Compact JSON escapes every newline inside strings:
  // the first newline ends the header.
  return R"({"layout":)" + std::to_string(kLayout) + R"(,"method":)" + Poco::toJSON(method) +
         R"(,"pair_rate":)" + (pairRate ? "true" : "false") + R"(,"recipient":)" +
         Poco::toJSON(recipient) + R"(,"service":)" + Poco::toJSON(service) + R"(,"type":)" +
         Poco::toJSON(type) + R"(,"url":)" + Poco::toJSON(url) + "}\n" + body;
}

StoredRequest StoredRequest::decode(const std::string& payload) {
  const size_t end = payload.find('\n');
  if (end != std::string::npos) {
    std::optional<sdk::json::Scalars> header;
    try {
      header.emplace(std::string_view(payload).substr(0, end));
    } catch (const std::invalid_argument&) {
      // Not this layout's header: a pretty-printed build_send output, perhaps.
    }
    const int64_t layout = header ? header->integer("layout", 0) : 0;
    if (layout == 1 || layout == kLayout) {
      StoredRequest r;
      r.service = layout == 1 ? kServiceBeforeLayout2 : header->text("service");
      r.recipient = header->text("recipient");
      r.pairRate = header->boolean("pair_rate", true);
      r.method = header->text("method");
      r.url = header->text("url");
      r.type = header->text("type");
      r.body = payload.substr(end + 1);
      if (r.method.empty() || r.url.empty())
        throw Poco::DataFormatException("no request method or url");
      return r;
    }
  }
  return fromChannelOutput(payload);
}

}  // namespace baraza::outbound
