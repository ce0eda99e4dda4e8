// plugin call: one operation of a plugin, outside the host, with a real host API; plugin new: a
// plugin project to start from.
#include <Poco/File.h>
#include <Poco/JSON/Parser.h>
#include <Poco/TemporaryFile.h>
#include <Poco/Util/Option.h>

#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <regex>

#include "app/commands/CommandSupport.h"
#include "common/Metrics.h"
#include "config/JsonSchema.h"
#include "config/SecretRef.h"
#include "plugins/Manifest.h"
#include "plugins/PluginInstance.h"
#include "store/Migrations.h"
#include "tenants/TenantSet.h"

namespace baraza::app {
namespace {

constexpr const char* kUsage = "baraza plugin call: ";

/** The operation named like "verifier.verify" (operationName's text). */
std::optional<plugins::Operation> operationNamed(const std::string& name) {
  for (int op = 0; op <= static_cast<int>(plugins::Operation::kConversationOnMessage); ++op) {
    if (name == plugins::operationName(static_cast<plugins::Operation>(op)))
      return static_cast<plugins::Operation>(op);
  }
  return std::nullopt;
}

/**
 * The NAME=VALUE pairs given with the repeatable option `option`; nothing, after saying so with
 * `form`, when one has no '=' or no name.
 */
std::optional<std::vector<std::pair<std::string, std::string>>> pairsOf(const Args& args,
                                                                        const std::string& option,
                                                                        const char* form) {
  std::vector<std::pair<std::string, std::string>> pairs;
  auto given = args.options.find(option);
  if (given == args.options.end()) return pairs;
  for (const std::string& text : given->second) {
    const size_t eq = text.find('=');
    if (eq == std::string::npos || eq == 0) {
      std::cerr << kUsage << "--" << option << " takes " << form << "\n";
      return std::nullopt;
    }
    pairs.emplace_back(text.substr(0, eq), text.substr(eq + 1));
  }
  return pairs;
}

int runPluginCall(const Args& args) {
  if (args.positional.size() != 1 || args.get("op").empty()) {
    std::cerr << kUsage << "give the plugin's folder and --op KIND.OPERATION\n";
    return 2;
  }
  const std::string dir = args.positional.front();
  StatusOr<plugins::Manifest> manifest = plugins::readManifest(dir + "/plugin.json");
  if (!manifest.isOk()) {
    std::cerr << kUsage << manifest.status().message() << "\n";
    return 2;
  }
  const std::optional<plugins::Operation> op = operationNamed(args.get("op"));
  const std::string kind = args.get("op").substr(0, args.get("op").find('.'));
  if (!op) {
    std::cerr << kUsage << "no operation " << args.get("op")
              << " (verifier.verify, intent.detect, flow.exchange, conversation.on_message, "
                 "channel.build_send, ...)\n";
    return 2;
  }
  if (!(manifest->kinds & plugins::kindFromName(kind))) {
    std::cerr << kUsage << manifest->id << " is not a plugin of kind " << kind << " (it is "
              << plugins::kindNames(manifest->kinds) << ")\n";
    return 2;
  }

  // The instance's configuration, checked against the plugin's schema as a tenant file's is.
  std::string configJson = "{}";
  if (args.has("config")) {
    std::ifstream in(args.get("config"));
    if (!in) {
      std::cerr << kUsage << "cannot read " << args.get("config") << "\n";
      return 2;
    }
    configJson.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  try {
    const Poco::Dynamic::Var config = Poco::JSON::Parser().parse(configJson);
    const auto errors = config::validateJson(config, manifest->configSchema);
    for (const auto& e : errors)
      std::cerr << kUsage << "config" << (e.path.empty() ? "" : "." + e.path) << ": " << e.message
                << "\n";
    if (!errors.empty()) return 2;
  } catch (const Poco::Exception& e) {
    std::cerr << kUsage << "the configuration is not JSON: " << e.message() << "\n";
    return 2;
  }

  // The host API of a tenant of its own: secrets from references, key/value and conversation
  // state in a temporary SQLite database, HTTP through the host's client.
  tenants::TenantConfig tenantConfig;
  tenantConfig.id = args.get("tenant", "cli");
  http::HttpClientSettings httpSettings;
  const auto secrets = pairsOf(args, "secret", "NAME=REFERENCE (env:VAR or file:PATH)");
  const auto baseUrls = pairsOf(args, "service", "NAME=BASE_URL");
  if (!secrets || !baseUrls) return 2;
  for (const auto& [name, reference] : *secrets) {
    StatusOr<std::string> value = config::resolveSecretRefs(reference, ".");
    if (!value.isOk()) {
      std::cerr << kUsage << "secret " << name << ": " << value.status().message() << "\n";
      return 2;
    }
    tenantConfig.secrets.emplace(name, config::Secret(*value));
  }
  for (const auto& [name, url] : *baseUrls) httpSettings.serviceBaseUrls[name] = url;
  Poco::TemporaryFile scratch;
  scratch.createDirectories();
  StatusOr<store::DatabasePtr> db =
      store::Database::open("sqlite://" + scratch.path() + "/call.db", "");
  if (!db.isOk() || !store::migrate(**db).isOk()) {
    std::cerr << kUsage << "cannot create the scratch store in " << scratch.path() << "\n";
    return 1;
  }
  http::HttpClient client(httpSettings);
  store::SqlKeyValueStore kv(*db);
  Metrics metrics;
  tenants::SharedServices shared;
  shared.http = [&client](const HttpRequest& request) { return client.send(request); };
  shared.kv = &kv;
  shared.database = db->get();
  shared.metrics = &metrics;
  tenants::Tenant tenant(tenantConfig, shared);
  tenants::TenantServices services(tenant, shared);

  StatusOr<plugins::PluginLibraryPtr> library = plugins::PluginLibrary::load(*manifest);
  if (!library.isOk()) {
    std::cerr << kUsage << library.status().message() << "\n";
    return 1;
  }
  StatusOr<plugins::PluginInstancePtr> instance = plugins::PluginInstance::create(
      *library, {tenantConfig.id, "call", manifest->id}, &services, configJson);
  if (!instance.isOk()) {
    std::cerr << kUsage << "create: " << instance.status().message() << "\n";
    return 1;
  }
  const std::string input((std::istreambuf_iterator<char>(std::cin)),
                          std::istreambuf_iterator<char>());
  StatusOr<std::string> output = (*instance)->call(*op, input);
  (*instance)->detach();
  if (!output.isOk()) {
    std::cerr << kUsage << args.get("op") << ": " << output.status().toString() << "\n";
    return 1;
  }
  std::cout << *output << "\n";
  return 0;
}

/** What a scaffold of one kind holds beyond the common parts. */
struct Starter {
  const char* base;           // the SDK base class
  const char* method;         // its operations, implemented as a starting point
  const char* test;           // the unit test's body
  const char* members = "";   // private members the operations use
  const char* includes = "";  // headers they need
};

const std::map<std::string, Starter>& starters() {
  static const std::map<std::string, Starter> kStarters{
      {"verifier",
       {"TypedVerifier",
        R"~(  /** A document type and number in; what the authority says out (plugin-authors.md). */
  StatusOr<sdk::Verification> verify(const sdk::VerificationRequest& request) override {
    host_.count("checks");
    // Ask the authority here, through host_.http(...) (with a "service" name an operator can
    // point elsewhere) and host_.secret(...) for its credentials.
    sdk::Verification answer;
    answer.result = "not_found";
    answer.documentType = request.documentType;
    answer.number = request.number;
    answer.message = "no authority is asked yet";
    return answer;
  }
)~",
        R"~(  auto answer = plugin.verify(sdk::VerificationRequest{"KRA PIN", "A744610021G"});
  CHECK(answer.isOk() && answer->result == "not_found");
  CHECK(host.counters["checks"] == 1);
  // The host calls it with JSON text; text that is not the document never reaches verify.
  sdk::Verifier& asTheHostCallsIt = plugin;
  CHECK(json::parse(*asTheHostCallsIt.verify(R"({"number": "A1"})"))["number"] == "A1");
  CHECK(asTheHostCallsIt.verify("[]").status().code() == sdk::Code::kInvalidArgument);
)~"}},
      {"intent",
       {"TypedIntent",
        R"~(  /** A message's words in; the ranked intents and entities out (plugin-authors.md). */
  StatusOr<sdk::IntentResult> detect(const sdk::IntentInput& input) override {
    const bool greeting = input.text.find("hello") != std::string::npos;
    sdk::IntentResult result;
    result.intent = {greeting ? "greeting" : "fallback", greeting ? 1.0 : 0.0};
    result.intents = {result.intent};
    return result;
  }
)~",
        R"~(  sdk::IntentInput input;
  input.text = "hello there";
  CHECK(plugin.detect(input)->intent.name == "greeting");
  input.text = "weather?";
  CHECK(plugin.detect(input)->intent.name == "fallback");
)~"}},
      {"conversation",
       {"TypedConversation",
        R"~(  /** A message, its intents and the contact's state in; the replies (and new state) out. */
  StatusOr<sdk::ConversationTurn> onMessage(const sdk::ConversationEvent& event) override {
    const std::string said = sdk::wordsOf(event.message).text;
    sdk::ConversationTurn turn;
    turn.replies.push_back(sdk::textReply(said.empty() ? "I got your message."
                                                       : "You said: " + said));
    turn.state = json{{"messages", event.stateVersion + 1}};
    return turn;
  }
)~",
        R"~(  sdk::ConversationEvent event;
  event.message = {{"from", "254700000001"}, {"type", "text"}, {"text", {{"body", "habari"}}}};
  auto turn = plugin.onMessage(event);
  CHECK(turn.isOk() && turn->replies.size() == 1);
  CHECK(turn->replies[0]["text"]["body"] == "You said: habari");
)~"}},
      {"flow",
       {"TypedFlow",
        R"~(  /** A Flow's data request in; the next screen, or the Flow's completion, out (flows.md). */
  StatusOr<sdk::FlowAnswer> exchange(const sdk::FlowRequest& request) override {
    if (request.action == "INIT" || request.action == "BACK") return sdk::FlowAnswer::next("START");
    if (request.action == "data_exchange") return sdk::FlowAnswer::completion(request.data);
    return sdk::invalidArgument("unknown action " + request.action);
  }
)~",
        R"~(  sdk::FlowRequest request;
  request.action = "INIT";
  CHECK(plugin.exchange(request)->screen == "START");
  request.action = "data_exchange";
  request.data = {{"a", 1}};
  CHECK((*plugin.exchange(request)->complete)["a"] == 1);
)~"}},
      {"channel",
       {"TypedChannel",
        R"~(  /** One webhook change in; the messages and statuses it carries out. */
  StatusOr<sdk::WebhookEvents> parseWebhook(const json& value) override {
    sdk::WebhookEvents events;
    for (const json& m : value.value("messages", json::array())) {
      sdk::InboundMessage message;
      message.id = m.value("id", "");
      message.from = m.value("from", "");
      message.type = "text";
      message.content = {{"body", m.value("text", "")}};
      events.messages.push_back(message);
    }
    return events;
  }

  /** A message to send in; the provider request out, or INVALID_ARGUMENT naming the field. */
  StatusOr<sdk::SendPlan> buildSend(const json& message) override {
    if (message.value("type", "") != "text") return sdk::invalidArgument("type: only text is sent");
    sdk::SendPlan plan;
    plan.recipient = message.value("to", "");
    if (plan.recipient.empty()) return sdk::invalidArgument("to: required");
    plan.request.url = "https://api.example.com/v1/messages";
    plan.request.service = "example";  // the host's name for it: operators may point it elsewhere
    const std::string body = message.value("text", json::object()).value("body", "");
    plan.request.body = {{"to", plan.recipient}, {"text", body}};
    return plan;
  }

  /** The provider's answer in; what the host does next out. Runs on the host's event loop:
   * return at once, wait for nothing. */
  StatusOr<sdk::Classification> classifyResponse(const sdk::ProviderResponse& response) override {
    sdk::Classification c;
    const json answer = json::parse(response.body, nullptr, false);
    if (response.status / 100 == 2 && answer.is_object() && answer.contains("id")) {
      c.outcome = "accepted";
      c.providerId = answer["id"].is_string() ? answer["id"].get<std::string>() : "";
    } else if (response.status == 429 || response.status >= 500) {
      c.outcome = "retry";
      c.scope = response.status == 429 ? "number" : "message";
    } else {
      c.outcome = "failed";
    }
    c.title = "HTTP " + std::to_string(response.status);
    return c;
  }
)~",
        R"~(  auto plan = plugin.buildSend({{"to", "+254700000001"}, {"type", "text"}, {"text", {{"body", "hi"}}}});
  CHECK(plan.isOk() && plan->request.body["text"] == "hi");
  CHECK(plugin.buildSend({{"type", "image"}}).status().code() == sdk::Code::kInvalidArgument);
  CHECK(plugin.classifyResponse({200, R"({"id": "m1"})"})->providerId == "m1");
  CHECK(plugin.classifyResponse({503, ""})->outcome == "retry");
  auto events = plugin.parseWebhook({{"messages", {{{"id", "m2"}, {"from", "2547"}, {"text", "hi"}}}}});
  CHECK(events->messages.size() == 1 && events->messages[0].content["body"] == "hi");
)~"}},
      {"media",
       {"TypedMedia",
        R"~(  // Objects are kept in memory here: put them in your storage (a bucket, a share) instead.
  struct Shelf {
    std::mutex mutex;  // guards objects
    std::map<std::string, std::string> objects;
  };

  class Writer : public sdk::TypedMediaWriter {
   public:
    Writer(sdk::Host host, Shelf& shelf, sdk::MediaWrite write)
        : host_(host), shelf_(shelf), write_(std::move(write)) {}
    sdk::Status write(std::string_view bytes) override {
      bytes_ += bytes;
      return sdk::Status::ok();
    }
    /** Visible only now; DATA_LOSS when the bytes are not what the host expected. */
    StatusOr<sdk::MediaObject> commitObject() override {
      const std::string hex = sdk::encoding::hex(host_.sha256(bytes_));
      if (!write_.sha256.empty() && write_.sha256 != hex)
        return sdk::Status(sdk::Code::kDataLoss, "the bytes do not hash to " + write_.sha256);
      const std::string key = write_.tenant + "/" + hex;
      std::lock_guard<std::mutex> lock(shelf_.mutex);
      shelf_.objects[key] = bytes_;
      return sdk::MediaObject{key, static_cast<int64_t>(bytes_.size()), hex, ""};
    }

   private:
    sdk::Host host_;
    Shelf& shelf_;
    sdk::MediaWrite write_;
    std::string bytes_;
  };

  StatusOr<std::unique_ptr<sdk::MediaWriter>> openWriter(const sdk::MediaWrite& write) override {
    if (write.tenant.empty()) return sdk::invalidArgument("tenant: required");
    return std::unique_ptr<sdk::MediaWriter>(new Writer(host_, shelf_, write));
  }
  StatusOr<sdk::MediaObject> get(const sdk::MediaKey& key) override {
    std::lock_guard<std::mutex> lock(shelf_.mutex);
    auto it = shelf_.objects.find(key.key);
    if (it == shelf_.objects.end()) return sdk::notFound("no object " + key.key);
    return sdk::MediaObject{key.key, static_cast<int64_t>(it->second.size()), "", ""};
  }
  StatusOr<size_t> read(std::string_view key, uint64_t offset, char* out,
                        size_t capacity) override {
    std::lock_guard<std::mutex> lock(shelf_.mutex);
    auto it = shelf_.objects.find(std::string(key));
    if (it == shelf_.objects.end()) return sdk::notFound("no object " + std::string(key));
    if (offset >= it->second.size()) return size_t{0};
    return it->second.copy(out, capacity, offset);
  }
  sdk::Status remove(const sdk::MediaKey& key) override {
    std::lock_guard<std::mutex> lock(shelf_.mutex);
    shelf_.objects.erase(key.key);
    return sdk::Status::ok();
  }
)~",
        R"~(  auto writer = plugin.openWriter(sdk::MediaWrite{"demo", "", 5, "text/plain"});
  CHECK(writer.isOk() && (*writer)->write("hello").isOk());
  sdk::MediaWriter& asTheHostCallsIt = **writer;
  const json committed = json::parse(*asTheHostCallsIt.commit());
  const std::string key = committed["key"];
  char out[8];
  CHECK(*plugin.read(key, 1, out, sizeof out) == 4 && std::string(out, 4) == "ello");
  CHECK(plugin.get(sdk::MediaKey{key})->size == 5);
  CHECK(plugin.remove(sdk::MediaKey{key}).isOk());
  CHECK(plugin.get(sdk::MediaKey{key}).status().code() == sdk::Code::kNotFound);
)~",
        "  Shelf shelf_;\n",
        "#include <baraza/sdk/Encoding.hpp>\n#include <map>\n#include <memory>\n#include "
        "<mutex>\n"}},
  };
  return kStarters;
}

std::string replaced(std::string text, const std::map<std::string, std::string>& values) {
  for (const auto& [mark, value] : values) {
    for (size_t at = text.find(mark); at != std::string::npos;
         at = text.find(mark, at + value.size()))
      text.replace(at, mark.size(), value);
  }
  return text;
}

int runPluginNew(const Args& args) {
  const std::string kind = args.get("kind"), id = args.get("id");
  if (args.positional.size() != 1 || kind.empty() || id.empty()) {
    std::cerr << "baraza plugin new: give --kind KIND --id ID and the folder to create\n";
    return 2;
  }
  auto starter = starters().find(kind);
  if (starter == starters().end()) {
    std::cerr << "baraza plugin new: --kind is verifier, intent, conversation, flow, channel or "
                 "media\n";
    return 2;
  }
  static const std::regex kId("^[a-z0-9]+(\\.[a-z0-9_-]+)+$");
  if (!std::regex_match(id, kId)) {
    std::cerr << "baraza plugin new: --id " << id
              << " is not a reverse-DNS name (like com.example.verifier.registry)\n";
    return 2;
  }
  const std::string dir = args.positional.front();
  if (Poco::File(dir).exists()) {
    std::cerr << "baraza plugin new: " << dir << " exists; give a new folder\n";
    return 2;
  }
  // Names from the id's last part: "registry" -> target registry, class RegistryVerifier.
  const std::string last = id.substr(id.rfind('.') + 1);
  std::string name, className;
  bool upper = true;
  for (char c : last) {
    name += c == '_' ? '-' : c;
    if (c == '_' || c == '-') {
      upper = true;
      continue;
    }
    className += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
    upper = false;
  }
  className += static_cast<char>(std::toupper(static_cast<unsigned char>(kind[0])));
  className += kind.substr(1);  // RegistryVerifier, DeskConversation...
  const std::map<std::string, std::string> values{
      {"@ID@", id},
      {"@NAME@", name},
      {"@CLASS@", className},
      {"@KIND@", kind},
      {"@BASE@", starter->second.base},
      {"@MINOR@", std::to_string(BARAZA_ABI_LATEST_MINOR)},
      {"@METHOD@", starter->second.method},
      {"@TEST@", starter->second.test},
      {"@MEMBERS@", starter->second.members},
      {"@INCLUDES@", starter->second.includes},
  };
  const std::vector<std::pair<std::string, const char*>> files{
      {"CMakeLists.txt",
       R"(# @ID@: a Baraza @KIND@ plugin. Build and test against the installed SDK (baraza-dev):
#   cmake -S . -B build && cmake --build build && ctest --test-dir build
# The plugin is build/lib/baraza/plugins/@NAME@/: copy that folder into the host's plugins.dir, or
# try it first with `baraza plugin call build/lib/baraza/plugins/@NAME@ --op ...`.
cmake_minimum_required(VERSION 3.16)
project(@NAME@ CXX)
set(CMAKE_CXX_STANDARD 17)

find_package(BarazaSDK 1.@MINOR@ REQUIRED)
find_package(nlohmann_json 3 REQUIRED)

# The id and version are declared here only; the code gets them as BARAZA_PLUGIN_ID/VERSION.
baraza_add_plugin(@NAME@
  ID @ID@
  VERSION 0.1.0
  DESCRIPTION "A @KIND@ plugin."
  KINDS @KIND@
  SCHEMA schema.json
  SOURCES src/plugin.cpp
  LIBRARIES nlohmann_json::nlohmann_json)

enable_testing()
add_executable(@NAME@_test test/@CLASS@Test.cpp)
target_include_directories(@NAME@_test PRIVATE src)
target_link_libraries(@NAME@_test PRIVATE Baraza::sdk nlohmann_json::nlohmann_json)
add_test(NAME @NAME@ COMMAND @NAME@_test)
)"},
      {"schema.json", R"({
  "type": "object",
  "properties": {
    "timeout_ms": {"type": "integer", "minimum": 100, "maximum": 60000, "default": 5000}
  },
  "additionalProperties": false
}
)"},
      {"src/@CLASS@.hpp",
       R"(// @ID@: the plugin class, constructed once per tenant that configures it.
#pragma once

#include <baraza/sdk/Documents.hpp>
@INCLUDES@#include <string>
#include <string_view>

namespace sdk = baraza::sdk;

class @CLASS@ : public sdk::@BASE@ {
 public:
  using json = nlohmann::json;
  template <class T>
  using StatusOr = sdk::StatusOr<T>;

  /** `config` is the tenant's plugins.<name>.config.*, already checked against schema.json. */
  @CLASS@(sdk::Host host, std::string_view config) : host_(host) {
    timeoutMs_ = json::parse(config).value("timeout_ms", 5000);
  }

@METHOD@
 private:
  sdk::Host host_;
  int timeoutMs_ = 5000;
@MEMBERS@};
)"},
      {"src/plugin.cpp",
       R"(// The plugin's entry points: its id and version come from CMakeLists.txt.
#include "@CLASS@.hpp"

BARAZA_PLUGIN(BARAZA_PLUGIN_ID, BARAZA_PLUGIN_VERSION, @CLASS@)
)"},
      {"test/@CLASS@Test.cpp",
       R"(// @CLASS@ on a TestHost: the host API in memory, with what the plugin did recorded.
#include <baraza/sdk/testing.hpp>
#include <iostream>

#include "@CLASS@.hpp"

#define CHECK(condition)                                                  \
  if (!(condition)) {                                                     \
    std::cerr << __FILE__ << ":" << __LINE__ << ": " #condition "\n"; \
    return 1;                                                             \
  }

int main() {
  using json = nlohmann::json;
  baraza::sdk::testing::TestHost host;
  @CLASS@ plugin(host.host(), "{}");
@TEST@  std::cout << "ok\n";
  return 0;
}
)"},
  };
  for (const auto& [path, text] : files) {
    const std::string file = dir + "/" + replaced(path, values);
    Poco::File(file.substr(0, file.rfind('/'))).createDirectories();
    std::ofstream out(file);
    out << replaced(text, values);
    if (!out) {
      std::cerr << "baraza plugin new: cannot write " << file << "\n";
      return 1;
    }
  }
  std::cout << "created " << dir << ": " << kind << " plugin " << id << " (class " << className
            << ")\n";
  std::cerr << "build and test it: cmake -S " << dir << " -B " << dir << "/build && cmake --build "
            << dir << "/build && ctest --test-dir " << dir << "/build\n";
  return 0;
}

}  // namespace

std::vector<Command> pluginCommands() {
  return {
      {{"plugin", "call"},
       "Run one operation of a plugin outside the host: `call DIR --op verifier.verify < in.json`.",
       "Loads the plugin in DIR (its plugin.json and library), creates an instance with the "
       "configuration in --config (JSON, checked against the plugin's schema), passes standard "
       "input to the operation --op names and prints its output. The instance gets a real host "
       "API: HTTP through the host's client (--service NAME=BASE_URL points a service such as "
       "kra or openai elsewhere), secrets from --secret NAME=REFERENCE (env:VAR or file:PATH, so "
       "that no secret is on the command line), key/value and conversation state in a scratch "
       "SQLite store removed on exit. Exit 0 with the output, 1 when the operation fails (its "
       "status and message), 2 for a usage or configuration problem.",
       [](auto& o) {
         o.addOption(Poco::Util::Option("op", "p", "The operation: KIND.NAME (verifier.verify).")
                         .argument("OP"));
         o.addOption(Poco::Util::Option("config", "c", "The instance's configuration (JSON).")
                         .argument("FILE"));
         o.addOption(Poco::Util::Option("secret", "s", "A secret: NAME=env:VAR or NAME=file:PATH.")
                         .argument("NAME=REF")
                         .repeatable(true));
         o.addOption(Poco::Util::Option("service", "", "Send service NAME to BASE_URL.")
                         .argument("NAME=URL")
                         .repeatable(true));
         o.addOption(Poco::Util::Option("tenant", "t", "The tenant id the plugin sees (cli).")
                         .argument("TENANT"));
       },
       runPluginCall},
      {{"plugin", "new"},
       "Create a plugin project: `new --kind verifier --id com.example.verifier.x DIR`.",
       "Writes DIR: a CMake project building a plugin of KIND (verifier, intent, conversation, "
       "flow, channel or media) with id ID against the installed SDK (find_package(BarazaSDK)), "
       "its class on the kind's typed documents with a starting implementation, a configuration "
       "schema, and a unit test on the SDK's TestHost. It builds and its test passes as created.",
       [](auto& o) {
         o.addOption(Poco::Util::Option("kind", "k",
                                        "verifier, intent, conversation, flow, channel or media.")
                         .argument("KIND"));
         o.addOption(Poco::Util::Option("id", "i", "The plugin's reverse-DNS id.").argument("ID"));
       },
       runPluginNew},
  };
}

}  // namespace baraza::app
