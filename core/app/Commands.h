#pragma once

#include "app/Cli.h"

#include <vector>

namespace baraza::app {

/** Every `baraza` subcommand. */
std::vector<Command> commands();

}  // namespace baraza::app
