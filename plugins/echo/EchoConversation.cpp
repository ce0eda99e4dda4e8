// echo: the smallest useful conversation plugin. Replies to every text message with the same
// text, behind a configurable prefix, and to a completed Flow with what it returned. Exercises
// plugin -> host API (log, metrics) -> host.
#include <baraza/sdk/Documents.hpp>
#include <string>
#include <string_view>

namespace {

using baraza::sdk::ConversationEvent;
using baraza::sdk::ConversationTurn;
using baraza::sdk::Host;
using baraza::sdk::StatusOr;

class EchoConversation : public baraza::sdk::TypedConversation {
 public:
  EchoConversation(Host host, std::string_view configJson) : host_(host) {
    const nlohmann::json config = nlohmann::json::parse(configJson);
    prefix_ = config.value("prefix", "echo: ");
    maxLength_ = config.value("max_length", 4096);
  }

  StatusOr<ConversationTurn> onMessage(const ConversationEvent& event) override {
    const std::string id = event.message.value("id", "?");
    std::string body;
    if (event.message.value("type", "") == "text") {
      body = prefix_ + baraza::sdk::wordsOf(event.message).text;
    } else if (event.flow) {
      // A completed Flow: say what came back (members in name order), so the round trip shows.
      body = prefix_ + "flow " + (event.flow->flow.empty() ? "?" : event.flow->flow) + " completed";
      for (const auto& [name, value] : event.flow->response.items()) {
        if (name != "flow_token")
          body += " " + name + "=" + (value.is_string() ? value.get<std::string>() : value.dump());
      }
    }
    ConversationTurn turn;
    if (!body.empty()) {
      if (body.size() > maxLength_) body.resize(maxLength_);
      nlohmann::json reply = baraza::sdk::textReply(body);
      reply["to"] = event.message.value("from", "");
      turn.replies.push_back(std::move(reply));
      host_.count("replies");
    }
    host_.info("echo: message " + id + " -> " + std::to_string(turn.replies.size()) + " reply");
    return turn;
  }

 private:
  Host host_;
  std::string prefix_;
  size_t maxLength_ = 4096;
};

}  // namespace

BARAZA_PLUGIN(BARAZA_PLUGIN_ID, BARAZA_PLUGIN_VERSION, EchoConversation)
