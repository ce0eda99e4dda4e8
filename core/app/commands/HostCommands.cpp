// serve, config check, plugins list, version.
#include <Poco/Util/Option.h>

#include <algorithm>
#include <iomanip>
#include <iostream>
#include <set>

#include "app/Serve.h"
#include "app/commands/CommandSupport.h"
#include "plugins/PluginRegistry.h"
#include "store/SecretStore.h"
#include "tenants/TenantManager.h"

namespace baraza::app {
namespace {

int runVersion(const Args&) {
  std::cout << "baraza " << BARAZA_VERSION << " (plugin ABI "
            << plugins::abiText(plugins::kHostAbiVersion) << ")\n";
  return 0;
}

int runConfigCheck(const Args& args) {
  config::Problems problems;
  const std::string path = configPath(args);
  HostConfig host = loadHostConfig(path, overrides(args, problems), problems);
  if (auto url = store::parseStoreUrl(host.store.url); !url.isOk()) {
    problems.push_back({path, "", url.status().message()});
  }
  if (!host.store.masterKey.empty()) {
    if (auto key = store::MasterKey::parse(host.store.masterKey.reveal()); !key.isOk()) {
      problems.push_back({path, "", key.status().message()});
    }
  }
  plugins::PluginRegistry registry = plugins::PluginRegistry::scan(host.pluginsDir);
  if (!registry.error().empty()) problems.push_back({path, "plugins.dir", registry.error()});
  for (const auto& entry : registry.entries()) {
    if (!entry.error.empty()) problems.push_back({"", "", entry.error});
  }
  tenants::TenantLoad load = tenants::loadTenants(host.tenantsDir, registry);
  problems.insert(problems.end(), load.problems.begin(), load.problems.end());

  for (const auto& problem : problems) std::cout << problem.toString() << "\n";
  for (const auto& tenant : load.valid) {
    for (const auto& warning : tenants::tenantWarnings(tenant))
      std::cout << "warning: " << warning << "\n";
  }
  if (!problems.empty()) {
    std::set<std::string> files;
    for (const auto& p : problems) files.insert(p.file);
    std::cerr << "config check: " << problems.size() << " problem(s) in " << files.size()
              << " place(s); tenants that will not start: " << (load.invalid.empty() ? "none" : "");
    for (size_t i = 0; i < load.invalid.size(); ++i)
      std::cerr << (i ? ", " : "") << load.invalid[i];
    std::cerr << "\n";
    return 1;
  }
  std::cerr << "config check: OK: " << path << ", " << load.valid.size() << " tenant(s), "
            << registry.entries().size() << " plugin(s) in " << host.pluginsDir << "\n";
  return 0;
}

int runPluginsList(const Args& args) {
  std::string dir = args.get("dir");
  if (dir.empty()) {
    config::Problems problems;
    dir = loadHostConfig(configPath(args), {}, problems).pluginsDir;
    for (const auto& p : problems) std::cerr << p.toString() << "\n";
  }
  plugins::PluginRegistry registry = plugins::PluginRegistry::scan(dir);
  if (!registry.error().empty()) {
    std::cerr << registry.error() << "\n";
    return 1;
  }
  registry.loadAll();
  // The id column fits the longest id, with two spaces after it.
  size_t idWidth = 34;
  for (const auto& e : registry.entries())
    if (e.manifest) idWidth = std::max(idWidth, e.manifest->id.size() + 2);
  const int idColumn = static_cast<int>(idWidth);
  std::cout << std::left << std::setw(idColumn) << "ID" << std::setw(9) << "VERSION"
            << std::setw(22) << "KINDS" << std::setw(5) << "ABI" << std::setw(9) << "STATUS"
            << "FILE\n";
  bool allLoaded = true;
  for (const auto& e : registry.entries()) {
    allLoaded = allLoaded && e.loaded();
    const plugins::Manifest* m = e.manifest ? &*e.manifest : nullptr;
    std::cout << std::setw(idColumn) << (m ? m->id : "-") << std::setw(9) << (m ? m->version : "-")
              << std::setw(22) << (m ? plugins::kindNames(m->kinds) : "-") << std::setw(5)
              << (m ? m->abiText() : "-") << std::setw(9) << (e.loaded() ? "loaded" : "refused")
              << (m ? m->libraryPath : e.dir + "/plugin.json") << "\n";
    if (!e.loaded()) std::cout << "    reason: " << e.error << "\n";
  }
  if (registry.entries().empty()) std::cerr << "no plugins in " << dir << "\n";
  return allLoaded ? 0 : 1;
}

}  // namespace

std::vector<Command> hostCommands() {
  return {
      {{"serve"},
       "Run the host: HTTP endpoints, tenants and their plugins.",
       "Runs the Baraza host in the foreground (systemd runs it as a service). Loads the plugins, "
       "starts every valid tenant and serves HTTP. SIGHUP re-reads the tenant files and swaps them "
       "in only if all are valid; SIGTERM or SIGINT stops accepting, lets requests in flight "
       "finish "
       "and exits 0.",
       [](auto& o) {
         configOption(o);
         setOption(o);
       },
       [](const Args& args) {
         config::Problems problems;
         auto sets = overrides(args, problems);
         for (const auto& p : problems) std::cerr << p.toString() << "\n";
         if (!problems.empty()) return 2;
         return serve(configPath(args), sets);
       }},
      {{"config", "check"},
       "Validate the host file, every tenant file and plugin settings.",
       "Checks the host configuration, every tenant file in tenants.d/ and each plugin instance's "
       "settings against its plugin.json schema, without loading plugin code. Prints every problem "
       "as `file: key: problem` and exits 1 if there is any, 0 otherwise.",
       [](auto& o) {
         configOption(o);
         setOption(o);
       },
       runConfigCheck},
      {{"plugins", "list"},
       "Load every plugin and show what it is and whether it loaded.",
       "Loads each plugin of the plugin directory (plugins.dir, or --dir) with the same checks as "
       "`serve` and prints id, version, kinds, ABI version, status and file, with the reason for "
       "each refusal. Exits 1 if any plugin was refused.",
       [](auto& o) {
         configOption(o);
         o.addOption(
             Poco::Util::Option("dir", "d", "Plugin directory to list instead of plugins.dir.")
                 .argument("DIR"));
       },
       runPluginsList},
      {{"version"},
       "Print the version and the plugin ABI version.",
       "Prints the Baraza version and the plugin ABI version (major.minor) this host speaks.",
       {},
       runVersion},
  };
}

}  // namespace baraza::app
