#include "app/FlowRoutes.h"

namespace baraza::app {

void addFlowRoutes(http::Router& router, flows::FlowEndpoint& endpoint) {
  router.add("POST", "/flows/{tenant}", [&endpoint](http::Exchange& ex) {
    flows::FlowReply reply = endpoint.handle(ex.param("tenant"), ex.header("X-Hub-Signature-256"), ex.body());
    ex.annotate("tenant", ex.param("tenant"));
    ex.send(reply.status, reply.body, reply.contentType);
  });
}

}  // namespace baraza::app
