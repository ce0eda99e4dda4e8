// Sending through the WhatsApp Cloud API: validating and building Graph requests, and
// classifying Graph responses (reference §3 and §5).
#pragma once

#include <string>

namespace baraza::whatsapp {

/**
 * An outbound message in Baraza's shape (the Graph message object plus "phone_number_id") in;
 * out:
 *   {"recipient": "+2547…", "pair_rate": true,
 *    "request": {"method": "POST", "url": "https://graph.facebook.com/<version>/<id>/messages",
 *                "service": "graph", "body": {"messaging_product": "whatsapp", …}}}
 * Every limit of reference §3.1 is checked first; a message that breaks one throws
 * std::invalid_argument naming the field and the limit, e.g.
 * `interactive.action.buttons[3]: at most 3 buttons`. Types: text, image, video, audio, sticker,
 * document, location, contacts, reaction, interactive (button, list, flow), template, and the
 * signals "read" and "typing" (mark a received message read, with or without a typing
 * indicator; they do not count toward the pair rate).
 */
std::string buildSend(const std::string& messageJson, const std::string& graphVersion);

/**
 * `+<country code><number>` from what people write: spaces, dashes, dots and parentheses are
 * dropped, a leading 00 is read as +. Digits without + are taken as already international.
 * A national number (leading 0) or anything else throws std::invalid_argument.
 */
std::string normaliseRecipient(const std::string& to);

/**
 * {"status": <HTTP status>, "body": "<response text>"} in; out, per reference §5.2:
 *   {"outcome": "accepted", "provider_id": "wamid…"}              (provider_id absent for signals)
 *   {"outcome": "retry", "scope": "message" | "number" | "recipient", "after_ms": N?, …}
 *   {"outcome": "pause", …}      the access token is expired or invalid (190, 0)
 *   {"outcome": "reengage", …}   outside the 24-hour window (131047): a template is needed
 *   {"outcome": "failed", …}     permanent
 * with "code", "subcode", "title" and "details" from Meta's error envelope when there is one.
 */
std::string classifyResponse(const std::string& responseJson);

}  // namespace baraza::whatsapp
