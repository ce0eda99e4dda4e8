// What WhatsApp allows for each kind of media (reference §4): MIME types and sizes. An inbound
// item outside them is failed with the reason, never downloaded.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/Status.h"

namespace baraza::media {

struct MediaKind {
  std::string name;                    // the message type: image, audio, video, document, sticker
  std::vector<std::string> mimeTypes;  // allowed base types (no parameters)
  uint64_t maxBytes = 0;
};

/** The kind named `type`, or null when messages of that type carry no media. */
const MediaKind* mediaKind(const std::string& type);

/** "audio/ogg" of "audio/ogg; codecs=opus", lower-case. */
std::string baseMimeType(const std::string& mimeType);

/** A SHA-256 given as 64 hex digits or as base64 of its 32 bytes (Meta uses both), as lower-case
 * hex; empty when it is neither. */
std::string sha256Hex(const std::string& text);

/** OK, or INVALID_ARGUMENT naming the type and what the kind allows. */
Status checkMimeType(const MediaKind& kind, const std::string& mimeType);
/** OK, or RESOURCE_EXHAUSTED naming the size and the kind's limit; a negative size is unknown. */
Status checkSize(const MediaKind& kind, int64_t bytes);

}  // namespace baraza::media
