#pragma once

#include <map>
#include <string>

namespace baraza::app {

/**
 * `baraza serve`: runs until SIGTERM/SIGINT (exit 0) and reloads tenants on SIGHUP. Returns 1
 * when it cannot start (bad host configuration, store unreachable, address in use).
 */
int serve(const std::string& configPath, const std::map<std::string, std::string>& overrides);

}  // namespace baraza::app
