#include "app/WebhookRoutes.h"

#include <Poco/Logger.h>

namespace baraza::app {

void addWebhookRoutes(http::Router& router, inbound::WebhookReceiver& receiver) {
  for (const char* path : {"/webhooks/whatsapp", "/webhooks/whatsapp/{app}"}) {
    router.add("GET", path, [&receiver](http::Exchange& ex) {
      auto challenge = receiver.verifySubscription(ex.param("app"), ex.query("hub.mode"),
                                                   ex.query("hub.verify_token"),
                                                   ex.query("hub.challenge"));
      if (!challenge) {
        Poco::Logger::get("baraza.inbound").warning(
            "webhook verification refused for " + ex.path() + " from " +
            ex.request().clientAddress().host().toString());
        throw http::HttpError(403, "verification refused");
      }
      ex.send(200, *challenge, "text/plain");
    });
    router.add("POST", path, [&receiver](http::Exchange& ex) {
      // An unknown app or a missing signature is refused before the body is read.
      if (!receiver.knowsApp(ex.param("app"))) throw http::HttpError(404, "no app " + ex.param("app"));
      std::optional<std::string> signature;
      if (ex.request().has("X-Hub-Signature-256")) signature = ex.request().get("X-Hub-Signature-256");
      if (!signature) throw http::HttpError(401, "missing X-Hub-Signature-256");
      inbound::Receipt receipt = receiver.receive(ex.param("app"), signature, ex.body());
      if (receipt.outcome != inbound::Receipt::Outcome::kStored) {
        if (receipt.outcome == inbound::Receipt::Outcome::kBadSignature) {
          Poco::Logger::get("baraza.inbound").warning(
              "webhook signature mismatch (" + std::to_string(ex.body().size()) + " bytes) from " +
              ex.request().clientAddress().host().toString());
        }
        throw http::HttpError(receipt.httpStatus(), receipt.error);
      }
      ex.annotate("app", receipt.appKey);
      ex.annotate("delivery", std::to_string(receipt.deliveryId));
      ex.sendJson(200, "{}");
    });
  }
}

}  // namespace baraza::app
