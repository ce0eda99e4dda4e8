// plugin call: one operation of a plugin, outside the host, with a real host API.
#include <Poco/JSON/Parser.h>
#include <Poco/TemporaryFile.h>
#include <Poco/Util/Option.h>

#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

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

/** Splits "NAME=VALUE"; false when there is no '=' or no name. */
bool splitPair(const std::string& text, std::string& name, std::string& value) {
  const size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0) return false;
  name = text.substr(0, eq);
  value = text.substr(eq + 1);
  return true;
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
  for (const std::string& pair :
       args.has("secret") ? args.options.at("secret") : std::vector<std::string>{}) {
    std::string name, reference;
    if (!splitPair(pair, name, reference)) {
      std::cerr << kUsage << "--secret takes NAME=REFERENCE (env:VAR or file:PATH)\n";
      return 2;
    }
    StatusOr<std::string> value = config::resolveSecretRefs(reference, ".");
    if (!value.isOk()) {
      std::cerr << kUsage << "secret " << name << ": " << value.status().message() << "\n";
      return 2;
    }
    tenantConfig.secrets.emplace(name, config::Secret(*value));
  }
  for (const std::string& pair :
       args.has("service") ? args.options.at("service") : std::vector<std::string>{}) {
    std::string name, url;
    if (!splitPair(pair, name, url)) {
      std::cerr << kUsage << "--service takes NAME=BASE_URL\n";
      return 2;
    }
    httpSettings.serviceBaseUrls[name] = url;
  }
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
  };
}

}  // namespace baraza::app
