#include "app/FlowRoutes.h"

namespace baraza::app {

void addFlowRoutes(http::Router& router, flows::FlowEndpoint& endpoint) {
  // On the loop: signature, RSA and AES are CPU only, and a ping needs nothing else. What reads
  // the store or calls the tenant's flow plugin goes on to a handler thread.
  router.add(
      "POST", "/flows/{tenant}",
      [&endpoint](http::Exchange& ex) {
        const std::string tenant = ex.param("tenant");
        ex.annotate("tenant", tenant);
        flows::FlowEndpoint::Opening opening =
            endpoint.open(tenant, ex.header("X-Hub-Signature-256"), ex.body());
        if (opening.reply)
          return ex.send(opening.reply->status, opening.reply->body, opening.reply->contentType);
        ex.onWorker([&endpoint, answer = ex.later(), opened = std::move(opening.opened)]() mutable {
          const flows::FlowReply reply = endpoint.respond(*opened);
          answer.send(reply.status, reply.body, reply.contentType);
        });
      },
      http::Runs::kOnLoop);
}

}  // namespace baraza::app
