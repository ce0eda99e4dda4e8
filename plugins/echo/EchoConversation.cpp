// echo: the smallest useful conversation plugin. Replies to every text message with the same
// text, behind a configurable prefix. Exercises plugin -> host API (log, metrics) -> host.
#include <baraza/sdk/Plugin.hpp>

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <sstream>
#include <string>
#include <string_view>

namespace {

using baraza::sdk::Host;
using baraza::sdk::StatusOr;

class EchoConversation : public baraza::sdk::Conversation {
 public:
  EchoConversation(Host host, std::string_view configJson) : host_(host) {
    Poco::JSON::Object::Ptr config =
        Poco::JSON::Parser().parse(std::string(configJson)).extract<Poco::JSON::Object::Ptr>();
    prefix_ = config->optValue<std::string>("prefix", "echo: ");
    maxLength_ = config->optValue<int>("max_length", 4096);
  }

  StatusOr<std::string> onMessage(std::string_view eventJson) override {
    Poco::JSON::Object::Ptr event =
        Poco::JSON::Parser().parse(std::string(eventJson)).extract<Poco::JSON::Object::Ptr>();
    Poco::JSON::Object::Ptr message = event->getObject("message");
    if (message.isNull()) return baraza::sdk::invalidArgument("event has no \"message\" object");

    Poco::JSON::Object replies;
    Poco::JSON::Array list;
    if (message->optValue<std::string>("type", "") == "text") {
      std::string body = prefix_ + message->getObject("text")->getValue<std::string>("body");
      if (static_cast<int>(body.size()) > maxLength_) body.resize(maxLength_);
      Poco::JSON::Object text;
      text.set("body", body);
      Poco::JSON::Object reply;
      reply.set("type", "text");
      reply.set("to", message->getValue<std::string>("from"));
      reply.set("text", text);
      list.add(reply);
      host_.count("replies");
    }
    host_.info("echo: message " + message->optValue<std::string>("id", "?") + " -> " +
               std::to_string(list.size()) + " reply");
    replies.set("replies", list);
    std::ostringstream out;
    replies.stringify(out);
    return out.str();
  }

 private:
  Host host_;
  std::string prefix_;
  int maxLength_ = 4096;
};

}  // namespace

BARAZA_PLUGIN("ke.baraza.conversation.echo", "1.0.0", EchoConversation)
