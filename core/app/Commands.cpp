#include "app/Commands.h"

#include "app/commands/CommandSupport.h"

namespace baraza::app {

std::vector<Command> commands() {
  // The order `baraza --help` lists them in.
  std::vector<Command> all;
  for (auto group : {hostCommands, databaseCommands, eventCommands, sendCommands, flowsCommands,
                     mediaCommands, pluginCommands}) {
    for (auto& command : group()) all.push_back(std::move(command));
  }
  return all;
}

}  // namespace baraza::app
