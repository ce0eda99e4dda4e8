#pragma once

#include <map>
#include <string>

#include "config/HostConfig.h"
#include "store/Retention.h"

namespace baraza::app {

/** The retention.* settings of the host configuration. */
store::RetentionSettings retentionSettings(const config::HostConfig& host);

/**
 * `baraza serve`: runs until SIGTERM/SIGINT (exit 0) and reloads tenants on SIGHUP. Returns 1
 * when it cannot start (bad host configuration, store unreachable, address in use).
 */
int serve(const std::string& configPath, const std::map<std::string, std::string>& overrides);

}  // namespace baraza::app
