#pragma once

#include <vector>

#include "app/Cli.h"

namespace baraza::app {

/** Every `baraza` subcommand. */
std::vector<Command> commands();

}  // namespace baraza::app
