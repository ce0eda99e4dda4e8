#include "app/Logging.h"

#include <Poco/AutoPtr.h>
#include <Poco/ConsoleChannel.h>
#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/Formatter.h>
#include <Poco/FormattingChannel.h>
#include <Poco/Logger.h>
#include <Poco/Message.h>
#include <Poco/PatternFormatter.h>

#include <baraza/sdk/Json.hpp>

namespace baraza::app {
namespace {

const char* priorityName(Poco::Message::Priority p) {
  switch (p) {
    case Poco::Message::PRIO_FATAL:
      return "fatal";
    case Poco::Message::PRIO_CRITICAL:
      return "critical";
    case Poco::Message::PRIO_ERROR:
      return "error";
    case Poco::Message::PRIO_WARNING:
      return "warning";
    case Poco::Message::PRIO_NOTICE:
      return "notice";
    case Poco::Message::PRIO_INFORMATION:
      return "info";
    case Poco::Message::PRIO_DEBUG:
      return "debug";
    case Poco::Message::PRIO_TRACE:
      return "trace";
  }
  return "info";
}

class JsonFormatter : public Poco::Formatter {
 public:
  void format(const Poco::Message& msg, std::string& text) override {
    if (msg.getSource() == "baraza.access") {
      text = msg.getText();
      return;
    }
    text = "{\"ts\":" + sdk::json::quote(Poco::DateTimeFormatter::format(
                            msg.getTime(), Poco::DateTimeFormat::ISO8601_FRAC_FORMAT));
    text += ",\"level\":\"";
    text += priorityName(msg.getPriority());
    text += "\",\"logger\":" + sdk::json::quote(msg.getSource());
    text += ",\"msg\":" + sdk::json::quote(msg.getText()) + "}";
  }
};

}  // namespace

void configureLogging(const std::string& level, const std::string& format) {
  Poco::AutoPtr<Poco::Formatter> formatter;
  if (format == "json") {
    formatter = new JsonFormatter;
  } else {
    formatter = new Poco::PatternFormatter("%Y-%m-%dT%H:%M:%S.%iZ %q %s: %t");
  }
  Poco::AutoPtr<Poco::ConsoleChannel> console = new Poco::ConsoleChannel;
  Poco::AutoPtr<Poco::FormattingChannel> channel = new Poco::FormattingChannel(formatter, console);
  Poco::Logger::root().setChannel(channel);
  Poco::Logger::root().setLevel(level);
  // Loggers created before this call keep their old channel and level: update them all.
  Poco::Logger::setChannel("", channel);
  Poco::Logger::setLevel("", Poco::Logger::parseLevel(level));
}

}  // namespace baraza::app
