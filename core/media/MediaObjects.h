// Writing one object to a tenant's media plugin (ABI 1.4): the documents open_writer takes and
// commit answers, read in one place for the downloads and for Flow media.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "common/Status.h"
#include "plugins/PluginInstance.h"

namespace baraza::media {

/** A writer for one object of `tenant`: its expected SHA-256 (hex; "" unknown), size (-1
 * unknown) and MIME type. */
StatusOr<std::unique_ptr<plugins::MediaWriter>> openObject(const plugins::PluginInstance& store,
                                                           const std::string& tenant,
                                                           const std::string& sha256, int64_t size,
                                                           const std::string& mimeType);

/** Commits what `writer` wrote: the key the plugin keeps the object under. */
StatusOr<std::string> commitObject(plugins::MediaWriter& writer);

}  // namespace baraza::media
