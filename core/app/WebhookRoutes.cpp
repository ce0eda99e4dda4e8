#include "app/WebhookRoutes.h"

#include <Poco/Logger.h>

namespace baraza::app {

void addWebhookRoutes(http::Router& router, inbound::WebhookReceiver& receiver) {
  for (const char* path : {"/webhooks/whatsapp", "/webhooks/whatsapp/{app}"}) {
    router.add(
        "GET", path,
        [&receiver](http::Exchange& ex) {
          auto challenge =
              receiver.verifySubscription(ex.param("app"), ex.query("hub.mode"),
                                          ex.query("hub.verify_token"), ex.query("hub.challenge"));
          if (!challenge) {
            Poco::Logger::get("baraza.inbound")
                .warning("webhook verification refused for " + ex.path() + " from " + ex.remote());
            throw http::HttpError(403, "verification refused");
          }
          ex.send(200, *challenge, "text/plain");
        },
        http::Runs::kOnLoop);
    // On the loop: the signature check is a hash over at most http.max_body_bytes, and the answer
    // waits for the group commit without holding a thread.
    router.add(
        "POST", path,
        [&receiver](http::Exchange& ex) {
          const size_t bytes = ex.body().size();
          const std::string remote = ex.remote();
          receiver.receive(ex.param("app"), ex.header("X-Hub-Signature-256"), ex.body(),
                           [answer = ex.later(), bytes, remote](inbound::Receipt receipt) mutable {
                             if (receipt.outcome == inbound::Receipt::Outcome::kStored) {
                               answer.annotate("app", receipt.appKey);
                               answer.annotate("delivery", std::to_string(receipt.deliveryId));
                               return answer.sendJson(200, "{}");
                             }
                             if (receipt.outcome == inbound::Receipt::Outcome::kBadSignature) {
                               Poco::Logger::get("baraza.inbound")
                                   .warning("webhook signature mismatch (" + std::to_string(bytes) +
                                            " bytes) from " + remote);
                             }
                             answer.sendError(receipt.httpStatus(), receipt.error);
                           });
        },
        http::Runs::kOnLoop);
  }
}

}  // namespace baraza::app
