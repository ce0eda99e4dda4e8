// Media on Graph (reference §4). Inbound: GET /<version>/<MEDIA_ID> answers a short-lived
// download URL (5 minutes), the MIME type, the SHA-256 and the size; the bytes are then read from
// that URL with the same bearer token. Outbound: a multipart upload answers the id to send by.
#pragma once

#include <string>

#include "Credentials.h"

namespace baraza::whatsapp {

/**
 * GET https://graph.facebook.com/<version>/<media_id>?phone_number_id=<phone_number_id>;
 * std::invalid_argument names what is missing.
 */
GraphRequest mediaInfoRequest(const sdk::MediaSourceRequest& input,
                              const std::string& graphVersion);

/**
 * The host's media_source document from Graph's answer: the URL, MIME type, SHA-256 (lower-case
 * hex, whatever Graph's encoding), size (-1 when Graph's string is unreadable) and the header
 * "Authorization: Bearer <token>". std::runtime_error with Graph's error when the answer is not a
 * media object; std::out_of_range when Graph does not know the id (404, or code 100).
 */
sdk::MediaSource mediaSource(int status, const std::string& body, const std::string& token);

/**
 * The upload of a local file for sending by id (reference §4): POST
 * https://graph.facebook.com/<version>/<phone_number_id>/media, multipart/form-data with the
 * parts messaging_product=whatsapp, type=<mime> and file (the bytes, with their type and
 * filename), with the file's bytes and a boundary that does not occur in them;
 * std::invalid_argument names what is missing.
 */
GraphRequest uploadRequest(const sdk::MediaUpload& input, const std::string& graphVersion,
                           const std::string& bytes, const std::string& boundary);

/** The media id in the upload's answer ({"id"}); std::runtime_error with Graph's error. */
sdk::UploadedMedia uploadResult(int status, const std::string& body);

/** A SHA-256 given as 64 hex digits or as base64 of its 32 bytes, as lower-case hex; empty when
 * it is neither. */
std::string sha256Hex(const std::string& text);

}  // namespace baraza::whatsapp
