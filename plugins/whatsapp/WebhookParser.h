// Normalises the `value` of a WhatsApp Cloud API webhook change (field "messages").
#pragma once

#include <string>

namespace baraza::whatsapp {

/**
 * value JSON in; out:
 *   {"contacts": [{"wa_id", "user_id", "profile_name"}],
 *    "messages": [{"id", "from", "from_user_id", "timestamp_ms", "type", "content", "context",
 *                  "referral", "errors"}],
 *    "statuses": [{"id", "status", "timestamp_ms", "recipient_id", "errors", "pricing",
 *                  "conversation", "biz_opaque_callback_data"}],
 *    "errors": [...]}
 * `content` is the type's object, normalised: interactive replies flattened with their kind,
 * nfm_reply's response_json parsed into "response" (and its flow_token lifted out), a reaction
 * with an empty emoji marked "removed", unsupported messages keeping their errors.
 * Throws std::invalid_argument on input that is not a JSON object.
 */
std::string parseMessagesValue(const std::string& valueJson);

}  // namespace baraza::whatsapp
