#pragma once

#include <string>
#include <string_view>

#include "common/Status.h"

namespace baraza::config {

/**
 * Resolves secret references in a configuration value:
 *  - `file:PATH` (the whole value): the file's content without its trailing newline; relative
 *    paths are taken from baseDir (the directory of the file that holds the value). This is how
 *    systemd credentials ($CREDENTIALS_DIRECTORY) are read.
 *  - `${env:NAME}` (anywhere, several allowed): the environment variable NAME.
 * Anything else is returned unchanged. Errors name the variable or file, never a value.
 */
StatusOr<std::string> resolveSecretRefs(std::string_view raw, const std::string& baseDir);

}  // namespace baraza::config
