#pragma once

#include <Poco/Util/OptionSet.h>

#include <functional>
#include <map>
#include <ostream>
#include <string>
#include <vector>

namespace baraza::app {

/** Parsed command line of one subcommand: options by full name (repeatable ones collected). */
struct Args {
  std::map<std::string, std::vector<std::string>> options;
  std::vector<std::string> positional;

  bool has(const std::string& name) const { return options.count(name) > 0; }
  std::string get(const std::string& name, const std::string& fallback = "") const {
    auto it = options.find(name);
    return it == options.end() || it->second.empty() ? fallback : it->second.back();
  }
};

/** A subcommand: `baraza <words...> [options]`. run() returns the process exit code. */
struct Command {
  std::vector<std::string> words;  // {"config", "check"}
  std::string summary;             // one line, for `baraza --help`
  std::string description;         // a paragraph, for `baraza <cmd> --help`
  std::function<void(Poco::Util::OptionSet&)> options;
  std::function<int(const Args&)> run;
};

/** Dispatches argv to a command, handling --help at every level. Returns the exit code. */
int runCli(const std::vector<Command>& commands, int argc, char** argv, std::ostream& out,
           std::ostream& err);

}  // namespace baraza::app
