// Normalises the `value` of a WhatsApp Cloud API webhook change (field "messages").
#pragma once

#include <baraza/sdk/Documents.hpp>

namespace baraza::whatsapp {

/**
 * A change's value in; its contacts, messages, statuses and errors out (parse_webhook's
 * document). `content` is the type's object, normalised: interactive replies flattened with their
 * kind, nfm_reply's response_json parsed into "response" (and its flow_token lifted out), a
 * reaction with an empty emoji marked "removed", unsupported messages keeping their errors. A
 * message's context, referral, errors and identity are kept as sent; a status keeps errors,
 * pricing, conversation, biz_opaque_callback_data, type and payment.
 */
sdk::WebhookEvents parseMessagesValue(const nlohmann::json& value);

}  // namespace baraza::whatsapp
