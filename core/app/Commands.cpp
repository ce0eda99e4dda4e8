#include "app/Commands.h"

#include "app/Serve.h"
#include "common/JsonText.h"
#include "config/HostConfig.h"
#include "crypto/Crypto.h"
#include "plugins/PluginRegistry.h"
#include "store/Database.h"
#include "store/Events.h"
#include "store/Messages.h"
#include "store/Outbox.h"
#include "store/SqlKeyValueStore.h"
#include "http/HttpClient.h"
#include "outbound/OutboundQueue.h"
#include "tenants/TenantManager.h"
#include "store/Inbox.h"
#include "store/Migrations.h"
#include "store/SecretStore.h"

#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/File.h>
#include <Poco/FileStream.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/URI.h>
#include <Poco/JSON/Parser.h>
#include <Poco/StreamCopier.h>
#include <Poco/NumberParser.h>
#include <Poco/Path.h>
#include <Poco/Timestamp.h>
#include "tenants/TenantConfig.h"

#include <Poco/Util/Option.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iomanip>
#include <iostream>
#include <optional>
#include <set>

namespace baraza::app {
namespace {

void configOption(Poco::Util::OptionSet& options) {
  options.addOption(Poco::Util::Option("config", "c",
                                       "Host configuration file (default $BARAZA_CONFIG, else " +
                                           std::string(config::kDefaultConfigPath) +
                                           "). Tenants are read from tenants.d/ beside it.")
                        .argument("PATH"));
}

void setOption(Poco::Util::OptionSet& options) {
  options.addOption(Poco::Util::Option("set", "D",
                                       "Override one host setting, e.g. --set http.listen=0.0.0.0:8080. "
                                       "Repeatable.")
                        .argument("KEY=VALUE")
                        .repeatable(true));
}

std::string configPath(const Args& args) {
  if (args.has("config")) return args.get("config");
  const char* env = std::getenv("BARAZA_CONFIG");
  return env != nullptr && *env != '\0' ? env : config::kDefaultConfigPath;
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

int runVersion(const Args&) {
  std::cout << "baraza " << BARAZA_VERSION << " (plugin ABI " << plugins::abiText(plugins::kHostAbiVersion)
            << ")\n";
  return 0;
}

int runConfigCheck(const Args& args) {
  config::Problems problems;
  const std::string path = configPath(args);
  config::HostConfig host = config::loadHostConfig(path, overrides(args, problems), problems);
  if (auto url = store::parseStoreUrl(host.storeUrl); !url.isOk()) {
    problems.push_back({path, "", url.status().message()});
  }
  if (!host.storeMasterKey.empty()) {
    if (auto key = store::MasterKey::parse(host.storeMasterKey.reveal()); !key.isOk()) {
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
    for (const auto& warning : tenants::tenantWarnings(tenant)) std::cout << "warning: " << warning << "\n";
  }
  if (!problems.empty()) {
    std::set<std::string> files;
    for (const auto& p : problems) files.insert(p.file);
    std::cerr << "config check: " << problems.size() << " problem(s) in " << files.size()
              << " place(s); tenants that will not start: "
              << (load.invalid.empty() ? "none" : "") ;
    for (size_t i = 0; i < load.invalid.size(); ++i) std::cerr << (i ? ", " : "") << load.invalid[i];
    std::cerr << "\n";
    return 1;
  }
  std::cerr << "config check: OK: " << path << ", " << load.valid.size() << " tenant(s), "
            << registry.entries().size() << " plugin(s) in " << host.pluginsDir << "\n";
  return 0;
}

/** Loads the host configuration for a command that needs only the store settings. */
std::optional<config::HostConfig> hostFor(const Args& args) {
  config::Problems problems;
  config::HostConfig host = config::loadHostConfig(configPath(args), {}, problems);
  for (const auto& p : problems) std::cerr << p.toString() << "\n";
  if (!problems.empty()) return std::nullopt;
  return host;
}

int runDb(const Args& args, bool apply) {
  auto host = hostFor(args);
  if (!host) return 1;
  auto db = store::Database::open(host->storeUrl, host->storePassword.reveal(), host->storeIoTimeoutSeconds);
  if (!db.isOk()) {
    std::cerr << db.status().message() << "\n";
    return 1;
  }
  if (apply) {
    auto applied = store::migrate(**db);
    if (!applied.isOk()) {
      std::cerr << applied.status().message() << "\n";
      return 1;
    }
    for (const auto& m : *applied) std::cout << "applied " << m.name << "\n";
    std::cerr << (*db)->describe() << ": " << applied->size() << " migration(s) applied, schema up to date\n";
    return 0;
  }
  auto status = store::migrationStatus(**db);
  if (!status.isOk()) {
    std::cerr << status.status().message() << "\n";
    return 1;
  }
  std::cout << (*db)->describe() << "\n";
  for (const auto& a : status->applied) {
    std::cout << "  applied  " << a.name << "  " << Poco::DateTimeFormatter::format(
        Poco::Timestamp::fromEpochTime(a.appliedAt / 1000), Poco::DateTimeFormat::ISO8601_FORMAT) << "\n";
  }
  for (const auto& p : status->pending) std::cout << "  pending  " << p.name << "\n";
  for (const auto& p : status->problems) std::cout << "  problem  " << p << "\n";
  return status->problems.empty() ? 0 : 1;
}

/** The database of the host configuration, migrated; nullptr after printing why not. */
store::DatabasePtr openStore(const Args& args) {
  auto host = hostFor(args);
  if (!host) return nullptr;
  auto db = store::Database::open(host->storeUrl, host->storePassword.reveal(), host->storeIoTimeoutSeconds);
  if (!db.isOk()) {
    std::cerr << db.status().message() << "\n";
    return nullptr;
  }
  if (auto migrated = store::migrate(**db); !migrated.isOk()) {
    std::cerr << migrated.status().message() << "\n";
    return nullptr;
  }
  return *db;
}

int runDbPurge(const Args& args) {
  auto host = hostFor(args);
  if (!host) return 1;
  store::DatabasePtr db = openStore(args);
  if (!db) return 1;
  const bool dryRun = args.has("dry-run");
  auto purged = store::Retention(db, retentionSettings(*host)).purge(store::nowMs(), dryRun);
  if (!purged.isOk()) {
    std::cerr << "baraza db purge: " << purged.status().message() << "\n";
    return 1;
  }
  size_t total = 0;
  for (const auto& c : *purged) {
    std::cout << c.table << "  " << c.rows << "\n";
    total += c.rows;
  }
  std::cerr << total << " row(s) " << (dryRun ? "would be deleted (dry run: nothing was)" : "deleted") << "\n";
  return 0;
}

std::string when(int64_t ms) {
  return Poco::DateTimeFormatter::format(Poco::Timestamp(ms * 1000), Poco::DateTimeFormat::ISO8601_FORMAT);
}

int runEventsList(const Args& args) {
  store::DatabasePtr db = openStore(args);
  if (!db) return 1;
  const std::string tenant = args.get("tenant");
  const size_t limit = static_cast<size_t>(std::max(1, std::atoi(args.get("limit", "50").c_str())));
  Status read = db->transaction([&](Poco::Data::Session& s) {
    if (args.has("failed")) {
      // Failed deliveries belong to no tenant yet: they failed before routing.
      for (const auto& row : store::Inbox(db->dialect()).list(s, "failed", limit)) {
        std::cout << "delivery " << row.id << "  " << when(row.receivedAt) << "  app " << row.app
                  << "  attempts " << row.attempts << "  " << row.body.size() << " bytes  error: "
                  << row.error << "\n";
      }
      return;
    }
    const std::string kind = args.has("unroutable") ? "unroutable" : "";
    for (const auto& e : store::Events(db->dialect()).list(s, tenant, kind, limit)) {
      std::cout << "event " << e.id << "  " << when(e.createdAt) << "  " << e.kind << "  "
                << (e.tenant.empty() ? "-" : e.tenant) << "  " << e.field << "  delivery "
                << e.deliveryId << "@" << e.position << (e.reason.empty() ? "" : "  " + e.reason) << "\n";
    }
  });
  if (!read.isOk()) {
    std::cerr << read.message() << "\n";
    return 1;
  }
  return 0;
}

int runEventsReplay(const Args& args) {
  if (args.has("failed") == !args.positional.empty()) {
    std::cerr << "baraza events replay: give a delivery id or --failed (not both)\n";
    return 2;
  }
  store::DatabasePtr db = openStore(args);
  if (!db) return 1;
  store::Inbox inbox(db->dialect());
  size_t replayed = 0;
  Status done = db->transaction([&](Poco::Data::Session& s) {
    if (args.has("failed")) {
      replayed = inbox.replayFailed(s, store::nowMs());
      return;
    }
    for (const auto& id : args.positional) {
      Poco::Int64 n = 0;
      if (!Poco::NumberParser::tryParse64(id, n) || !inbox.replay(s, n, store::nowMs())) {
        throw sdk::StatusError(notFound("no failed or processed delivery " + id));
      }
      ++replayed;
    }
  });
  if (!done.isOk()) {
    std::cerr << "baraza events replay: " << done.message() << "\n";
    return 1;
  }
  std::cout << replayed << " deliver" << (replayed == 1 ? "y" : "ies")
            << " queued for processing again (a running host picks them up)\n";
  return 0;
}

/** The message `baraza send` was given: --json FILE, or --text, with --to / --from applied. */
StatusOr<std::string> messageFromArgs(const Args& args) {
  if (args.has("json") == args.has("text")) return invalidArgument("give --text TEXT or --json FILE (one of them)");
  Poco::JSON::Object::Ptr message;
  if (args.has("json")) {
    std::string text;
    try {
      Poco::FileInputStream in(args.get("json"));
      Poco::StreamCopier::copyToString(in, text);
      Poco::Dynamic::Var parsed = Poco::JSON::Parser().parse(text);
      if (parsed.type() == typeid(Poco::JSON::Object::Ptr)) message = parsed.extract<Poco::JSON::Object::Ptr>();
    } catch (const Poco::Exception& e) {
      return invalidArgument(args.get("json") + ": " + e.displayText());
    }
    if (message.isNull()) return invalidArgument(args.get("json") + ": not a JSON object");
  } else {
    message = new Poco::JSON::Object;
    Poco::JSON::Object::Ptr text = new Poco::JSON::Object;
    text->set("body", args.get("text"));
    message->set("type", "text");
    message->set("text", text);
  }
  if (args.has("to")) message->set("to", args.get("to"));
  if (args.has("from")) message->set("phone_number_id", args.get("from"));
  std::ostringstream out;
  message->stringify(out);
  return out.str();
}

int runSend(const Args& args) {
  if (!args.has("tenant")) {
    std::cerr << "baraza send: --tenant is required\n";
    return 2;
  }
  StatusOr<std::string> message = messageFromArgs(args);
  if (!message.isOk()) {
    std::cerr << "baraza send: " << message.status().message() << "\n";
    return 2;
  }
  auto host = hostFor(args);
  if (!host) return 1;
  store::DatabasePtr db = openStore(args);
  if (!db) return 1;
  // The tenant's own channel plugin checks and builds the message, exactly as in the host.
  plugins::PluginRegistry registry = plugins::PluginRegistry::scan(host->pluginsDir);
  registry.loadAll();
  http::HttpClient client(host->httpClient);
  store::SqlKeyValueStore kv(db);
  tenants::SharedServices shared;
  shared.http = [&client](const HttpRequest& request) { return client.send(request); };
  shared.kv = &kv;
  tenants::TenantManager tenants(host->tenantsDir, registry, shared);
  tenants.start();
  outbound::OutboundQueue queue(db, tenants, host->flowTokenTtlSeconds * 1000);
  const std::string key = args.get("key");
  StatusOr<int64_t> id = queue.submit(args.get("tenant"), *message, key.empty() ? "" : "cli:" + key);
  if (!id.isOk()) {
    std::cerr << "baraza send: not queued: " << id.status().message() << "\n";
    return 1;
  }
  std::cout << *id << "\n";
  std::cerr << "queued as message " << *id << "; a running host sends it (`baraza send status " << *id << "`)\n";
  return 0;
}

int runSendStatus(const Args& args) {
  Poco::Int64 id = 0;
  if (args.positional.size() != 1 || !Poco::NumberParser::tryParse64(args.positional[0], id)) {
    std::cerr << "baraza send status: give one message id\n";
    return 2;
  }
  store::DatabasePtr db = openStore(args);
  if (!db) return 1;
  std::optional<store::OutboxRow> row;
  std::optional<store::MessageRecord> sent;
  Status read = db->transaction([&](Poco::Data::Session& s) {
    row = store::Outbox(db->dialect()).get(s, id);
    if (row && !row->providerId.empty()) sent = store::MessageStore(db->dialect()).message(s, row->tenant, row->providerId);
  });
  if (!read.isOk()) {
    std::cerr << read.message() << "\n";
    return 1;
  }
  if (!row) {
    std::cerr << "baraza send status: no message " << id << "\n";
    return 1;
  }
  auto line = [](const std::string& name, const std::string& value) {
    if (!value.empty()) std::cout << "  " << std::left << std::setw(11) << name << value << "\n";
  };
  std::cout << "message " << row->id << "\n";
  line("tenant", row->tenant);
  line("from", row->phoneNumberId);
  line("to", row->recipient);
  line("state", row->state);
  line("attempts", std::to_string(row->attempts));
  line("queued", when(row->createdAt));
  line("updated", when(row->updatedAt));
  if (row->state == "queued" && row->nextAttemptAt > row->updatedAt) line("next try", when(row->nextAttemptAt));
  line("wamid", row->providerId);
  line("request", row->payload);
  if (sent) line("status", sent->status + " (" + when(sent->statusAt) + ")" + (sent->error.empty() ? "" : " " + sent->error));
  line("last error", row->lastError);
  return 0;
}

int runKeygen(const Args& args) {
  const std::string tenant = args.get("tenant");
  if (tenant.empty()) {
    std::cerr << "baraza keygen: --tenant is required\n";
    return 2;
  }
  const std::string out = args.get("out", "/var/lib/baraza/keys/" + tenant + "-flows.pem");
  if (Poco::File(out).exists() && !args.has("force")) {
    std::cerr << "baraza keygen: " << out << " exists; keep it (rotation needs it) or pass --force\n";
    return 1;
  }
  auto key = crypto::RsaPrivateKey::generate(2048);
  if (!key) {
    std::cerr << "baraza keygen: key generation failed\n";
    return 1;
  }
  try {
    Poco::File(Poco::Path(out).parent()).createDirectories();
  } catch (const Poco::Exception& e) {
    std::cerr << "baraza keygen: " << e.displayText() << "\n";
    return 1;
  }
  // Created 0600 from the start: the private key is never readable by others, not even briefly.
  const std::string tmp = out + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  const std::string pem = key->privatePem();
  if (fd < 0 || ::write(fd, pem.data(), pem.size()) != static_cast<ssize_t>(pem.size()) || ::fsync(fd) != 0 ||
      ::close(fd) != 0 || ::rename(tmp.c_str(), out.c_str()) != 0) {
    std::cerr << "baraza keygen: cannot write " << out << ": " << std::strerror(errno) << "\n";
    return 1;
  }
  std::cerr << "private key (RSA-2048, mode 0600): " << out << "\n"
            << "add it to tenants.d/" << tenant << ".properties: flows.private_key_files = " << out
            << "\nthen register this public key on the tenant's phone numbers (`baraza flows register-key --tenant "
            << tenant << "`):\n";
  std::cout << key->publicPem();
  return 0;
}

/** The business public key entry of a GET whatsapp_business_encryption answer, in either shape. */
Poco::JSON::Object::Ptr encryptionEntry(const std::string& body) {
  Poco::JSON::Object::Ptr root = jsontext::parseObject(body);  // throws when it is not an object
  // Postman shows {"data": [{...}]}, the doc page a bare object (reference §1.12): take both.
  if (Poco::JSON::Array::Ptr data = root->getArray("data")) return data->size() ? data->getObject(0) : nullptr;
  return root;
}

/** "code N: message" from a Graph error envelope, else the HTTP status and body. */
std::string graphError(const HttpResponse& response) {
  try {
    Poco::JSON::Object::Ptr error = jsontext::parseObject(response.body)->getObject("error");
    if (error) return "code " + error->optValue<std::string>("code", "?") + ": " + error->optValue<std::string>("message", "");
  } catch (const Poco::Exception&) {
  }
  return "HTTP " + std::to_string(response.status) + ": " + response.body.substr(0, 200);
}

int runFlowsRegisterKey(const Args& args) {
  const std::string tenantId = args.get("tenant");
  if (tenantId.empty()) {
    std::cerr << "baraza flows register-key: --tenant is required\n";
    return 2;
  }
  auto host = hostFor(args);
  if (!host) return 1;
  plugins::PluginRegistry registry = plugins::PluginRegistry::scan(host->pluginsDir);
  config::Problems problems;
  tenants::TenantConfig tenant =
      tenants::loadTenantFile(host->tenantsDir + "/" + tenantId + ".properties", registry, problems);
  for (const auto& p : problems) std::cerr << p.toString() << "\n";
  if (!problems.empty()) return 1;
  if (tenant.flowsKeys.empty()) {
    std::cerr << "baraza flows register-key: tenant " << tenantId
              << " has no flows.private_key_files (make one with `baraza keygen --tenant " << tenantId << "`)\n";
    return 1;
  }
  if (!tenant.accessToken) {
    std::cerr << "baraza flows register-key: tenant " << tenantId << " has no whatsapp.access_token\n";
    return 1;
  }
  // The current key (the first): Meta keeps one key per number.
  const std::string publicPem = tenant.flowsKeys.front().publicPem();
  const std::string version = args.get("graph-version", "v25.0");
  std::vector<std::string> numbers = tenant.phoneNumberIds;
  if (args.has("number")) numbers = {args.get("number")};
  http::HttpClient client(host->httpClient);
  bool allValid = true;
  for (const auto& number : numbers) {
    const std::string url = "https://graph.facebook.com/" + version + "/" + number + "/whatsapp_business_encryption";
    const std::pair<std::string, std::string> auth{"Authorization", "Bearer " + tenant.accessToken->reveal()};
    HttpRequest upload{"POST", url, "graph", {auth, {"Content-Type", "application/x-www-form-urlencoded"}}, ""};
    Poco::URI form;
    form.addQueryParameter("business_public_key", publicPem);
    upload.body = form.getRawQuery();
    StatusOr<HttpResponse> posted = client.send(upload);
    if (!posted.isOk() || posted->status != 200) {
      std::cerr << "number " << number << ": upload refused: "
                << (posted.isOk() ? graphError(*posted) : posted.status().message()) << "\n";
      allValid = false;
      continue;
    }
    StatusOr<HttpResponse> read = client.send({"GET", url, "graph", {auth}, ""});
    Poco::JSON::Object::Ptr entry;
    try {
      if (read.isOk() && read->status == 200) entry = encryptionEntry(read->body);
    } catch (const Poco::Exception&) {
    }
    if (!entry) {
      std::cerr << "number " << number << ": uploaded, but its signature status cannot be read: "
                << (!read.isOk() ? read.status().message() : graphError(*read)) << "\n";
      allValid = false;
      continue;
    }
    const std::string status = entry->optValue<std::string>("business_public_key_signature_status", "UNKNOWN");
    const bool ours = entry->optValue<std::string>("business_public_key", "") == publicPem;
    std::cout << "number " << number << ": public key registered, signature status " << status
              << (ours ? "" : " (but Meta shows a different key)") << "\n";
    allValid = allValid && ours && status == "VALID";
  }
  return allValid ? 0 : 1;
}

int runPluginsList(const Args& args) {
  std::string dir = args.get("dir");
  if (dir.empty()) {
    config::Problems problems;
    dir = config::loadHostConfig(configPath(args), {}, problems).pluginsDir;
    for (const auto& p : problems) std::cerr << p.toString() << "\n";
  }
  plugins::PluginRegistry registry = plugins::PluginRegistry::scan(dir);
  if (!registry.error().empty()) {
    std::cerr << registry.error() << "\n";
    return 1;
  }
  registry.loadAll();
  std::cout << std::left << std::setw(34) << "ID" << std::setw(9) << "VERSION" << std::setw(22)
            << "KINDS" << std::setw(5) << "ABI" << std::setw(9) << "STATUS" << "FILE\n";
  bool allLoaded = true;
  for (const auto& e : registry.entries()) {
    allLoaded = allLoaded && e.loaded();
    const plugins::Manifest* m = e.manifest ? &*e.manifest : nullptr;
    std::cout << std::setw(34) << (m ? m->id : "-") << std::setw(9) << (m ? m->version : "-")
              << std::setw(22) << (m ? plugins::kindNames(m->kinds) : "-") << std::setw(5)
              << (m ? m->abiText() : "-") << std::setw(9) << (e.loaded() ? "loaded" : "refused")
              << (m ? m->libraryPath : e.dir + "/plugin.json") << "\n";
    if (!e.loaded()) std::cout << "    reason: " << e.error << "\n";
  }
  if (registry.entries().empty()) std::cerr << "no plugins in " << dir << "\n";
  return allLoaded ? 0 : 1;
}

}  // namespace

std::vector<Command> commands() {
  return {
      {{"serve"},
       "Run the host: HTTP endpoints, tenants and their plugins.",
       "Runs the Baraza host in the foreground (systemd runs it as a service). Loads the plugins, "
       "starts every valid tenant and serves HTTP. SIGHUP re-reads the tenant files and swaps them "
       "in only if all are valid; SIGTERM or SIGINT stops accepting, lets requests in flight finish "
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
         o.addOption(Poco::Util::Option("dir", "d", "Plugin directory to list instead of plugins.dir.")
                         .argument("DIR"));
       },
       runPluginsList},
      {{"db", "migrate"},
       "Apply pending database migrations.",
       "Applies every pending schema migration to the database store.url names (serve does this "
       "at start too). Safe to run while hosts are serving and from several hosts at once. Refuses "
       "a database whose applied migrations were edited or come from a newer baraza.",
       configOption, [](const Args& args) { return runDb(args, true); }},
      {{"db", "purge"},
       "Delete what the retention settings no longer keep.",
       "Deletes, in small transactions, the rows retention.* no longer keeps: processed and "
       "failed deliveries and conversation jobs, events, messages sent or failed, expired flow "
       "tokens and key/value entries; prints how many per table. A serving host does the same "
       "every retention.interval_seconds. With --dry-run it only counts.",
       [](auto& o) {
         configOption(o);
         o.addOption(Poco::Util::Option("dry-run", "n", "Count what would be deleted; delete nothing."));
       },
       runDbPurge},
      {{"db", "status"},
       "List applied and pending database migrations.",
       "Lists the migrations applied to the database store.url names, with when, and those this "
       "baraza would apply. Exits 1 if an applied migration was edited or is unknown to it.",
       configOption, [](const Args& args) { return runDb(args, false); }},
      {{"events", "list"},
       "List webhook events: kept fields, unroutable changes, failed deliveries.",
       "Lists what inbound processing kept besides messages, newest first: non-message webhook "
       "fields, changes no tenant could take (--unroutable), webhook errors; or, with --failed, "
       "deliveries whose processing failed (e.g. signed bodies that are not JSON).",
       [](auto& o) {
         configOption(o);
         o.addOption(Poco::Util::Option("tenant", "t", "Only this tenant's events.").argument("TENANT"));
         o.addOption(Poco::Util::Option("failed", "f", "List failed deliveries instead."));
         o.addOption(Poco::Util::Option("unroutable", "u", "Only changes no tenant could take."));
         o.addOption(Poco::Util::Option("limit", "n", "At most N lines (default 50).").argument("N"));
       },
       runEventsList},
      {{"events", "replay"},
       "Process a delivery again: `replay ID...` or `replay --failed`.",
       "Queues the given deliveries (ids from `events list`; an unroutable event names its "
       "delivery) or, with --failed, every failed delivery, to be processed again by a running "
       "host. Processing is idempotent: what was stored already is not stored twice.",
       [](auto& o) {
         configOption(o);
         o.addOption(Poco::Util::Option("failed", "f", "Replay every failed delivery."));
       },
       runEventsReplay},
      {{"send"},
       "Queue a message: `send --tenant T --to +2547... --text \"...\"` or `--json FILE`.",
       "Queues an outbound message for a tenant; a running host sends it. --text sends a text "
       "message; --json FILE any type, as the Graph message object (docs/sending.md). The tenant's "
       "channel plugin checks Meta's limits first: an invalid message is refused with the reason "
       "and nothing is queued. Prints the message id (for `baraza send status ID`).",
       [](auto& o) {
         configOption(o);
         o.addOption(Poco::Util::Option("tenant", "t", "The sending tenant.").argument("TENANT"));
         o.addOption(Poco::Util::Option("to", "", "Recipient, +<country code><number>.").argument("NUMBER"));
         o.addOption(Poco::Util::Option("text", "", "Send this text.").argument("TEXT"));
         o.addOption(Poco::Util::Option("json", "j", "Send this message (Graph message object).").argument("FILE"));
         o.addOption(Poco::Util::Option("from", "", "Sending phone number id (default: the tenant's first).")
                         .argument("ID"));
         o.addOption(Poco::Util::Option("key", "k", "Idempotency key: the same key queues the same message once.")
                         .argument("KEY"));
       },
       runSend},
      {{"send", "status"},
       "Show a queued message: state, attempts, last error, wamid, delivery status.",
       "Shows what became of a message queued with `baraza send` (or by a plugin): its state "
       "(queued, sending, sent, failed), attempts, the next try, the last error (code, title, "
       "details), the wamid Meta gave it and the latest delivery status from webhooks.",
       configOption, runSendStatus},
      {{"flows", "register-key"},
       "Register a tenant's Flows public key with Meta and show its signature status.",
       "Uploads the public half of the tenant's current Flows key (the first of "
       "flows.private_key_files) to each of its phone numbers (POST /<number>/"
       "whatsapp_business_encryption with its access token), then reads back the signature "
       "status. Exits 0 when every number shows this key as VALID. Run it after `keygen`, after "
       "re-registering a number, and when Meta alerts public-key-missing.",
       [](auto& o) {
         configOption(o);
         o.addOption(Poco::Util::Option("tenant", "t", "The tenant.").argument("TENANT"));
         o.addOption(Poco::Util::Option("number", "n", "Only this phone number id.").argument("ID"));
         o.addOption(Poco::Util::Option("graph-version", "", "Graph API version (default v25.0).").argument("VERSION"));
       },
       runFlowsRegisterKey},
      {{"keygen"},
       "Generate a tenant's RSA-2048 key pair for the Flows endpoint.",
       "Writes a new RSA-2048 private key (PKCS#8 PEM, mode 0600) for the tenant's Flows endpoint "
       "and prints the public key (SPKI PEM) to register with Meta. Refuses to overwrite an "
       "existing key unless --force: during rotation the old key must stay.",
       [](auto& o) {
         o.addOption(Poco::Util::Option("tenant", "t", "The tenant the key is for.").argument("TENANT"));
         o.addOption(Poco::Util::Option("out", "o", "Where to write the private key (default "
                                                     "/var/lib/baraza/keys/TENANT-flows.pem).").argument("PATH"));
         o.addOption(Poco::Util::Option("force", "f", "Overwrite an existing key file."));
       },
       runKeygen},
      {{"version"}, "Print the version and the plugin ABI version.",
       "Prints the Baraza version and the plugin ABI version (major.minor) this host speaks.", {},
       runVersion},
  };
}

}  // namespace baraza::app
