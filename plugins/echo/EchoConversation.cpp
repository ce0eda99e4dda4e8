// echo: the smallest useful conversation plugin. Replies to every text message with the same
// text, behind a configurable prefix, and to a completed Flow with what it returned. Exercises
// plugin -> host API (log, metrics) -> host.
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <algorithm>
#include <baraza/sdk/Plugin.hpp>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

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
    std::string body;
    if (message->optValue<std::string>("type", "") == "text") {
      body = prefix_ + message->getObject("text")->getValue<std::string>("body");
    } else if (Poco::JSON::Object::Ptr flow = event->getObject("flow")) {
      // A completed Flow: say what came back, so the round trip is visible.
      body = prefix_ + "flow " + flow->optValue<std::string>("flow", "?") + " completed";
      Poco::JSON::Object::Ptr response = flow->getObject("response");
      std::vector<std::string> names;
      if (!response.isNull()) response->getNames(names);
      std::sort(names.begin(), names.end());
      for (const auto& name : names) {
        if (name != "flow_token") body += " " + name + "=" + response->get(name).toString();
      }
    }
    if (!body.empty()) {
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

BARAZA_PLUGIN(BARAZA_PLUGIN_ID, BARAZA_PLUGIN_VERSION, EchoConversation)
