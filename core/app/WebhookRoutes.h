#pragma once

#include "http/Router.h"
#include "inbound/WebhookReceiver.h"

namespace baraza::app {

/** GET/POST /webhooks/whatsapp and /webhooks/whatsapp/{app} onto the webhook receiver. */
void addWebhookRoutes(http::Router& router, inbound::WebhookReceiver& receiver);

}  // namespace baraza::app
