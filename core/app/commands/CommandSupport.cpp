#include "app/commands/CommandSupport.h"

#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/Timestamp.h>
#include <Poco/Util/Option.h>

#include <cstdlib>
#include <iostream>

#include "store/Migrations.h"

namespace baraza::app {

void configOption(Poco::Util::OptionSet& options) {
  options.addOption(Poco::Util::Option("config", "c",
                                       "Host configuration file (default $BARAZA_CONFIG, else " +
                                           std::string(kDefaultConfigPath) +
                                           "). Tenants are read from tenants.d/ beside it.")
                        .argument("PATH"));
}

void tenantOption(Poco::Util::OptionSet& options, const std::string& help) {
  options.addOption(Poco::Util::Option("tenant", "t", help).argument("TENANT"));
}

void setOption(Poco::Util::OptionSet& options) {
  options.addOption(
      Poco::Util::Option("set", "D",
                         "Override one host setting, e.g. --set http.listen=0.0.0.0:8080. "
                         "Repeatable.")
          .argument("KEY=VALUE")
          .repeatable(true));
}

std::string configPath(const Args& args) {
  if (args.has("config")) return args.get("config");
  const char* env = std::getenv("BARAZA_CONFIG");
  return env != nullptr && *env != '\0' ? env : kDefaultConfigPath;
}

std::map<std::string, std::string> overrides(const Args& args, config::Problems& problems) {
  std::map<std::string, std::string> out;
  auto it = args.options.find("set");
  if (it == args.options.end()) return out;
  for (const auto& item : it->second) {
    const size_t eq = item.find('=');
    if (eq == std::string::npos || eq == 0) {
      problems.push_back({"--set", item, "expected KEY=VALUE"});
      continue;
    }
    out[item.substr(0, eq)] = item.substr(eq + 1);
  }
  return out;
}

std::optional<HostConfig> hostFor(const Args& args) {
  config::Problems problems;
  HostConfig host = loadHostConfig(configPath(args), {}, problems);
  for (const auto& p : problems) std::cerr << p.toString() << "\n";
  if (!problems.empty()) return std::nullopt;
  return host;
}

store::DatabasePtr openDatabase(const HostConfig& host) {
  auto db = store::Database::open(host.store.url, host.store.password.reveal(),
                                  host.store.ioTimeoutSeconds);
  if (!db.isOk()) {
    std::cerr << db.status().message() << "\n";
    return nullptr;
  }
  return *db;
}

store::DatabasePtr openStore(const HostConfig& host) {
  store::DatabasePtr db = openDatabase(host);
  if (!db) return nullptr;
  if (auto migrated = store::migrate(*db); !migrated.isOk()) {
    std::cerr << migrated.status().message() << "\n";
    return nullptr;
  }
  return db;
}

store::DatabasePtr openStore(const Args& args) {
  auto host = hostFor(args);
  return host ? openStore(*host) : nullptr;
}

std::string when(int64_t ms) {
  return Poco::DateTimeFormatter::format(Poco::Timestamp(ms * 1000),
                                         Poco::DateTimeFormat::ISO8601_FORMAT);
}

CommandTenants::CommandTenants(const HostConfig& host, store::DatabasePtr db)
    : registry_(plugins::PluginRegistry::scan(host.pluginsDir)), client_(host.httpClient) {
  registry_.loadAll();
  tenants::SharedServices shared;
  shared.http = [this](const HttpRequest& request) { return client_.send(request); };
  if (db) {
    kv_ = std::make_unique<store::SqlKeyValueStore>(db);
    shared.kv = kv_.get();
  }
  tenants_ = std::make_unique<tenants::TenantManager>(host.tenantsDir, registry_, shared);
  tenants_->start();
}

}  // namespace baraza::app
