// Where an inbound media item's bytes are (reference §4): GET /<version>/<MEDIA_ID> answers a
// short-lived download URL (5 minutes), the MIME type, the SHA-256 and the size; the bytes are
// then read from that URL with the same bearer token.
#pragma once

#include <string>

#include "Credentials.h"

namespace baraza::whatsapp {

/**
 * GET https://graph.facebook.com/<version>/<media_id>?phone_number_id=<phone_number_id>:
 * {"media_id", "phone_number_id", "token"} in; std::invalid_argument names what is missing.
 */
GraphRequest mediaInfoRequest(const std::string& inputJson, const std::string& graphVersion);

/**
 * The host's media_source document from Graph's answer: {"url", "mime_type", "sha256" (lower-case
 * hex, whatever Graph's encoding), "file_size" (a number: Graph sends a string), "headers":
 * {"Authorization": "Bearer <token>"}}. std::runtime_error with Graph's error when the answer is
 * not a media object; std::out_of_range when Graph does not know the id (404, or code 100).
 */
std::string mediaSource(int status, const std::string& body, const std::string& token);

/** A SHA-256 given as 64 hex digits or as base64 of its 32 bytes, as lower-case hex; empty when
 * it is neither. */
std::string sha256Hex(const std::string& text);

}  // namespace baraza::whatsapp
