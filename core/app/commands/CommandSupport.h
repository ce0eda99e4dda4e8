// What the `baraza` subcommands share: the options every one takes, reading the host file, and
// opening its database; and the subcommands of each group (one file each under commands/).
#pragma once

#include <Poco/Util/OptionSet.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/Cli.h"
#include "app/HostConfig.h"
#include "http/HttpClient.h"
#include "plugins/PluginRegistry.h"
#include "store/Database.h"
#include "store/SqlKeyValueStore.h"
#include "tenants/TenantManager.h"

namespace baraza::app {

/** --config PATH: the host file (default $BARAZA_CONFIG, else /etc/baraza/baraza.properties). */
void configOption(Poco::Util::OptionSet& options);
/** --tenant TENANT (-t), with what it means for the command. */
void tenantOption(Poco::Util::OptionSet& options, const std::string& help);
/** --set KEY=VALUE, repeatable: one host setting overridden. */
void setOption(Poco::Util::OptionSet& options);
/** The host file --config names, else $BARAZA_CONFIG, else the default path. */
std::string configPath(const Args& args);
/** The --set overrides; a malformed one is a problem. */
std::map<std::string, std::string> overrides(const Args& args, config::Problems& problems);
/** The host configuration, or nothing after printing its problems. */
std::optional<HostConfig> hostFor(const Args& args);
/** The database the host configuration names, not migrated; nullptr after printing why not. */
store::DatabasePtr openDatabase(const HostConfig& host);
/** The same, migrated. */
store::DatabasePtr openStore(const HostConfig& host);
/** The database of the host file --config names, migrated; nullptr after printing why not. */
store::DatabasePtr openStore(const Args& args);
/** A Unix time in milliseconds as ISO 8601. */
std::string when(int64_t ms);

/**
 * The host's tenants with their plugins running, as `serve` starts them, for a command that has a
 * tenant's plugin do its work (checking a message, calling the provider). Host API calls reach
 * the network through the host's HTTP client settings and, with a database, the key/value store.
 */
class CommandTenants {
 public:
  CommandTenants(const HostConfig& host, store::DatabasePtr db = nullptr);
  tenants::TenantManager& manager() { return *tenants_; }

 private:
  plugins::PluginRegistry registry_;
  http::HttpClient client_;
  std::unique_ptr<store::SqlKeyValueStore> kv_;
  std::unique_ptr<tenants::TenantManager> tenants_;
};

/** serve, config check, plugins list, version. */
std::vector<Command> hostCommands();
/** db migrate, db purge, db status. */
std::vector<Command> databaseCommands();
/** events list, events replay. */
std::vector<Command> eventCommands();
/** send, send status. */
std::vector<Command> sendCommands();
/** flows register-key, keygen. */
std::vector<Command> flowsCommands();
/** media list, media get, media retry. */
std::vector<Command> mediaCommands();
/** plugin call, plugin new. */
std::vector<Command> pluginCommands();

}  // namespace baraza::app
