#include "app/Cli.h"

#include <Poco/Util/HelpFormatter.h>
#include <Poco/Util/OptionException.h>
#include <Poco/Util/OptionProcessor.h>

#include <iomanip>

namespace baraza::app {
namespace {

std::string joined(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

void addHelpOption(Poco::Util::OptionSet& options) {
  options.addOption(Poco::Util::Option("help", "h", "Show this help and exit."));
}

void printUsage(const std::vector<Command>& commands, std::ostream& out) {
  out << "Usage: baraza <command> [options]\n\n"
      << "Baraza hosts WhatsApp integrations: signed webhooks in, a durable outbox out, and\n"
      << "plugins (channel, flow, intent, verifier, media, conversation) loaded per tenant.\n\n"
      << "Commands:\n";
  for (const auto& c : commands) {
    out << "  " << std::left << std::setw(20) << joined(c.words) << c.summary << "\n";
  }
  out << "\nRun `baraza <command> --help` for the options of a command.\n";
}

void printHelp(const Command& command, std::ostream& out) {
  Poco::Util::OptionSet options;
  if (command.options) command.options(options);
  addHelpOption(options);
  Poco::Util::HelpFormatter help(options);
  help.setUnixStyle(true);
  help.setCommand("baraza " + joined(command.words));
  help.setUsage("[options]");
  help.setHeader(command.description);
  help.setWidth(100);
  help.format(out);
}

}  // namespace

int runCli(const std::vector<Command>& commands, int argc, char** argv, std::ostream& out,
           std::ostream& err) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    if (args.size() < 2 || args[0] != "help") {
      printUsage(commands, args.empty() ? err : out);
      return args.empty() ? 2 : 0;
    }
    args.erase(args.begin());
    args.push_back("--help");
  }

  // The longest command whose words prefix the arguments.
  const Command* command = nullptr;
  for (const auto& c : commands) {
    if (c.words.size() <= args.size() && std::equal(c.words.begin(), c.words.end(), args.begin()) &&
        (command == nullptr || c.words.size() > command->words.size())) {
      command = &c;
    }
  }
  if (command == nullptr) {
    // A command group ("db", "events") without its subcommand: show that group.
    std::vector<const Command*> group;
    for (const auto& c : commands) {
      if (c.words.size() > 1 && c.words[0] == args[0]) group.push_back(&c);
    }
    if (!group.empty()) {
      const bool help = args.size() > 1 && (args[1] == "--help" || args[1] == "-h");
      std::ostream& to = help ? out : err;
      to << "Usage: baraza " << args[0] << " <command> [options]\n\nCommands:\n";
      for (const Command* c : group) {
        to << "  " << std::left << std::setw(20) << joined(c->words) << c->summary << "\n";
      }
      return help ? 0 : 2;
    }
    err << "baraza: unknown command \"" << args[0] << "\"\n\n";
    printUsage(commands, err);
    return 2;
  }

  Poco::Util::OptionSet options;
  if (command->options) command->options(options);
  addHelpOption(options);
  Poco::Util::OptionProcessor processor(options);
  processor.setUnixStyle(true);
  Args parsed;
  try {
    for (size_t i = command->words.size(); i < args.size(); ++i) {
      std::string name;
      std::string value;
      if (processor.process(args[i], name, value)) {
        if (!name.empty()) parsed.options[name].push_back(value);
      } else {
        parsed.positional.push_back(args[i]);
      }
    }
    processor.checkRequired();
  } catch (const Poco::Util::OptionException& e) {
    err << "baraza " << joined(command->words) << ": " << e.displayText() << "\n"
        << "Run `baraza " << joined(command->words) << " --help` for usage.\n";
    return 2;
  }
  if (parsed.has("help")) {
    printHelp(*command, out);
    return 0;
  }
  return command->run(parsed);
}

}  // namespace baraza::app
