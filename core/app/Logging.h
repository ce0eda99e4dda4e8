#pragma once

#include <string>

namespace baraza::app {

/**
 * Sends every logger to stderr (journald under systemd) at `level`, as text lines or one JSON
 * object per line. Access-log lines, already JSON, are passed through as they are.
 */
void configureLogging(const std::string& level, const std::string& format);

}  // namespace baraza::app
