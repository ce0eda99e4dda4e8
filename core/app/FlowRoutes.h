#pragma once

#include "flows/FlowEndpoint.h"
#include "http/Router.h"

namespace baraza::app {

/** POST /flows/{tenant} onto the Flows endpoint. */
void addFlowRoutes(http::Router& router, flows::FlowEndpoint& endpoint);

}  // namespace baraza::app
