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
  const char* base;    // the SDK base class
  const char* method;  // its operation, implemented as a starting point
  const char* test;    // the unit test's body
};

const std::map<std::string, Starter>& starters() {
  static const std::map<std::string, Starter> kStarters{
      {"verifier",
       {"Verifier",
        R"~(  /** {"document_type", "number"} in; a verification document out (plugin-authors.md). */
  StatusOr<std::string> verify(std::string_view requestJson) override {
    const json request = json::parse(requestJson, nullptr, false);
    if (!request.is_object() || !request.contains("number"))
      return baraza::sdk::invalidArgument("a verification request has document_type and number");
    host_.count("checks");
    // Ask the authority here, through host_.http(...) (with a "service" name an operator can
    // point elsewhere) and host_.secret(...) for its credentials.
    return json{{"result", "not_found"},
                {"document_type", request.value("document_type", "")},
                {"number", request.value("number", "")},
                {"message", "no authority is asked yet"}}
        .dump();
  }
)~",
        R"~(  auto answer = plugin.verify(R"({"document_type": "KRA PIN", "number": "A744610021G"})");
  CHECK(answer.isOk());
  CHECK(json::parse(*answer)["result"] == "not_found");
  CHECK(host.counters["checks"] == 1);
  CHECK(plugin.verify("{}").status().code() == baraza::sdk::Code::kInvalidArgument);
)~"}},
      {"intent",
       {"Intent",
        R"~(  /** {"text", "message", ...} in; the ranked intents and entities out (plugin-authors.md). */
  StatusOr<std::string> detect(std::string_view inputJson) override {
    const json input = json::parse(inputJson, nullptr, false);
    const std::string text = input.is_object() ? input.value("text", "") : "";
    const bool greeting = text.find("hello") != std::string::npos;
    const json top{{"name", greeting ? "greeting" : "fallback"},
                   {"confidence", greeting ? 1.0 : 0.0}};
    return json{{"intent", top},
                {"intents", json::array({top})},
                {"entities", json::array()},
                {"language", ""},
                {"ambiguous", false}}
        .dump();
  }
)~",
        R"~(  auto answer = plugin.detect(R"({"text": "hello there"})");
  CHECK(answer.isOk());
  CHECK(json::parse(*answer)["intent"]["name"] == "greeting");
  CHECK(json::parse(*plugin.detect(R"({"text": "weather?"})"))["intent"]["name"] == "fallback");
)~"}},
      {"conversation",
       {"Conversation",
        R"~(  /** A message, its intents and the contact's state in; the replies (and new state) out. */
  StatusOr<std::string> onMessage(std::string_view eventJson) override {
    const json event = json::parse(eventJson, nullptr, false);
    const json message = event.is_object() ? event.value("message", json::object()) : json();
    std::string body = "I got your message.";
    if (message.value("type", "") == "text")
      body = "You said: " + message["text"].value("body", "");
    return json{{"replies", json::array({{{"type", "text"}, {"text", {{"body", body}}}}})}}.dump();
  }
)~",
        R"~(  auto answer = plugin.onMessage(
      R"({"message": {"from": "254700000001", "type": "text", "text": {"body": "habari"}}})");
  CHECK(answer.isOk());
  CHECK(json::parse(*answer)["replies"][0]["text"]["body"] == "You said: habari");
)~"}},
      {"flow",
       {"Flow",
        R"~(  /** A Flow's data request in; the next screen, or the Flow's completion, out (flows.md). */
  StatusOr<std::string> exchange(std::string_view requestJson) override {
    const json request = json::parse(requestJson, nullptr, false);
    const std::string action = request.is_object() ? request.value("action", "") : "";
    if (action == "INIT" || action == "BACK")
      return json{{"screen", "START"}, {"data", json::object()}}.dump();
    if (action == "data_exchange")
      return json{{"complete", request.value("data", json::object())}}.dump();
    return baraza::sdk::invalidArgument("unknown action " + action);
  }
)~",
        R"~(  auto answer = plugin.exchange(R"({"action": "INIT", "screen": "", "data": {}})");
  CHECK(answer.isOk());
  CHECK(json::parse(*answer)["screen"] == "START");
  auto done = plugin.exchange(R"({"action": "data_exchange", "screen": "START", "data": {"a": 1}})");
  CHECK(json::parse(*done)["complete"]["a"] == 1);
)~"}},
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
    std::cerr << "baraza plugin new: a scaffold is for a verifier, intent, conversation or flow "
                 "plugin (a channel or media plugin starts best from plugins/whatsapp or "
                 "plugins/fsmedia)\n";
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
  className += starter->second.base;
  const std::map<std::string, std::string> values{
      {"@ID@", id},
      {"@NAME@", name},
      {"@CLASS@", className},
      {"@KIND@", kind},
      {"@BASE@", starter->second.base},
      {"@MINOR@", std::to_string(BARAZA_ABI_LATEST_MINOR)},
      {"@METHOD@", starter->second.method},
      {"@TEST@", starter->second.test},
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

#include <baraza/sdk/Plugin.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

class @CLASS@ : public baraza::sdk::@BASE@ {
 public:
  using json = nlohmann::json;
  template <class T>
  using StatusOr = baraza::sdk::StatusOr<T>;

  /** `config` is the tenant's plugins.<name>.config.*, already checked against schema.json. */
  @CLASS@(baraza::sdk::Host host, std::string_view config) : host_(host) {
    timeoutMs_ = json::parse(config).value("timeout_ms", 5000);
  }

@METHOD@
 private:
  baraza::sdk::Host host_;
  int timeoutMs_ = 5000;
};
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
       "Writes DIR: a CMake project building a plugin of KIND (verifier, intent, conversation or "
       "flow) with id ID against the installed SDK (find_package(BarazaSDK)), its class with a "
       "starting implementation, a configuration schema, and a unit test on the SDK's TestHost. "
       "It builds and its test passes as created.",
       [](auto& o) {
         o.addOption(Poco::Util::Option("kind", "k", "verifier, intent, conversation or flow.")
                         .argument("KIND"));
         o.addOption(Poco::Util::Option("id", "i", "The plugin's reverse-DNS id.").argument("ID"));
       },
       runPluginNew},
  };
}

}  // namespace baraza::app
