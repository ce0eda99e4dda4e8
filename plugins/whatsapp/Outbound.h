// Sending through the WhatsApp Cloud API: validating and building Graph requests, and
// classifying Graph responses (reference §3 and §5).
#pragma once

#include <baraza/sdk/Documents.hpp>
#include <string>

namespace baraza::whatsapp {

/**
 * An outbound message in Baraza's shape (the Graph message object plus "phone_number_id") in;
 * the plan out: the normalised recipient, whether it counts toward the pair rate, and the POST
 * to https://graph.facebook.com/<version>/<id>/messages (service "graph") with Graph's body.
 * Every limit of reference §3.1 is checked first; a message that breaks one throws
 * std::invalid_argument naming the field and the limit, e.g.
 * `interactive.action.buttons[3]: at most 3 buttons`. Types: text, image, video, audio, sticker,
 * document, location, contacts, reaction, interactive (button, list, flow), template, and the
 * signals "read" and "typing" (mark a received message read, with or without a typing
 * indicator; they do not count toward the pair rate).
 */
sdk::SendPlan buildSend(nlohmann::json message, const std::string& graphVersion);

/**
 * `+<country code><number>` from what people write: spaces, dashes, dots and parentheses are
 * dropped, a leading 00 is read as +. Digits without + are taken as already international.
 * A national number (leading 0) or anything else throws std::invalid_argument.
 */
std::string normaliseRecipient(const std::string& to);

/**
 * Graph's answer in; its classification out, per reference §5.2:
 *   {"outcome": "accepted", "provider_id": "wamid…"}              (provider_id absent for signals)
 *   {"outcome": "retry", "scope": "message" | "number" | "recipient", "after_ms": N?, …}
 *   {"outcome": "pause", …}      the access token is expired or invalid (190, 0)
 *   {"outcome": "reengage", …}   outside the 24-hour window (131047): a template is needed
 *   {"outcome": "failed", …}     permanent
 * with "code", "subcode", "title" and "details" from Meta's error envelope when there is one.
 */
sdk::Classification classifyResponse(const sdk::ProviderResponse& response);

}  // namespace baraza::whatsapp
