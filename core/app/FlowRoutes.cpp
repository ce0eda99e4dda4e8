#include "app/FlowRoutes.h"

namespace baraza::app {

void addFlowRoutes(http::Router& router, flows::FlowEndpoint& endpoint) {
  router.add("POST", "/flows/{tenant}", [&endpoint](http::Exchange& ex) {
    std::optional<std::string> signature;
    if (ex.request().has("X-Hub-Signature-256")) signature = ex.request().get("X-Hub-Signature-256");
    flows::FlowReply reply = endpoint.handle(ex.param("tenant"), signature, ex.body());
    ex.annotate("tenant", ex.param("tenant"));
    ex.send(reply.status, reply.body, reply.contentType);
  });
}

}  // namespace baraza::app
